import Shared

/// A test hook: `HOTPATCH_AGENT_FAILPOINT=<step>[:<n>][,stop]` makes the agent raise SIGKILL on
/// itself (or, with `,stop`, SIGSTOP: the test then changes the target and sends SIGCONT) the
/// n-th time (default 1) it reaches the named step. The fault tests use it to prove that an agent
/// dying at any step leaves its target running, fully patched or fully unpatched
/// (docs/RELIABILITY.md, "Failpoints").
///
/// Part of the ``AgentSession``; unset, a step costs one load and compare of an optional.
final class Failpoints {
    /// Every named step of the apply and revert pipelines, in the order they are reached.
    enum Step: String, CaseIterable {
        /// A thread of the target is seized for the injected calls (mmap, mprotect, munmap).
        case afterAttach = "after-attach"
        /// A borrowed thread's registers point at the `syscall` gadget; not yet stepped.
        case afterHijackSetRegisters = "after-hijack-set-registers"
        /// The injected call ran; the borrowed thread's registers are not yet restored.
        case afterSyscallStep = "after-syscall-step"
        /// A borrowed thread's registers point at a function the agent calls (unwind registration);
        /// the thread has not run it yet.
        case afterCallSetRegisters = "after-call-set-registers"
        /// The called function returned: the thread spins on the call trap, its registers are
        /// not yet restored.
        case afterCallReturned = "after-call-returned"
        /// The patch memory is mapped (registers restored), nothing written into it yet.
        case afterMmap = "after-mmap"
        /// The patch memory holds the header and code; not yet protected.
        case afterFill = "after-fill"
        /// The data part is protected; the borrowed thread is about to be let go.
        case afterProtect = "after-protect"
        /// Every thread is stopped for the commit (a safe point was found); nothing written.
        case afterStop = "after-stop"
        /// Between two entry writes of one commit (occurrence n: after the n-th write).
        case betweenWrites = "between-writes"
        /// Every entry written; the threads are still stopped.
        case afterWritesBeforeDetach = "after-writes-before-detach"
        /// The first thread is detached, the others still stopped.
        case midDetach = "mid-detach"
        /// Every thread runs again; the report is not yet written (revert: memory not yet freed).
        case afterDetach = "after-detach"
        /// Revert: the patch memory was freed; the report is not yet written.
        case afterUnmap = "after-munmap"
    }

    /// Which pipeline the agent is in; step names are `apply.<step>` or `revert.<step>`.
    enum Pipeline: String {
        /// `hotpatch-agent apply`.
        case apply
        /// `hotpatch-agent revert`.
        case revert
    }

    /// What a reached failpoint does to the agent.
    enum Action: Equatable {
        /// SIGKILL: the agent dies on the spot.
        case kill
        /// SIGSTOP: the agent waits there for SIGCONT.
        case stop
    }

    /// A parsed setting.
    struct Setting: Equatable {
        /// `apply.after-stop`.
        var name: String
        /// Fire on this occurrence (1-based).
        var occurrence: Int
        /// What to do.
        var action: Action

        /// Parses `<step>[:<n>][,stop]`; nil when malformed.
        init?(_ text: String) {
            var rest = Substring(text)
            action = .kill
            if rest.hasSuffix(",stop") {
                action = .stop
                rest = rest.dropLast(",stop".count)
            }
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), !parts[0].isEmpty else { return nil }
            name = String(parts[0])
            occurrence = parts.count == 2 ? Int(parts[1]) ?? 0 : 1
            guard occurrence >= 1 else { return nil }
        }
    }

    /// The setting from the environment; nil when unset or malformed.
    private let setting: Setting?
    /// How many times the named step was reached.
    private var seen = 0
    /// The pipeline the agent is running now (set by ``AgentSession/begin(_:)``).
    var pipeline: Pipeline = .apply
    /// True while the threads of a commit's stop are being detached: `mid-detach` names that
    /// detach, not the one after an injected call or a refused stop.
    var detachingCommit = false

    /// Failpoints as `HOTPATCH_AGENT_FAILPOINT` says (`text`); none when it is nil or malformed.
    init(setting text: String?) { setting = text.flatMap(Setting.init) }

    /// Marks that the agent reached `step`; fires the configured action when it is the one.
    @inline(__always)
    func reached(_ step: Step) {
        guard let setting else { return }
        if step == .midDetach && !detachingCommit { return }
        fire(step, setting)
    }

    private func fire(_ step: Step, _ setting: Setting) {
        guard setting.name == "\(pipeline.rawValue).\(step.rawValue)" else { return }
        seen += 1
        guard seen == setting.occurrence else { return }
        try? Syscalls.signalProcess(Syscalls.processID, setting.action == .kill ? .kill : .stop)
    }
}
