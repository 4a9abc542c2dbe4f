/// The fields of `/proc/PID/stat` (or `/proc/PID/task/TID/stat`) the agent needs.
struct ProcessStat: Equatable {
    /// The command name (field 2, without its parentheses).
    let command: String
    /// The state letter (field 3): R, S, D, T, t, Z, ...
    let state: Character
    /// Start time in clock ticks after boot (field 22): with the pid, the process's identity.
    let startTime: UInt64
    /// The kernel's task flags (field 9).
    let flags: UInt64

    /// True once the task has begun to exit (`PF_EXITING`): its memory may already be gone while
    /// its state still reads R or D, not yet Z.
    var isExiting: Bool { flags & 0x4 != 0 }

    /// Parses the text of a stat file; nil when it is malformed.
    init?(text: String) {
        // The command may hold spaces and parentheses, so fields are counted after the LAST ')'.
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        command = String(text[text.index(after: open)..<close])
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        guard fields.count > 19, let state = fields[0].first, let start = UInt64(fields[19]),
            let flags = UInt64(fields[6])
        else { return nil }
        self.state = state
        self.startTime = start
        self.flags = flags
    }
}
