import Shared

/// `hotpatch-agent preflight PATCH`: everything `apply PATCH --all` would trip on, found
/// without touching a process (no ptrace attach; /proc, statvfs and the patch file only):
/// 1. the host: kernel release and architecture;
/// 2. the patch against the host's trusted-keys policy, by apply's own loader;
/// 3. the processes mapping the target build, and other builds of the same file;
/// 4. whether ptrace would be allowed on them (Yama, capabilities, owners);
/// 5. the upload folder: free space, and whether its mount allows exec.
struct Preflight {
    /// The patch file on this host.
    let patchPath: String
    /// Bytes the coordinator needs in the upload folder (0 when not said).
    let neededBytes: UInt64

    /// What was found: the report, or (when the patch itself is unreadable) the failure; and the
    /// exit code of the first problem (success when ready).
    struct Outcome {
        var report: PreflightReport?
        var failure: AgentFailure?
        var exitCode: AgentExitCode
    }

    /// Runs every check; never throws: each failure is a line of the report's problems.
    func run() -> Outcome {
        var problems: [String] = []
        var kinds: [AgentExitCode] = []
        func problem(_ kind: AgentExitCode, _ line: String) {
            kinds.append(kind)
            problems.append(line)
        }
        var warnings: [String] = []
        // 1. The host itself.
        let kernel = Syscalls.kernel()
        if let old = KernelRelease.problem(kernel.release) { problem(.failed, old) }
        // 2. Trust first, as apply does; a refused patch is still read to learn its target.
        let signature: PreflightSignature
        let patch: PatchFile
        do {
            let trusted = try PatchLoader.loadForApply(patchPath)
            signature = PreflightSignature(accepted: true, summary: trusted.signature.summary)
            patch = trusted.patch
        } catch {
            signature = PreflightSignature(accepted: false, summary: error.message)
            problem(.untrusted, "signature: " + error.message)
            do {
                patch = try PatchLoader.load(patchPath)
            } catch {
                return Outcome(report: nil, failure: error, exitCode: error.kind)
            }
        }
        // 3. Targets by build-id, and other builds of the same file.
        let census = ModuleCensus(buildID: patch.targetBuildID, pathHint: patch.targetPathHint)
        if census.targets.isEmpty { problem(.noTarget, noTargetLine(patch, census)) }
        // 4. ptrace on the targets (or, when none could be seen, on the processes hidden from us).
        let ptrace = ptraceCheck(census)
        if let reason = ptrace.reason { problem(.permission, "ptrace: " + reason) }
        if ptrace.seccomp == 2 {
            warnings.append("the agent runs under a seccomp filter (Seccomp 2): it may refuse ptrace")
        }
        // 5. The upload folder.
        let folder = folderCheck()
        // The files are already here when the agent runs, so too little room is for the next
        // upload (a new agent or patch): worth knowing, not a reason this apply would fail. The
        // coordinator refuses an upload that does not fit before sending it.
        if let free = folder.freeBytes, free < folder.neededBytes {
            warnings.append(
                "upload folder \(folder.path): \(free) bytes free, less than the \(folder.neededBytes) "
                    + "a new upload of the agent and patch takes; free space there")
        }
        let report = PreflightReport(
            kernelRelease: kernel.release, architecture: kernel.machine,
            targetBuildID: patch.targetBuildID.hex,
            targetPathHint: patch.targetPathHint, targets: census.targets, otherBuilds: census.otherBuilds,
            unreadableProcesses: census.unreadable.count, ptrace: ptrace, uploadFolder: folder,
            signature: signature, problems: problems, warnings: warnings)
        return Outcome(report: report, failure: nil, exitCode: kinds.first ?? .success)
    }

    /// "no process maps build-id ..." with the other builds found and the unreadable count.
    private func noTargetLine(_ patch: PatchFile, _ census: ModuleCensus) -> String {
        var line = "targets: no process maps build-id \(patch.targetBuildID.hex) (\(patch.targetPathHint))"
        if !census.otherBuilds.isEmpty {
            let named = census.otherBuilds.prefix(3).map {
                "pid \($0.pid) \($0.module) build-id \($0.buildID)"
            }
            line += "; \(census.otherBuilds.count) run another build: " + named.joined(separator: ", ")
            line += "; make the patch from the build this host runs"
        }
        if !census.unreadable.isEmpty {
            let names = census.unreadable.prefix(3).map { "pid \($0.pid) \($0.executable)" }
            line +=
                "; \(census.unreadable.count) processes could not be read (\(names.joined(separator: ", ")))"
        }
        return line
    }

    /// Yama's scope, the agent's credentials, and the verdict for each target.
    private func ptraceCheck(_ census: ModuleCensus) -> PreflightPtrace {
        let scope = (try? Syscalls.readFile("/proc/sys/kernel/yama/ptrace_scope")).flatMap {
            Int(String(decoding: $0, as: UTF8.self).filter { !$0.isWhitespace })
        }
        guard let agent = ProcessCredentials.read("self") else {
            return PreflightPtrace(
                scope: scope, agentUID: Syscalls.effectiveUser, capEff: "?", hasSysPtrace: false,
                noNewPrivs: false, seccomp: 0, allowed: false, reason: "cannot read /proc/self/status")
        }
        // Hidden processes named like the target first: the verdict then names the likely target.
        let name = ModuleCensus.fileName(census.targetPathHint)
        let hidden = census.unreadable.sorted {
            ($0.executable.hasSuffix(name) ? 0 : 1) < ($1.executable.hasSuffix(name) ? 0 : 1)
        }
        let subjects =
            census.targets.isEmpty
            ? hidden.map { ($0.pid, $0.executable) } : census.targets.map { ($0.pid, $0.executable) }
        var verdict = PtraceRules.verdict(scope: scope, agent: agent, target: nil)
        for (pid, name) in subjects where verdict == .allowed {
            guard let target = ProcessCredentials.read("\(pid)") else { continue }
            verdict = PtraceRules.verdict(
                scope: scope, agent: agent, target: target, targetName: "pid \(pid) (\(name))")
        }
        var reason: String?
        if case .denied(let why) = verdict { reason = why }
        return PreflightPtrace(
            scope: scope, agentUID: agent.effectiveUID, capEff: PtraceRules.hex(agent.capEff),
            hasSysPtrace: agent.hasSysPtrace, noNewPrivs: agent.noNewPrivs, seccomp: agent.seccomp,
            allowed: reason == nil, reason: reason)
    }

    /// The folder holding the running agent: free space, and its mount's options.
    private func folderCheck() -> PreflightFolder {
        let exe = (try? Syscalls.readLink("/proc/self/exe")) ?? "/"
        let folder = exe.split(separator: "/").dropLast().reduce("") { $0 + "/" + $1 }
        let path = folder.isEmpty ? "/" : folder
        let table = (try? Syscalls.readFile("/proc/self/mountinfo")).map {
            MountTable(mountinfo: String(decoding: $0, as: UTF8.self))
        }
        let mount = table?.mount(holding: path)
        return PreflightFolder(
            path: path, freeBytes: Syscalls.freeBytes(path), neededBytes: neededBytes,
            mountOptions: mount?.options ?? [], allowsExec: mount?.allowsExec ?? true)
    }
}
