/// Splits an INI host line the way Ansible does (Python `shlex.split(line, comments=True)`,
/// POSIX mode): whitespace separates words, single quotes are literal, double quotes allow
/// backslash escapes, a backslash outside quotes escapes the next character, and `#` outside
/// quotes starts a comment.
enum ShellWords {
    struct SplitError: Error {
        let message: String
    }

    static func split(_ line: String) throws(SplitError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(line).makeIterator()
        while let character = iterator.next() {
            switch character {
            case _ where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            case "#":
                if inWord { words.append(current) }
                return words
            case "\\":
                guard let next = iterator.next() else {
                    throw SplitError(message: "line ends with a lone backslash")
                }
                current.append(next)
                inWord = true
            case "'":
                inWord = true
                while true {
                    guard let next = iterator.next() else {
                        throw SplitError(message: "no closing single quote in \"\(line)\"")
                    }
                    if next == "'" { break }
                    current.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = iterator.next() else {
                        throw SplitError(message: "no closing double quote in \"\(line)\"")
                    }
                    if next == "\"" { break }
                    if next == "\\", let escaped = iterator.next() {
                        if !"\\\"$`".contains(escaped) { current.append("\\") }
                        current.append(escaped)
                    } else {
                        current.append(next)
                    }
                }
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
