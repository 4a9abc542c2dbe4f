import ArgumentParser
import Foundation
import PatchCompiler
import Shared

extension Hotpatch {
    /// `hotpatch keygen`: makes an Ed25519 key pair for signing patches.
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an Ed25519 key pair for signing patches.",
            discussion: """
                Writes NAME (the private key, PKCS#8 PEM as `openssl genpkey -algorithm ed25519` writes it, \
                mode 0600) and NAME.pub (one line: hotpatch-ed25519 <base64 key> <comment>). Put NAME.pub's \
                line in /etc/hotpatch/trusted-keys on every host that must apply only patches you signed.
                """)

        /// Where to write the private key (the public one goes to NAME.pub).
        @Option(
            help: ArgumentHelp("The private key's path; the public key goes to NAME.pub.", valueName: "NAME"))
        var out: String

        /// Comment on the public key line.
        @Option(help: ArgumentHelp("The public key's comment (default: user@host).", valueName: "text"))
        var comment: String?

        /// Replace existing files.
        @Flag(help: "Overwrite NAME and NAME.pub if they exist.")
        var force = false

        func validate() throws {
            if let comment, comment.contains(where: \.isNewline) {
                throw ValidationError("--comment must be one line")
            }
        }

        func run() throws {
            let publicPath = out + ".pub"
            for path in [out, publicPath] where !force && FileManager.default.fileExists(atPath: path) {
                throw SigningKeyError("\(path) exists; choose another --out, or pass --force to replace it")
            }
            let key = SigningKey()
            let owner = comment ?? "\(NSUserName())@\(ProcessInfo.processInfo.hostName)"
            let publicKey = key.publicKey(comment: owner)
            try KeyFiles.writePrivate(key.pem, to: out)
            try Data((publicKey.line + "\n").utf8).write(to: URL(fileURLWithPath: publicPath))
            print("wrote \(out) (private, 0600) and \(publicPath)")
            print("key id \(publicKey.keyID.hex)")
            print(publicKey.line)
        }
    }
}

/// Writing key files safely.
enum KeyFiles {
    /// Writes `text` to `path` as a new 0600 file (created with that mode: never readable by
    /// others, not even for a moment), replacing any old file.
    static func writePrivate(_ text: String, to path: String) throws {
        let handle: FileHandle
        switch CommandSyscalls.createPrivateFile(path) {
        case .success(let descriptor):
            handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        case .failure(let error):
            throw SigningKeyError("cannot create \(path): \(error.message); check the folder")
        }
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}
