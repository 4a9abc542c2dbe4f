import Glibc

/// The `hotpatch` command's one file that calls libc (outside the patch compiler): creating a
/// private key file with its mode from the first moment.
enum CommandSyscalls {
    /// A failed call's errno, with its text.
    struct Failure: Error {
        /// The errno value.
        let code: Int32
        /// `strerror`'s text for it.
        var message: String { String(cString: strerror(code)) }
    }

    /// Replaces `path` with a new empty file created 0600 (`O_EXCL` after `unlink`, so it is
    /// never readable by others, not even for a moment); returns its open descriptor.
    static func createPrivateFile(_ path: String) -> Result<Int32, Failure> {
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        return descriptor >= 0 ? .success(descriptor) : .failure(Failure(code: errno))
    }
}
