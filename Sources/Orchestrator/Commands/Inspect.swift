import ArgumentParser
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

        func run() throws {
            let file = try PatchFile(bytes: try FileBytes.read(patch))
            let inspection = PatchInspection(file)
            print(json ? try inspection.json() : inspection.text())
        }
    }
}
