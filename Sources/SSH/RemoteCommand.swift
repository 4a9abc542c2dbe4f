import Foundation

/// Turns an argv array into the one command line SSH carries, quoted for the remote POSIX
/// shell so every word arrives exactly as given (spaces, quotes, `$()`, newlines included).
enum RemoteCommand {
    /// One word in single quotes; an embedded `'` becomes `'\''` (close, escaped quote, reopen),
    /// the only character single quotes cannot hold.
    static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The full command line: every word quoted, prefixed with `sudo -n` when becoming
    /// another user (`-n`: fail instead of waiting for a password prompt nobody will answer).
    /// A NUL byte cannot travel in a command line and is a caller bug.
    static func render(_ argv: [String], become: Bool = false, becomeUser: String? = nil) -> String {
        precondition(!argv.isEmpty, "a remote command needs at least the program name")
        precondition(argv.allSatisfy { !$0.contains("\0") }, "a remote argument cannot contain NUL")
        var words: [String] = []
        if become {
            words = ["sudo", "-n"]
            if let becomeUser { words += ["-u", becomeUser] }
            words.append("--")
        }
        return (words + argv).map(quote).joined(separator: " ")
    }
}
