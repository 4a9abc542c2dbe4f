import FleetInventory
import Foundation
import SSH
import Shared

/// The agent on one host, reached over one connection: puts the agent and the patch there
/// (content-addressed, skipped when present) and runs `hotpatch-agent` commands, parsing their
/// typed JSON reports.
struct AgentClient {
    /// The connection, owned by the caller.
    let connection: any HostConnection
    /// The host (become settings).
    let host: HostAddress
    /// Longest one agent run may take.
    let timeout: Duration
    /// The agent's path on the host.
    private(set) var remoteAgent: String = ""
    /// The patch's path on the host.
    private(set) var remotePatch: String = ""
    /// The fixed build's path on the host (`--persist`), once uploaded.
    private(set) var remoteFixedBuild: String? = nil
    /// Extra arguments for `apply` and `revert` (the fleet-wide safe-point settings).
    let safePointArguments: [String]

    init(
        connection: any HostConnection, host: HostAddress, timeout: Duration,
        safePointArguments: [String] = []
    ) {
        self.connection = connection
        self.host = host
        self.timeout = timeout
        self.safePointArguments = safePointArguments
    }

    /// Uploads the agent (0700) and the patch (0600); returns the bytes actually sent.
    mutating func upload(agent: String, patch: String) throws -> HostUpload {
        let uploads = try connection.putFiles([
            UploadRequest(localPath: agent, mode: 0o700), UploadRequest(localPath: patch, mode: 0o600),
        ])
        remoteAgent = uploads[0].remotePath
        remotePatch = uploads[1].remotePath
        return HostUpload(
            host: host.name, agentBytesSent: uploads[0].bytesSent, patchBytesSent: uploads[1].bytesSent)
    }

    /// Uploads the agent, the patch and the fixed build of `--persist` in one round trip (the
    /// fixed build content-addressed like the rest); returns the bytes actually sent.
    mutating func upload(agent: String, patch: String, fixedBuild: String) throws -> HostUpload {
        let uploads = try connection.putFiles([
            UploadRequest(localPath: agent, mode: 0o700), UploadRequest(localPath: patch, mode: 0o600),
            UploadRequest(localPath: fixedBuild, mode: 0o600),
        ])
        remoteAgent = uploads[0].remotePath
        remotePatch = uploads[1].remotePath
        remoteFixedBuild = uploads[2].remotePath
        return HostUpload(
            host: host.name, agentBytesSent: uploads[0].bytesSent, patchBytesSent: uploads[1].bytesSent,
            fixedBuildBytesSent: uploads[2].bytesSent)
    }

    /// Uploads only the agent (what `status` needs); returns the bytes sent.
    @discardableResult
    mutating func uploadAgent(_ agent: String) throws -> Int {
        let upload = try connection.putFile(localPath: agent, mode: 0o700)
        remoteAgent = upload.remotePath
        return upload.bytesSent
    }

    /// `hotpatch-agent apply PATCH --all --json` (plus the safe-point settings).
    func apply() throws -> AgentReport {
        try run(["apply", remotePatch, "--all", "--json"] + safePointArguments + persistArguments)
    }

    /// `--persist FILE` once the fixed build is uploaded: the agent installs it after the patch.
    private var persistArguments: [String] { remoteFixedBuild.map { ["--persist", $0] } ?? [] }

    /// `hotpatch-agent revert PATCH --all --json` (plus the safe-point settings).
    func revert() throws -> AgentReport {
        try run(["revert", remotePatch, "--all", "--json"] + safePointArguments)
    }

    /// `hotpatch-agent status --all --json`: every process holding a patch, read from its memory.
    func status() throws -> AgentReport { try run(["status", "--all", "--json"]) }

    /// `hotpatch-agent status --exe PATH --json`: every process mapping `path`, patched or not.
    func status(mapping path: String) throws -> AgentReport { try run(["status", "--exe", path, "--json"]) }

    /// `hotpatch-agent preflight PATCH --need BYTES --json`: what `apply` would trip on, read-only.
    func preflight(neededBytes: UInt64) throws -> AgentReport {
        try run(["preflight", remotePatch, "--need", String(neededBytes), "--json"])
    }

    /// Runs the agent with `arguments` and decodes its one-line report from stdout. A report
    /// is expected even on failure (its exit code says what failed); no report at all means
    /// the agent could not run, and stderr says why.
    private func run(_ arguments: [String]) throws -> AgentReport {
        precondition(!remoteAgent.isEmpty, "upload before running the agent")
        let result: CommandResult
        do {
            result = try connection.run(
                [remoteAgent] + arguments, become: host.become, becomeUser: host.becomeUser, timeout: timeout,
                limits: .agentReport)
        } catch let error as HostConnectionError where error.isTimeout {
            // Name the limit that ran out: "timed out" alone does not say which setting to raise.
            throw HostConnectionError(
                host: error.host, phase: error.phase,
                message: error.message
                    + " (hotpatch-agent \(arguments.first ?? "") ran past --host-timeout \(Self.text(timeout)))",
                nextStep: error.nextStep, isTimeout: true)
        }
        let line = result.stdout.split(separator: "\n").last { $0.hasPrefix("{") }
        guard let line, let report = try? JSONDecoder().decode(AgentReport.self, from: Data(line.utf8)) else {
            if result.stdoutCapture.droppedBytes > 0 {
                // The report is the last line; more than the kept tail means it arrived cut.
                throw AgentClientError(
                    host: host.name, command: arguments.first ?? "", status: result.status,
                    stderr: "", stdout: "",
                    reportTooLarge: result.stdoutCapture.totalBytes, kept: result.stdoutCapture.tailLimit)
            }
            // What it said instead, head and tail with the count between (it may be megabytes).
            throw AgentClientError(
                host: host.name, command: arguments.first ?? "", status: result.status,
                stderr: result.stderrCapture.excerpt(head: 200, tail: 100).text,
                stdout: result.stdoutCapture.excerpt(head: 200, tail: 100).text)
        }
        return report
    }

    /// `4s`, `1.5s`: a duration as the command line spells it.
    private static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
    }
}

/// The agent ran but printed no report (it crashed, was killed, `sudo` refused, or it is not
/// an agent of this version).
struct AgentClientError: Error, CustomStringConvertible {
    /// The host.
    let host: String
    /// The agent command (`apply`, `revert`, `status`).
    let command: String
    /// Its exit status.
    let status: Int32
    /// What it wrote to stderr (an excerpt: 200 bytes of head, 100 of tail).
    let stderr: String
    /// What it wrote to stdout (an excerpt).
    let stdout: String
    /// The size of its stdout when that was more than the coordinator keeps of a report.
    var reportTooLarge: Int? = nil
    /// The bytes kept of the end of the agent's stdout (where its report is).
    var kept: Int = OutputLimits.agentReportBytes

    var description: String {
        if let reportTooLarge {
            return
                "hotpatch-agent \(command) printed \(OutputCapture.grouped(reportTooLarge)) bytes, and its "
                + "report (the last line) does not fit in the \(OutputLimits.sizeText(kept)) the coordinator "
                + "reads of it; run the agent by hand on the host to see why its output is that large"
        }
        let said = SummaryTable.oneLine(stderr.isEmpty ? stdout : stderr)
        let hint =
            said.contains("sudo")
            ? "check that the login user may run the agent with sudo -n (ansible_become)"
            : "run the agent by hand on the host to see why"
        return "hotpatch-agent \(command) exited \(status) without a report: \(said); \(hint)"
    }
}
