import AgentCore
import Shared

/// A small hand-written parser for the agent's command line (swift-argument-parser would pull
/// Foundation into the agent and double its size).
enum CommandLineReader {
    /// The usage text `--help` prints.
    static let usage = """
        usage: hotpatch-agent apply PATCH (--pid PID... | --exe PATH | --all) [options]
               hotpatch-agent revert (PATCH | --id ID) (--pid PID... | --exe PATH | --all) [options]
               hotpatch-agent status (--pid PID... | --exe PATH | --all) [--json]
               hotpatch-agent preflight PATCH [--need BYTES] [--json]
               hotpatch-agent --version

        targets:
          --pid PID         a process (repeat, or PID,PID,...)
          --exe PATH        every process that maps PATH (an executable or a shared library)
          --all             every process the patch is for (apply: maps its build-id;
                            revert/status: holds a patch)
        options:
          --timeout DUR     how long to look for a safe point (default 10s)
          --max-pause DUR   the longest the process may be stopped (default 20ms)
          --persist FILE    apply: install FILE over the patched file on disk when it is still
                            the build the patch targets (atomic rename, owner, mode and
                            capabilities kept, old kept as a backup); revert puts it back
          --state-dir DIR   journal and persist records (default /var/lib/hotpatch)
          --need BYTES      preflight: bytes the upload folder must still have free
          --json            print one JSON report (schema AgentReport v\(AgentReport.currentSchemaVersion))
        durations: 10s, 500ms, 250us, 2m; a bare number is seconds.
        exit codes: \(AgentExitCode.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", "))

        """

    /// Parses the arguments after the program name.
    static func parse(_ arguments: [String]) throws(UsageError) -> AgentOptions {
        guard let first = arguments.first, let command = AgentOptions.Command(rawValue: first) else {
            throw UsageError("expected a command: apply, revert, status or preflight (see --help)")
        }
        var positional: [String] = []
        var pids: [Pid] = []
        var exe: String? = nil
        var all = false
        var options = AgentOptions(command: command, selection: .all)
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            func value() throws(UsageError) -> String {
                guard let next = rest.popFirst(), !next.hasPrefix("--") else {
                    throw UsageError("\(argument) needs a value")
                }
                return next
            }
            switch argument {
            case "--pid":
                for part in try value().split(separator: ",") {
                    guard let raw = Int32(part), raw > 0 else {
                        throw UsageError("--pid \(part): not a process id")
                    }
                    pids.append(Pid(raw))
                }
            case "--exe": exe = try value()
            case "--all": all = true
            case "--id":
                let raw = try value()
                guard PatchID(raw) != nil else {
                    throw UsageError("--id \(raw): a patch id is [A-Za-z0-9._-], 64 bytes at most")
                }
                options.patchID = raw
            case "--json": options.json = true
            case "--timeout": options.timeoutNanoseconds = try duration(try value(), flag: argument) * 1000
            case "--max-pause": options.maxPauseMicroseconds = try duration(try value(), flag: argument)
            case "--persist": options.persistPath = try value()
            case "--state-dir": options.stateDirectory = try value()
            case "--need":
                let raw = try value()
                guard let bytes = UInt64(raw) else { throw UsageError("--need \(raw): not a byte count") }
                options.neededBytes = bytes
            default:
                if argument.hasPrefix("-") { throw UsageError("unknown option \(argument) (see --help)") }
                positional.append(argument)
            }
        }
        let chosen = (pids.isEmpty ? 0 : 1) + (exe == nil ? 0 : 1) + (all ? 1 : 0)
        // preflight looks at what `apply --all` would: it takes no targets.
        guard chosen == 1 || (command == .preflight && chosen == 0) else {
            throw UsageError("name the targets with exactly one of --pid, --exe or --all")
        }
        options.selection = !pids.isEmpty ? .pids(pids) : exe.map { .executable($0) } ?? .all
        try validate(&options, positional: positional)
        return options
    }

    private static func validate(_ options: inout AgentOptions, positional: [String]) throws(UsageError) {
        guard positional.count <= 1 else {
            throw UsageError("unexpected arguments: \(positional.dropFirst().joined(separator: " "))")
        }
        options.patchPath = positional.first
        switch options.command {
        case .apply:
            guard options.patchPath != nil else {
                throw UsageError("apply needs the patch file: hotpatch-agent apply FILE ...")
            }
            guard options.patchID == nil else { throw UsageError("apply takes a patch file, not --id") }
        case .revert:
            guard (options.patchPath == nil) != (options.patchID == nil) else {
                throw UsageError("revert needs the patch: a file or --id ID (one of them)")
            }
            guard options.persistPath == nil else {
                throw UsageError("--persist is for apply; revert restores the backup itself")
            }
        case .preflight:
            guard options.patchPath != nil, options.patchID == nil, options.persistPath == nil else {
                throw UsageError(
                    "preflight needs the patch file: hotpatch-agent preflight FILE [--need BYTES]")
            }
        case .status:
            guard options.patchPath == nil, options.patchID == nil, options.persistPath == nil else {
                throw UsageError("status takes only targets, --state-dir and --json")
            }
        }
    }

    /// A duration in microseconds: `10s`, `500ms`, `250us`, `2m`, or bare seconds.
    static func duration(_ text: String, flag: String) throws(UsageError) -> UInt64 {
        let units: [(String, Double)] = [
            ("us", 1), ("µs", 1), ("ms", 1000), ("s", 1_000_000), ("m", 60_000_000),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let number = Double(text.dropLast(suffix.count)), number >= 0 { return UInt64(number * scale) }
        }
        if let seconds = Double(text), seconds >= 0 { return UInt64(seconds * 1_000_000) }
        throw UsageError("\(flag) \(text): not a duration (try 10s, 500ms or 250us)")
    }
}
