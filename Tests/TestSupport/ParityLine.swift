import Shared

/// One report line of the parity service, typed. The service prints one per interval (a second
/// by default) on stdout, for example:
///
///     parity variant=exe module=parity-v1 build_id=1dd0…0b7e pid=16935 threads=2 delay_us=1000
///     seq=2 t_ms=2000 total=3561 even=2691 odd=870 misclassified=839 total_delta=1771
///     misclassified_delta=429 max_gap_us=11623 final=1
///
/// (one line in reality). Counts are cumulative since the start unless named `_delta` (since
/// the previous line). Unknown keys are ignored so the service can grow fields.
public struct ParityLine: Sendable, Equatable {
    /// Where the service's is_even lives.
    public enum Variant: String, Sendable {
        /// Linked into the executable (`build/parity-v1`, `build/parity-v2`).
        case executable = "exe"
        /// Loaded from libparity.so (`build/parity-lib`).
        case sharedLibrary = "lib"
    }

    /// Where is_even lives (`variant=`).
    public let variant: Variant
    /// File name of the module holding is_even after resolving symlinks (`module=`), e.g.
    /// `parity-v1` or `libparity-v2.so`: says which build the process runs.
    public let module: String
    /// GNU build-id of that module (`build_id=`); nil when it has none.
    public let buildID: BuildID?
    /// The service's process (`pid=`).
    public let pid: Pid
    /// Worker threads (`threads=`).
    public let threads: Int
    /// Sleep between a worker's iterations (`delay_us=`); 0 is a busy loop.
    public let delayMicroseconds: UInt64
    /// 1 for the first line of a run, then 2, 3, … (`seq=`).
    public let sequence: UInt64
    /// Monotonic milliseconds since the service started (`t_ms=`).
    public let elapsedMilliseconds: UInt64
    /// Numbers classified so far (`total=`); always `even + odd`.
    public let total: UInt64
    /// Numbers is_even called even so far (`even=`).
    public let even: UInt64
    /// Numbers is_even called odd so far (`odd=`).
    public let odd: UInt64
    /// Answers of is_even the workers' own check refuted so far (`misclassified=`).
    public let misclassified: UInt64
    /// Numbers classified since the previous line (`total_delta=`).
    public let totalDelta: UInt64
    /// Misclassifications since the previous line (`misclassified_delta=`): 0 once fixed.
    public let misclassifiedDelta: UInt64
    /// The stall meter (`max_gap_us=`): the longest time any worker went between two
    /// iterations, among gaps that ended since the previous line or are still open now.
    public let maxGapMicroseconds: UInt64
    /// True for the last line, printed on SIGTERM, SIGINT or when `--seconds` ran out (`final=`).
    public let isFinal: Bool

    /// The first word of every parity line.
    public static let tag = "parity"

    /// Parses one line (without its newline); throws naming the missing or bad field.
    public init(parsing text: some StringProtocol) throws(ParityLineError) {
        let line = String(text)
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard words.first == Substring(Self.tag) else {
            throw ParityLineError(line: line, reason: "does not start with '\(Self.tag) '")
        }
        var fields: [Substring: Substring] = [:]
        for word in words.dropFirst() {
            guard let equals = word.firstIndex(of: "=") else {
                throw ParityLineError(line: line, reason: "'\(word)' is not key=value")
            }
            fields[word[..<equals]] = word[word.index(after: equals)...]
        }
        let reader = FieldReader(line: line, fields: fields)
        guard let variant = Variant(rawValue: try reader.text("variant")) else {
            throw ParityLineError(line: line, reason: "variant is neither exe nor lib")
        }
        self.variant = variant
        module = try reader.text("module")
        let buildID = try reader.text("build_id")
        self.buildID = buildID == "none" ? nil : BuildID(hex: buildID)
        guard let pid = Int32(try reader.text("pid")) else {
            throw ParityLineError(line: line, reason: "pid is not a process id")
        }
        self.pid = Pid(pid)
        threads = Int(clamping: try reader.number("threads"))
        delayMicroseconds = try reader.number("delay_us")
        sequence = try reader.number("seq")
        elapsedMilliseconds = try reader.number("t_ms")
        total = try reader.number("total")
        even = try reader.number("even")
        odd = try reader.number("odd")
        misclassified = try reader.number("misclassified")
        totalDelta = try reader.number("total_delta")
        misclassifiedDelta = try reader.number("misclassified_delta")
        maxGapMicroseconds = try reader.number("max_gap_us")
        isFinal = try reader.number("final") != 0
    }
}

/// A line that claims to be a parity line but cannot be read as one.
public struct ParityLineError: Error, Sendable, CustomStringConvertible {
    /// The whole line as read.
    public let line: String
    /// What is wrong with it.
    public let reason: String
    /// The reason, the line, and the likely cause.
    public var description: String {
        "malformed parity line (\(reason)): \(line)\n(is the service older or newer than Tests/TestSupport/ParityLine.swift?)"
    }
}

/// Looks fields up by key, throwing a ParityLineError that names the key.
private struct FieldReader {
    let line: String
    let fields: [Substring: Substring]

    func text(_ key: Substring) throws(ParityLineError) -> String {
        guard let value = fields[key] else { throw ParityLineError(line: line, reason: "no \(key)= field") }
        return String(value)
    }

    func number(_ key: Substring) throws(ParityLineError) -> UInt64 {
        guard let value = UInt64(try text(key)) else {
            throw ParityLineError(line: line, reason: "\(key) is not a whole number")
        }
        return value
    }
}
