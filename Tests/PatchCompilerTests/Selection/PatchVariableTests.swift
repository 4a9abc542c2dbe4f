import Foundation
import Shared
import TestSupport
import XCTest

/// `hotpatch create` on variables that hold pointers, from real gcc/g++ output: unchanged tables,
/// string pointers, ops structs and C++ vtables, typeinfo and guards bind to the running
/// process's copy (in PIEs, shared libraries and fixed-address executables); a truly changed
/// initializer is refused naming the variable, the place and both pointees. The programs are the
/// `data-*` cases of the corpus (Tests/Corpus/cases), built here in the link modes the corpus does
/// not cover.
final class PatchVariableTests: XCTestCase {
    private var fixture: CFixture!

    override func setUpWithError() throws { fixture = try CFixture("variables") }
    override func tearDown() { fixture.remove() }

    /// How the target is linked.
    private enum Link: String, CaseIterable {
        case pie = "-pie"
        case library = "-shared"
        case fixedAddress = "-no-pie"

        /// The code model both builds are compiled in, as the README tells users (gcc's default
        /// -fPIE also for the fixed-address link: -fno-pie code reaches new data with R_X86_64_32,
        /// which patch memory cannot hold).
        var codeModel: String { self == .library ? "-fPIC" : "-fPIE" }
    }

    /// A source file of a corpus case.
    private func caseFile(_ name: String, _ version: String, _ file: String) -> String {
        RepositoryPaths.path("Tests/Corpus/cases/\(name)/\(version)/\(file)")
    }

    /// Links `files` of case `name` (v1) into a target; C++ files link libstdc++.
    private func target(_ name: String, _ files: [String], link: Link = .pie) throws -> String {
        let output = "\(name)\(link.rawValue)"
        let sources = files.map { caseFile(name, "v1", $0) }
        let cxx = files.contains { $0.hasSuffix(".cpp") } ? ["-lstdc++"] : []
        try fixture.gcc(
            ["-O2", link.codeModel, "-pthread", "-g0", "-Wl,--build-id", link.rawValue] + sources + cxx + [
                "-o", output,
            ])
        return fixture.path(output)
    }

    /// Compiles the fixed file the way users are told to: the target's code model plus sections.
    private func object(_ name: String, _ file: String, link: Link = .pie) throws -> String {
        let output = "\(name)-\(link)-\(file).o"
        try fixture.gcc(
            [
                "-O2", link.codeModel, "-pthread", "-g0", "-ffunction-sections", "-fdata-sections", "-c",
                caseFile(name, "v2", file), "-o", output,
            ])
        return fixture.path(output)
    }

    /// Compiles an edited copy of a case's v1 file (`edit` applied) as a fix for a `link` target.
    private func editedObject(
        _ name: String, _ file: String, link: Link = .pie, _ edit: (String) -> String
    ) throws -> String {
        let source = "\(name)-\(link)-edited-\(file)"
        try fixture.write(
            source, edit(try String(contentsOfFile: caseFile(name, "v1", file), encoding: .utf8)))
        try fixture.gcc(
            [
                "-O2", link.codeModel, "-pthread", "-g0", "-ffunction-sections", "-fdata-sections", "-c",
                source,
                "-o", source + ".o",
            ])
        return fixture.path(source + ".o")
    }

    /// Runs `hotpatch create`; the patch path is returned with the result.
    private func create(_ target: String, _ object: String) throws -> (ProgramResult, String) {
        let out = fixture.path(UUID().uuidString + ".hotpatch")
        return (try HotpatchCLI.run(["create", "--target", target, "--object", object, "-o", out]), out)
    }

    /// The `included:` names create printed.
    private func included(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").filter { $0.hasPrefix("included: ") }
            .map { String($0.dropFirst("included: ".count).prefix { $0 != " " }) }
    }

