import Foundation
import Shared
import TestSupport
import XCTest

/// Every stop counts toward the reported pause (DESIGN.md step 4): the per-step trace
/// (`HOTPATCH_PAUSE_TRACE=1`) names each stop the agent put the process through (the injected
/// `mmap`, the injected unwind calls, the commit, the injected `munmap`) with its hold, and the
/// report's `pauseMicroseconds` is the longest of them, not the commit's alone. No timing is
/// asserted: only which steps there are and that the report's pause is the trace's longest hold.
final class PauseStepsTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws {
        fixture = try CFixture("agent-pause-steps")
        PauseTrace.enable()
    }
    override func tearDown() {
        PauseTrace.disable()
        fixture.remove()
    }

    /// A worker calls `compute` every millisecond; libgcc_s is linked in (as in any C++ program),
    /// so the patch's `.eh_frame` is registered by an injected call.
    private static let service = """
        #include <pthread.h>
        #include <stdio.h>
        #include <unistd.h>

        __attribute__((noinline, noipa)) int compute(int x) { return x + 1; }
        \(Fixtures.computeWorker)
        int main(void) {
            pthread_t t;
            pthread_create(&t, NULL, worker, NULL);
            for (;;) pause();
        }
        """

    func testEveryStopIsTracedAndThePauseIsTheLongestHold() throws {
        try fixture.link(
            "service", Self.service, flags: Fixtures.targetFlags + ["-Wl,--no-as-needed", "-lgcc_s"])
        let patch = try create(id: "compute-fix", Fixtures.computeFix)
        let program = try TargetProgram(fixture.path("service"))
        defer { program.stop() }
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" }, "the old compute runs")

        let applied = try AgentBinary.run(
            ["apply", patch, "--pid", "\(program.pid)"], stateDirectory: fixture.path("state"))
        XCTAssertEqual(applied.status, 0, applied.output)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=43" }, "the fixed compute runs")
        let applySteps = PauseTrace.holds(applied.output)
        XCTAssertEqual(Self.steps(applySteps), ["mmap", "call", "commit"], applied.output)
        for hold in applySteps {
            XCTAssertEqual(
                hold.threads, hold.step == "commit" ? 2 : 1,
                "one borrowed thread per injected step, every thread for the commit: \(hold.step)")
        }
        XCTAssertEqual(
            applied.report?.processes.first?.pauseMicroseconds, applySteps.map(\.microseconds).max(),
            "the pause is the longest hold of any step\n\(applied.output)")
        let mmap = try XCTUnwrap(applied.output.split(separator: "\n").first { $0.contains("step=mmap") })
        for sub in ["stop:", "set_regs:", "mmap:", "park:", "restore:"] {
            XCTAssertTrue(mmap.contains(sub), "the injected mmap's sub-steps are traced: \(mmap)")
        }

        let reverted = try AgentBinary.run(
            ["revert", "--id", "compute-fix", "--pid", "\(program.pid)"],
            stateDirectory: fixture.path("state"))
        XCTAssertEqual(reverted.status, 0, reverted.output)
        XCTAssertNotNil(program.waitForLine { $0 == "compute=42" }, "the old compute is back")
        let revertSteps = PauseTrace.holds(reverted.output)
        XCTAssertEqual(Self.steps(revertSteps), ["commit", "call", "munmap"], reverted.output)
        XCTAssertEqual(
            reverted.report?.processes.first?.pauseMicroseconds, revertSteps.map(\.microseconds).max(),
            "the pause is the longest hold of any step\n\(reverted.output)")
        XCTAssertTrue(program.process.isRunning)
    }

    /// The steps in order, a step retried (a commit that found no safe point, a call that waited
    /// for a moment outside libgcc) named once.
    private static func steps(_ holds: [PauseTrace.Hold]) -> [String] {
        holds.map(\.step).reduce(into: []) { steps, step in if steps.last != step { steps.append(step) } }
    }

    /// Makes the patch with `hotpatch create`, as a user does; checks that it included `compute`.
    private func create(id: String, _ source: String) throws -> String {
        let patch = try fixture.servicePatchPrinting(id: id, fix: source)
        XCTAssertTrue(patch.printed.contains("included: compute"), patch.printed)
        return patch.path
    }
}
