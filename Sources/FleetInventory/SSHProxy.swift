/// How ssh reaches a host when not directly: OpenSSH's `ProxyJump` (`-J`) or `ProxyCommand`,
/// as the inventory's `ansible_ssh_common_args` / `ansible_ssh_extra_args` or `~/.ssh/config`
/// set it. The values are kept as written (`none` included); the coordinator parses the hops.
public enum SSHProxy: Hashable, Sendable, Codable {
    /// `ProxyJump` / `-J`: comma-separated `[user@]host[:port]` hops, or `none`.
    case jump(String)
    /// `ProxyCommand`: a program ssh would run as the transport (not supported by hotpatch;
    /// kept so the connection can refuse it by name instead of ignoring it).
    case command(String)

    /// The proxy an ssh command line sets, as OpenSSH reads it: `-J VALUE`, `-JVALUE`,
    /// `-o ProxyJump=VALUE`, `-oProxyJump=VALUE`, `-o "ProxyJump VALUE"`, the same for
    /// `ProxyCommand`, keywords in any case. The first one set wins (OpenSSH keeps the first
    /// value of an option, and `ProxyJump` and `ProxyCommand` exclude each other). Other
    /// arguments are skipped. Returns nil when no proxy is set; throws the problem in words
    /// when an option lacks its value.
    public static func fromArguments(_ words: [String]) throws(SSHProxyArgumentError) -> SSHProxy? {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            var value: String
            if word == "-J" || word == "-o" {
                guard index < words.count else {
                    throw SSHProxyArgumentError(message: "\(word) needs a value")
                }
                value = words[index]
                index += 1
            } else if word.hasPrefix("-J") || word.hasPrefix("-o") {
                value = String(word.dropFirst(2))
            } else {
                continue
            }
            if word.hasPrefix("-J") { return .jump(value) }
            guard let option = keywordValue(value) else { continue }
            switch option.keyword {
            case "proxyjump": return .jump(option.value)
            case "proxycommand": return .command(option.value)
            default: continue
            }
        }
        return nil
    }

    /// `Keyword=value` or `Keyword value` (ssh_config syntax) split into lowercased keyword and
    /// value; nil when there is no value.
    private static func keywordValue(_ text: String) -> (keyword: String, value: String)? {
        guard let separator = text.firstIndex(where: { $0 == "=" || $0 == " " || $0 == "\t" }) else {
            return nil
        }
        let keyword = text[..<separator].lowercased()
        var rest = text[separator...].drop(while: { $0 == " " || $0 == "\t" })
        if rest.first == "=" { rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" }) }
        let value = rest.trimmingPrefixAndSuffixSpaces()
        return value.isEmpty ? nil : (keyword, value)
    }
}

extension SSHProxy {
    private enum CodingKeys: String, CodingKey {
        case jump, command
    }

    /// Decodes `{"jump": "user@bastion:22"}` or `{"command": "..."}` (the journal's form).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let spec = try container.decodeIfPresent(String.self, forKey: .jump) {
            self = .jump(spec)
        } else {
            self = .command(try container.decode(String.self, forKey: .command))
        }
    }

    /// Encodes as `{"jump": "..."}` or `{"command": "..."}`: one readable key, as written.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .jump(let spec): try container.encode(spec, forKey: .jump)
        case .command(let command): try container.encode(command, forKey: .command)
        }
    }
}

/// An ssh argument list that cannot be read (an option without its value).
public struct SSHProxyArgumentError: Error, Sendable {
    /// What is wrong, e.g. `-J needs a value`.
    public let message: String
}

extension Substring {
    fileprivate func trimmingPrefixAndSuffixSpaces() -> String {
        var text = self.drop(while: { $0 == " " || $0 == "\t" })
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
