import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch create` on real gcc output: exact change detection, new code and data, bindings,
/// and the refusals, for PIE and non-PIE executables and shared libraries.
final class PatchCreateTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("create") }
    override func tearDown() { fixture.remove() }

    /// Builds the service from main.c + classify.c with `link` flags and the fix object.
    private func buildService(link: [String], objectFlags: [String] = ServiceSources.flags) throws -> (
        binary: String, fix: String
    ) {
        try fixture.write("main.c", ServiceSources.main)
        try fixture.write("classify.c", ServiceSources.classifierV1)
        try fixture.gcc(ServiceSources.flags + link + ["main.c", "classify.c", "-o", "service"])
        // Same file name as in the target, so statics are told apart by source file.
        try fixture.write("fix/classify.c", ServiceSources.classifierV2)
        try fixture.gcc(objectFlags + ["-c", "fix/classify.c", "-o", "classify-fix.o"])
        return (fixture.path("service"), fixture.path("classify-fix.o"))
    }

    func testParityFixReplacesExactlyIsEven() throws {
        let parity = try ParityBuild.built()
        let out = fixture.path("parity.hotpatch")
        let result = try HotpatchCLI.run([
            "create", "--target", parity.executable(.v1), "--object", parity.classifierObject(.v2), "-o", out,
            "--id", "parity-fix",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("included: is_even"), result.stdout)
        let patch = try HotpatchCLI.load(out)
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["is_even"])
        let symbols = try XCTUnwrap(
            try ELFFile(bytes: try fixture.bytes(parity.executable(.v1))).symbolTable())
        let isEven = try XCTUnwrap(symbols.first { $0.name == "is_even" })
        XCTAssertEqual(patch.replacedFunctions.first?.oldAddress, ModuleAddress(isEven.value))
        XCTAssertEqual(patch.replacedFunctions.first?.oldSize, isEven.size)
        XCTAssertEqual(
            patch.targetBuildID, try ELFFile(bytes: try fixture.bytes(parity.executable(.v1))).buildID())
    }

    func testParityFixForTheSharedLibrary() throws {
        let parity = try ParityBuild.built()
        let out = fixture.path("parity-lib.hotpatch")
        let result = try HotpatchCLI.run([
            "create", "--target", parity.library(.v1), "--object", parity.classifierObject(.v2), "-o", out,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let patch = try HotpatchCLI.load(out)
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["is_even"])
        XCTAssertEqual(
            patch.targetBuildID, try ELFFile(bytes: try fixture.bytes(parity.library(.v1))).buildID())
    }

    func testParityV2AgainstItselfHasNothingToPatch() throws {
        let parity = try ParityBuild.built()
        let result = try HotpatchCLI.run([
            "create", "--target", parity.executable(.v2), "--object", parity.classifierObject(.v2),
            "-o", fixture.path("none.hotpatch"),
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("nothing changed: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("nothing to patch"), result.stderr)
    }

    func testFixWithNewHelperAndStringLiteralInPIE() throws {
        let (binary, fix) = try buildService(link: ["-pie"])
        try assertNewHelperPatch(target: binary, fix: fix)
    }

    func testFixWithNewHelperAndStringLiteralInNonPIE() throws {
        let (binary, fix) = try buildService(link: ["-no-pie"])
        XCTAssertEqual(try ELFFile(bytes: try fixture.bytes(binary)).header.type, .executable)
        try assertNewHelperPatch(target: binary, fix: fix)
    }

    private func assertNewHelperPatch(target: String, fix: String) throws {
        let out = fixture.path("fix.hotpatch")
        let result = try HotpatchCLI.run(["create", "--target", target, "--object", fix, "-o", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("included: classify"), result.stdout)
        XCTAssertTrue(result.stdout.contains("new function: describe (called by classify)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("left out: unchanged"), result.stdout)
        XCTAssertTrue(result.stdout.contains("left out: scale"), result.stdout)
        let patch = try HotpatchCLI.load(out)
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["classify"])
        XCTAssertNotNil(patch.definedSymbol(named: "describe"))
        XCTAssertNil(patch.definedSymbol(named: "unchanged"))
        let literal = try XCTUnwrap(patch.sections.first { $0.name.contains("str") })
        XCTAssertTrue(
            String(decoding: literal.bytes, as: UTF8.self).contains("classify saw a negative number"))
        // Existing variables and the static scale of classify.c (not main.c's) bind by address.
        let symbols = try XCTUnwrap(try ELFFile(bytes: try fixture.bytes(target)).symbolTable())
        let fileOf = scaleAddresses(symbols)
        let bindings = Dictionary(
            uniqueKeysWithValues: patch.targetBindings.map { ($0.symbol, $0.address.rawValue) })
        XCTAssertEqual(bindings["scale"], fileOf["classify.c"])
        XCTAssertEqual(bindings["requests"], symbols.first { $0.name == "requests" }?.value)
        XCTAssertEqual(bindings["threshold"], symbols.first { $0.name == "threshold" }?.value)
        XCTAssertTrue(patch.undefinedSymbols.contains { $0.name == "printf" && bindings[$0.name] == nil })
        let inspect = try HotpatchCLI.run(["inspect", out])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("classify at"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("printf -> process libraries"), inspect.stdout)
    }

    /// Address of each `scale` by the source file its STT_FILE run names.
    private func scaleAddresses(_ symbols: [ELFSymbol]) -> [String: UInt64] {
        var file = ""
        var result: [String: UInt64] = [:]
        for symbol in symbols {
            if symbol.type == .file { file = symbol.name }
            if symbol.name == "scale" { result[file] = symbol.value }
        }
        return result
    }

    func testChangedInitializerOfExistingGlobalIsRefusedByName() throws {
        let (binary, _) = try buildService(link: ["-pie"])
        try fixture.write("fix/main.c", ServiceSources.mainWithNewThreshold)
        try fixture.gcc(ServiceSources.flags + ["-c", "fix/main.c", "-o", "main-fix.o"])
        let result = try HotpatchCLI.run([
            "create", "--target", binary, "--object", fixture.path("main-fix.o"), "-o",
            fixture.path("x.hotpatch"),
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("threshold"), result.stderr)
        XCTAssertTrue(result.stderr.contains("move the data change into code"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.path("x.hotpatch")))
    }

    func testSharedLibraryOfOwnFixtureBindsGlobalsThroughItsGOT() throws {
        // The library already uses libc, so the fix's printf resolves through its DT_NEEDED.
        let library =
            "#include <stdio.h>\nint requests = 0;\nint threshold = 5;\nvoid report(int n) { printf(\"%d\\n\", n); }\n"
        try fixture.write("lib/classify.c", library + ServiceSources.classifierV1)
        try fixture.gcc(
            ServiceSources.flags + ["-shared", "-Wl,--build-id", "lib/classify.c", "-o", "libsvc.so"])
        try fixture.write("fix/classify.c", library + ServiceSources.classifierV2)
        try fixture.gcc(ServiceSources.flags + ["-c", "fix/classify.c", "-o", "fix.o"])
        let out = fixture.path("lib.hotpatch")
        let result = try HotpatchCLI.run([
            "create", "--target", fixture.path("libsvc.so"), "--object", fixture.path("fix.o"), "-o", out,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("left out: unchanged"), result.stdout)
        let patch = try HotpatchCLI.load(out)
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["classify"])
        XCTAssertTrue(patch.targetBindings.contains { $0.symbol == "requests" })
    }

    func testUndefinedSymbolNobodyDefinesIsRefusedByName() throws {
        let (binary, _) = try buildService(link: ["-pie"])
        try fixture.write(
            "fix/classify.c",
            ServiceSources.classifierV1.replacingOccurrences(
                of: "requests++;", with: "requests++; extern void audit_missing(int); audit_missing(n);"))
        try fixture.gcc(ServiceSources.flags + ["-c", "fix/classify.c", "-o", "bad.o"])
        let result = try HotpatchCLI.run([
            "create", "--target", binary, "--object", fixture.path("bad.o"), "-o",
            fixture.path("bad.hotpatch"),
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("audit_missing"), result.stderr)
    }
}

/// Symbol sources: static names told apart or refused, stripped targets with a debug file,
/// functions chosen by name.
final class PatchCreateSymbolTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("symbols") }
    override func tearDown() { fixture.remove() }

    private func buildService() throws -> String {
        try fixture.write("main.c", ServiceSources.main)
        try fixture.write("classify.c", ServiceSources.classifierV1)
        try fixture.gcc(ServiceSources.flags + ["-Wl,--build-id", "main.c", "classify.c", "-o", "service"])
        return fixture.path("service")
    }

    func testStaticNameThatNoSourceFileDisambiguatesStopsNamingCandidates() throws {
        let binary = try buildService()
        // The fix comes from a file the target was not built from, and references `scale`.
        try fixture.write("elsewhere.c", ServiceSources.classifierV2)
        try fixture.gcc(ServiceSources.flags + ["-c", "elsewhere.c", "-o", "elsewhere.o"])
        let result = try HotpatchCLI.run([
            "create", "--target", binary, "--object", fixture.path("elsewhere.o"), "-o",
            fixture.path("x.hotpatch"),
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("scale is ambiguous"), result.stderr)
        XCTAssertTrue(
            result.stderr.contains("(main.c)") && result.stderr.contains("(classify.c)"), result.stderr)
    }

    func testStrippedTargetWithDebugFileAndFunctionChosenByName() throws {
        let binary = try buildService()
        let debug = fixture.path("service.debug")
        XCTAssertEqual(
            try Subprocess.run("/usr/bin/objcopy", ["--only-keep-debug", binary, debug]).status, 0)
        XCTAssertEqual(try Subprocess.run("/usr/bin/strip", ["--strip-all", binary]).status, 0)
        try fixture.write("fix/classify.c", ServiceSources.classifierV1)
        try fixture.gcc(ServiceSources.flags + ["-c", "fix/classify.c", "-o", "same.o"])
        let out = fixture.path("named.hotpatch")
        let stripped = try HotpatchCLI.run([
            "create", "--target", binary, "--object", fixture.path("same.o"), "-o", out,
        ])
        XCTAssertNotEqual(
            stripped.status, 0, "without .symtab the target names no classify: nothing to patch")
        XCTAssertTrue(stripped.stderr.contains("--debug-file"), stripped.stderr)
        let result = try HotpatchCLI.run([
            "create", "--target", binary, "--debug-file", debug, "--object", fixture.path("same.o"),
            "--function", "unchanged", "-o", out,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("included: unchanged (named with --function)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("left out: classify (not named with --function)"), result.stdout)
        let patch = try HotpatchCLI.load(out)
        XCTAssertEqual(patch.replacedFunctions.map(\.oldName), ["unchanged"])
    }

    func testTruncatedTargetIsAOneLineError() throws {
        let binary = try buildService()
        let bytes = try fixture.bytes(binary)
        let cut = fixture.path("cut")
        try Data(bytes[0..<(bytes.count / 3)]).write(to: URL(fileURLWithPath: cut))
        try fixture.write("fix/classify.c", ServiceSources.classifierV2)
        try fixture.gcc(ServiceSources.flags + ["-c", "fix/classify.c", "-o", "fix.o"])
        let result = try HotpatchCLI.run([
            "create", "--target", cut, "--object", fixture.path("fix.o"), "-o", fixture.path("x"),
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertLessThan(result.status, 128)
        XCTAssertEqual(
            result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n").count,
            1, result.stderr)
        XCTAssertTrue(result.stderr.contains("truncated"), result.stderr)
    }
}
