import Shared

/// The module a patch is for, found in one process by the build-id of what is MAPPED (read from
/// the process's memory), never by the file on disk, which may already be a newer build.
struct MappedTargetModule {
    /// The module.
    let module: LoadedModule
    /// Its load bias.
    let bias: UInt64

    /// Finds the module with `buildID` among the process's modules; throws `target-mismatch`
    /// naming what the process maps instead.
    static func find(_ buildID: BuildID, pathHint: String, in modules: [LoadedModule], memory: RemoteMemory)
        throws(AgentFailure) -> MappedTargetModule
    {
        var seen: [String] = []
        for module in modules {
            let id = try module.buildID(memory: memory)
            if id == buildID { return MappedTargetModule(module: module, bias: try module.bias(memory: memory)) }
            if module == modules.first || module.path.hasSuffix("/" + lastComponent(pathHint)) {
                seen.append("\(module.path) has build-id \(id?.hex ?? "none")")
            }
        }
        let process = memory.process
        throw AgentFailure(
            .targetMismatch,
            "\(process) maps no module with build-id \(buildID.hex) (the patch's target, created from "
                + "\(pathHint.isEmpty ? "an unnamed module" : pathHint)); \(seen.joined(separator: "; ")). "
                + "Build the patch against the binary this process runs")
    }

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension LoadedModule: Equatable {
    static func == (lhs: LoadedModule, rhs: LoadedModule) -> Bool {
        lhs.inode == rhs.inode && lhs.path == rhs.path && lhs.start == rhs.start
    }
}
