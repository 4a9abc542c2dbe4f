import ArgumentParser
import Foundation
import PatchCompiler
import Shared

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

        /// Where to write the patch.
        @Option(name: .shortAndLong, help: ArgumentHelp("Output file.", valueName: "path"))
        var output: String = "fix.hotpatch"

        func validate() throws {
            if old != nil || new != nil {
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

        private var requestedID: String {
            id
                ?? String(
                    (output.split(separator: "/").last ?? "patch").split(separator: ".").first ?? "patch")
        }
        private var patchID: PatchID? { PatchID(requestedID) }

        func run() throws {
            // Read the key first: a bad key should fail before the work, not after.
            let signingKey = try sign.map { try SigningKey(contentsOf: $0) }
            var outcome: PatchCreator.Outcome
            if let old, let new {
                outcome = try PatchCreator.fromBuilds(
                    old: old, new: new, id: patchID!, description: description)
            } else {
                outcome = try PatchCreator.fromObjects(
                    target: target!, objects: objects, functions: functions, id: patchID!,
                    description: description,
                    debugFile: debugFile)
            }
            for decision in outcome.decisions {
                print("\(decision.verdict.rawValue): \(decision.name) (\(decision.reason))")
            }
            if let signingKey {
                outcome.bytes = try signingKey.sign(try PatchFile(bytes: outcome.bytes))
            }
            guard FileManager.default.createFile(atPath: output, contents: Data(outcome.bytes)) else {
                throw PatchCreationError("cannot write \(output); check the directory exists and is writable")
            }
            print(
                "wrote \(output): patch \(patchID!), \(outcome.bytes.count) bytes, sha256 \(SHA256.hash(outcome.bytes))"
            )
            if let signingKey {
                print("signed with key \(signingKey.publicKey(comment: "").keyID.hex.prefix(16))")
            }
        }
    }
}
