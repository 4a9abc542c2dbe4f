import Foundation
import TestSupport

/// The two builds of one case, made the way the corpus format says: v1 linked whole (PIE, build-id,
/// no function sections), each changed v2 file compiled alone with create's flags.
///
/// v2 is compiled `-fPIE`, the code model gcc used for v1 (its default PIE), not `-fPIC`: with
/// `-fPIC` gcc treats the file's global functions as interposable and reaches extern variables
/// through the GOT, so functions that did not change compile to other instructions (a caller no
/// longer inlines or hoists a pure callee; `mov stdout(%rip)` becomes a GOT load) and no comparer
/// can call them equal. A user patching a PIE executable compiles the fix as the executable was.
struct CorpusBuild: Sendable {
    /// The running build (v1), what create is given as `--target`.
    let target: String
    /// The program the patch is applied to: `target`, or another build of v1 for `apply-to: other-build`.
    let running: String
    /// The objects compiled from v2, one per changed file, what create is given as `--object`.
    let objects: [String]

    /// Builds `corpusCase` in `work`; throws the compiler's command and output on failure.
    static func make(_ corpusCase: CorpusCase, in work: String) throws -> CorpusBuild {
        let v1 = try sources(in: corpusCase.directory + "/v1", of: corpusCase)
        let v2 = try sources(in: corpusCase.directory + "/v2", of: corpusCase)
        guard !v1.isEmpty, !v2.isEmpty else {
            throw CorpusStepError(
                step: .build, message: "v1/ and v2/ must each hold at least one source file")
        }
        let common = corpusCase.cflags + ["-pthread", "-g0"]
        // Each side is compiled in its own folder under the files' plain names, as a user rebuilds
        // a fixed file where it lives: __FILE__ (assert, log macros) is then the same on both sides.
        let v1Folder = corpusCase.directory + "/v1"
        let target = work + "/prog"
        try compile(corpusCase, common + v1 + ["-Wl,--build-id", "-o", target], in: v1Folder)
        var running = target
        if corpusCase.applyTo == .otherBuild {
            // The same sources with one extra symbol: a different file, so a different build-id.
            running = work + "/prog-other-build"
            try compile(
                corpusCase,
                common + v1 + ["-Wl,--build-id", "-Wl,--defsym=corpus_other_build=1", "-o", running],
                in: v1Folder)
        }
        let objectFolder = work + "/v2"
        try FileManager.default.createDirectory(atPath: objectFolder, withIntermediateDirectories: true)
        let objects = try v2.map { source -> String in
            let base = (source as NSString).deletingPathExtension
            let object = "\(objectFolder)/\(base).o"
            try compile(
                corpusCase,
                // -fPIE first: a case whose cflags say -fPIC builds both sides PIC.
                ["-fPIE"] + common + [
                    "-ffunction-sections", "-fdata-sections", "-I", v1Folder, "-c", source, "-o", object,
                ], in: corpusCase.directory + "/v2")
            return object
        }
        return CorpusBuild(target: target, running: running, objects: objects)
    }

    /// The compilable files of `folder` (headers are only included), by name, sorted.
    private static func sources(in folder: String, of corpusCase: CorpusCase) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw CorpusStepError(step: .build, message: "\(folder) is missing")
        }
        return names.filter { corpusCase.sourceExtensions.contains(($0 as NSString).pathExtension) }.sorted()
    }

    /// Runs the case's compiler driver with `arguments`.
    private static func compile(_ corpusCase: CorpusCase, _ arguments: [String], in work: String) throws {
        let result = try Subprocess.run(corpusCase.compiler, arguments, currentDirectory: work)
        guard result.status == 0 else {
            throw CorpusStepError(
                step: .build,
                message:
                    "\(corpusCase.compiler) \(arguments.joined(separator: " ")) exited \(result.status):\n"
                    + result.stderr + result.stdout)
        }
    }
}
