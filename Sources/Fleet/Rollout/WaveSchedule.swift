import Foundation

/// The `--waves` list, Ansible's `serial` list: sizes as host counts (`5`) or percentages of
/// the whole selection (`10%`). Wave n uses the n-th size; the last size repeats until every
/// host has had its wave. The first wave is the canary.
package struct WaveSchedule: Sendable, Hashable, CustomStringConvertible {
    /// One entry of the list.
    package enum Size: Sendable, Hashable, CustomStringConvertible {
        /// Exactly this many hosts (fewer if fewer remain).
        case hosts(Int)
        /// This percentage of the TOTAL selected hosts, rounded down but at least 1.
        case percent(Int)

        /// The number of hosts for a rollout over `total` hosts, before capping at what remains.
        package func hostCount(total: Int) -> Int {
            switch self {
            case .hosts(let count): return count
            case .percent(let percent): return max(1, total * percent / 100)
            }
        }

        /// `5` or `10%`, as typed.
        package var description: String {
            switch self {
            case .hosts(let count): return String(count)
            case .percent(let percent): return "\(percent)%"
            }
        }
    }

    /// The sizes in order; never empty.
    package let sizes: [Size]

    /// Every host in one wave (Ansible's default when `serial` is not set).
    package static let allAtOnce = WaveSchedule(checked: [.percent(100)])

    /// Wraps sizes that are known to be valid (positive counts, percentages 1-100).
    package init(checked sizes: [Size]) {
        precondition(!sizes.isEmpty, "a wave schedule needs at least one size")
        self.sizes = sizes
    }

    /// Parses `--waves`: comma-separated positive integers and percentages 1%-100%,
    /// for example `1,10%,50%,100%`. Spaces around items are allowed.
    package init(parsing text: String) throws(WaveScheduleError) {
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        var sizes: [Size] = []
        for (offset, rawItem) in items.enumerated() {
            let item = rawItem.trimmingCharacters(in: .whitespaces)
            let position = offset + 1
            func fail(_ problem: String) -> WaveScheduleError {
                WaveScheduleError(text: text, problem: "item \(position) \"\(item)\" \(problem)")
            }
            if item.isEmpty { throw fail("is empty; separate sizes with single commas") }
            if item.hasSuffix("%") {
                guard let percent = Int(item.dropLast()), percent > 0 else {
                    throw fail("is not a whole percentage above 0% (like 10%)")
                }
                guard percent <= 100 else {
                    throw fail("is over 100%; percentages are of all selected hosts")
                }
                sizes.append(.percent(percent))
            } else {
                guard let count = Int(item) else {
                    throw fail("is neither a host count (5) nor a percentage (10%)")
                }
                guard count > 0 else { throw fail("must be at least 1 host") }
                sizes.append(.hosts(count))
            }
        }
        self.sizes = sizes
    }

    /// How many hosts each wave gets for `total` hosts; sums to `total` (empty for 0 hosts).
    package func waveSizes(total: Int) -> [Int] {
        var remaining = total
        var out: [Int] = []
        var index = 0
        while remaining > 0 {
            let size = min(remaining, sizes[index].hostCount(total: total))
            out.append(size)
            remaining -= size
            index = min(index + 1, sizes.count - 1)
        }
        return out
    }

    /// The list as `1,10%,50%,100%`.
    package var description: String { sizes.map(\.description).joined(separator: ",") }
}

/// A `--waves` value that cannot be used, naming the item and the fix.
package struct WaveScheduleError: Error, Sendable, CustomStringConvertible {
    /// The whole value as given.
    package let text: String
    /// What is wrong.
    package let problem: String

    /// `--waves '1,x': item 2 "x" is ...`.
    package var description: String { "--waves '\(text)': \(problem)" }
}
