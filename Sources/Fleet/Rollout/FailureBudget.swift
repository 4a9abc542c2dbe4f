import Foundation

/// The one failure budget of a rollout (`--max-failed N|N%`), with Ansible's
/// `max_fail_percentage` rule: the rollout halts when failures EXCEED the budget, not when
/// they reach it. Unlike Ansible's per-batch percentage, this is one budget for the whole
/// rollout, and a percentage is of ALL hosts in the rollout.
///
/// Exact rule, with `failed` counted over every wave so far:
/// - `N`  : halt when `failed > N`.
/// - `N%` : halt when `failed * 100 > N * totalHosts` (no rounding; 10% of 25 hosts allows 2).
/// - `0` or `0%` : the first failure halts (the default).
/// - Also, as in Ansible, a wave in which EVERY host failed halts whatever the budget (so a
///   failed canary always stops the rollout, even with `--max-failed 10%` on 100 hosts).
/// Unreachable hosts are counted and reported apart and do not spend the budget, unless
/// `unreachableFails` (`--unreachable-fails`) is set; then they count exactly like failures.
package struct FailureBudget: Sendable, Hashable, CustomStringConvertible {
    /// How the budget was given.
    package enum Limit: Sendable, Hashable, CustomStringConvertible {
        /// This many hosts may fail.
        case hosts(Int)
        /// This percentage of all hosts in the rollout may fail.
        case percent(Int)

        /// Parses `--max-failed`: a host count (`0`, `3`) or a percentage (`5%`, `0%`-`100%`).
        package init(parsing text: String) throws(FailureBudgetError) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix("%") {
                guard let percent = Int(trimmed.dropLast()), (0...100).contains(percent) else {
                    throw FailureBudgetError(
                        text: text, problem: "a percentage must be a whole number from 0% to 100%")
                }
                self = .percent(percent)
            } else {
                guard let count = Int(trimmed), count >= 0 else {
                    throw FailureBudgetError(
                        text: text, problem: "write a host count (0, 3) or a percentage (5%)")
                }
                self = .hosts(count)
            }
        }

        /// `3` or `5%`, as typed.
        package var description: String {
            switch self {
            case .hosts(let count): String(count)
            case .percent(let percent): "\(percent)%"
            }
        }
    }

    /// The limit.
    package let limit: Limit
    /// Whether unreachable hosts spend the budget like failed ones.
    package let unreachableFails: Bool

    /// A budget from typed values.
    package init(limit: Limit, unreachableFails: Bool = false) {
        self.limit = limit
        self.unreachableFails = unreachableFails
    }

    /// Parses `--max-failed`: a host count (`0`, `3`) or a percentage (`5%`, `0%`-`100%`).
    package init(parsing text: String, unreachableFails: Bool = false) throws(FailureBudgetError) {
        self.init(limit: try Limit(parsing: text), unreachableFails: unreachableFails)
    }

    /// How many hosts may fail in a rollout of `totalHosts` without halting it.
    package func allowedFailures(totalHosts: Int) -> Int {
        switch limit {
        case .hosts(let count): return count
        case .percent(let percent): return percent * totalHosts / 100  // floor: failed*100 > p*total
        }
    }

    /// The hosts that spend the budget in a tally.
    package func spent(_ tally: FailureTally) -> Int {
        tally.failed + (unreachableFails ? tally.unreachable : 0)
    }

    /// True as soon as the rollout's failures exceed the budget; the engine may ask this after
    /// every host to stop starting new ones in the wave.
    package func isExceeded(by rollout: FailureTally, totalHosts: Int) -> Bool {
        spent(rollout) > allowedFailures(totalHosts: totalHosts)
    }

    /// Whether the rollout may go on to the next wave, given the finished wave's tally and the
    /// whole rollout's tally (that wave included).
    package func decision(wave: FailureTally, rollout: FailureTally, totalHosts: Int) -> BudgetDecision {
        let allowed = allowedFailures(totalHosts: totalHosts)
        if spent(rollout) > allowed {
            return .halt(.budgetExceeded(spent: spent(rollout), allowed: allowed))
        }
        if wave.total > 0 && spent(wave) == wave.total {
            return .halt(.wholeWaveFailed(hosts: wave.total))
        }
        return .proceed
    }

    /// `3`, `5%`, with `(unreachable counted)` when it is.
    package var description: String {
        unreachableFails ? "\(limit) (unreachable counted)" : "\(limit)"
    }
}

/// Whether a rollout goes on after a wave.
package enum BudgetDecision: Sendable, Hashable {
    /// Within budget: start the next wave.
    case proceed
    /// Halt (and, unless `--no-rollback`, revert).
    case halt(BudgetBreach)
}

/// Why the budget halted a rollout, for the report.
package enum BudgetBreach: Sendable, Hashable, CustomStringConvertible {
    /// More hosts failed than the budget allows.
    case budgetExceeded(spent: Int, allowed: Int)
    /// Every host of the wave failed (a failed canary, for example).
    case wholeWaveFailed(hosts: Int)

    /// One line for the summary.
    package var description: String {
        switch self {
        case .budgetExceeded(let spent, let allowed):
            return "\(spent) hosts failed, more than the \(allowed) the failure budget allows"
        case .wholeWaveFailed(let hosts):
            return "every host of the wave failed (\(hosts) of \(hosts))"
        }
    }
}

/// A `--max-failed` value that cannot be used.
package struct FailureBudgetError: Error, Sendable, CustomStringConvertible {
    /// The value as given.
    package let text: String
    /// What is wrong.
    package let problem: String

    /// `--max-failed 'x': problem`.
    package var description: String { "--max-failed '\(text)': \(problem)" }
}

// Recorded in the journal as typed (`"3"`, `"5%"`), as journals always held it.
extension FailureBudget.Limit: Codable {
    /// Reads the recorded text.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Self(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error)")
        }
    }

    /// Writes the text as typed.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
