import FleetInventory
import Foundation

/// The subset of `~/.ssh/config` hotpatch honours: `Host` blocks (patterns with `*`, `?`,
/// `!`), `HostName`, `Port`, `User`, `IdentityFile`, `ProxyJump` (and `ProxyCommand`, read
/// only so a host using it is refused by name rather than reached some other way). Like OpenSSH, the first value found for a
/// keyword wins (so specific blocks go first and `Host *` last), except `IdentityFile`, which
/// accumulates. Other keywords are ignored; `Match` blocks cannot be evaluated here, so their
/// contents never apply and a warning says so.
struct SSHConfig: Sendable, Equatable {
    /// One `Host` block (or the implicit block before the first `Host`, patterns `["*"]`).
    struct Block: Sendable, Equatable {
        /// The patterns on the `Host` line.
        let patterns: [String]
        /// The keywords this subset uses, lowercased, each with its value(s) in order.
        let options: [(keyword: String, value: String)]

        static func == (lhs: Block, rhs: Block) -> Bool {
            lhs.patterns == rhs.patterns && lhs.options.elementsEqual(rhs.options, by: { $0 == $1 })
        }
    }

    /// The blocks in file order.
    let blocks: [Block]
    /// Things in the file this subset cannot honour, with line numbers, for the user to see.
    let warnings: [String]

    private static let honoured: Set<String> = [
        "hostname", "port", "user", "identityfile", "proxyjump", "proxycommand",
    ]

    /// Parses config text. `Key value`, `Key=value` and double-quoted values are accepted.
    init(text: String) {
        var blocks: [Block] = []
        var warnings: [String] = []
        var patterns = ["*"]
        var options: [(keyword: String, value: String)] = []
        var inMatch = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let (keyword, value) = SSHConfig.split(raw) else { continue }
            switch keyword {
            case "host":
                blocks.append(Block(patterns: patterns, options: options))
                patterns = SSHConfig.words(value)
                options = []
                inMatch = false
            case "match":
                blocks.append(Block(patterns: patterns, options: options))
                patterns = []
                options = []
                inMatch = true
                warnings.append(
                    "line \(index + 1): Match blocks are not supported; their settings are ignored")
            case "include":
                warnings.append("line \(index + 1): Include is not supported; \(value) was not read")
            default:
                if SSHConfig.honoured.contains(keyword), !inMatch {
                    options.append((keyword, SSHConfig.unquote(value)))
                }
            }
        }
        blocks.append(Block(patterns: patterns, options: options))
        self.blocks = blocks.filter { !$0.patterns.isEmpty && !$0.options.isEmpty }
        self.warnings = warnings
    }

    /// Reads a config file; a missing file is an empty config.
    static func load(_ path: String) throws -> SSHConfig {
        guard FileManager.default.fileExists(atPath: path) else { return SSHConfig(text: "") }
        return SSHConfig(text: try String(contentsOfFile: path, encoding: .utf8))
    }

    /// The settings that apply to `host` (the name as given to ssh), first value wins.
    /// `IdentityFile` values are returned raw; tokens are expanded by `SSHEndpoint`.
    func settings(for host: String) -> SSHConfigSettings {
        var result = SSHConfigSettings()
        for block in blocks where HostPattern.list(block.patterns, matches: host) {
            for (keyword, value) in block.options {
                switch keyword {
                case "hostname": result.hostName = result.hostName ?? value
                case "port": result.port = result.port ?? Int(value)
                case "user": result.user = result.user ?? value
                case "identityfile": result.identityFiles.append(value)
                // One proxy: the first ProxyJump or ProxyCommand wins, as in OpenSSH.
                case "proxyjump": result.proxy = result.proxy ?? .jump(value)
                case "proxycommand": result.proxy = result.proxy ?? .command(value)
                default: break
                }
            }
        }
        return result
    }

    /// `(lowercased keyword, rest)` of a line, or nil for blanks and comments.
    private static func split(_ line: Substring) -> (String, String)? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        guard let separator = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "=" }) else {
            return (trimmed.lowercased(), "")
        }
        var rest = trimmed[separator...].drop(while: { $0 == " " || $0 == "\t" })
        if rest.first == "=" { rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" }) }
        return (trimmed[..<separator].lowercased(), String(rest).trimmingCharacters(in: .whitespaces))
    }

    private static func words(_ value: String) -> [String] {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { unquote(String($0)) }
    }

    private static func unquote(_ value: String) -> String {
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
            return String(value.dropFirst().dropLast())
        }
        return value
    }
}

/// What `~/.ssh/config` says about one host (nil: not set).
struct SSHConfigSettings: Sendable, Equatable {
    /// `HostName`: the real name or address to connect to.
    var hostName: String?
    /// `Port`.
    var port: Int?
    /// `User`.
    var user: String?
    /// `IdentityFile` values in order, unexpanded.
    var identityFiles: [String] = []
    /// `ProxyJump` or `ProxyCommand`, whichever came first.
    var proxy: SSHProxy?

    /// All unset.
    init(
        hostName: String? = nil, port: Int? = nil, user: String? = nil, identityFiles: [String] = [],
        proxy: SSHProxy? = nil
    ) {
        self.hostName = hostName
        self.port = port
        self.user = user
        self.identityFiles = identityFiles
        self.proxy = proxy
    }
}
