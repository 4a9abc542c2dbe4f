import Shared

extension SafePointSwitch {
    /// What one switch knows across its stops.
    struct Progress {
        /// Give up after this (monotonic ns).
        let deadline: UInt64
        /// The process's mappings, read again when a stack points somewhere new.
        var mappings: [MemoryMapping]
        /// Stops so far.
        var attempts = 0
        /// Why the last stop did not commit (for the failure message).
        var lastProblem = ""
        /// The thread in the way at the last stop, if that was the reason.
        var lastConflict: SafePoint.Conflict? = nil
        /// Stops that let threads run toward their return, and they did not get out.
        var runs = 0
        /// The least back-off after such a stop (ns).
        var restAfterRun: UInt64 = 0
        /// The threads run again only once the last one is detached, so the budget must hold the
        /// detach too. It cannot be undone once done, so it is forecast: the slowest detach seen
        /// so far in this process (nil before the first one).
        var resumeForecast: UInt64? = nil

        /// The detach forecast: the slowest seen so far, or before the first one, what stopping
        /// them all cost (µs).
        func forecastResume(_ stopped: StoppedProcess) -> UInt64 { resumeForecast ?? stopped.stopMicroseconds }

        /// The whole pause if the threads were let go now: what is spent so far plus the detach (µs).
        func projectedPause(_ stopped: StoppedProcess) -> UInt64 {
            stopped.elapsedMicroseconds + forecastResume(stopped)
        }
    }

    /// One stop of the switch, as it is let go: the net disarmed if armed, and `mid-detach` naming
    /// only the detach of a stop that wrote.
    struct CommitHold {
        /// The stopped process.
        let stopped: StoppedProcess
        /// The session's failpoints.
        let failpoints: Failpoints
        /// The net is armed (a SIGSTOP pending for the process).
        var armed = false
        /// The entries were written in this stop.
        var committed = false

        /// Lets every thread go and learns how long the detach took.
        mutating func release(_ progress: inout Progress) {
            if armed {
                // No word to the guardian here: its repair of writes is decided from the bytes,
                // whatever the board says.
                SafetyNet.disarm(stopped.process)
                armed = false
            }
            failpoints.detachingCommit = committed
            stopped.resume()
            failpoints.detachingCommit = false
            progress.resumeForecast = max(progress.resumeForecast ?? 0, stopped.resumeMicroseconds)
        }
    }
}
