import Shared

/// Which build a file on disk is: its GNU build-id, or why it has none to tell.
enum DiskBuild: Equatable {
    /// An ELF file with this build-id.
    case build(BuildID)
    /// An ELF file linked without a build-id.
    case noBuildID
    /// Not a readable ELF file (missing, unreadable, not ELF), with why.
    case unknown(String)

    /// Reads the file at `path` (the whole file: executables and libraries are small).
    init(path: String) {
        let bytes: [UInt8]
        do throws(SystemError) {
            bytes = try Syscalls.readFile(path)
        } catch {
            self = .unknown("\(error)")
            return
        }
        do {
            self = try ELFFile(bytes: bytes).buildID().map(DiskBuild.build) ?? .noBuildID
        } catch {
            self = .unknown("\(path) is not an ELF file the agent can read: \(error)")
        }
    }

    /// The build-id, when there is one.
    var buildID: BuildID? {
        if case .build(let id) = self { return id }
        return nil
    }

    /// As people read it in messages: the build-id's hex, or what is wrong.
    var text: String {
        switch self {
        case .build(let id): return "build \(id.hex)"
        case .noBuildID: return "a build without a build-id"
        case .unknown(let why): return "unreadable (\(why))"
        }
    }
}
