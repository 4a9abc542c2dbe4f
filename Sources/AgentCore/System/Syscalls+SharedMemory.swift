import CPtrace

#if canImport(Glibc)
    import Glibc
#endif

/// Memory a forked child shares with the agent (the guardian's board, ``GuardBoard``).
extension Syscalls {
    /// `bytes` of zeroed anonymous memory shared with every child forked after this call; pages
    /// are backed only once touched (`MAP_NORESERVE`).
    static func sharedMemory(bytes: Int) throws(SystemError) -> UnsafeMutableRawPointer {
        guard
            let base = mmap(
                nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
            base != MAP_FAILED
        else { throw failure("mmap \(bytes) shared bytes") }
        return base
    }

    /// Stores `value` so that a reader that sees it also sees every byte written before it.
    static func storeRelease(_ value: UInt64, at word: UnsafeMutablePointer<UInt64>) {
        cptrace_store_release(word, value)
    }

    /// Loads a word stored by ``storeRelease(_:at:)``, and with it the bytes written before it.
    static func loadAcquire(_ word: UnsafeMutablePointer<UInt64>) -> UInt64 { cptrace_load_acquire(word) }
}
