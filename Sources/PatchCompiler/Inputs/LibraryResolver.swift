import Foundation
import Shared

/// Finds the target's `DT_NEEDED` libraries on this machine (RPATH/RUNPATH with `$ORIGIN`,
/// `LD_LIBRARY_PATH`, `ldconfig -p`, the default directories) and the symbols they export,
/// transitively, the way the dynamic linker would see them.
struct LibraryResolver {
    /// Every library found, by path.
    private(set) var libraries: [String] = []
    /// Names of every defined dynamic symbol of those libraries.
    private(set) var exported: Set<String> = []
    /// DT_NEEDED names that were not found anywhere.
    private(set) var missing: [String] = []

    init(target: TargetModule) throws {
        let cache = LibraryResolver.ldconfigCache()
        var queue: [(name: String, from: ELFFile, origin: String)] = try target.elf.neededLibraries().map {
            ($0, target.elf, LibraryResolver.directory(of: target.path))
        }
        var seen = Set<String>()
        while !queue.isEmpty {
            let (name, from, origin) = queue.removeFirst()
            guard seen.insert(name).inserted else { continue }
            guard let path = try LibraryResolver.locate(name, from: from, origin: origin, cache: cache),
                let elf = try? ELFFile(bytes: try FileBytes.read(path))
            else {
                missing.append(name)
                continue
            }
            libraries.append(path)
            for symbol in try elf.dynamicSymbols() ?? [] where symbol.isDefined && !symbol.name.isEmpty {
                exported.insert(symbol.name)
            }
            queue += try elf.neededLibraries().map { ($0, elf, LibraryResolver.directory(of: path)) }
        }
    }

    /// The directory holding `path` ($ORIGIN), absolute. NSString's deletingLastPathComponent
    /// traps on a one-letter relative path such as `p` (swift-corelibs-foundation), so: URL.
    static func directory(of path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
    }

    private static func locate(_ name: String, from elf: ELFFile, origin: String, cache: [String: String])
        throws
        -> String?
    {
        if name.contains("/") { return FileManager.default.fileExists(atPath: name) ? name : nil }
        var directories: [String] = []
        // DT_RPATH (15) and DT_RUNPATH (29), searched before the cache as ld.so does.
        for entry in try elf.dynamicEntries() where entry.tag == 15 || entry.tag == 29 {
            if let paths = try? elf.dynamicString(at: entry.value) {
                directories += paths.split(separator: ":").map {
                    String($0).replacingOccurrences(of: "$ORIGIN", with: origin)
                        .replacingOccurrences(of: "${ORIGIN}", with: origin)
                }
            }
        }
        directories += (ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"] ?? "").split(separator: ":")
            .map(String.init)
        for directory in directories where FileManager.default.fileExists(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        if let cached = cache[name] { return cached }
        for directory in [
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
        ]
        where FileManager.default.fileExists(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        return nil
    }

    /// `ldconfig -p`: name -> path for x86-64 libraries.
    private static func ldconfigCache() -> [String: String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/sbin/ldconfig")
        process.arguments = ["-p"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return [:] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var cache: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.contains("x86-64")
        {
            let parts = line.components(separatedBy: " => ")
            guard parts.count == 2, let name = parts[0].split(separator: " ").first else { continue }
            if cache[String(name)] == nil { cache[String(name)] = parts[1] }
        }
        return cache
    }
}
