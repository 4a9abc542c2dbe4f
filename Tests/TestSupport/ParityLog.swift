import Foundation

/// Reads the report lines of a parity service from the file its stdout goes to, whoever started
/// it: a ``ParityService`` of this test, the lab (`hosts/<name>/parity.log`), a shell.
///
/// The file is re-read on every call (logs are small: one line a second). Lines that are not
/// parity lines, such as stderr mixed in with `2>&1`, are skipped; a last line without its
/// newline is still being written and is left for the next read. A log that does not exist
/// (yet) has no lines.
public struct ParityLog: Sendable {
    /// The log file.
    public let path: String

    /// A reader of the log at `path`.
    public init(path: String) { self.path = path }

    /// Every complete parity line in the log, oldest first. Throws when a line starts with
    /// `parity ` but is malformed: the service and this reader disagree on the format.
    public func lines() throws(ParityLineError) -> [ParityLine] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var complete = String(decoding: data, as: UTF8.self)
        guard let lastNewline = complete.lastIndex(of: "\n") else { return [] }
        complete = String(complete[..<lastNewline])
        var parsed: [ParityLine] = []
        for text in complete.split(separator: "\n") where text.hasPrefix(ParityLine.tag + " ") {
            parsed.append(try ParityLine(parsing: text))
        }
        return parsed
    }

    /// Waits for the first line, among those after the first `skipping` lines of the log, that
    /// satisfies `condition`, polling the file every 20 ms. Use `lines().count` as `skipping` to
    /// wait for a line written after now. Throws ``ParityServiceError/timedOut(waitingFor:log:tail:)``
    /// with the log's last lines when none comes within `timeout`.
    public func waitForLine(
        skipping: Int = 0, timeout: Duration = .seconds(15), description: String = "a parity line",
        where condition: (ParityLine) -> Bool = { _ in true }
    ) throws(ParityServiceError) -> ParityLine {
        let deadline = ContinuousClock.now + timeout
        while true {
            let all: [ParityLine]
            do throws(ParityLineError) { all = try lines() } catch { throw .malformedLine(log: path, error) }
            if let found = all.dropFirst(skipping).first(where: condition) { return found }
            if ContinuousClock.now >= deadline {
                throw .timedOut(waitingFor: description + " after line \(skipping)", log: path, tail: tail())
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The log's last `count` lines as text (any lines, not only parity ones), for error messages.
    public func tail(_ count: Int = 5) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "(\(path) does not exist)" }
        let text = String(decoding: data, as: UTF8.self)
        let last = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count + 1)
        let shown = last.joined(separator: "\n").trimmingCharacters(in: .newlines)
        return shown.isEmpty ? "(\(path) is empty)" : shown
    }
}
