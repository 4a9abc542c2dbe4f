import FleetInventory

/// libFuzzer target for everything `hotpatch` parses from an operator's inventory: the INI and
/// YAML parsers (with host ranges, quoting and Ansible's variable precedence) and `--limit`
/// patterns. Malformed text must throw `InventoryError`/`LimitPatternError`, never trap.
///
/// Input layout, so one input drives all three: byte 0 picks the file name the format is chosen
/// from (`% 3`: 0 `fuzz.ini`, 1 `fuzz.yml`, 2 `fuzz`, detected from the content); the rest up to
/// the first newline is a `--limit` pattern; everything after it is the inventory text.
enum InventoryFuzz {
    /// The file names that select INI, YAML and content detection.
    static let fileNames = ["fuzz.ini", "fuzz.yml", "fuzz"]

    /// Parses the inventory and the pattern in `bytes` and selects hosts with it.
    static func exercise(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let rest = bytes.dropFirst()
        let newline = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
        let limitText = String(decoding: rest[rest.startIndex..<newline], as: UTF8.self)
        let inventoryText = String(decoding: rest[newline...].dropFirst(), as: UTF8.self)
        let pattern = try? LimitPattern(limitText)
        guard
            let inventory = try? Inventory.parse(
                inventoryText, file: fileNames[Int(selector) % fileNames.count])
        else { return }
        for host in inventory.hosts { _ = inventory.host(named: host.name) }
        for group in inventory.groups { _ = inventory.hosts(inGroup: group.name) }
        _ = try? pattern?.select(from: inventory)
    }
}

#if FUZZING
    /// The libFuzzer entry point: one input per call.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func inventoryFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        InventoryFuzz.exercise(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }

    /// SwiftPM links every executable with `main` aliased to `<Target>_main`, so libFuzzer's own
    /// `main` is never used; this is that alias, handing the command line to libFuzzer's driver.
    @_cdecl("InventoryFuzz_main")
    public func inventoryFuzzMain(
        _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> CInt {
        var count = argc
        var arguments = argv
        return FuzzerDriver.run(&count, &arguments, inventoryFuzzTestOneInput)
    }
#else
    import Foundation

    /// Without the fuzzer (plain `swift build`), the target replays the files named on the command
    /// line through the same code, so a saved crash input can be re-run under a debugger.
    @main
    enum InventoryFuzzReplay {
        static func main() {
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("cannot read \(path); pass the path of a saved fuzz input")
                    continue
                }
                InventoryFuzz.exercise(Array(data))
                print("\(path): \(data.count) bytes, no crash")
            }
        }
    }
#endif
