import Foundation

/// The parity service's build products in `examples/parity/build`, built with `make` once per
/// test process (see examples/parity/Makefile for what each file is).
public struct ParityBuild: Sendable {
    /// Which classifier a build carries: v1 has the bug (odd numbers ≡ 3 mod 4 called even),
    /// v2 the fix.
    public enum Version: String, Sendable, CaseIterable, CustomStringConvertible {
        /// The buggy classifier, the build "in production".
        case v1
        /// The fixed classifier, the source a patch is made from.
        case v2

        /// `v1` or `v2`, as in the build products' names.
        public var description: String { rawValue }
    }

    /// `examples/parity/build`, absolute.
    public let directory: String

    /// The service with is_even linked in: `build/parity-v1` or `build/parity-v2`.
    public func executable(_ version: Version) -> String { directory + "/parity-\(version)" }

    /// The service that loads is_even from libparity.so (RUNPATH `$ORIGIN`): `build/parity-lib`.
    public var sharedLibraryLoop: String { directory + "/parity-lib" }

    /// The classifier as a shared library (SONAME libparity.so): `build/libparity-v1.so`.
    public func library(_ version: Version) -> String { directory + "/libparity-\(version).so" }

    /// A directory holding only `libparity.so` of that version (`build/lib-v1`): put it in
    /// `LD_LIBRARY_PATH` to make `parity-lib` load that version.
    public func libraryDirectory(_ version: Version) -> String { directory + "/lib-\(version)" }

    /// The classifier's object, compiled with the service's flags (`build/classify_v2.o` is the
    /// fixed source's object that `hotpatch create` takes).
    public func classifierObject(_ version: Version) -> String { directory + "/classify_\(version).o" }

    /// The flags every parity object is compiled with; compile a fix with these to patch parity.
    public static let compilerFlags = ["-O2", "-g", "-ffunction-sections", "-fdata-sections", "-fPIC"]

    /// Builds the service (`make -C examples/parity`) the first time it is called in this
    /// process and returns the products; later calls return the first outcome, success or
    /// failure. `make` runs under `flock` so test processes of other engineers building at the
    /// same moment wait for each other instead of writing the same objects at once.
    public static func built() throws(ParityServiceError) -> ParityBuild {
        try outcome.get()
    }

    private static let outcome: Result<ParityBuild, ParityServiceError> = runMake()

    private static func runMake() -> Result<ParityBuild, ParityServiceError> {
        let source = RepositoryPaths.path("examples/parity")
        let build = ParityBuild(directory: source + "/build")
        do {
            try FileManager.default.createDirectory(
                atPath: build.directory, withIntermediateDirectories: true)
            let result = try Subprocess.run(
                "/usr/bin/flock", [build.directory + "/.make.lock", "/usr/bin/make", "-s", "-C", source])
            guard result.status == 0 else {
                return .failure(.buildFailed(directory: source, output: result.stdout + result.stderr))
            }
        } catch {
            return .failure(.buildFailed(directory: source, output: "\(error)"))
        }
        return .success(build)
    }
}
