import Shared

/// The fields of `/proc/PID/status` that decide whether one process may ptrace another.
struct ProcessCredentials: Equatable {
    /// Real, effective, saved and filesystem user ids.
    var uids: [UInt32]
    /// Real, effective, saved and filesystem group ids.
    var gids: [UInt32]
    /// Permitted capabilities (bit mask).
    var capPrm: UInt64
    /// Effective capabilities (bit mask).
    var capEff: UInt64
    /// `NoNewPrivs`: execve can no longer raise privileges (setuid, file capabilities).
    var noNewPrivs: Bool
    /// `Seccomp`: 0 none, 1 strict, 2 filter.
    var seccomp: Int

    /// CAP_SYS_PTRACE's bit number (linux/capability.h).
    static let sysPtraceBit: UInt64 = 19

    /// Whether CAP_SYS_PTRACE is effective.
    var hasSysPtrace: Bool { capEff & (1 << Self.sysPtraceBit) != 0 }

    /// The effective user id.
    var effectiveUID: UInt32 { uids.count > 1 ? uids[1] : uids.first ?? UInt32.max }

    /// Parses the text of `/proc/PID/status`; nil when a field the decision needs is missing.
    init?(statusText: String) {
        var fields: [Substring: Substring] = [:]
        for line in statusText.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        }
        func ids(_ key: Substring) -> [UInt32]? {
            guard let value = fields[key] else { return nil }
            let numbers = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
            return numbers.isEmpty ? nil : numbers
        }
        guard let uids = ids("Uid"), let gids = ids("Gid"),
            let prm = fields["CapPrm"].flatMap({ UInt64($0, radix: 16) }),
            let eff = fields["CapEff"].flatMap({ UInt64($0, radix: 16) })
        else { return nil }
        self.uids = uids
        self.gids = gids
        self.capPrm = prm
        self.capEff = eff
        // Both fields are younger than the rest (NoNewPrivs 4.10, Seccomp 3.8): absent means off.
        self.noNewPrivs = fields["NoNewPrivs"].map { $0 == "1" } ?? false
        self.seccomp = fields["Seccomp"].flatMap { Int($0) } ?? 0
    }

    /// Builds credentials from plain values (tests, and the table of rules).
    init(
        uids: [UInt32], gids: [UInt32], capPrm: UInt64, capEff: UInt64, noNewPrivs: Bool = false,
        seccomp: Int = 0
    ) {
        self.uids = uids
        self.gids = gids
        self.capPrm = capPrm
        self.capEff = capEff
        self.noNewPrivs = noNewPrivs
        self.seccomp = seccomp
    }

    /// Reads `/proc/PID/status` (`self` for the agent); nil when it cannot be read or parsed.
    static func read(_ process: String) -> ProcessCredentials? {
        guard let bytes = try? Syscalls.readFile("/proc/\(process)/status") else { return nil }
        return ProcessCredentials(statusText: String(decoding: bytes, as: UTF8.self))
    }
}
