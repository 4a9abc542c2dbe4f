/// A process id on one host. It names a process only together with its start time
/// (see ``ProcessIdentity``), because the kernel reuses pids.
public struct Pid: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The kernel's number for the process.
    public let rawValue: Int32
    /// Wraps a kernel pid.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// Wraps a kernel pid.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// Orders by the raw value.
    public static func < (lhs: Pid, rhs: Pid) -> Bool { lhs.rawValue < rhs.rawValue }
    /// As people read it in messages.
    public var description: String { String(rawValue) }
}

/// A thread id (the kernel's tid), as found under `/proc/PID/task`.
public struct Tid: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The kernel's number for the thread.
    public let rawValue: Int32
    /// Wraps a kernel tid.
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// Wraps a kernel tid.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// Orders by the raw value.
    public static func < (lhs: Tid, rhs: Tid) -> Bool { lhs.rawValue < rhs.rawValue }
    /// As people read it in messages.
    public var description: String { String(rawValue) }
}

/// A process as a unique thing: its pid plus its start time in clock ticks since boot
/// (field 22 of `/proc/PID/stat`). Two processes never share both.
public struct ProcessIdentity: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The pid at the time the identity was taken.
    public let pid: Pid
    /// Start time in clock ticks after boot, from `/proc/PID/stat`.
    public let startTime: UInt64
    /// Pairs a pid with its start time.
    public init(pid: Pid, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }
    /// As people read it in messages.
    public var description: String { "pid \(pid) (start \(startTime))" }
}
