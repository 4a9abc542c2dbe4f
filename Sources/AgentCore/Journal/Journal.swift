import Shared

/// The host's append-only audit log of every apply and revert (`STATE_DIR/journal.log`), one
/// line per event. An exclusive `flock` on `STATE_DIR/agent.lock`, held for the whole command,
/// keeps two agents on one host from interleaving their work (or their lines).
///
/// The journal is for people and audits; the truth about a process is in the process (see
/// `status`), so a lost or deleted journal never makes the agent wrong.
final class Journal {
    /// The directory.
    let directory: String
    private let lockFD: FileDescriptor
    private let logFD: FileDescriptor

    /// Creates the directory if needed, takes the lock (waiting for another agent) and opens the log.
    init(directory: String) throws(AgentFailure) {
        self.directory = directory
        do {
            try Syscalls.makeDirectories(directory, mode: 0o700)
            lockFD = try Syscalls.open(directory + "/agent.lock", flags: [.readWrite, .create], mode: 0o600)
        } catch {
            throw Journal.failure(error, directory)
        }
        do {
            try Syscalls.lockExclusive(lockFD, path: directory + "/agent.lock")
            logFD = try Syscalls.open(
                directory + "/journal.log", flags: [.writeOnly, .append, .create], mode: 0o640)
        } catch {
            lockFD.close()
            throw Journal.failure(error, directory)
        }
    }

    deinit {
        logFD.close()
        lockFD.close()  // releases the lock
    }

    /// Appends one event: `TIME event=NAME key=value ...` (values with spaces are quoted).
    func record(_ event: String, _ fields: [(String, String)]) {
        var line = Journal.timestamp() + " event=" + event
        for (key, value) in fields {
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            let escaped = value.replacingAll("\"", with: "'").replacingAll("\n", with: " ")
            line += " \(key)=" + (needsQuotes ? "\"\(escaped)\"" : escaped)
        }
        // A failed journal write must not undo or fail a patch: the process is the truth.
        try? Syscalls.write(logFD, Array((line + "\n").utf8), what: directory + "/journal.log")
    }

    /// UTC time as ISO 8601 with milliseconds, without Foundation.
    static func timestamp() -> String {
        let (seconds, nanoseconds) = Syscalls.wallClock()
        let days = seconds / 86400
        let secondOfDay = seconds % 86400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(nanoseconds / 1_000_000, 3))Z"
    }

    private static func failure(_ error: SystemError, _ directory: String) -> AgentFailure {
        AgentFailure(
            error.isPermission ? .permission : .failed,
            "cannot use the state directory \(directory): \(error); run as root or pass --state-dir DIR (writable)"
        )
    }
}

extension String {
    /// The string with every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
