import Foundation

/// How a tree is built: the project's own build system, detected from its top-level files, or
/// the user's `--build` command. Every step runs in the tree with the compiler wrapper first
/// on `PATH`; out-of-tree builds (CMake, Meson) use the sibling `build` directory.
public struct BuildRecipe: Sendable, Equatable {
    /// One program of the build, run in `directory` (`.source` or `.build`).
    public struct Step: Sendable, Equatable {
        enum Place: Sendable, Equatable { case source, build }
        let arguments: [String]
        let place: Place
    }

    /// The steps in order.
    public let steps: [Step]
    /// What people see in progress lines: `make -j2`, `cmake --build`.
    public let summary: String

    /// The user's `--build` text, run with `/bin/sh -c` at the top of the tree.
    public static func custom(_ command: String) -> BuildRecipe {
        BuildRecipe(steps: [Step(arguments: ["/bin/sh", "-c", command], place: .source)], summary: command)
    }

    /// The project's own build, from its top-level files: a Makefile, CMake, Meson or autotools.
    /// When a tree has several, the first in that order wins: a top-level Makefile is what `make`
    /// runs there, so it beats a CMakeLists.txt it may wrap; CMake beats Meson; autotools comes
    /// last because its Makefile is generated. The scratch trees hold only tracked files (a git
    /// tree), so an autotools tree there has no Makefile until `./configure` writes one; a tree
    /// outside git is copied whole, and one configured in place is built by its Makefile.
    public static func detect(in tree: String, jobs: Int) throws -> BuildRecipe {
        let has = { (name: String) in FileManager.default.fileExists(atPath: tree + "/" + name) }
        let make = ["make", "-j\(jobs)"]
        if has("Makefile") || has("makefile") || has("GNUmakefile") {
            return BuildRecipe(
                steps: [Step(arguments: make, place: .source)], summary: make.joined(separator: " "))
        }
        if has("CMakeLists.txt") {
            return BuildRecipe(
                steps: [
                    Step(arguments: ["cmake", "-S", tree, "-B", "../build"], place: .source),
                    Step(arguments: ["cmake", "--build", ".", "-j\(jobs)"], place: .build),
                ], summary: "cmake && cmake --build -j\(jobs)")
        }
        if has("meson.build") {
            return BuildRecipe(
                steps: [
                    Step(arguments: ["meson", "setup", "../build"], place: .source),
                    Step(arguments: ["ninja", "-j\(jobs)"], place: .build),
                ], summary: "meson setup && ninja -j\(jobs)")
        }
        if has("configure") || has("configure.ac") || has("autogen.sh") {
            var steps: [Step] = []
            if !has("configure") {
                steps.append(
                    Step(
                        arguments: has("autogen.sh") ? ["./autogen.sh"] : ["autoreconf", "-fi"],
                        place: .source))
            }
            steps += [
                Step(arguments: ["./configure"], place: .source), Step(arguments: make, place: .source),
            ]
            return BuildRecipe(steps: steps, summary: "./configure && make -j\(jobs)")
        }
        throw SourceBuildError(
            "\(tree): no Makefile, CMakeLists.txt, meson.build or configure(.ac) at the top of the tree; "
                + "say how to build it with --build 'COMMAND'")
    }
}
