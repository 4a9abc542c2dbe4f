#if canImport(Glibc)
import Glibc
#endif
import Shared

/// `hotpatch-agent`: applies, reverts and reports patches inside the processes of this host.
@main
enum AgentMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--version" {
            print("hotpatch-agent \(HotpatchVersion.current)")
            return
        }
        print("hotpatch-agent \(HotpatchVersion.current): apply, revert and status are not implemented yet")
        exit(64)
    }
}
