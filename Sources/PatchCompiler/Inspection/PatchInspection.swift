import Foundation
import Shared

/// What `hotpatch inspect` shows about a patch, as one value both reporters (people, JSON) read.
package struct PatchInspection: Encodable {
    struct Function: Encodable {
        let oldName: String
        let oldAddress: String
        let oldSize: UInt64
        let newName: String
        let newSize: UInt64?
        /// The old function's GCC parts (`X.cold`, `X.part.N`): guarded at the safe point, no jump.
        let oldParts: [Part]
    }
    struct Part: Encodable {
        let name: String
        let address: String
        let size: UInt64
    }
    struct Symbol: Encodable {
        let name: String
        let section: String
        let size: UInt64
    }
    struct References: Encodable {
        let symbol: String
        let boundTo: String
        let relocations: [String: Int]
    }
    struct Edit: Encodable {
        let address: String
        let old: String
        let new: String
    }

    let formatVersion: UInt32
    let kind: String
    let id: String
    let description: String
    let target: String
    let buildID: String
    let createdBy: String
    let contentHash: String
    let signature: String
    let signerKeyID: String?
    let functions: [Function]
    let newSymbols: [Symbol]
    let references: [References]
    let inPlaceEdits: [Edit]

    package init(_ patch: PatchFile, trusting keys: [PatchPublicKey]? = nil) {
        formatVersion = patch.metadata.formatVersion
        kind = patch.kind.description
        id = patch.id.rawValue
        description = patch.description
        target = patch.targetPathHint
        buildID = patch.targetBuildID.hex
        createdBy = patch.metadata.createdBy
        contentHash = patch.contentHash.hex
        signature = PatchInspection.describeSignature(patch, trusting: keys)
        signerKeyID = patch.signature?.keyID.hex
        functions = patch.replacedFunctions.map { function in
            Function(
                oldName: function.oldName, oldAddress: function.oldAddress.description,
                oldSize: function.oldSize,
                newName: function.newName, newSize: patch.definedSymbol(named: function.newName)?.size,
                oldParts: function.parts.map {
                    Part(name: $0.name, address: $0.address.description, size: $0.size)
                })
        }
        let replacements = Set(patch.replacedFunctions.map(\.newName))
        newSymbols = patch.symbols.filter {
            $0.isDefined && !$0.name.isEmpty && ($0.type == .function || $0.type == .object)
                && !replacements.contains($0.name)
        }.map { Symbol(name: $0.name, section: patch.section(of: $0)?.name ?? "?", size: $0.size) }
        var grouped: [String: [String: Int]] = [:]
        for section in patch.sections {
            for relocation in section.relocations {
                let symbol = patch.symbols[relocation.symbolIndex]
                let name =
                    symbol.name.isEmpty
                    ? (patch.section(of: symbol)?.name ?? "#\(symbol.index)") : symbol.name
                grouped[name, default: [:]][relocation.type.description, default: 0] += 1
            }
        }
        let bindings = Dictionary(
            patch.targetBindings.map { ($0.symbol, $0) }, uniquingKeysWith: { a, _ in a })
        let defined = Set(patch.symbols.filter(\.isDefined).map(\.name))
        references = grouped.keys.sorted().map { name in
            let boundTo: String
            if let binding = bindings[name] {
                boundTo =
                    binding.kind == .slotValue
                    ? "what the process holds in the target's slot at \(binding.address) (IFUNC, read at apply)"
                    : grouped[name]?[ELFRelocationType.gottpoff.description] != nil
                        ? "the target's TPOFF64 slot at \(binding.address) (thread-local of another module)"
                        : "target \(binding.address)"
            } else if defined.contains(name) || name.hasPrefix(".") {
                boundTo = "patch"
            } else {
                boundTo = "process libraries (by name)"
            }
            return References(symbol: name, boundTo: boundTo, relocations: grouped[name]!)
        }
        inPlaceEdits = patch.inPlaceEdits.map {
            Edit(
                address: $0.address.description, old: HexDigits.encode($0.old), new: HexDigits.encode($0.new))
        }
    }

    /// The JSON report (stable key order).
    package func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The report for people.
    package func text() -> String {
        var lines = [
            "patch \(id) (\(kind), format version \(formatVersion))",
            "description: \(description.isEmpty ? "(none)" : description)",
            "target: \(target)  build-id \(buildID)",
            "created by: \(createdBy)",
            "content sha256: \(contentHash)",
            "signature: \(signature)",
            "functions replaced:",
        ]
        lines += functions.map {
            "  \($0.oldName) at \($0.oldAddress) (\($0.oldSize) bytes) -> \($0.newName)"
                + ($0.newSize.map { " (\($0) bytes)" } ?? "")
                + $0.oldParts.map { " [old part \($0.name) at \($0.address), \($0.size) bytes: guarded]" }.joined()
        }
        if !newSymbols.isEmpty {
            lines.append("new symbols:")
            lines += newSymbols.map { "  \($0.name) in \($0.section) (\($0.size) bytes)" }
        }
        if !references.isEmpty {
            lines.append("relocations by target symbol:")
            lines += references.map { reference in
                let kinds = reference.relocations.keys.sorted().map { "\($0) x\(reference.relocations[$0]!)" }
                return "  \(reference.symbol) -> \(reference.boundTo): \(kinds.joined(separator: ", "))"
            }
        }
        if !inPlaceEdits.isEmpty {
            lines.append("in-place edits:")
            lines += inPlaceEdits.map { "  \($0.address): \($0.old) -> \($0.new)" }
        }
        return lines.joined(separator: "\n")
    }
}
