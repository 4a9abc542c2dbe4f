import ArgumentParser
import Foundation
import PatchCompiler
import Shared
import SourceBuild

extension Hotpatch {
    /// `hotpatch create`: makes a patch file from a fixed object (or from two same-layout builds).
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a patch file from the target build and the fixed source's object.",
            discussion: """
                Compile the fixed source with the target's own flags and PIC mode (-fPIE for a PIE executable, -fPIC \
                for a shared library) plus -ffunction-sections -fdata-sections, \
                then: hotpatch create --target BINARY_OR_LIB --object FIX.o -o fix.hotpatch. Functions whose code \
                is identical once linked into the target are left out; changed ones are included. With two whole \
                builds of identical layout, --old BINARY --new BINARY makes an in-place patch instead.

                From source: hotpatch create --target BINARY_OR_LIB --source DIR (--commit REV | --diff FILE) builds \
                the fix's parent and the fix in scratch trees (DIR is never written to) with the project's own build \
                (make, CMake, Meson or autotools; or --build 'COMMAND'), checks that the rebuilt parent is the code \
                running in the target function by function (refusing, with the first differing function, when it is \
                not), and makes the patch from the objects the fix changed.
                """)

        /// The executable or shared library the patch is for.
        @Option(help: ArgumentHelp("The executable or shared library to patch.", valueName: "path"))
        var target: String?

        /// Objects compiled from the fixed source.
        @Option(
            name: .customLong("object"),
            help: ArgumentHelp("An object compiled from the fixed source (repeatable).", valueName: "path"))
        var objects: [String] = []

        /// Functions to include, bypassing change detection.
        @Option(
            name: .customLong("function"),
            help: ArgumentHelp(
                "Include exactly this function (repeatable); skips change detection.", valueName: "name"))
        var functions: [String] = []

        /// A separate debug file holding the target's `.symtab`.
        @Option(
            help: ArgumentHelp(
                "A debug file with the target's symbols (when the target is stripped).", valueName: "path"))
        var debugFile: String?

        /// The old build (in-place method).
        @Option(
            help: ArgumentHelp("The running build, for an in-place patch (with --new).", valueName: "path"))
        var old: String?

        /// The new build (in-place method).
        @Option(
            help: ArgumentHelp(
                "The fixed build of identical layout, for an in-place patch (with --old).", valueName: "path")
        )
        var new: String?

        /// The patch id.
        @Option(
            help: ArgumentHelp(
                "Patch id ([A-Za-z0-9._-], at most 64 bytes); default: the output file's name.",
                valueName: "id"))
        var id: String?

        /// A human description.
        @Option(help: ArgumentHelp("A description stored in the patch.", valueName: "text"))
        var description: String = ""

        /// Sign the patch with this private key.
        @Option(
            help: ArgumentHelp(
                "Sign the patch with this Ed25519 private key (hotpatch keygen, openssl genpkey).",
                valueName: "KEY"))
        var sign: String?

        /// The source tree the target was built from (`--source` mode).
        @Option(
            help: ArgumentHelp(
                "The target's source tree: build the fix's parent and the fix from it (with --commit or --diff).",
                valueName: "dir"))
        var source: String?

        /// The fix as a commit of `--source`.
        @Option(
            help: ArgumentHelp(
                "The fix commit in --source; its parent is the running code.", valueName: "rev"))
        var commit: String?

        /// The fix as a diff against `--source` as it is.
        @Option(help: ArgumentHelp("The fix as a diff, applied to a copy of --source.", valueName: "file"))
        var diff: String?

        /// The project's build command, when detection is not enough.
        @Option(
            name: .customLong("build"),
            help: ArgumentHelp(
                "How to build the tree (run with sh -c at its top); default: make, CMake, Meson or autotools, detected.",
                valueName: "command"))
        var buildCommand: String?

        /// One JSON object on stdout, no progress.
        @Flag(help: "Print the decisions and the outcome as one JSON object; no progress lines.")
        var json = false

        /// Where to write the patch.
        @Option(name: .shortAndLong, help: ArgumentHelp("Output file.", valueName: "path"))
        var output: String = "fix.hotpatch"

        func validate() throws {
            if source != nil || commit != nil || diff != nil || buildCommand != nil {
                try validateSource()
            } else if old != nil || new != nil {
                guard old != nil, new != nil else { throw ValidationError("--old and --new go together") }
                guard target == nil, objects.isEmpty, functions.isEmpty, debugFile == nil else {
                    throw ValidationError(
                        "--old/--new cannot be combined with --target, --object, --function or --debug-file")
                }
            } else {
                guard target != nil else {
                    throw ValidationError("missing --target BINARY_OR_LIB (or --old/--new)")
                }
                guard !objects.isEmpty else {
                    throw ValidationError("missing --object FIX.o, the fixed source's object")
                }
            }
            guard patchID != nil else {
                throw ValidationError(
                    "invalid patch id \"\(requestedID)\": use [A-Za-z0-9._-], at most 64 bytes (--id)")
            }
        }

        private func validateSource() throws {
            guard source != nil else {
                throw ValidationError(
                    "--commit, --diff and --build need --source DIR, the target's source tree")
            }
            guard (commit == nil) != (diff == nil) else {
                throw ValidationError(
                    "--source needs exactly one of --commit REV or --diff FILE: the fix to build")
            }
            guard target != nil else {
                throw ValidationError("--source needs --target BINARY_OR_LIB, the running build to patch")
            }
            guard objects.isEmpty, functions.isEmpty, old == nil, new == nil else {
                throw ValidationError("--source cannot be combined with --object, --function, --old or --new")
            }
        }

        private var requestedID: String {
            id
                ?? String(
                    (output.split(separator: "/").last ?? "patch").split(separator: ".").first ?? "patch")
        }
        private var patchID: PatchID? { PatchID(requestedID) }

        func run() throws {
            // Read the key first: a bad key should fail before the work, not after.
            let signingKey = try sign.map { try SigningKey(contentsOf: $0) }
            var report = CreateReport(json: json)
            do {
                var outcome = try makeOutcome(report: &report)
                report.decided(outcome.decisions)
                if let signingKey {
                    outcome.bytes = try signingKey.sign(try PatchFile(bytes: outcome.bytes))
                }
                guard FileManager.default.createFile(atPath: output, contents: Data(outcome.bytes)) else {
                    throw PatchCreationError(
                        "cannot write \(output); check the directory exists and is writable")
                }
                report.wrote(
                    output: output, id: patchID!, bytes: outcome.bytes,
                    keyID: signingKey.map { String($0.publicKey(comment: "").keyID.hex.prefix(16)) })
            } catch let error where json {
                report.refused("\(error)")
                throw ExitCode.failure
            }
        }

        /// The patch by the chosen method; `--source` reports its progress and notes on the way.
        private func makeOutcome(report: inout CreateReport) throws -> PatchCreator.Outcome {
            if let old, let new {
                return try PatchCreator.fromBuilds(old: old, new: new, id: patchID!, description: description)
            }
            guard let source else {
                return try PatchCreator.fromObjects(
                    target: target!, objects: objects, functions: functions, id: patchID!,
                    description: description, debugFile: debugFile)
            }
            let fix: FixSource = commit.map { .commit($0) } ?? .diff(diff!)
            let progress = report.progress
            let build = try SourceBuild.make(
                source: source, fix: fix, command: buildCommand,
                scratch: ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp",
                jobs: ProcessInfo.processInfo.activeProcessorCount, progress: progress)
            defer { build.remove() }
            report.note(
                "the fix changed \(build.changed.count) object(s): \(build.changed.map(\.key).joined(separator: ", "))"
            )
            let made = try PatchCreator.fromSource(
                target: target!, build: build, id: patchID!, description: description, debugFile: debugFile)
            made.notes.forEach { report.note($0) }
            return made.outcome
        }
    }
}

