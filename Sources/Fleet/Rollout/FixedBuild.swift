import Foundation
import Shared

/// The fixed build `rollout --persist` installs on each host after its live patch, as recorded
/// in the journal's first event (so `resume` pushes the same bytes, and refuses a changed file).
package struct FixedBuildRecord: Sendable, Codable, Equatable {
    /// The local file, absolute.
    let path: String
    /// SHA-256 of the file, lowercase hex (its name on the hosts is `<sha256>-<basename>`).
    let sha256: String
    /// Its GNU build-id, hex: what the hosts' disks show once it is installed.
    let buildID: String
}

/// The coordinator's checks of a fixed build before anything is sent: an ELF file for
/// x86-64 with a build-id other than the patch's target, best with the target's file name or
/// SONAME. Runs once, locally, so a wrong file fails the rollout before the first host.
package enum FixedBuild {
    /// The record of a plausible fixed build, and a warning for people when its name differs
    /// from the target's (installed under the target's name all the same).
    package static func check(_ path: String, patch: PatchRecord, targetPathHint: String) throws -> (
        record: FixedBuildRecord, warning: String?
    ) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw RolloutSetupError("--persist \(absolute): cannot read it; give the fixed build's path")
        }
        let elf: ELFFile
        let buildID: BuildID?
        do {
            elf = try ELFFile(bytes: Array(data))
            buildID = try elf.buildID()
        } catch {
            throw RolloutSetupError(
                "--persist \(absolute) is not an ELF executable or library (\(error)); give the fixed build")
        }
        guard elf.header.type == .executable || elf.header.type == .sharedObject else {
            throw RolloutSetupError(
                "--persist \(absolute) is an ELF file of type \(elf.header.type.rawValue), not an executable or shared library"
            )
        }
        guard let buildID else {
            throw RolloutSetupError(
                "--persist \(absolute) has no GNU build-id, so no host could tell it from the old build; "
                    + "link it with -Wl,--build-id")
        }
        guard buildID.hex != patch.targetBuildID else {
            throw RolloutSetupError(
                "--persist \(absolute) has build-id \(buildID.hex), the build the patch targets: that is "
                    + "the old build; give the build of the fixed source")
        }
        let record = FixedBuildRecord(
            path: absolute, sha256: SHA256.hash(Array(data)).hex, buildID: buildID.hex)
        return (record, nameWarning(elf, path: absolute, targetPathHint: targetPathHint))
    }

    /// Nil when the fixed build's file name or SONAME matches the target's; else what differs.
    static func nameWarning(_ elf: ELFFile, path: String, targetPathHint: String) -> String? {
        let name = (path as NSString).lastPathComponent
        let targetName = (targetPathHint as NSString).lastPathComponent
        if name == targetName { return nil }
        let soname = (try? elf.soname()) ?? nil
        let targetSoname = FileManager.default.contents(atPath: targetPathHint)
            .flatMap { try? ELFFile(bytes: Array($0)).soname() }
        if let soname, soname == targetSoname || soname == targetName { return nil }
        return "--persist \(name): the patch's target is \(targetName)"
            + (targetSoname.map { " (SONAME \($0))" } ?? "") + ", the fixed build is \(name)"
            + (soname.map { " (SONAME \($0))" } ?? "")
            + "; it is installed under the target's name on each host all the same"
    }
}
