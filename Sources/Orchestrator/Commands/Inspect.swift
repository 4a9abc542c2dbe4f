import ArgumentParser
import PatchCompiler
import Shared

extension Hotpatch {
    /// `hotpatch inspect`: shows what a patch file holds.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show a patch's target, build-id, replaced functions, symbols, relocations and signature.")

        /// The patch file.
        @Argument(help: ArgumentHelp("The patch file.", valueName: "patch"))
        var patch: String

        /// Machine-readable output.
        @Flag(help: "Print JSON instead of text.")
        var json = false

        /// Keys to verify the signature against.
        @Option(
            help: ArgumentHelp(
                "Verify the signature against this key list (trusted-keys format, or a NAME.pub).",
                valueName: "file"))
        var trustedKeys: String?

        func run() throws {
            let file = try PatchFile(bytes: try FileBytes.read(patch))
            let keys = try trustedKeys.map { path in
                try PatchPublicKey.list(String(decoding: try FileBytes.read(path), as: UTF8.self))
            }
            let inspection = PatchInspection(file, trusting: keys)
            print(json ? try inspection.json() : inspection.text())
        }
    }
}