    /// The target's address of `name` (its .symtab value).
    private func address(of name: String, in target: String) throws -> UInt64 {
        let symbols = try XCTUnwrap(try ELFFile(bytes: try fixture.bytes(target)).symbolTable())
        return try XCTUnwrap(symbols.first { $0.name == name && $0.sectionIndex != 0 }, name).value
    }

    /// Asserts the patch binds `name` to the target's own variable and carries no copy of it.
    private func assertBindsToTheTargetsCopy(
        _ name: String, patch path: String, target: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let patch = try HotpatchCLI.load(path)
        let binding = patch.targetBindings.first { $0.symbol == name }
        XCTAssertEqual(
            binding?.address.rawValue, try address(of: name, in: target), "\(name) binding", file: file,
            line: line)
        XCTAssertNil(patch.definedSymbol(named: name), "\(name) must not be copied", file: file, line: line)
    }

    // MARK: - C

    func testUnchangedHandlerTableBindsToTheRunningTable() throws {
        let name = "data-handler-table"
        for link in Link.allCases {
            let binary = try target(name, link == .library ? ["proto.c"] : ["proto.c", "main.c"], link: link)
            // The fix rewrites dispatch, the table's reader: the table is reached and must bind.
            let fix = try editedObject(name, "proto.c", link: link) {
                $0.replacingOccurrences(of: "return 0;\n}", with: "return -1;\n}")
            }
            let (result, patch) = try create(binary, fix)
            XCTAssertEqual(result.status, 0, "\(link): \(result.stderr)")
            XCTAssertEqual(included(result.stdout), ["dispatch"], "\(link): \(result.stdout)")
            try assertBindsToTheTargetsCopy("text_cmd_entries", patch: patch, target: binary)
        }
    }

    func testUnchangedOpsTableBindsToTheRunningTable() throws {
        let name = "data-ops-struct"
        for link in Link.allCases {
            let binary = try target(name, link == .library ? ["store.c"] : ["store.c", "main.c"], link: link)
            let (result, _) = try create(binary, try object(name, "store.c", link: link))
            XCTAssertEqual(result.status, 0, "\(link): \(result.stderr)")
            XCTAssertEqual(included(result.stdout), ["disk_read"], "\(link): \(result.stdout)")
        }
    }

    func testUnchangedStringPointerBindsToTheRunningVariable() throws {
        let name = "data-char-banner"
        for link in Link.allCases {
            let binary = try target(name, link == .library ? ["greet.c"] : ["greet.c", "main.c"], link: link)
            let (result, patch) = try create(binary, try object(name, "greet.c", link: link))
            XCTAssertEqual(result.status, 0, "\(link): \(result.stderr)")
            XCTAssertEqual(included(result.stdout), ["greet_length"], "\(link): \(result.stdout)")
            try assertBindsToTheTargetsCopy("banner", patch: patch, target: binary)
        }
    }

    func testUnchangedStringPointerArrayBindsToTheRunningArray() throws {
        let name = "data-string-array"
        for link in Link.allCases {
            let binary = try target(name, link == .library ? ["types.c"] : ["types.c", "main.c"], link: link)
            let (result, patch) = try create(binary, try object(name, "types.c", link: link))
            XCTAssertEqual(result.status, 0, "\(link): \(result.stderr)")
            XCTAssertEqual(included(result.stdout), ["type_name_length"], "\(link): \(result.stdout)")
            try assertBindsToTheTargetsCopy("obj_type_name", patch: patch, target: binary)
            try assertBindsToTheTargetsCopy("encoding_name", patch: patch, target: binary)
        }
    }

