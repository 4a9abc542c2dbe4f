/// A parsed `ProxyJump` value: the jump hosts in the order ssh goes through them
/// (`-J a,b target` connects to `a`, from there to `b`, from there to the target). `none`
/// (any case) means no jump and parses to no hops.
struct ProxyJump: Sendable, Equatable {
    /// One jump host as written: `[user@]host[:port]`, or `ssh://[user@]host[:port]`; IPv6
    /// addresses in brackets (`[2001:db8::1]:2222`). Unset parts come from `~/.ssh/config`
    /// or the defaults, as for any host.
    struct Hop: Sendable, Equatable {
        /// The login user, when written.
        var user: String?
        /// The host name or address (or a `~/.ssh/config` alias).
        var host: String
        /// The port, when written.
        var port: Int?
    }

    /// The hops, first to last; empty for `none`.
    let hops: [Hop]

    /// Builds a value from hops.
    init(hops: [Hop]) { self.hops = hops }

    /// Parses `spec`; throws the reason in words for an empty hop, a bad port or a
    /// malformed bracketed address.
    init(parsing spec: String) throws(ProxyJumpError) {
        let trimmed = spec.trimmingSpaces
        if trimmed.lowercased() == "none" {
            hops = []
            return
        }
        var hops: [Hop] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            hops.append(try Self.hop(String(part).trimmingSpaces, in: spec))
        }
        self.hops = hops
    }

    private static func hop(_ text: String, in spec: String) throws(ProxyJumpError) -> Hop {
        var rest = Substring(text)
        if rest.hasPrefix("ssh://") { rest = rest.dropFirst("ssh://".count) }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty else { throw ProxyJumpError(spec: spec, reason: "a hop is empty") }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            guard user?.isEmpty == false else {
                throw ProxyJumpError(spec: spec, reason: "\"\(text)\" has an empty user before @")
            }
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw ProxyJumpError(spec: spec, reason: "\"\(text)\" has no closing ] for its address")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw ProxyJumpError(spec: spec, reason: "\"\(text)\": expected :PORT after ]")
                }
                portText = after.dropFirst()
            }
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw ProxyJumpError(spec: spec, reason: "\"\(text)\" names no host") }
        var port: Int?
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw ProxyJumpError(spec: spec, reason: "\"\(text)\": the port must be 1-65535")
            }
            port = number
        }
        return Hop(user: user, host: String(host), port: port)
    }
}

/// A `ProxyJump` value that cannot be read.
struct ProxyJumpError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The value as written.
    let spec: String
    /// What is wrong with it.
    let reason: String

    var description: String {
        "ProxyJump \"\(spec)\": \(reason); write it as [user@]host[:port][,[user@]host[:port]...] or none"
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var text = Substring(self).drop(while: { $0 == " " || $0 == "\t" })
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
