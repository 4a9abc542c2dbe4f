import ArgumentParser
import Foundation
import PatchCompiler
import Shared

extension Hotpatch {
    /// `hotpatch sign`: signs (or re-signs) a patch file in place.
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a patch with an Ed25519 key (replaces any earlier signature).",
            discussion: """
                The signature covers every byte of the patch except the signature itself. Signing does not \
                change the patch's id or content hash, so a host that runs the unsigned or an older-signed \
                copy counts the signed one as already applied.
                """)

        /// The patch file.
        @Argument(help: ArgumentHelp("The patch file to sign.", valueName: "patch"))
        var patch: String

        /// The private key.
        @Option(
            help: ArgumentHelp("The private key (from hotpatch keygen or openssl genpkey).", valueName: "KEY")
        )
        var key: String

        /// Where to write; default: over the input.
        @Option(
            name: .shortAndLong,
            help: ArgumentHelp("Write the signed patch here (default: in place).", valueName: "path"))
        var output: String?

        func run() throws {
            let file = try PatchFile(bytes: try FileBytes.read(patch))
            let signingKey = try SigningKey(contentsOf: key)
            let signed = try signingKey.sign(file)
            let target = output ?? patch
            try Data(signed).write(to: URL(fileURLWithPath: target), options: .atomic)
            print(
                "signed \(target): patch \(file.id), key \(signingKey.publicKey(comment: "").keyID.hex.prefix(16)), "
                    + "content sha256 \(file.contentHash)")
        }
    }
}
