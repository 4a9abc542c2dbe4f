import Foundation

/// One line of the journal and of `--json` output: a ``RolloutEvent`` stamped with its
/// rollout, its place in the sequence and the time. Encoded flat, so a program reads
/// `{"rollout":"…","seq":7,"time":"…","event":"applied","host":"web01",…}`.
struct RolloutRecord: Sendable, Equatable, Codable {
    /// The rollout every line belongs to.
    let rollout: RolloutID
    /// 1-based position in the journal (resume continues the count).
    let sequence: Int
    /// When it happened (ISO 8601, UTC, in JSON).
    let time: Date
    /// What happened.
    let event: RolloutEvent

    private enum Key: String, CodingKey {
        case rollout, seq, time, event
    }

    /// The `event` tag of each case, stable across versions (programs match on it).
    private enum Tag: String, Codable {
        case started, resumed, waveStarted, uploaded, applyIntent, applied, checked, waveFinished
        case halted, revertIntent, reverted, finished
    }

    init(rollout: RolloutID, sequence: Int, time: Date, event: RolloutEvent) {
        self.rollout = rollout
        self.sequence = sequence
        self.time = time
        self.event = event
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        rollout = try container.decode(RolloutID.self, forKey: .rollout)
        sequence = try container.decode(Int.self, forKey: .seq)
        time = try container.decode(Date.self, forKey: .time)
        // The payload's fields sit beside the envelope's, so the payload decodes from the same
        // decoder and ignores the envelope keys.
        switch try container.decode(Tag.self, forKey: .event) {
        case .started: event = .started(try RolloutStart(from: decoder))
        case .resumed: event = .resumed(try RolloutResume(from: decoder))
        case .waveStarted: event = .waveStarted(try WaveStart(from: decoder))
        case .uploaded: event = .uploaded(try HostUpload(from: decoder))
        case .applyIntent: event = .applyIntent(try HostStep(from: decoder))
        case .applied: event = .applied(try HostApplied(from: decoder))
        case .checked: event = .checked(try CheckRound(from: decoder))
        case .waveFinished: event = .waveFinished(try WaveEnd(from: decoder))
        case .halted: event = .halted(try RolloutHalt(from: decoder))
        case .revertIntent: event = .revertIntent(try HostStep(from: decoder))
        case .reverted: event = .reverted(try HostReverted(from: decoder))
        case .finished: event = .finished(try RolloutEnd(from: decoder))
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(rollout, forKey: .rollout)
        try container.encode(sequence, forKey: .seq)
        try container.encode(time, forKey: .time)
        let (tag, payload) = tagged
        try container.encode(tag, forKey: .event)
        // JSONEncoder merges a second keyed container on the same encoder into one object.
        try payload.encode(to: encoder)
    }

    private var tagged: (Tag, any Encodable) {
        switch event {
        case .started(let payload): return (.started, payload)
        case .resumed(let payload): return (.resumed, payload)
        case .waveStarted(let payload): return (.waveStarted, payload)
        case .uploaded(let payload): return (.uploaded, payload)
        case .applyIntent(let payload): return (.applyIntent, payload)
        case .applied(let payload): return (.applied, payload)
        case .checked(let payload): return (.checked, payload)
        case .waveFinished(let payload): return (.waveFinished, payload)
        case .halted(let payload): return (.halted, payload)
        case .revertIntent(let payload): return (.revertIntent, payload)
        case .reverted(let payload): return (.reverted, payload)
        case .finished(let payload): return (.finished, payload)
        }
    }
}

extension RolloutRecord {
    /// The encoder for journal and JSON Lines: one line, stable key order, ISO 8601 times.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// The matching decoder.
    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    /// The record as one line of JSON (no newline).
    func jsonLine(using encoder: JSONEncoder = RolloutRecord.makeEncoder()) throws -> String {
        String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
