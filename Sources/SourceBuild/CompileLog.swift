import Foundation

/// The compiles one build made, read from the wrapper's log: one record per object, and
/// whether `-flto` was asked for anywhere (the wrapper drops it).
public struct CompileLog: Sendable, Equatable {
    /// One compile: the object it wrote and the source it read, both absolute.
    public struct Compile: Sendable, Equatable {
        /// The object file written (`-o`, or the source's name with `.o`).
        public let object: String
        /// The source file compiled.
        public let source: String
        /// The real compiler run.
        public let compiler: String

        /// A compile of `source` into `object` by `compiler`.
        public init(object: String, source: String, compiler: String) {
            self.object = object
            self.source = source
            self.compiler = compiler
        }
    }

    /// Every compile, in the order they ran.
    public let compiles: [Compile]
    /// True when some command of the build asked for link-time optimization.
    public let sawLTO: Bool

    /// Parses the wrapper's log text.
    public init(text: String) {
        var compiles: [Compile] = []
        var sawLTO = false
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch fields.first {
            case "lto": sawLTO = true
            case "compile" where fields.count >= 5:
                compiles.append(
                    Compile(
                        object: Self.absolute(fields[2], in: fields[1]),
                        source: Self.absolute(fields[3], in: fields[1]),
                        compiler: fields[4]))
            default: continue
            }
        }
        self.compiles = compiles
        self.sawLTO = sawLTO
    }

    /// Reads the log at `path`.
    public init(contentsOf path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SourceBuildError("cannot read the compile log \(path)")
        }
        self.init(text: text)
    }

    static func absolute(_ path: String, in directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}
