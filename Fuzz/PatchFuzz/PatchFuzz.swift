import Shared

/// libFuzzer target for the agent's only parser: the ELF reader and the patch loader on top of
/// it. Hostile bytes must make them throw, never trap; a trap (index out of range, overflow,
/// force unwrap) or an AddressSanitizer report is a crash that `scripts/fuzz` saves.
enum PatchFuzz {
    /// Loads `bytes` as a patch and, when the ELF layer parses, reads everything the reader offers
    /// (symbols, relocations, notes, dynamic entries, every section's contents), as the agent and
    /// `hotpatch inspect` would.
    static func exercise(_ bytes: [UInt8]) {
        if let patch = try? PatchFile(bytes: bytes) {
            for function in patch.replacedFunctions {
                if let symbol = patch.definedSymbol(named: function.newName) { _ = patch.section(of: symbol) }
            }
        }
        guard let elf = try? ELFFile(bytes: bytes) else { return }
        _ = try? elf.symbolTable()
        _ = try? elf.dynamicSymbols()
        _ = try? elf.notes()
        _ = try? elf.buildID()
        _ = try? elf.dynamicEntries()
        _ = try? elf.neededLibraries()
        _ = try? elf.soname()
        for section in elf.sections {
            _ = try? elf.contents(of: section)
            _ = try? elf.relocations(for: section)
        }
        for header in elf.programHeaders {
            _ = try? elf.bytes(atAddress: header.virtualAddress, count: min(header.fileSize, 64))
        }
    }
}

#if FUZZING
    /// The libFuzzer entry point: one input per call.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func patchFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        PatchFuzz.exercise(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }

    /// SwiftPM links every executable with `main` aliased to `<Target>_main`, so libFuzzer's own
    /// `main` is never used; this is that alias, handing the command line to libFuzzer's driver.
    @_cdecl("PatchFuzz_main")
    public func patchFuzzMain(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> CInt {
        var count = argc
        var arguments = argv
        return FuzzerDriver.run(&count, &arguments, patchFuzzTestOneInput)
    }
#else
    import Foundation

    /// Without the fuzzer (plain `swift build`), the target replays the files named on the command
    /// line through the same code, so a saved crash input can be re-run under a debugger.
    @main
    enum PatchFuzzReplay {
        static func main() {
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("cannot read \(path); pass the path of a saved fuzz input")
                    continue
                }
                PatchFuzz.exercise(Array(data))
                print("\(path): \(data.count) bytes, no crash")
            }
        }
    }
#endif
