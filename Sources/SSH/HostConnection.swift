import Foundation

/// What the rollout engine needs from a host, and nothing more (Ansible's connection plugin):
/// run a program, put a file, close. ``SSHSession`` is the implementation; the fleet library
/// (its engine and connection pool) uses only this protocol.
///
/// A connection is used by one thread at a time; different connections may be used from
/// different threads concurrently, and a pool may hand one to another thread between uses
/// (hence `Sendable`).
package protocol HostConnection: AnyObject, Sendable {
    /// The inventory name of the host, for messages.
    var hostName: String { get }

    /// Runs `argv` on the host and waits for it. Arguments are quoted for the remote shell by
    /// the implementation: callers never build command strings. `become` runs it through
    /// `sudo -n` (as `becomeUser`, root when nil). Throws on transport failure or timeout; a
    /// non-zero exit is a normal result.
    /// `limits` bounds what is kept of the output (`OutputLimits.standard` unless the caller
    /// needs more, as the agent's report does) and past how much the command counts as flooding.
    func run(_ argv: [String], become: Bool, becomeUser: String?, timeout: Duration, limits: OutputLimits)
        throws -> CommandResult

    /// Places `localPath` on the host in the private directory under a content-addressed name
    /// and returns where it is; sends nothing when an identical file is already there.
    func putFile(localPath: String, mode: Int32) throws -> UploadResult

    /// `putFile` for several files in one go (one survey, one transfer, one finalize), in order.
    func putFiles(_ requests: [UploadRequest]) throws -> [UploadResult]

    /// False once the connection is closed or broken: a pool drops it instead of reusing it.
    var isOpen: Bool { get }

    /// Ends the session; idempotent.
    func close()
}

extension HostConnection {
    /// `run` keeping the standard 64 KiB at each end of each stream.
    package func run(_ argv: [String], become: Bool, becomeUser: String?, timeout: Duration) throws -> CommandResult {
        try run(argv, become: become, becomeUser: becomeUser, timeout: timeout, limits: .standard)
    }
}

/// The outcome of one remote program.
package struct CommandResult: Sendable {
    /// The program's exit status (or 255 when the remote side gave none).
    package let status: Int32
    /// What it wrote to stdout, head and tail within the limits.
    package let stdoutCapture: OutputCapture
    /// What it wrote to stderr, head and tail within the limits.
    package let stderrCapture: OutputCapture

    /// A result from captured streams.
    init(status: Int32, stdout: OutputCapture, stderr: OutputCapture) {
        self.status = status
        stdoutCapture = stdout
        stderrCapture = stderr
    }

    /// A result from whole texts (nothing dropped).
    init(status: Int32, stdout: String, stderr: String) {
        self.init(
            status: status, stdout: OutputCapture(whole: Array(stdout.utf8)),
            stderr: OutputCapture(whole: Array(stderr.utf8)))
    }

    /// stdout as kept (with the `… N bytes not shown …` line when some were dropped).
    package var stdout: String { stdoutCapture.text }
    /// stderr as kept.
    var stderr: String { stderrCapture.text }
}

/// One local file to place on a host, and the mode it gets there.
package struct UploadRequest: Sendable {
    /// The local file.
    let localPath: String
    /// Its mode on the host (e.g. 0o700 for the agent).
    let mode: Int32

    /// A file to upload with its mode on the host.
    package init(localPath: String, mode: Int32) {
        self.localPath = localPath
        self.mode = mode
    }
}

/// Where an uploaded file now lives on the host, and what it cost to get it there.
package struct UploadResult: Sendable {
    /// The absolute remote path (content-addressed name inside the private directory).
    package let remotePath: String
    /// SHA-256 of the content, lowercase hex.
    let sha256: String
    /// Bytes actually sent (0 when the host already had the file; the gzip copy's size when
    /// that was sent instead).
    package let bytesSent: Int
}
