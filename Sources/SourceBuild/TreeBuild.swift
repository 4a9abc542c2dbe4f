import Foundation

/// One side's build (the parent or the fix): the recipe run in its tree with the compiler
/// wrapper, output kept in `SIDE/build.log`, the compiles it made read back.
struct TreeBuild {
    /// `ROOT/parent` or `ROOT/fix`: holds `src`, `build`, `wrapper` and `build.log`.
    let side: String
    /// The directory the user gave, which the tree stands for in paths.
    let source: String

    var tree: String { side + "/src" }
    var buildLog: String { side + "/build.log" }

    /// Runs `recipe`; returns the compiles it recorded. A failing step throws with the log's tail.
    func run(_ recipe: BuildRecipe, label: String) throws -> CompileLog {
        let wrapper = try CompilerWrapper(
            directory: side + "/wrapper", pathMap: [(tree, source), (side + "/build", source + "/build")])
        try FileManager.default.createDirectory(atPath: side + "/build", withIntermediateDirectories: true)
        let environment = wrapper.environment(over: ProcessInfo.processInfo.environment)
        for step in recipe.steps {
            let directory = step.place == .source ? tree : side + "/build"
            guard
                let executable = step.arguments[0].hasPrefix("/") || step.arguments[0].hasPrefix("./")
                    ? step.arguments[0] : Command.which(step.arguments[0])
            else {
                throw SourceBuildError(
                    "building \(label): \(step.arguments[0]) is not installed; install it or pass --build 'COMMAND'"
                )
            }
            let command = Command(
                executable: executable.hasPrefix("./")
                    ? directory + "/" + executable.dropFirst(2) : executable,
                arguments: Array(step.arguments.dropFirst()), directory: directory, environment: environment)
            let status = try command.run(log: buildLog).status
            guard status == 0 else {
                throw SourceBuildError(
                    "building \(label) failed: `\(step.arguments.joined(separator: " "))` exited with \(status) in "
                        + "\(directory); the last lines of \(buildLog):\n\(tail(of: buildLog))")
            }
        }
        let compiles = try CompileLog(contentsOf: wrapper.log)
        guard !compiles.compiles.isEmpty else {
            throw SourceBuildError(
                "building \(label) compiled nothing through hotpatch's compiler wrapper: the build calls its compiler by "
                    + "an absolute path, or everything was already built; pass --build with CC=gcc (or the compiler's "
                    + "name) so the compiler is found on PATH")
        }
        return compiles
    }

    /// The objects the build wrote, keyed by their path under `side` (`src/x.o`, `build/lib/y.o`).
    func objects(of log: CompileLog) -> [String: CompileLog.Compile] {
        var objects: [String: CompileLog.Compile] = [:]
        for compile in log.compiles
        where compile.object.hasPrefix(side + "/") && FileManager.default.fileExists(atPath: compile.object) {
            objects[String(compile.object.dropFirst(side.count + 1))] = compile
        }
        return objects
    }

    private func tail(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(20).joined(
            separator: "\n")
    }
}
