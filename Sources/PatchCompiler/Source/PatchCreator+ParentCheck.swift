import Foundation
import Shared

/// `hotpatch create --source`'s check that a rebuilt object is the code running in the target:
/// the object goes through the same correlation as `--object`, and every function the target
/// also has must come out identical.
extension PatchCreator {
    /// What correlating a rebuilt parent object with the target found.
    package enum ParentCheck: Equatable {
        /// Every function the target also has is identical: this is the running code.
        case matches
        /// None of its functions is in the target.
        case absent
        /// The first function that is not identical, why, and the object.
        case differs(function: String, reason: String, object: String)
    }

    /// Correlates one rebuilt parent object with the target, function by function.
    package static func checkParent(_ object: String, target: String, debugFile: String?) throws -> ParentCheck {
        let selector = try selector(target: target, objects: [object], functions: [], debugFile: debugFile)
        let statics = try selector.units.map { unit in
            try StaticLocals(
                target: selector.target, unit: unit, names: NumberedNames(target: selector.target, unit: unit))
        }
        let verdicts = try selector.compareFamilies(statics: statics)
        guard !verdicts.isEmpty else { return .absent }
        for verdict in verdicts {
            if let difference = verdict.difference {
                return .differs(function: verdict.family.root.name, reason: difference, object: object)
            }
            if let shift = verdict.lineShift {
                return .differs(
                    function: verdict.family.root.name,
                    reason: "a __LINE__ constant is \(shift.new), running \(shift.old)",
                    object: object)
            }
        }
        return .matches
    }

    /// The compiler identification strings in an ELF file's `.comment` (`GCC: (Debian 12.2.0-14) 12.2.0`).
    package static func compilerStrings(of path: String) -> Set<String> {
        guard let elf = try? ELFFile(bytes: FileBytes.read(path)),
            let section = elf.section(named: ".comment"),
            let contents = try? elf.contents(of: section)
        else { return [] }
        return Set(contents.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
    }
}
