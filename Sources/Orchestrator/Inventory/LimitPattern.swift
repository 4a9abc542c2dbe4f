import Foundation

/// A `--limit` host pattern with Ansible's meaning: names, globs (`web*`), groups, `all`,
/// `~regex` (matched from the start of the name, like Python's `re.match`), joined by `:` or
/// `,` (union), with `&` (intersection) and `!` (exclusion) prefixes.
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

    /// One term of the pattern.
    public struct Term: Sendable, Hashable {
        /// How it combines.
        public let operation: Operation
        /// The name, glob or `~regex`, without the `&`/`!` prefix.
        public let matcher: String
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
                throw LimitPatternError(pattern: text, problem: "\"\(raw)\" needs a name, group or glob after its prefix")
            }
            if body.hasPrefix("~") {
                do { _ = try Regex(String(body.dropFirst())) } catch {
                    throw LimitPatternError(pattern: text, problem: "\"\(body)\" is not a valid regular expression")
                }
            }
            let term = Term(operation: operation, matcher: String(body))
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
