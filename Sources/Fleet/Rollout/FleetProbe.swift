import FleetInventory
import Foundation
import SSH
import Shared
import Synchronization

/// What one host says about itself, for `status` and `plan`: reached or not, and what the
/// agent reads from the processes there. Never changes a process.
package struct HostProbe: Sendable, Codable, Equatable {
    /// The host.
    let host: String
    /// Whether the host was reached and logged into (host key and auth included).
    package let reachable: Bool
    /// Why not, or why the agent could not report, in one line.
    package let error: String?
    /// The agent's version on the host, once it ran.
    let agentVersion: String?
    /// Processes holding at least one patch, with what they hold.
    let patchedProcesses: [ProbedProcess]
    /// Processes mapping the patch's target module (when a patch was given), patched or not.
    let targetProcesses: [ProbedProcess]?
    /// What the agent's read-only preflight found (`plan`, `rollout --preflight`), else nil.
    var preflight: PreflightReport? = nil

    /// Why `apply` would fail on this host, one line each (empty: ready): the connection or
    /// upload failure, else the preflight's problems.
    package var problems: [String] {
        if let error { return [error] }
        return preflight?.problems ?? []
    }
    /// The files on disk the agent reported: the patch's target path (when a patch was given)
    /// and every file `--persist` installed there, with their build-ids (nil when none).
    var filesOnDisk: [DiskFileReport]? = nil

    /// Patch id -> number of processes where it is active.
    var patchesInPlace: [String: Int] {
        var counts: [String: Int] = [:]
        for process in patchedProcesses {
            for patch in process.patches where patch.state == .active { counts[patch.id, default: 0] += 1 }
        }
        return counts
    }

    /// Processes with a drifted patch (someone else rewrote a patched entry).
    var driftedProcesses: Int {
        patchedProcesses.filter { $0.patches.contains { $0.state == .drifted } }.count
    }
}

/// One process as a probe saw it.
struct ProbedProcess: Sendable, Codable, Equatable {
    /// The pid.
    let pid: Pid
    /// Its start time (clock ticks after boot).
    let startTime: UInt64
    /// Its executable.
    let executable: String
    /// The patches in its memory.
    let patches: [ProbedPatch]
}

/// One patch in one process.
struct ProbedPatch: Sendable, Codable, Equatable {
    /// Patch id.
    let id: String
    /// SHA-256 of the patch file.
    let contentHash: String
    /// Active, drifted or inactive.
    let state: PatchState
}

/// Probes hosts in parallel.
package enum FleetProbe {
    /// Probes every host (`forks` at once); with a patch, also lists the processes mapping its
    /// target module (by the path it was built from) and uploads the patch as `plan` would.
    /// With `preflight`, the agent's read-only preflight of the patch runs too (targets by
    /// build-id, ptrace, trust, free space) and its problems count as the host's.
    package static func probe(
        _ hosts: [HostAddress], connector: any HostConnector, agentPath: String, patch: PatchRecord?,
        targetPath: String?, forks: Int, timeout: Duration, preflight: Bool = false
    ) -> [HostProbe] {
        let results = ProbeResults()
        WorkerPool.run(hosts, width: forks) { host in
            results.add(
                probe(
                    host, connector: connector, agentPath: agentPath, patch: patch, targetPath: targetPath,
                    timeout: timeout, preflight: preflight))
        }
        let byName = results.all()
        return hosts.compactMap { host in byName.first { $0.host == host.name } }
    }

    private static func probe(
        _ host: HostAddress, connector: any HostConnector, agentPath: String, patch: PatchRecord?,
        targetPath: String?, timeout: Duration, preflight: Bool
    ) -> HostProbe {
        let connection: any HostConnection
        do {
            connection = try connector.connect(to: host)
        } catch {
            return HostProbe(
                host: host.name, reachable: false, error: SummaryTable.oneLine(error.description),
                agentVersion: nil, patchedProcesses: [], targetProcesses: nil)
        }
        defer { connection.close() }
        do {
            var agent = AgentClient(connection: connection, host: host, timeout: timeout)
            if let patch {
                _ = try agent.upload(agent: agentPath, patch: patch.path)
            } else {
                try agent.uploadAgent(agentPath)
            }
            let status = try agent.status()
            let targets = try targetPath.map { try agent.status(mapping: $0) }
            var found = HostProbe(
                host: host.name, reachable: true, error: statusProblem(status),
                agentVersion: status.agentVersion, patchedProcesses: status.processes.map(ProbedProcess.init),
                targetProcesses: targets.map {
                    $0.processes.filter { $0.outcome != .failed }.map(ProbedProcess.init)
                })
            if preflight, let patch {
                let report = try agent.preflight(neededBytes: uploadSize(agentPath, patch.path))
                found.preflight = report.preflight
                if report.preflight == nil {
                    found = found.failing(AgentVerdict.failureMessage(report))
                }
            }
            // What is on disk: the target path's build (with a patch) and what --persist installed.
            found.filesOnDisk = targets?.files ?? status.files
            return found
        } catch {
            return HostProbe(
                host: host.name, reachable: true, error: SummaryTable.oneLine("\(error)"),
                agentVersion: nil, patchedProcesses: [], targetProcesses: nil)
        }
    }

    /// Bytes the agent and the patch take in the upload folder.
    private static func uploadSize(_ paths: String...) -> UInt64 {
        paths.reduce(0) { total, path in
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?
                .uint64Value
            return total + (size ?? 0)
        }
    }

    /// A status run that failed for a reason other than "no process holds a patch".
    private static func statusProblem(_ report: AgentReport) -> String? {
        report.exitCode == .success || report.exitCode == .noTarget
            ? nil : AgentVerdict.failureMessage(report)
    }
}

extension HostProbe {
    /// The same probe with `error` as its failure.
    func failing(_ error: String) -> HostProbe {
        var copy = HostProbe(
            host: host, reachable: reachable, error: SummaryTable.oneLine(error), agentVersion: agentVersion,
            patchedProcesses: patchedProcesses, targetProcesses: targetProcesses)
        copy.preflight = preflight
        return copy
    }
}

extension ProbedProcess {
    /// The probe's view of an agent process report.
    init(_ report: ProcessReport) {
        self.init(
            pid: report.pid, startTime: report.startTime, executable: report.executable,
            patches: report.patches.map {
                ProbedPatch(id: $0.id, contentHash: $0.contentHash, state: $0.state)
            })
    }
}

/// Collects probes from worker threads.
private final class ProbeResults: Sendable {
    private let probes = Mutex<[HostProbe]>([])
    func add(_ probe: HostProbe) { probes.withLock { $0.append(probe) } }
    func all() -> [HostProbe] { probes.withLock { $0 } }
}
