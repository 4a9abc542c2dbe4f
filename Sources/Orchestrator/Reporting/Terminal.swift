import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether output goes to a terminal (live progress line) or a file or pipe (plain lines).
enum Terminal {
    /// True when `handle` is a terminal.
    static func isTerminal(_ handle: FileHandle) -> Bool {
        isatty(handle.fileDescriptor) == 1
    }
}
