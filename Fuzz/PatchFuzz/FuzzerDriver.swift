#if FUZZING
    /// libFuzzer's driver, `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const
    /// uint8_t *, size_t))` from libclang_rt.fuzzer. There is no C module to import it from, so
    /// it is bound by name; with three pointer arguments and an `int` result the Swift and C
    /// calling conventions place everything in the same registers on x86-64.
    enum FuzzerDriver {
        @_silgen_name("LLVMFuzzerRunDriver")
        static func run(
            _ argc: UnsafeMutablePointer<CInt>,
            _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
            _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
        ) -> CInt
    }
#endif
