import ArgumentParser
import Foundation
import PatchCompiler
import Shared
import SourceBuild

extension Hotpatch {
    /// `hotpatch create`: makes a patch file from a fixed object (or from two same-layout builds).
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a patch file for a running build: from a fix commit, the fixed objects, or two builds.",
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
            return try PatchCreator.fromSource(
                target: target!, source: source, fix: fix, buildCommand: buildCommand,
                scratch: ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp",
                jobs: ProcessInfo.processInfo.activeProcessorCount, id: patchID!, description: description,
                debugFile: debugFile, progress: report.progress, note: { report.note($0) })
        }
    }
}
