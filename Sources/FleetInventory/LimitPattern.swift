import Foundation

/// A `--limit` host pattern with Ansible's meaning: names, globs (`web*`), groups, `all`,
/// `~regex` (matched from the start of the name, like Python's `re.match`), joined by `:` or
/// `,` (union), with `&` (intersection) and `!` (exclusion) prefixes, and subscripts
/// (`webservers[0]`, `webservers[1:]`) counting in the group's own order.
///
/// Terms are applied in Ansible's order whatever order they are written in: every union term
/// first, then every intersection, then every exclusion. So `webservers:dbservers:&staging:!phoenix`
/// is "(webservers or dbservers) and staging, but not phoenix". A pattern of only `&`/`!`
/// terms starts from `all`. The selection keeps inventory order.
public struct LimitPattern: Sendable, Hashable, CustomStringConvertible {
    /// How a term combines with the hosts selected so far.
    public enum Operation: Sendable, Hashable {
        /// Adds its hosts (no prefix).
        case union
        /// Keeps only hosts it also matches (`&`).
        case intersection
        /// Removes its hosts (`!`).
        case exclusion
    }

    /// A position within the hosts a term matches (`webservers[0]`, `webservers[-1]`,
    /// `webservers[0:2]`, `webservers[1:]`, `webservers[:3]`), as current Ansible reads it:
    /// both ends of a range are included.
    public enum Subscript: Sendable, Hashable {
        /// One host; negative counts from the end.
        case index(Int)
        /// Hosts from `start` through `end` (both included); nil end means to the last one.
        case range(start: Int, end: Int?)
    }

    /// One term of the pattern.
    public struct Term: Sendable, Hashable {
        /// How it combines.
        public let operation: Operation
        /// The name, glob or `~regex`, without the `&`/`!` prefix or subscript.
        public let matcher: String
        /// The `[n]` / `[n:m]` suffix, if any.
        public let position: Subscript?

        /// A term without subscript.
        public init(operation: Operation, matcher: String, position: Subscript? = nil) {
            self.operation = operation
            self.matcher = matcher
            self.position = position
        }
    }

    /// The text as given.
    public let text: String
    /// The terms in evaluation order (unions, intersections, exclusions).
    public let terms: [Term]

    /// Parses a pattern; throws for empty terms and invalid regular expressions.
    public init(_ text: String) throws(LimitPatternError) {
        self.text = text
        var unions: [Term] = [], intersections: [Term] = [], exclusions: [Term] = []
        for raw in Self.splitTerms(text) {
            var body = Substring(raw)
            let operation: Operation
            switch body.first {
            case "!": operation = .exclusion; body = body.dropFirst()
            case "&": operation = .intersection; body = body.dropFirst()
            default: operation = .union
            }
            guard !body.isEmpty else {
                throw LimitPatternError(
                    pattern: text, problem: "\"\(raw)\" needs a name, group or glob after its prefix")
            }
            if body.hasPrefix("~") {
                do { _ = try Regex(String(body.dropFirst())) } catch {
                    throw LimitPatternError(
                        pattern: text, problem: "\"\(body)\" is not a valid regular expression")
                }
            }
            let (matcher, position) =
                body.hasPrefix("~") ? (String(body), nil) : Self.splitSubscript(String(body))
            let term = Term(operation: operation, matcher: matcher, position: position)
            switch operation {
            case .union: unions.append(term)
            case .intersection: intersections.append(term)
            case .exclusion: exclusions.append(term)
            }
        }
        guard !(unions.isEmpty && intersections.isEmpty && exclusions.isEmpty) else {
            throw LimitPatternError(pattern: text, problem: "the pattern is empty; try `all` or a group name")
        }
        if unions.isEmpty { unions = [Term(operation: .union, matcher: "all")] }
        terms = unions + intersections + exclusions
    }

    /// The text as given.
    public var description: String { text }

    /// `name[0]`, `name[-1]`, `name[0:2]`, `name[1:]`, `name[:3]`, `name[0-2]` (Ansible's
    /// subscript forms); anything else in brackets stays part of a glob.
    static func splitSubscript(_ body: String) -> (String, Subscript?) {
        guard body.hasSuffix("]"), let open = body.lastIndex(of: "["), open != body.startIndex else {
            return (body, nil)
        }
        let base = String(body[..<open])
        let inside = body[body.index(after: open)..<body.index(before: body.endIndex)]
        if let index = Int(inside) { return (base, .index(index)) }
        for separator in [":", "-"] {
            let parts = inside.split(separator: Character(separator), omittingEmptySubsequences: false)
            guard parts.count == 2,
                parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                !(parts[0].isEmpty && parts[1].isEmpty), separator == ":" || !parts[0].isEmpty
            else { continue }
            return (base, .range(start: Int(parts[0]) ?? 0, end: Int(parts[1])))
        }
        return (body, nil)
    }

    /// `,` separates terms when present (so a regex may contain `:`); otherwise `:` outside
    /// brackets does, as in Ansible.
    static func splitTerms(_ text: String) -> [String] {
        let pieces: [String]
        if text.contains(",") {
            pieces = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        } else {
            var out: [String] = [], current = "", depth = 0
            for character in text {
                switch character {
                case "[": depth += 1
                case "]": depth = max(0, depth - 1)
                case ":" where depth == 0:
                    out.append(current)
                    current = ""
                    continue
                default: break
                }
                current.append(character)
            }
            out.append(current)
            pieces = out
        }
        return pieces.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A `--limit` pattern that cannot be used, naming the pattern and what to fix.
public struct LimitPatternError: Error, Sendable, CustomStringConvertible {
    /// The whole pattern as given.
    public let pattern: String
    /// What is wrong.
    public let problem: String

    /// `--limit 'PATTERN': problem`.
    public var description: String { "--limit '\(pattern)': \(problem)" }
}
