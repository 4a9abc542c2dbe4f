import Foundation

extension SSHSession {
    /// Host key algorithms libssh2 1.10 can verify, in its own default order.
    private static let supportedHostKeyMethods = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
    ]

    /// Asks the server for a key type known_hosts already holds for this host (as OpenSSH
    /// does), so a host recorded with its ECDSA key is not reported "changed" just because
    /// the server would otherwise have offered its ed25519 key.
    func preferRecordedHostKeyTypes(_ session: OpaquePointer) {
        guard let file = try? KnownHostsFile.load(options.knownHostsFile) else { return }
        let recorded = file.recordedKeyTypes(host: endpoint.hostName, port: endpoint.port)
        guard !recorded.isEmpty else { return }
        var preferred: [String] = []
        for type in recorded {
            preferred += type == "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type]
        }
        let order = preferred + Self.supportedHostKeyMethods.filter { !preferred.contains($0) }
        if LibSSH2.preferHostKeyMethods(session, order.joined(separator: ",")) != 0 {
            // An older libssh2 without RSA-SHA2 host keys: try again without them.
            let fallback = order.filter { !$0.hasPrefix("rsa-sha2") }
            _ = LibSSH2.preferHostKeyMethods(session, fallback.joined(separator: ","))
        }
    }

    /// Checks the server's key against known_hosts. Unknown: refused with the fingerprint and
    /// the exact command that trusts it, or recorded under accept-new. Changed or revoked:
    /// always refused, naming the file and line.
    func verifyHostKey() throws(HostConnectionError) {
        guard let session = handle, let blob = LibSSH2.hostKey(session) else {
            throw failure(
                .hostkey, "the server sent no host key", next: "check the server's HostKey settings")
        }
        let key = HostKey(blob: blob)
        hostKey = key
        let path = options.knownHostsFile
        let host = endpoint.hostName
        let port = endpoint.port
        var verdict: HostKeyVerdict
        do {
            verdict = try KnownHostsFile.load(path).verdict(host: host, port: port, key: key)
            if verdict == .unknown, options.unknownHosts == .acceptNew {
                verdict = try KnownHostsFile.recordIfUnknown(path: path, host: host, port: port, key: key)
            }
        } catch {
            throw failure(
                .hostkey, "cannot read or update \(path): \(error.localizedDescription)",
                next: "fix the file's permissions or pass another known_hosts file")
        }
        try judge(verdict, key: key, path: path)
    }

    private func judge(_ verdict: HostKeyVerdict, key: HostKey, path: String) throws(HostConnectionError) {
        let name = KnownHostsFile.lookupName(host: endpoint.hostName, port: endpoint.port)
        switch verdict {
        case .trusted:
            return
        case .unknown:
            let line = KnownHostsFile.line(host: endpoint.hostName, port: endpoint.port, key: key)
            throw failure(
                .hostkey, "unknown host key for \(name): \(key.type) \(key.fingerprint) is not in \(path)",
                next:
                    "compare the fingerprint with `ssh-keygen -lf /etc/ssh/ssh_host_\(Self.shortType(key.type))_key.pub` on the host, then run: echo \(RemoteCommand.quote(line)) >> \(RemoteCommand.quote(path))  (or rerun with --accept-new)"
            )
        case .changed(let line, let recordedType):
            throw failure(
                .hostkey,
                "HOST KEY CHANGED for \(name): the server now presents \(key.type) \(key.fingerprint), but \(path):\(line) holds a different \(recordedType) key; someone may be intercepting the connection, or the host was reinstalled",
                next:
                    "verify the new key with the host's owner; if it is legitimate, remove the old entry with: ssh-keygen -R \(RemoteCommand.quote(name)) -f \(RemoteCommand.quote(path))  (--accept-new never overrides a changed key)"
            )
        case .revoked(let line):
            throw failure(
                .hostkey,
                "host key \(key.type) \(key.fingerprint) of \(name) is marked @revoked at \(path):\(line)",
                next: "do not connect; the host must get a new host key")
        case .certificateAuthorityOnly(let line):
            throw failure(
                .hostkey,
                "\(name) is trusted only through @cert-authority at \(path):\(line), and libssh2 1.10 cannot verify host certificates",
                next:
                    "add the host's plain key to \(path) (`ssh-keyscan -p \(endpoint.port) \(endpoint.hostName)`, checked out of band)"
            )
        }
    }

    /// `ssh-ed25519` -> `ed25519`, the name in `/etc/ssh/ssh_host_<type>_key.pub`.
    private static func shortType(_ type: String) -> String {
        if type.hasPrefix("ecdsa") { return "ecdsa" }
        if type.hasPrefix("ssh-") { return String(type.dropFirst(4)) }
        return type
    }
}
