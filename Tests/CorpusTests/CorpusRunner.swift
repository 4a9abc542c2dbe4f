import Foundation
import TestSupport

/// Runs one corpus case end to end, the way a user patches a running program: build, start,
/// `hotpatch create` (no `--function`), `hotpatch-agent apply`, see the fix, revert, see the old
/// code. Every check that fails is recorded with its step and the failing command's output; the
/// program is killed on every path.
struct CorpusRunner: Sendable {
    /// The binaries under test.
    let tools: CorpusTools
    /// How long the agent may look for a safe point when the case expects apply to succeed.
    static let applyTimeout = "5s"
    /// ... and when it expects a refusal (a busy function never offers one).
    static let refusalTimeout = "2s"

    /// Runs `corpusCase` in a fresh temporary folder (kept when the case fails, for a closer look).
    func run(_ corpusCase: CorpusCase) -> CorpusResult {
        var result = CorpusResult(name: corpusCase.name)
        result.lang = corpusCase.lang
        result.expected =
            corpusCase.expect == .refuseCreate
            ? "refuse-create" : corpusCase.included.sorted().joined(separator: ",")
        if let pending = corpusCase.pending {
            result.pending = pending
            return result
        }
        let started = ContinuousClock.now
        guard let fixture = try? CFixture("corpus-\(corpusCase.name)") else {
            result.fail(.build, "cannot create a temporary folder")
            return result
        }
        do {
            try steps(corpusCase, in: fixture.directory, result: &result)
        } catch let error as CorpusStepError {
            result.failures.append(error)
        } catch {
            result.fail(.build, "\(error)")
        }
        if result.failures.isEmpty {
            fixture.remove()
        } else {
            let last = result.failures.removeLast()
            result.fail(last.step, last.message + "\n(files kept in \(fixture.directory))")
        }
        result.seconds = CorpusTests.seconds(ContinuousClock.now - started)
        return result
    }

    /// The steps, top to bottom; a step whose failure makes the rest meaningless throws.
    private func steps(_ corpusCase: CorpusCase, in work: String, result: inout CorpusResult) throws {
        // Build v1 and the v2 objects as the format says.
        let build = try CorpusBuild.make(corpusCase, in: work)
        let patch = work + "/fix.hotpatch"
        let id = String(corpusCase.name.prefix(64))
        if corpusCase.expect == .refuseCreate {
            let created = try tools.create(build, id: id, output: patch)
            checkRefusal(created, of: corpusCase, step: .create, result: &result)
            result.created = created.status == 0 ? names(created) : "refused"
            return
        }
        // Start the program and see the old code run.
        let program = try CorpusProgram(build.running, in: work)
        defer { program.stop() }
        guard program.waitForLine(corpusCase.before, after: 0) else {
            throw CorpusStepError(
                step: .start, message: "no line \"\(corpusCase.before)\"; \(program.tail())")
        }
        // Make the patch as a user does and check it holds exactly the changed functions.
        let created = try tools.create(build, id: id, output: patch)
        guard created.status == 0 else {
            result.created = "failed"
            throw CorpusStepError(
                step: .create, message: "hotpatch create exited \(created.status):\n\(created.output)")
        }
        result.created = names(created)
        if CorpusTools.includedNames(created.stdout) != corpusCase.included {
            result.fail(.included, "expected \(result.expected), create printed:\n\(created.output)")
        }
        let state = work + "/state"
        if corpusCase.expect == .refuseApply {
            try refusedApply(
                corpusCase, patch: patch, id: id, program: program, state: state, result: &result)
        } else {
            try appliedAndReverted(
                corpusCase, patch: patch, id: id, program: program, state: state, result: &result)
        }
    }

