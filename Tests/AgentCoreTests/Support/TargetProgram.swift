import Foundation
import Shared
import TestSupport

/// A C program compiled for a test and running as a real process; its stdout lines are
/// collected so the test can read what the program observed about itself.
final class TargetProgram: @unchecked Sendable {
    // @unchecked: `lines` is guarded by `lock`; everything else is set once in init.
    /// The process.
    let process = Process()
    private let lock = NSLock()
    private var collected: [String] = []
    private var partial = ""

    /// The pid.
    var pid: Pid { Pid(process.processIdentifier) }

    /// Starts `executable`; its stdout is read line by line.
    init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.partial += String(decoding: data, as: UTF8.self)
            while let newline = self.partial.firstIndex(of: "\n") {
                self.collected.append(String(self.partial[..<newline]))
                self.partial = String(self.partial[self.partial.index(after: newline)...])
            }
            self.lock.unlock()
        }
        try process.run()
    }

    /// Every complete line so far.
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }

    /// Waits until a line satisfies `predicate` (or the timeout passes); returns it.
    @discardableResult
    func waitForLine(timeout: TimeInterval = 20, _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = lines.last(where: predicate) { return line }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    /// Kills the program and waits for it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// Reads a running process's memory the way a debugger does (the tests run as root).
enum ProcessMemory {
    /// `count` bytes at `address` in `pid`.
    static func read(_ pid: Pid, _ address: UInt64, count: Int) -> [UInt8]? {
        let fd = open("/proc/\(pid)/mem", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = pread(fd, &buffer, count, off_t(address))
        return got == count ? buffer : nil
    }

    /// Writes `bytes` at `address` in `pid` (as a debugger would); true when all were written.
    static func write(_ pid: Pid, _ address: UInt64, _ bytes: [UInt8]) -> Bool {
        let fd = open("/proc/\(pid)/mem", O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return pwrite(fd, bytes, bytes.count, off_t(address)) == bytes.count
    }

    /// The load address of the first mapping of `path` in `pid`.
    static func loadBase(_ pid: Pid, path: String) -> UInt64? {
        guard let maps = try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8) else { return nil }
        for line in maps.split(separator: "\n") where line.hasSuffix(path) {
            return UInt64(line.split(separator: "-")[0], radix: 16)
        }
        return nil
    }
}
