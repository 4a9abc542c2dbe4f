import AgentCore
import Shared

/// `hotpatch-agent`: applies, reverts and reports patches inside the processes of this host.
/// The root is a dispatch: parse, run, report, exit with the report's code.
@main
enum AgentMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--version" {
            Syscalls.print("hotpatch-agent \(HotpatchVersion.current)\n")
            return
        }
        if arguments.isEmpty || arguments.contains("--help") || arguments.first == "help" {
            Syscalls.print(CommandLineReader.usage)
            return
        }
        let options: AgentOptions
        do {
            options = try CommandLineReader.parse(arguments)
        } catch {
            Syscalls.print("hotpatch-agent: \(error)\n\n" + CommandLineReader.usage, toError: true)
            if arguments.contains("--json") { printJSON(usageReport(error)) }
            Syscalls.exit(AgentExitCode.usage.rawValue)
        }
        let report = AgentCommand(options: options).run()
        if options.json { printJSON(report) } else { TextReporter.print(report) }
        Syscalls.exit(report.exitCode.rawValue)
    }

    private static func printJSON(_ report: AgentReport) {
        // The report types hold only strings and integers, which always encode.
        let text = (try? JSONWriter.encode(report)) ?? "{\"schemaVersion\":1,\"exitCode\":1}"
        Syscalls.print(text + "\n")
    }

    private static func usageReport(_ error: UsageError) -> AgentReport {
        AgentReport(
            agentVersion: HotpatchVersion.current, host: Syscalls.hostName, command: "", patchID: nil,
            exitCode: .usage, message: error.description, processes: [])
    }
}
