import Shared

/// A process on this host as the agent sees it through `/proc`: identity, executable, threads
/// and mappings. Every read re-checks nothing; callers compare ``identity`` when it matters.
struct TargetProcess: Sendable, CustomStringConvertible {
    /// Pid plus start time: the process as a unique thing.
    let identity: ProcessIdentity
    /// The executable's path as the kernel reports it (`/proc/PID/exe`), or the command name.
    let executable: String

    /// The pid.
    var pid: Pid { identity.pid }

    var description: String { "pid \(pid) (\(executable))" }

    /// Reads a process's identity; throws ``AgentFailure`` when it does not exist or may not be read.
    init(pid: Pid) throws(AgentFailure) {
        let stat: ProcessStat
        do {
            let bytes = try Syscalls.readFile("/proc/\(pid)/stat")
            guard let parsed = ProcessStat(text: String(decoding: bytes, as: UTF8.self)) else {
                throw AgentFailure(.noTarget, "pid \(pid): /proc/\(pid)/stat is unreadable")
            }
            stat = parsed
        } catch let error as SystemError {
            throw AgentFailure(
                .noTarget, "pid \(pid) does not exist (\(error)); check the pid with `ps -p \(pid)`")
        } catch {
            throw error as! AgentFailure
        }
        if stat.state == "Z" || stat.state == "X" {
            throw AgentFailure(.noTarget, "pid \(pid) has exited (zombie); nothing to patch")
        }
        identity = ProcessIdentity(pid: pid, startTime: stat.startTime)
        executable = (try? Syscalls.readLink("/proc/\(pid)/exe")) ?? stat.command
    }

    /// True while the same process (same pid AND start time) is still alive.
    var isAlive: Bool {
        guard let bytes = try? Syscalls.readFile("/proc/\(pid)/stat"),
            let stat = ProcessStat(text: String(decoding: bytes, as: UTF8.self))
        else { return false }
        return stat.startTime == identity.startTime && stat.state != "Z" && stat.state != "X" && !stat.isExiting
    }

    /// The current threads (`/proc/PID/task`).
    func threads() throws(AgentFailure) -> [Tid] {
        let names: [String]
        do {
            names = try Syscalls.listDirectory("/proc/\(pid)/task")
        } catch {
            throw exitedOrUnreadable(error, reading: "/proc/\(pid)/task")
        }
        return names.compactMap { Int32($0) }.map { Tid($0) }.sorted()
    }

    /// The current mappings (`/proc/PID/maps`).
    func mappings() throws(AgentFailure) -> [MemoryMapping] {
        let bytes: [UInt8]
        do {
            bytes = try Syscalls.readFile("/proc/\(pid)/maps")
        } catch {
            throw exitedOrUnreadable(error, reading: "/proc/\(pid)/maps")
        }
        return MemoryMapping.parse(String(decoding: bytes, as: UTF8.self))
    }

    /// The failure for work cut short because the process exited.
    var exitedFailure: AgentFailure {
        AgentFailure(.processExited, "\(self) exited while the agent was working on it")
    }

    /// Turns a failed /proc read into the failure a user can act on.
    func exitedOrUnreadable(_ error: SystemError, reading path: String) -> AgentFailure {
        if !isAlive { return exitedFailure }
        if error.isPermission {
            return AgentFailure(
                .permission,
                "no permission to read \(path) of \(self) (agent uid \(Syscalls.effectiveUser)); "
                    + "run hotpatch-agent as root or as the process owner with CAP_SYS_PTRACE")
        }
        return AgentFailure(.failed, "cannot read \(path) of \(self): \(error)")
    }
}

extension TargetProcess {
    /// Every process on the host, skipping ones that vanish or cannot be read, and the agent itself.
    static func all() -> [TargetProcess] {
        let own = (try? Syscalls.readLink("/proc/self")).flatMap { Int32($0) }
        let names = (try? Syscalls.listDirectory("/proc")) ?? []
        return names.compactMap { Int32($0) }.filter { $0 != own }.sorted().compactMap {
            try? TargetProcess(pid: Pid($0))
        }
    }
}
