/// How much of a remote command's output the coordinator keeps, and how much it reads at all.
/// A host is untrusted: without these bounds one `--check` printing 400 MB on a few hosts took
/// the coordinator to gigabytes of memory.
package struct OutputLimits: Sendable, Equatable {
    /// Bytes kept from the start of each stream.
    var headBytes: Int
    /// Bytes kept from the end of each stream.
    var tailBytes: Int
    /// Bytes (stdout and stderr together) after which the command counts as flooding: reading
    /// stops, its channel is closed and the command fails.
    var ceilingBytes: Int

    /// Bytes kept at each end of an ordinary command's stream (check commands, upload scripts).
    static let keptBytes = 64 * 1024
    /// The end of the agent's stdout that is kept: its one-line JSON report is the last line
    /// and must arrive whole (a `status --all` of thousands of processes is a few MB).
    package static let agentReportBytes = 8 * 1024 * 1024
    /// The flood ceiling: far above anything a health check or the agent has to say (a
    /// 400 MB check output is still read, kept head and tail, and judged by its exit status),
    /// low enough that a `yes` is cut off after seconds.
    static let floodCeilingBytes = 512 * 1024 * 1024

    /// `512 MiB`, `64 KiB`, `100 bytes`: a limit as messages spell it.
    package static func sizeText(_ bytes: Int) -> String {
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= size && bytes % size == 0 {
            return "\(bytes / size) \(unit)"
        }
        return "\(OutputCapture.grouped(bytes)) bytes"
    }

    /// Check commands, upload scripts, probes: 64 KiB kept at each end.
    static let standard = OutputLimits(
        headBytes: keptBytes, tailBytes: keptBytes, ceilingBytes: floodCeilingBytes)
    /// The agent's runs: the same head, 8 MiB of tail for the report.
    package static let agentReport = OutputLimits(
        headBytes: keptBytes, tailBytes: agentReportBytes, ceilingBytes: floodCeilingBytes)
}

/// One output stream kept within bounds: its first `headLimit` bytes, its last `tailLimit`
/// bytes, and the count of the bytes in between that were read and dropped. Pure: fed chunk by
/// chunk by the SSH reader, table-tested alone.
package struct OutputCapture: Sendable {
    /// Most bytes kept from the start.
    let headLimit: Int
    /// Most bytes kept from the end.
    package let tailLimit: Int
    /// The first bytes of the stream (at most `headLimit`).
    private(set) var head: [UInt8] = []
    /// The last bytes after the head, as a ring of `tailLimit` bytes (allocated once the head
    /// is full): the oldest byte is at `ringStart`, `ringCount` bytes are valid.
    private var ring: [UInt8] = []
    private var ringStart = 0
    private var ringCount = 0
    /// Every byte the stream carried, kept or not.
    package private(set) var totalBytes = 0

    /// An empty capture keeping `head` and `tail` bytes at the two ends.
    init(head: Int, tail: Int) {
        precondition(head >= 0 && tail >= 0, "capture limits cannot be negative")
        headLimit = head
        tailLimit = tail
    }

    /// An empty capture with the head and tail of `limits`.
    init(_ limits: OutputLimits) { self.init(head: limits.headBytes, tail: limits.tailBytes) }

    /// A capture holding all of `bytes` (for connections that are not SSH, and tests).
    init(whole bytes: [UInt8]) {
        self.init(head: bytes.count, tail: 0)
        append(bytes[...])
    }

    /// Adds the next chunk of the stream. Copies with `memcpy`: in a debug build the generic
    /// `+=` copies byte by byte (4 MB/s), and the coordinator must keep up with whatever a
    /// host sends.
    mutating func append(_ chunk: ArraySlice<UInt8>) {
        totalBytes += chunk.count
        chunk.withUnsafeBytes { raw in
            var rest = raw
            if head.count < headLimit {
                let taken = min(headLimit - head.count, rest.count)
                head += UnsafeRawBufferPointer(rebasing: rest[..<taken]).bindMemory(to: UInt8.self)
                rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            }
            guard !rest.isEmpty, tailLimit > 0 else { return }
            appendToRing(rest)
        }
    }

    /// Writes `bytes` after the newest ring byte, overwriting the oldest when full.
    private mutating func appendToRing(_ bytes: UnsafeRawBufferPointer) {
        if ring.isEmpty { ring = [UInt8](repeating: 0, count: tailLimit) }
        // Only the last `tailLimit` bytes of a large chunk can survive.
        let source = UnsafeRawBufferPointer(rebasing: bytes[max(0, bytes.count - tailLimit)...])
        let capacity = tailLimit
        ring.withUnsafeMutableBytes { storage in
            var written = 0
            var position = (ringStart + ringCount) % capacity
            while written < source.count {
                let piece = min(source.count - written, capacity - position)
                storage.baseAddress!.advanced(by: position).copyMemory(
                    from: source.baseAddress!.advanced(by: written), byteCount: piece)
                written += piece
                position = (position + piece) % capacity
            }
        }
        let filled = ringCount + source.count
        if filled > capacity {
            ringStart = (ringStart + filled - capacity) % capacity
            ringCount = capacity
        } else {
            ringCount = filled
        }
    }

    /// The last bytes of the stream after the head (at most `tailLimit`), oldest first.
    var tail: [UInt8] {
        let first = min(ringCount, tailLimit - ringStart)
        return Array(ring[ringStart..<ringStart + first]) + Array(ring[0..<ringCount - first])
    }

    /// Bytes read but not kept (between the head and the tail).
    package var droppedBytes: Int { totalBytes - head.count - ringCount }

    /// The kept bytes as shown: head, then `… N bytes not shown …` on its own line when
    /// anything was dropped, then tail.
    var bytes: [UInt8] {
        guard droppedBytes > 0 else { return head + tail }
        return head + Array(Self.marker(dropped: droppedBytes).utf8) + tail
    }

    /// `bytes` as text (invalid UTF-8 becomes U+FFFD).
    package var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The same stream cut down to `head` and `tail` bytes (for one-line messages); the bytes
    /// dropped here join those dropped while reading, so the count stays exact.
    package func excerpt(head headBytes: Int, tail tailBytes: Int) -> OutputCapture {
        var shorter = OutputCapture(head: headBytes, tail: tailBytes)
        shorter.head = Array(head.prefix(headBytes))
        // The kept tail never reaches across bytes already dropped: the marker stands for one gap.
        let after = droppedBytes > 0 ? tail : Array(head.dropFirst(headBytes)) + tail
        if tailBytes > 0, !after.isEmpty { after.withUnsafeBytes { shorter.appendToRing($0) } }
        shorter.totalBytes = totalBytes
        return shorter
    }

    /// The line that stands for the dropped middle: `\n… 399,872,000 bytes not shown …\n`.
    static func marker(dropped: Int) -> String { "\n… \(grouped(dropped)) bytes not shown …\n" }

    /// `399872000` as `399,872,000` (fixed, not the locale's: messages are compared in tests).
    package static func grouped(_ number: Int) -> String {
        var digits = String(number.magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (number < 0 ? "-" : "") + groups.joined(separator: ",")
    }
}

extension OutputCapture: Equatable {
    /// Equal when the same stream was kept the same way (wherever the ring happens to start).
    package static func == (lhs: OutputCapture, rhs: OutputCapture) -> Bool {
        lhs.headLimit == rhs.headLimit && lhs.tailLimit == rhs.tailLimit && lhs.head == rhs.head
            && lhs.tail == rhs.tail && lhs.totalBytes == rhs.totalBytes
    }
}
