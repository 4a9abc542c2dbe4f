import Foundation

/// The name of one rollout: in every journal event, in the journal's file name, and what
/// `hotpatch resume` and `hotpatch rollback --rollout` take. Sorts by start time.
package struct RolloutID: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The id as written, e.g. `20261125T134502Z-3f9a1c`.
    let rawValue: String

    /// Wraps an id typed by a user; nil when it could not be a file name we wrote.
    package init?(_ rawValue: String) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !rawValue.isEmpty, rawValue.count <= 64, !rawValue.hasPrefix("."),
            rawValue.allSatisfy({ allowed.contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }

    /// A fresh id: the UTC start time (so `ls` lists rollouts in order) and 24 random bits
    /// (so two coordinators started in the same second never share a journal).
    static func generate(now: Date = Date()) -> RolloutID {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt32.random(in: 0..<(1 << 24)), radix: 16)
        let padded = String(repeating: "0", count: 6 - suffix.count) + suffix
        return RolloutID("\(formatter.string(from: now))-\(padded)")!
    }

    package init(from decoder: Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let id = RolloutID(raw) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a rollout id: \(raw)"))
        }
        self = id
    }

    package func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    package var description: String { rawValue }
}
