/// How one remote command runs (the session-level form of `HostConnection.run`'s arguments).
struct ExecOptions: Sendable {
    /// Run through `sudo -n` (never prompts; fails instead) when set.
    var become: Bool
    /// The user `sudo` switches to (`-u`); root when nil.
    var becomeUser: String?
    /// Longest the command may take (capped by the session's whole-host deadline).
    var timeout: Duration
    /// How much of its output is kept, and past how much it counts as flooding.
    var limits: OutputLimits

    /// Options for one command; the defaults run as the login user with two minutes to finish,
    /// keeping 64 KiB at each end of each stream.
    init(
        become: Bool = false, becomeUser: String? = nil, timeout: Duration = .seconds(120),
        limits: OutputLimits = .standard
    ) {
        self.become = become
        self.becomeUser = becomeUser
        self.timeout = timeout
        self.limits = limits
    }
}

/// A finished remote command with its output as captured: head and tail of each stream, with
/// the count of the bytes dropped between them (`CommandResult` is the text form).
struct ExecResult: Sendable, Equatable {
    /// The exit status; 255 when a signal ended it (named in `signal`), as `ssh` does.
    let status: Int32
    /// The signal that ended the command (e.g. `KILL`), if one did.
    let signal: String?
    /// What the command wrote to stdout, within the limits.
    let stdoutCapture: OutputCapture
    /// What the command wrote to stderr, within the limits.
    let stderrCapture: OutputCapture

    /// stdout as kept (with the `… N bytes not shown …` line when some were dropped).
    var stdout: [UInt8] { stdoutCapture.bytes }
    /// stderr as kept.
    var stderr: [UInt8] { stderrCapture.bytes }
    /// stdout decoded as UTF-8 (invalid bytes replaced).
    var stdoutText: String { stdoutCapture.text }
    /// stderr decoded as UTF-8 (invalid bytes replaced).
    var stderrText: String { stderrCapture.text }
}
