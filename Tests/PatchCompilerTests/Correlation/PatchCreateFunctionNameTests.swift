import Foundation
import Shared
import TestSupport
import XCTest

/// `--function` takes the names people write: C names, demangled C++ signatures, qualified or
/// bare names when unique; a source name brings its GCC clones, each function its parts.
final class PatchCreateFunctionNameTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("names") }
    override func tearDown() { fixture.remove() }

    /// Builds `prog` from `source` (C++ when `cpp`) and its unchanged object, then runs create
    /// with each `--function` value.
    private func create(_ source: String, cpp: Bool, function: String) throws -> ProgramResult {
        let name = cpp ? "lib.cpp" : "lib.c"
        let compiler = cpp ? "g++" : "gcc"
        try fixture.write(name, source)
        try fixture.write("fix/" + name, source)
        try fixture.write("main.c", "int main(void) { return 0; }\n")
        for step in [
            ["-O2", "-c", name, "-o", "lib-target.o"], ["-O2", "-c", "main.c", "-o", "main.o"],
            ["-O2", "-Wl,--build-id", "lib-target.o", "main.o", "-o", "prog"],
            ["-O2", "-fPIE", "-ffunction-sections", "-fdata-sections", "-c", "fix/" + name, "-o", "fix.o"],
        ] {
            let result = try Subprocess.run("/usr/bin/" + compiler, step, currentDirectory: fixture.directory)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        return try HotpatchCLI.run([
            "create", "--target", fixture.path("prog"), "--object", fixture.path("fix.o"), "--function",
            function,
            "-o", fixture.path("fix.hotpatch"),
        ])
    }

    func testCppNamesDemangledQualifiedAndBare() throws {
        for request in ["billing::price(int)", "billing::price", "price", "_ZN7billing5priceEi"] {
            let result = try create(NameSources.cpp, cpp: true, function: request)
            XCTAssertEqual(result.status, 0, "\(request): \(result.stderr)")
            XCTAssertEqual(
                CreateOutput.included(result.stdout), ["_ZN7billing5priceEi"], "\(request): \(result.stdout)")
        }
    }

    func testABareNameOfOverloadsIsRefusedNamingThem() throws {
        let result = try create(NameSources.cpp, cpp: true, function: "total")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("billing::total(int)"), result.stderr)
        XCTAssertTrue(result.stderr.contains("billing::total(double)"), result.stderr)
        let exact = try create(NameSources.cpp, cpp: true, function: "billing::total(double)")
        XCTAssertEqual(exact.status, 0, exact.stderr)
        XCTAssertEqual(CreateOutput.included(exact.stdout), ["_ZN7billing5totalEd"], exact.stdout)
    }

    func testTheSourceNameOfACloneIncludesTheClone() throws {
        let result = try create(PartsSources.clones, cpp: false, function: "scale")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            CreateOutput.included(result.stdout).map { GCCNameForTests.unnumbered($0) }, ["scale.constprop"],
            result.stdout)
    }

    func testAPartNamedBringsItsFunction() throws {
        let result = try create(PartsSources.cold, cpp: false, function: "validate.cold")
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CreateOutput.included(result.stdout), ["validate"], result.stdout)
        let patch = try HotpatchCLI.load(fixture.path("fix.hotpatch"))
        XCTAssertEqual(patch.replacedFunctions.first?.parts.map(\.name), ["validate.cold"])
    }

    func testAnUnknownNameSaysWhichFormsWork() throws {
        let result = try create(NameSources.cpp, cpp: true, function: "billing::nothing")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("ns::f(int)"), result.stderr)
    }
}

/// A C++ file with a namespaced function and an overload set.
enum NameSources {
    static let cpp = """
        namespace billing {
        __attribute__((noinline)) int price(int n) { return n * 7 + 1; }
        __attribute__((noinline)) int total(int n) { return price(n) + 3; }
        __attribute__((noinline)) double total(double n) { return n * 1.5; }
        }
        """
}
