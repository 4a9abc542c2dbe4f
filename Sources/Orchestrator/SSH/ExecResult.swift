/// How one remote command runs (the session-level form of `HostConnection.run`'s arguments).
struct ExecOptions: Sendable {
    /// Run through `sudo -n` (never prompts; fails instead) when set.
    var become: Bool
    /// The user `sudo` switches to (`-u`); root when nil.
    var becomeUser: String?
    /// Longest the command may take (capped by the session's whole-host deadline).
    var timeout: Duration

    /// Options for one command; the defaults run as the login user with two minutes to finish.
    init(become: Bool = false, becomeUser: String? = nil, timeout: Duration = .seconds(120)) {
        self.become = become
        self.becomeUser = becomeUser
        self.timeout = timeout
    }
}

/// A finished remote command with its raw output (`CommandResult` is the text form).
struct ExecResult: Sendable, Equatable {
    /// The exit status; 255 when a signal ended it (named in `signal`), as `ssh` does.
    let status: Int32
    /// The signal that ended the command (e.g. `KILL`), if one did.
    let signal: String?
    /// Everything the command wrote to stdout.
    let stdout: [UInt8]
    /// Everything the command wrote to stderr.
    let stderr: [UInt8]

    /// stdout decoded as UTF-8 (invalid bytes replaced).
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr decoded as UTF-8 (invalid bytes replaced).
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
