import Foundation

/// Whether output goes to a terminal (live progress line) or a file or pipe (plain lines).
package enum Terminal {
    /// True when `handle` is a terminal.
    static func isTerminal(_ handle: FileHandle) -> Bool {
        FleetSyscalls.isTerminal(handle.fileDescriptor)
    }
}
