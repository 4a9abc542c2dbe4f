import TestSupport
import XCTest

final class RepositoryLayoutTests: XCTestCase {
    func testRepositoryRootHoldsThePackageManifest() {
        XCTAssertTrue(FileManager.default.fileExists(atPath: RepositoryPaths.path("Package.swift")))
    }
}