    /// Apply, see `after`, alive, revert, see `before`, alive.
    private func appliedAndReverted(
        _ corpusCase: CorpusCase, patch: String, id: String, program: CorpusProgram, state: String,
        result: inout CorpusResult
    ) throws {
        let beforeApply = program.mark
        let applied = try tools.apply(
            patch, pid: program.pid, stateDirectory: state, timeout: Self.applyTimeout)
        result.apply = applied.status == 0 ? "ok" : "FAIL"
        guard applied.status == 0 else {
            throw CorpusStepError(
                step: .apply,
                message:
                    "hotpatch-agent apply exited \(applied.status):\n\(applied.output)\n\(program.tail())")
        }
        let seen = program.waitForLine(corpusCase.after, after: beforeApply)
        result.newSeen = seen ? "ok" : "FAIL"
        guard program.isAlive else {
            throw CorpusStepError(step: .alive, message: "the process died after apply; \(program.tail())")
        }
        if !seen {
            result.fail(.after, "no line \"\(corpusCase.after)\" after apply; \(program.tail())")
        }
        let reverted = try tools.revert(id: id, pid: program.pid, stateDirectory: state)
        result.revert = reverted.status == 0 ? "ok" : "FAIL"
        guard reverted.status == 0 else {
            throw CorpusStepError(
                step: .revert, message: "hotpatch-agent revert exited \(reverted.status):\n\(reverted.output)"
            )
        }
        let back = program.waitForLine(corpusCase.before, after: program.mark)
        result.oldBack = back ? "ok" : "FAIL"
        guard program.isAlive else {
            throw CorpusStepError(step: .alive, message: "the process died after revert; \(program.tail())")
        }
        if !back {
            result.fail(.oldBack, "no line \"\(corpusCase.before)\" after revert; \(program.tail())")
        }
    }

    /// The agent must refuse; the process runs on with the old code and never shows `after`.
    private func refusedApply(
        _ corpusCase: CorpusCase, patch: String, id: String, program: CorpusProgram, state: String,
        result: inout CorpusResult
    ) throws {
        let beforeApply = program.mark
        let applied = try tools.apply(
            patch, pid: program.pid, stateDirectory: state, timeout: Self.refusalTimeout)
        result.apply = applied.status == 0 ? "APPLIED" : "refused"
        checkRefusal(applied, of: corpusCase, step: .apply, result: &result)
        guard program.isAlive else {
            throw CorpusStepError(
                step: .alive, message: "the process died after the refused apply; \(program.tail())")
        }
        let back = program.waitForLine(corpusCase.before, after: program.mark)
        result.oldBack = back ? "ok" : "FAIL"
        if !back {
            result.fail(
                .oldBack, "no line \"\(corpusCase.before)\" after the refused apply; \(program.tail())")
        }
        if !corpusCase.after.isEmpty,
            program.lines(after: beforeApply).contains(where: { $0 == corpusCase.after })
        {
            result.newSeen = "SEEN"
            result.fail(
                .after, "\"\(corpusCase.after)\" printed although apply was refused; \(program.tail())")
        }
    }

    /// A refusal: non-zero exit and a message holding the case's `refusal:` text.
    private func checkRefusal(
        _ run: ProgramResult, of corpusCase: CorpusCase, step: CorpusStep, result: inout CorpusResult
    ) {
        let tool = step == .create ? "hotpatch create" : "hotpatch-agent apply"
        if run.status == 0 {
            result.fail(
                step,
                "\(tool) succeeded; expected a refusal with \"\(corpusCase.refusal ?? "")\":\n\(run.output)")
        } else if let refusal = corpusCase.refusal, !run.output.contains(refusal) {
            result.fail(
                step, "\(tool) refused, but without \"\(refusal)\" (exit \(run.status)):\n\(run.output)")
        }
    }

    /// create's `included:` names, sorted and joined, for the table.
    private func names(_ created: ProgramResult) -> String {
        let names = CorpusTools.includedNames(created.stdout).sorted()
        return names.isEmpty ? "(none)" : names.joined(separator: ",")
    }
}
