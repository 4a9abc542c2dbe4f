import Foundation

/// The saved inputs of a fuzz target (`Tests/Fuzz/Corpus/<target>`, `Tests/Fuzz/Regressions/<target>`),
/// so XCTest replays them without the fuzzer.
public enum FuzzInputs {
    /// Every file in the folder (relative to the checkout), by name, sorted; empty when the
    /// folder has none yet.
    public static func files(in relative: String) throws -> [(name: String, bytes: [UInt8])] {
        let folder = RepositoryPaths.path(relative)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return try names.filter { !$0.hasPrefix(".") }.sorted().map { name in
            (name, Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))))
        }
    }

    /// Splits an InventoryFuzz input as the target does: byte 0 picks the file name (`% 3`:
    /// `fuzz.ini`, `fuzz.yml`, `fuzz`), the rest up to the first newline is a `--limit` pattern,
    /// the remainder the inventory text.
    public static func inventoryParts(_ bytes: [UInt8]) -> (file: String, limit: String, text: String)? {
        guard let selector = bytes.first else { return nil }
        let rest = bytes.dropFirst()
        let newline = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
        return (
            ["fuzz.ini", "fuzz.yml", "fuzz"][Int(selector) % 3],
            String(decoding: rest[rest.startIndex..<newline], as: UTF8.self),
            String(decoding: rest[newline...].dropFirst(), as: UTF8.self)
        )
    }
}
