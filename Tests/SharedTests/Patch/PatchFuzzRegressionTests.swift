import Foundation
import Shared
import TestSupport
import XCTest

/// Every input the patch fuzzer (scripts/fuzz, Fuzz/PatchFuzz) ever crashed on, and its seeds,
/// replayed without the fuzzer: each must load or throw a typed error, never trap.
final class PatchFuzzRegressionTests: XCTestCase {
    func testSavedFuzzInputsThrowOrLoad() throws {
        let inputs = try FuzzInputs.files(in: "Tests/Fuzz/Regressions/PatchFuzz").map { ($0.name, $0.bytes) }
        XCTAssertFalse(inputs.isEmpty, "Tests/Fuzz/Regressions/PatchFuzz holds the fixed crashes")
        for (name, bytes) in inputs {
            // Each saved input once trapped in the reader; today it must be refused with a reason.
            XCTAssertThrowsError(try PatchFile(bytes: bytes), name) { error in
                XCTAssertTrue(error is ELFError || error is PatchFormatError, "\(name): \(error)")
            }
            readEverything(bytes)
        }
    }

    func testSeedPatchesLoad() throws {
        let seeds = try FuzzInputs.files(in: "Tests/Fuzz/Corpus/PatchFuzz").map { ($0.name, $0.bytes) }
        XCTAssertGreaterThanOrEqual(seeds.count, 3)
        for (name, bytes) in seeds {
            let patch = try PatchFile(bytes: bytes)
            XCTAssertFalse(patch.replacedFunctions.isEmpty, name)
            readEverything(bytes)
        }
    }

    /// What the fuzz target reads after the patch loader: every table the ELF reader offers.
    private func readEverything(_ bytes: [UInt8]) {
        guard let elf = try? ELFFile(bytes: bytes) else { return }
        _ = try? elf.symbolTable()
        _ = try? elf.dynamicSymbols()
        _ = try? elf.notes()
        _ = try? elf.buildID()
        _ = try? elf.dynamicEntries()
        _ = try? elf.neededLibraries()
        for section in elf.sections {
            _ = try? elf.contents(of: section)
            _ = try? elf.relocations(for: section)
        }
        for segment in elf.programHeaders {
            _ = try? elf.bytes(atAddress: segment.virtualAddress, count: min(segment.fileSize, 64))
        }
    }
}
