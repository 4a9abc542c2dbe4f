import ArgumentParser

/// A duration on the command line: `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds.
struct DurationArgument: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    /// The value in seconds.
    let seconds: Double

    /// Wraps seconds.
    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        let units: [(suffix: String, scale: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let unit = units.first { argument.hasSuffix($0.suffix) } ?? ("", 1)
        guard let value = Double(argument.dropLast(unit.suffix.count)), value >= 0, value.isFinite else {
            return nil
        }
        seconds = value * unit.scale
    }

    var description: String {
        seconds < 1 && seconds > 0 ? "\(Int(seconds * 1000))ms" : "\(seconds.formatted())s"
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension Double {
    /// `5` for whole numbers, `2.5` otherwise.
    fileprivate func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