    func testChangedPointerInTableIsRefusedNamingBothTargets() throws {
        let name = "data-changed-initializer"
        for link in Link.allCases {
            let binary = try target(name, link == .library ? ["proto.c"] : ["proto.c", "main.c"], link: link)
            let (result, patch) = try create(binary, try object(name, "proto.c", link: link))
            XCTAssertNotEqual(result.status, 0, "\(link)")
            XCTAssertTrue(
                result.stderr.contains(
                    "the initializer of existing variable text_cmd_entries changed at +32: the target's points to "
                        + "process_set, the fix's to process_get"), "\(link): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: patch))
        }
    }

    func testChangedPlainFieldIsRefusedNamingTheOffsetAndBytes() throws {
        let name = "data-handler-table"
        let binary = try target(name, ["proto.c", "main.c"])
        let fix = try editedObject(name, "proto.c") {
            $0.replacingOccurrences(
                of: "{\"delete\", process_delete, 3}", with: "{\"delete\", process_delete, 4}")
        }
        let (result, _) = try create(binary, fix)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(
            result.stderr.contains(
                "text_cmd_entries changed at +64: bytes +64..<+72 are 03 00 00 00 00 00 00 00 in the target, "
                    + "04 00 00 00 00 00 00 00 in the fix"), result.stderr)
    }

    // MARK: - C++

    func testUnchangedVtableBindsAndChangedVirtualMethodIsIncluded() throws {
        let name = "data-cpp-vtable"
        for link in Link.allCases {
            let binary = try target(
                name, link == .library ? ["shapes.cpp"] : ["shapes.cpp", "main.cpp"], link: link)
            let (result, _) = try create(binary, try object(name, "shapes.cpp", link: link))
            XCTAssertEqual(result.status, 0, "\(link): \(result.stderr)")
            XCTAssertEqual(included(result.stdout), ["_ZNK6Square4areaEv"], "\(link): \(result.stdout)")
        }
    }

    func testChangedVtableEntryIsRefusedNamingTheSlot() throws {
        let name = "data-cpp-vtable-changed"
        for link in Link.allCases {
            let binary = try target(
                name, link == .library ? ["shapes.cpp"] : ["shapes.cpp", "main.cpp"], link: link)
            let (result, _) = try create(binary, try object(name, "shapes.cpp", link: link))
            XCTAssertNotEqual(result.status, 0, "\(link)")
            XCTAssertTrue(
                result.stderr.contains(
                    "the C++ vtable _ZTV6Circle differs from the target's (at "), "\(link): \(result.stderr)")
            XCTAssertTrue(
                result.stderr.contains(
                    "at slot 3 (+40): the target's points to _ZNK5Shape5sidesEv, the fix's to _ZNK6Circle5sidesEv"
                ),
                "\(link): \(result.stderr)")
        }
    }

    func testStdThreadStateVtableBindsToTheRunningOne() throws {
        let name = "data-cpp-thread"
        let binary = try target(name, ["main.cpp"])
        // The fix rewrites main, which constructs the lambda's thread state: its (local) vtable is
        // reached and binds. The weak COMDAT state vtable for the plain-function thread is compared
        // too (create would refuse if it differed) but only _M_realloc_insert, left out, uses it.
        let fix = try editedObject(name, "main.cpp") {
            $0.replacingOccurrences(of: "usleep(10000);", with: "usleep(20000);")
        }
        let (result, patch) = try create(binary, fix)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(included(result.stdout), ["main"], result.stdout)
        try assertBindsToTheTargetsCopy(
            "_ZTVNSt6thread11_State_implINS_8_InvokerISt5tupleIJZ4mainEUlvE_EEEEEE", patch: patch,
            target: binary)
    }

    func testChangedTemplateInstantiationIsTheOnlyFunctionIncluded() throws {
        let name = "data-cpp-template"
        for link in [Link.pie, .library] {
            let binary = try target(
                name, link == .library ? ["stats.cpp"] : ["stats.cpp", "main.cpp"], link: link)
            let (result, _) = try create(binary, try object(name, "stats.cpp", link: link))
            XCTAssertEqual(result.status, 0, "\(link): \(result.stderr)")
            XCTAssertEqual(
                included(result.stdout), ["_Z8weightedIiET_RKSt6vectorIS0_SaIS0_EE"],
                "\(link): \(result.stdout)")
        }
    }

    func testNewClassVtableIsCarriedAsNewData() throws {
        let name = "data-cpp-new-class"
        let binary = try target(name, ["shapes.cpp", "main.cpp"])
        let (result, path) = try create(binary, try object(name, "shapes.cpp"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(included(result.stdout), ["_Z10make_shapeii"], result.stdout)
        let patch = try HotpatchCLI.load(path)
        for carried in ["_ZTV8Triangle", "_ZTI8Triangle", "_ZTS8Triangle"] {
            XCTAssertNotNil(patch.definedSymbol(named: carried), carried)
        }
        try assertBindsToTheTargetsCopy("_ZTI5Shape", patch: path, target: binary)
    }

    func testGuardedStaticLocalBindsToTheRunningOneAndItsGuard() throws {
        try fixture.write(
            "counter.cpp",
            """
            #include <string>
            __attribute__((noipa)) std::string make_prefix() { return std::string("count:"); }
            __attribute__((noipa)) int counted(int n) {
                static std::string prefix = make_prefix();
                return static_cast<int>(prefix.size()) + n;
            }
            int main(int argc, char **) { return counted(argc); }
            """)
        try fixture.gcc(["-O2", "-Wl,--build-id", "counter.cpp", "-lstdc++", "-o", "counter"])
        try fixture.write(
            "fix/counter.cpp",
            try String(contentsOfFile: fixture.path("counter.cpp"), encoding: .utf8)
                .replacingOccurrences(of: "+ n;", with: "+ 2 * n;"))
        try fixture.gcc([
            "-O2", "-ffunction-sections", "-fdata-sections", "-c", "fix/counter.cpp", "-o", "counter.o",
        ])
        let (result, patch) = try create(fixture.path("counter"), fixture.path("counter.o"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(included(result.stdout), ["_Z7countedi"], result.stdout)
        try assertBindsToTheTargetsCopy("_ZZ7countediE6prefix", patch: patch, target: fixture.path("counter"))
        try assertBindsToTheTargetsCopy(
            "_ZGVZ7countediE6prefix", patch: patch, target: fixture.path("counter"))
    }

    func testAnonymousDataPointingIntoLibstdcxxStaysEqualInPIE() throws {
        // g++ -O2 keeps `_ZTVSt15basic_streambufIcSt11char_traitsIcEE+16` for std::ostringstream in
        // an anonymous .data.rel.ro: in a PIE the target holds a symbolic dynamic relocation there
        // (bytes 0), which must compare equal by name, so the unchanged user is left out.
        let source = """
            #include <sstream>
            #include <string>
            __attribute__((noipa)) std::string render(int n) { std::ostringstream out; out << n; return out.str(); }
            __attribute__((noipa)) int scale(int n) { return n * 2; }
            int main(int argc, char **) { return static_cast<int>(render(argc).size()) + scale(argc); }
            """
        try fixture.write("render.cpp", source)
        try fixture.gcc(["-O2", "-Wl,--build-id", "render.cpp", "-lstdc++", "-o", "render"])
        try fixture.write("fix/render.cpp", source.replacingOccurrences(of: "n * 2", with: "n * 3"))
        try fixture.gcc([
            "-O2", "-ffunction-sections", "-fdata-sections", "-c", "fix/render.cpp", "-o", "render.o",
        ])
        let (result, _) = try create(fixture.path("render"), fixture.path("render.o"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(included(result.stdout), ["_Z5scalei"], result.stdout)
    }

    func testChangedFileLocalConstantIsCarriedWithEveryReader() throws {
        let source = """
            static const int primes[] = {2, 3, 5, 7, 11, 13, 17, 19};
            __attribute__((noipa)) int nth_prime(int n) { return primes[n % 8]; }
            __attribute__((noipa)) int prime_sum(void) { int s = 0; for (int i = 0; i < 8; i++) s += primes[i]; return s; }
            __attribute__((noipa)) int unrelated(int n) { return n + 1; }
            int main(int argc, char **argv) { (void)argv; return nth_prime(argc) + prime_sum() + unrelated(argc); }
            """
        try fixture.write("primes.c", source)
        try fixture.gcc(["-O2", "-Wl,--build-id", "primes.c", "-o", "primes"])
        try fixture.write("fix/primes.c", source.replacingOccurrences(of: "11, 13", with: "11, 23"))
        try fixture.gcc([
            "-O2", "-ffunction-sections", "-fdata-sections", "-c", "fix/primes.c", "-o", "primes.o",
        ])
        let (result, path) = try create(fixture.path("primes"), fixture.path("primes.o"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(included(result.stdout).sorted(), ["nth_prime", "prime_sum"], result.stdout)
        XCTAssertTrue(result.stdout.contains("new data: primes"), result.stdout)
        let patch = try HotpatchCLI.load(path)
        XCTAssertNotNil(patch.definedSymbol(named: "primes"))
        XCTAssertFalse(patch.targetBindings.contains { $0.symbol == "primes" })
    }

    func testChangedGlobalConstantIsRefusedBecauseOtherFilesReadIt() throws {
        let source = """
            const int primes[] = {2, 3, 5, 7, 11, 13, 17, 19};
            __attribute__((noipa)) int nth_prime(int n) { return primes[n % 8]; }
            int main(int argc, char **argv) { (void)argv; return nth_prime(argc); }
            """
        try fixture.write("primes.c", source)
        try fixture.gcc(["-O2", "-Wl,--build-id", "primes.c", "-o", "primes"])
        try fixture.write("fix/primes.c", source.replacingOccurrences(of: "11, 13", with: "11, 23"))
        try fixture.gcc([
            "-O2", "-ffunction-sections", "-fdata-sections", "-c", "fix/primes.c", "-o", "primes.o",
        ])
        let (result, _) = try create(fixture.path("primes"), fixture.path("primes.o"))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("the existing constant primes changed at +20"), result.stderr)
        XCTAssertTrue(result.stderr.contains("make it static to this file"), result.stderr)
    }

    func testLocalArrayTemplateOfStringPointersLeavesItsFunctionOut() throws {
        // memcached's main: a local `struct option longopts[]` is copied from an anonymous .data
        // template whose string pointers are `.rodata.<fn>.str1.1 + offset` (section symbol into
        // a merged string section): matched by the string at that offset.
        let source = """
            struct option { const char *name; int has_arg; int *flag; int val; };
            __attribute__((noipa)) int lookup(const char *key) {
                struct option longopts[] = {
                    {"alpha", 0, 0, 'a'}, {"beta", 1, 0, 'b'}, {"gamma", 0, 0, 'g'}, {"delta", 1, 0, 'd'},
                    {"epsilon", 0, 0, 'e'}, {"zeta", 1, 0, 'z'}, {"eta", 0, 0, 'h'}, {"theta", 1, 0, 't'},
                    {"iota", 0, 0, 'i'}, {"kappa", 1, 0, 'k'}, {0, 0, 0, 0}};
                for (struct option *o = longopts; o->name; o++) if (o->name[0] == key[0]) return o->val;
                return -1;
            }
            __attribute__((noipa)) int twice(int x) { return x * 37 + 11; }
            int main(int argc, char **argv) { return lookup(argv[0]) + twice(argc); }
            """
        try fixture.write("options.c", source)
        try fixture.gcc(["-O2", "-Wl,--build-id", "options.c", "-o", "options"])
        // (twice is longer than the 5-byte jump: a 4-byte one followed by _fini is not replaced in place.)
        try fixture.write("fix/options.c", source.replacingOccurrences(of: "x * 37 + 11", with: "x * 37 + 12"))
        try fixture.gcc([
            "-O2", "-ffunction-sections", "-fdata-sections", "-c", "fix/options.c", "-o", "options.o",
        ])
        let (result, _) = try create(fixture.path("options"), fixture.path("options.o"))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(included(result.stdout), ["twice"], result.stdout)
    }
}
