import Foundation
import TestSupport
import XCTest

/// The compatibility corpus (Tests/Corpus/cases): every case patched the way users patch, one
/// failure recorded per failed check so a single run shows them all, and the table printed at the
/// end. `HOTPATCH_CORPUS_CASES=a,b` runs only those cases; `HOTPATCH_CORPUS_JOBS` sets how many
/// run at once (default 2); `HOTPATCH_CORPUS_TABLE=FILE` also writes the table to FILE.
final class CorpusTests: XCTestCase {
    func testEveryCase() throws {
        let environment = ProcessInfo.processInfo.environment
        let folder = RepositoryPaths.path("Tests/Corpus/cases")
        var cases = CorpusCase.all(in: folder)
        XCTAssertFalse(cases.isEmpty, "no cases in \(folder)")
        if let chosen = environment["HOTPATCH_CORPUS_CASES"], !chosen.isEmpty {
            let names = chosen.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names where !cases.contains(where: { $0.name == name }) {
                XCTFail("HOTPATCH_CORPUS_CASES names \(name), which is not a case in \(folder)")
            }
            cases = cases.filter { names.contains($0.name) }
        }
        let tools = try CorpusTools.built()
        let jobs = max(1, Int(environment["HOTPATCH_CORPUS_JOBS"] ?? "") ?? 2)
        let started = ContinuousClock.now
        let results = Self.run(cases, tools: tools, jobs: jobs)
        let table =
            CorpusTable.render(results)
            + "\nwall time \(Self.seconds(ContinuousClock.now - started)) s with \(jobs) jobs"
        for result in results {
            for failure in result.failures {
                XCTFail("corpus case \(result.name), step \(failure.step.rawValue): \(failure.message)")
            }
        }
        print("\n=== corpus table ===\n\(table)\n=== end of corpus table ===")
        if let file = environment["HOTPATCH_CORPUS_TABLE"], !file.isEmpty {
            try (table + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        }
    }

    /// `duration` in seconds with one decimal.
    static func seconds(_ duration: Duration) -> String {
        String(
            format: "%.1f",
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    /// Runs the cases `jobs` at a time (each builds with gcc and runs a busy program, so a few in
    /// parallel keep two cores busy without starving the agent); results in the cases' order.
    static func run(
        _ cases: [(name: String, result: Result<CorpusCase, CorpusCaseError>)], tools: CorpusTools, jobs: Int
    ) -> [CorpusResult] {
        let collector = ResultCollector(count: cases.count)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while let index = collector.next() {
                let (name, parsed) = cases[index]
                switch parsed {
                case .success(let corpusCase):
                    collector.store(CorpusRunner(tools: tools).run(corpusCase), at: index)
                case .failure(let error):
                    var result = CorpusResult(name: name)
                    result.fail(.parse, error.description)
                    collector.store(result, at: index)
                }
            }
        }
        return collector.results
    }
}

/// Hands out case indexes to the workers and keeps their results in order.
private final class ResultCollector: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var nextIndex = 0
    private var stored: [CorpusResult?]

    init(count: Int) { stored = Array(repeating: nil, count: count) }

    /// The next case to run, nil when all are taken.
    func next() -> Int? {
        lock.withLock {
            guard nextIndex < stored.count else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    /// Stores the result of case `index`.
    func store(_ result: CorpusResult, at index: Int) { lock.withLock { stored[index] = result } }

    /// Every result, in the cases' order.
    var results: [CorpusResult] { lock.withLock { stored.compactMap { $0 } } }
}
