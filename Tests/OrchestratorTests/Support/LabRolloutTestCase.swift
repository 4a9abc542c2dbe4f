import Foundation
import TestSupport
import XCTest

/// A test class whose tests share one lab fleet: it comes up in the class's `setUp` and goes
/// down in its `tearDown`, and every test gets a fresh work folder holding the parity patch.
/// A subclass names its lab and its size; XCTest runs one class at a time, so one lab is up at
/// a time.
class LabRolloutTestCase: XCTestCase {
    /// The lab's name (its folder and port derive from it).
    class var labName: String { String(describing: self) }
    /// How many hosts the lab has.
    class var labHosts: Int { 3 }
    /// Whether each host gets its own copy of the service's folder (`up --private-service`), for
    /// tests that change files there.
    class var labPrivateService: Bool { false }
    /// Whether the hosts sit behind the lab's bastion (`scripts/lab up --behind-bastion`).
    class var labBehindBastion: Bool { false }
    /// Whether every test starts on freshly restarted, unpatched services (`scripts/lab
    /// restart-service` on each host): for classes whose tests patch, kill and break things, so
    /// that no test depends on the previous one's clean-up having worked.
    class var restartsServicesBeforeEachTest: Bool { false }

    nonisolated(unsafe) private static var labs: [String: Result<LabFleet, LabUnavailable>] = [:]

    /// This test's folder (journal, inventories, scratch files); removed after the test.
    var work = ""
    /// The parity v1 -> v2 patch, made for this test in `work`.
    var patch = ""

    /// Why the lab did not come up.
    struct LabUnavailable: Error, CustomStringConvertible {
        let description: String
    }

    override class func setUp() {
        super.setUp()
        do {
            labs[labName] = .success(
                try LabFleet.up(
                    hosts: labHosts, name: labName, privateService: labPrivateService,
                    behindBastion: labBehindBastion))
        } catch {
            labs[labName] = .failure(LabUnavailable(description: "\(error)"))
        }
    }

    override class func tearDown() {
        if case .success(let lab) = labs[labName] { try? lab.down(purge: true) }
        labs[labName] = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try RolloutFixture.requireBinaries()
        work = NSTemporaryDirectory() + Self.labName + "-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        patch = try RolloutFixture.parityPatch(in: work)
        if Self.restartsServicesBeforeEachTest, let lab = labIfUp {
            for host in lab.hosts { try lab.restartService(of: host) }
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: work)
        try super.tearDownWithError()
    }

    /// The class's lab; fails the test, saying why, when it did not come up.
    func fleet() throws -> LabFleet {
        switch Self.labs[Self.labName] {
        case .success(let lab): return lab
        case .failure(let error): throw LabUnavailable(description: "the lab did not come up: \(error)")
        case nil: throw LabUnavailable(description: "the lab of \(Self.labName) was never started")
        }
    }

    /// The lab when it is up, for clean-up steps that must not fail the test themselves.
    var labIfUp: LabFleet? {
        if case .success(let lab) = Self.labs[Self.labName] { return lab }
        return nil
    }
}
