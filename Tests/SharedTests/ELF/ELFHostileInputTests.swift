import Shared
import TestSupport
import XCTest

/// Damaged or foreign files throw typed errors and never trap.
final class ELFHostileInputTests: XCTestCase {
    func testNonELFIsRefused() {
        XCTAssertThrowsError(try ELFFile(bytes: Array("#!/bin/sh\necho hi\n".utf8))) { error in
            XCTAssertEqual(error as? ELFError, .notELF)
        }
        XCTAssertThrowsError(try ELFFile(bytes: [])) { XCTAssertEqual($0 as? ELFError, .notELF) }
    }

    func testWrongArchitectureIsNamed() throws {
        var header = [UInt8](repeating: 0, count: 64)
        header[0..<7] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]
        header[16] = 2
        header[18] = 183  // AArch64
        XCTAssertThrowsError(try ELFFile(bytes: header)) { error in
            XCTAssertEqual(error as? ELFError, .wrongMachine(183))
            XCTAssertTrue("\(error)".contains("AArch64"))
        }
        header[4] = 1  // 32-bit
        XCTAssertThrowsError(try ELFFile(bytes: header)) { error in
            XCTAssertTrue("\(error)".contains("not 64-bit"), "\(error)")
        }
    }

    /// Every prefix of a real object and of a real executable, and a sweep of single-byte
    /// corruptions, parse or throw; reading everything the reader offers must not trap.
    func testTruncatedAndCorruptedRealFilesNeverTrap() throws {
        let fixture = try CFixture("hostile")
        defer { fixture.remove() }
        let object = try fixture.bytes(try fixture.object("u", "int g = 3; int f(int x) { return x * g; }"))
        for length in stride(from: 0, to: object.count, by: 7) {
            exerciseEverything(Array(object[0..<length]))
        }
        var corrupted = object
        for index in stride(from: 0, to: object.count, by: 3) {
            corrupted[index] ^= 0xff
            exerciseEverything(corrupted)
            corrupted[index] = object[index]
        }
    }

    private func exerciseEverything(_ bytes: [UInt8]) {
        guard let elf = try? ELFFile(bytes: bytes) else { return }
        _ = try? elf.symbolTable()
        _ = try? elf.dynamicSymbols()
        _ = try? elf.buildID()
        _ = try? elf.neededLibraries()
        for section in elf.sections {
            _ = try? elf.contents(of: section)
            _ = try? elf.relocations(for: section)
        }
        _ = try? PatchFile(bytes: bytes)
    }
}
