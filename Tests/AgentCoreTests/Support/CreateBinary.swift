import Foundation
import TestSupport

/// Makes the tests' patches the way users do: with the built `hotpatch create` binary, never a
/// test-only builder. A failing create fails the test with create's own output.
enum CreateBinary {
    /// The coordinator's path: next to the agent in the build products folder (built on demand
    /// when a filtered `swift test` did not), or the one named by HOTPATCH_CREATE_BINARY.
    static let path: String = {
        if let chosen = ProcessInfo.processInfo.environment["HOTPATCH_CREATE_BINARY"], !chosen.isEmpty {
            return chosen
        }
        return AgentBinary.builtProduct("hotpatch")
    }()

    /// `hotpatch create --target TARGET --object OBJECT [--function F]... --id ID -o OUTPUT`;
    /// returns `output`. `functions` empty: create finds the changed functions itself.
    @discardableResult
    static func create(
        id: String, target: String, object: String, functions: [String] = [], output: String
    ) throws -> String {
        try run(
            ["create", "--target", target, "--object", object] + functions.flatMap { ["--function", $0] } + [
                "--id", id, "-o", output,
            ], output: output)
    }

    /// `hotpatch create --old OLD --new NEW --id ID -o OUTPUT`: the in-place patch of two builds
    /// with one layout; returns `output`.
    @discardableResult
    static func createInPlace(id: String, old: String, new: String, output: String) throws -> String {
        try run(["create", "--old", old, "--new", new, "--id", id, "-o", output], output: output)
    }

    /// What `create` printed (its summary: `included: F`, ...) as well as the patch's path.
    static func createPrinting(id: String, target: String, object: String, output: String) throws
        -> (path: String, printed: String)
    {
        let printed = try printing(["create", "--target", target, "--object", object, "--id", id, "-o", output])
        return (output, printed)
    }

    private static func run(_ arguments: [String], output: String) throws -> String {
        _ = try printing(arguments)
        return output
    }

    private static func printing(_ arguments: [String]) throws -> String {
        let result = try Subprocess.run(path, arguments)
        guard result.status == 0 else {
            throw TestPatchError(
                "hotpatch \(arguments.joined(separator: " ")) exited \(result.status):\n\(result.stdout)\(result.stderr)"
            )
        }
        return result.stdout + result.stderr
    }
}

/// A patch or fixture a test could not make (create refused, a tool failed, a symbol is missing).
struct TestPatchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension CFixture {
    /// Compiles `fix` (C source) as the fixed object and makes patch `id` for this fixture's
    /// linked `service` with `hotpatch create --function` for each of `functions`; returns its path.
    func servicePatch(id: String, fix: String, functions: [String]) throws -> String {
        let object = try object(id, fix, flags: Fixtures.objectFlags)
        return try CreateBinary.create(
            id: id, target: path("service"), object: object, functions: functions,
            output: path("\(id).hotpatch"))
    }

    /// Compiles `fix` as the fixed object and makes patch `id` for this fixture's linked `service`,
    /// `create` finding the changed functions itself; returns its path and what `create` printed.
    func servicePatchPrinting(id: String, fix: String) throws -> (path: String, printed: String) {
        let object = try object(id, fix, flags: Fixtures.objectFlags)
        return try CreateBinary.createPrinting(
            id: id, target: path("service"), object: object, output: path("\(id).hotpatch"))
    }
}
