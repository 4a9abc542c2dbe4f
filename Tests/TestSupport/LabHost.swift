import Foundation

/// One fake host of a `LabFleet`: a PID, mount and UTS namespace on this machine with its own
/// loopback address, hostname, sshd and (unless the lab runs none) parity service.
public struct LabHost: Sendable, Hashable, CustomStringConvertible {
    /// 1-based position in the lab (`lab-host-3` has index 3).
    public let index: Int
    /// The inventory name and the host's own hostname, e.g. `lab-host-3`.
    public let name: String
    /// The loopback address its sshd listens on, e.g. `127.0.2.3`.
    public let address: String
    /// The sshd port (the same for every host of a lab).
    public let port: Int
    /// `LAB/hosts/<name>`: its pids, logs and the private directories bind-mounted into it.
    public let directory: String

    /// The service's output: one line per second, `parity key=value ...`.
    public var parityLogPath: String { directory + "/parity.log" }
    /// What the host sees as `/var/lib/hotpatch` (the agent's journal).
    public var privateVarLibHotpatch: String { directory + "/var-lib-hotpatch" }
    /// What the host sees as `/var/tmp` (where uploads usually land).
    public var privateVarTmp: String { directory + "/var-tmp" }
    /// What the host sees as `/etc/hotpatch`.
    public var privateEtcHotpatch: String { directory + "/etc-hotpatch" }
    /// What the host sees as `/root`.
    public var privateRoot: String { directory + "/root" }

    /// `address` or `[address]:port`, the way ssh and known_hosts spell it.
    public var knownHostsPattern: String { port == 22 ? address : "[\(address)]:\(port)" }

    /// As people read it in messages.
    public var description: String { "\(name) (\(address):\(port))" }
}
