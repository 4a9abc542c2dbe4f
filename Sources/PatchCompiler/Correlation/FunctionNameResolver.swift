import Foundation

/// Turns `--function` names as people write them into the object's function names: the symbol
/// itself (`_ZN7billing5priceEi`, `price.constprop.0`), the demangled C++ signature
/// (`billing::price(int)`), the qualified name without parameters (`billing::price`) or the
/// bare name (`price`) when it names one source function. A source function stands for its GCC
/// clones too (`price.constprop.0` is `price` specialised), and each included function brings
/// its parts (``FunctionFamily``). Demangling runs `c++filt` from binutils.
struct FunctionNameResolver {
    /// One callable function of the objects (a family root) and the names it answers to.
    struct Candidate {
        let symbol: String
        /// The demangled signature without GCC's clone suffix (`billing::price(int)`, `price`).
        let signature: String
    }

    let candidates: [Candidate]

    /// Builds the names of `symbols` (the roots of every object's families).
    init(symbols: [String]) throws {
        let demangled = try FunctionNameResolver.demangle(symbols)
        candidates = zip(symbols, demangled).map { symbol, readable in
            Candidate(symbol: symbol, signature: FunctionNameResolver.withoutCloneSuffix(readable))
        }
    }

    /// The object symbols `request` names; throws when it names several source functions.
    func resolve(_ request: String) throws -> [String] {
        if candidates.contains(where: { $0.symbol == request }) { return [request] }
        let levels: [(Candidate) -> String] = [
            { $0.signature },
            { FunctionNameResolver.withoutParameters($0.signature) },
            { FunctionNameResolver.shortName($0.signature) },
        ]
        for level in levels {
            let hits = candidates.filter { level($0) == request }
            guard !hits.isEmpty else { continue }
            let sources = Set(hits.map(\.signature))
            guard sources.count == 1 else {
                throw PatchCreationError(
                    "--function \(request) names \(sources.count) functions (\(sources.sorted().joined(separator: "; "))); "
                        + "pass the full signature or the symbol name")
            }
            return hits.map(\.symbol).sorted()
        }
        return []
    }

    /// `billing::price(int) [clone .constprop.0] [clone .isra.0]` -> `billing::price(int)`;
    /// `price.constprop.0` -> `price` (C names keep GCC's suffixes after a dot).
    static func withoutCloneSuffix(_ name: String) -> String {
        if let clone = name.range(of: " [clone ") { return String(name[..<clone.lowerBound]) }
        guard !name.contains("("), let dot = name.firstIndex(of: "."), dot != name.startIndex else {
            return name
        }
        return String(name[..<dot])
    }

    /// `billing::price(int) const` -> `billing::price`.
    static func withoutParameters(_ signature: String) -> String {
        guard let open = signature.firstIndex(of: "(") else { return signature }
        return String(signature[..<open])
    }

    /// `billing::price(int)` -> `price`; `Cart<int>::total() const` -> `total`.
    static func shortName(_ signature: String) -> String {
        let qualified = withoutParameters(signature)
        var depth = 0
        var start = qualified.startIndex
        var index = qualified.startIndex
        while index < qualified.endIndex {
            let character = qualified[index]
            if character == "<" { depth += 1 }
            if character == ">" { depth -= 1 }
            if depth == 0, character == ":", qualified[qualified.index(after: index)...].hasPrefix(":") {
                start = qualified.index(index, offsetBy: 2)
            }
            index = qualified.index(after: index)
        }
        return String(qualified[start...])
    }

    /// Demangles with `c++filt` when any name is mangled; without it, C++ names stay mangled
    /// (and only the symbol names work), which the error for an unknown name then says.
    private static func demangle(_ symbols: [String]) throws -> [String] {
        guard symbols.contains(where: { $0.hasPrefix("_Z") }) else { return symbols }
        let tool = "/usr/bin/c++filt"
        guard FileManager.default.isExecutableFile(atPath: tool) else { return symbols }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Written from another thread while this one reads: a long list cannot stall both pipes.
        let writer = Thread {
            input.fileHandleForWriting.write(Data((symbols.joined(separator: "\n") + "\n").utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false
        )
        .map(String.init)
        guard process.terminationStatus == 0, lines.count >= symbols.count else { return symbols }
        return Array(lines.prefix(symbols.count))
    }
}