/// What `hotpatch create` tells people (decisions on stdout, progress and notes on stderr) or
/// programs (`--json`: one object on stdout with the decisions, notes and outcome; nothing else).
struct CreateReport {
    let json: Bool
    private var decisions: [PatchSelection.Decision] = []
    private var notes: [String] = []

    init(json: Bool) { self.json = json }

    /// Progress of the source build, on stderr (silent with --json).
    var progress: (SourceBuild.Progress) -> Void {
        let json = json
        return { event in
            guard !json else { return }
            switch event {
            case .started(let what): Self.standardError("\(what)… ")
            case .finished(let seconds): Self.standardError("done in \(seconds) s\n")
            }
        }
    }

    /// Something that did not stop the patch.
    mutating func note(_ text: String) {
        notes.append(text)
        if !json { Self.standardError("note: \(text)\n") }
    }

    /// The decision log, printed as soon as it is known.
    mutating func decided(_ decisions: [PatchSelection.Decision]) {
        self.decisions = decisions
        guard !json else { return }
        for decision in decisions {
            print("\(decision.verdict.rawValue): \(decision.name) (\(decision.reason))")
        }
    }

    /// The patch is written.
    func wrote(output: String, id: PatchID, bytes: [UInt8], keyID: String?) {
        let sha = "\(SHA256.hash(bytes))"
        guard json else {
            print("wrote \(output): patch \(id), \(bytes.count) bytes, sha256 \(sha)")
            if let keyID { print("signed with key \(keyID)") }
            return
        }
        var object = body(outcome: "wrote")
        object["patch"] = [
            "path": output, "id": "\(id)", "bytes": bytes.count, "sha256": sha,
            "signedBy": keyID.map { $0 as Any } ?? NSNull(),
        ]
        emit(object)
    }

    /// Creation failed (with --json; otherwise the error reaches the terminal as usual).
    func refused(_ error: String) {
        var object = body(outcome: "refused")
        object["error"] = error
        emit(object)
    }

    private func body(outcome: String) -> [String: Any] {
        [
            "outcome": outcome, "notes": notes,
            "decisions": decisions.map {
                ["verdict": $0.verdict.rawValue, "name": $0.name, "reason": $0.reason]
            },
        ]
    }

    private func emit(_ object: [String: Any]) {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }

    private static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
