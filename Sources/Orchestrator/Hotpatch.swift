import ArgumentParser
import Shared

/// `hotpatch`: creates patches and rolls them out across a fleet over SSH.
@main
struct Hotpatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hotpatch",
        abstract: "Live-patch running Linux processes across a fleet, over SSH, without stopping them.",
        version: HotpatchVersion.current,
        subcommands: [
            Rollout.self, Rollback.self, Resume.self, Status.self, Plan.self, Create.self, Inspect.self,
            Keygen.self, Sign.self,
        ]
    )
}
