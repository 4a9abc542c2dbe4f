/// Matches names against one pattern term: `~regex` from the start of the name, a glob with
/// Python `fnmatch` rules (`*`, `?`, `[seq]`, `[!seq]`, case-sensitive, whole name), or an
/// exact name.
struct NameMatcher {
    private let match: (String) -> Bool

    init(_ matcher: String) {
        if matcher.hasPrefix("~") {
            let source = String(matcher.dropFirst())
            match = { name in
                // Validated when the pattern was parsed; compiled here because Regex is not Sendable.
                guard let regex = try? Regex(source) else { return false }
                return name.prefixMatch(of: regex) != nil
            }
        } else if matcher.contains(where: { "*?[".contains($0) }) {
            let pattern = Array(matcher)
            match = { name in Glob.matches(pattern[...], Array(name)[...]) }
        } else {
            match = { $0 == matcher }
        }
    }

    func callAsFunction(_ name: String) -> Bool { match(name) }
}
