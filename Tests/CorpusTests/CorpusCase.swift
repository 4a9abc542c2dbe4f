import Foundation

/// One compatibility case: a small program (`v1/`), its fix (`v2/`) and what `hotpatch create` and
/// `hotpatch-agent` must do with them, read from `case.txt` (format: Tests/Corpus/README.md).
struct CorpusCase: Sendable {
    /// What the tools must do with the case.
    enum Expectation: String, Sendable {
        /// create includes exactly `included`, apply shows `after`, revert shows `before` again.
        case apply
        /// create refuses, naming `refusal`.
        case refuseCreate = "refuse-create"
        /// create succeeds; the agent refuses, naming `refusal`; the process runs on, unchanged.
        case refuseApply = "refuse-apply"
    }

    /// Which process the patch is applied to.
    enum ApplyTarget: String, Sendable {
        /// The v1 build create was given.
        case sameBuild = "same-build"
        /// Another build of v1 (same sources, different build-id): the agent must refuse it.
        case otherBuild = "other-build"
    }

    /// The folder's name, e.g. `static-counter`.
    let name: String
    /// The case's folder.
    let directory: String
    /// One line: what the case is about.
    let summary: String
    /// `c` or `c++`.
    let lang: String
    /// Compiler flags for both builds.
    let cflags: [String]
    /// The function names create must print as `included:`.
    let included: Set<String>
    /// The line the old code prints.
    let before: String
    /// The line the fixed code prints.
    let after: String
    /// What must happen.
    let expect: Expectation
    /// For refusals: a substring of the refusal message.
    let refusal: String?
    /// `room: why` when the case waits for another room's fix; the runner skips it.
    let pending: String?
    /// The process the patch goes to.
    let applyTo: ApplyTarget

    /// The compiler driver for `lang`.
    var compiler: String { lang == "c++" ? "/usr/bin/g++" : "/usr/bin/gcc" }
    /// The source file extensions of `lang`.
    var sourceExtensions: Set<String> { lang == "c++" ? ["cpp", "cc", "c"] : ["c"] }
}

/// A `case.txt` that cannot be read: names the file, the line and what is wrong.
struct CorpusCaseError: Error, CustomStringConvertible {
    /// The message.
    let description: String
}

extension CorpusCase {
    /// The keys `case.txt` may hold.
    static let keys: Set<String> = [
        "summary", "lang", "cflags", "included", "before", "after", "expect", "refusal", "pending",
        "apply-to",
    ]

    /// Reads the case in `directory` (its `case.txt`).
    init(directory: String) throws {
        let file = directory + "/case.txt"
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw CorpusCaseError(description: "\(file): cannot read it (\(error))")
        }
        try self.init(name: (directory as NSString).lastPathComponent, directory: directory, text: text)
    }

    /// Parses `text` (the contents of `case.txt`): `key: value` lines, `#` comments, blank lines.
    init(name: String, directory: String, text: String) throws {
        let values = try Self.fields(text, file: "\(name)/case.txt")
        func required(_ key: String) throws -> String {
            guard let value = values[key], !value.isEmpty else {
                throw CorpusCaseError(description: "\(name)/case.txt: missing \(key):")
            }
            return value
        }
        guard let expect = Expectation(rawValue: values["expect"] ?? "apply") else {
            throw CorpusCaseError(
                description: "\(name)/case.txt: expect: must be apply, refuse-create or refuse-apply")
        }
        guard let applyTo = ApplyTarget(rawValue: values["apply-to"] ?? "same-build") else {
            throw CorpusCaseError(
                description: "\(name)/case.txt: apply-to: must be same-build or other-build")
        }
        let lang = try required("lang")
        guard ["c", "c++"].contains(lang) else {
            throw CorpusCaseError(description: "\(name)/case.txt: lang: must be c or c++, not \(lang)")
        }
        self.name = name
        self.directory = directory
        self.summary = try required("summary")
        self.lang = lang
        self.cflags = (values["cflags"] ?? "-O2").split(separator: " ").map(String.init)
        self.included = Set(Self.names(values["included"] ?? ""))
        self.expect = expect
        self.applyTo = applyTo
        self.refusal = values["refusal"]
        self.pending = values["pending"]
        self.before = expect == .refuseCreate ? (values["before"] ?? "") : try required("before")
        self.after = expect == .apply ? try required("after") : (values["after"] ?? "")
        if expect != .apply, refusal == nil {
            throw CorpusCaseError(description: "\(name)/case.txt: expect: \(expect.rawValue) needs refusal:")
        }
    }

    /// The `key: value` pairs of `text`; unknown or repeated keys are errors (a typo must not
    /// silently drop a check).
    static func fields(_ text: String, file: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw CorpusCaseError(description: "\(file):\(number + 1): expected key: value, got \(line)")
            }
            let key = String(line[..<colon])
            guard keys.contains(key) else {
                throw CorpusCaseError(
                    description:
                        "\(file):\(number + 1): unknown key \(key) (known: \(keys.sorted().joined(separator: ", ")))"
                )
            }
            guard values[key] == nil else {
                throw CorpusCaseError(description: "\(file):\(number + 1): \(key) given twice")
            }
            values[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }

    /// Splits a comma-separated list of function names at commas outside brackets, so demangled
    /// C++ names such as `std::pair<int, int> f(int, int)` stay whole.
    static func names(_ list: String) -> [String] {
        var names: [String] = []
        var current = ""
        var depth = 0
        for character in list {
            switch character {
            case "(", "<", "[": depth += 1
            case ")", ">", "]": depth -= 1
            case "," where depth == 0:
                names.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        names.append(current.trimmingCharacters(in: .whitespaces))
        return names.filter { !$0.isEmpty }
    }

    /// Every case under `folder` (each subfolder holding a `case.txt`), sorted by name; a case
    /// that cannot be read is returned as an error for its name.
    static func all(in folder: String) -> [(name: String, result: Result<CorpusCase, CorpusCaseError>)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        return names.filter { FileManager.default.fileExists(atPath: "\(folder)/\($0)/case.txt") }.map {
            name in
            do { return (name, .success(try CorpusCase(directory: "\(folder)/\(name)"))) } catch let error
                as CorpusCaseError
            {
                return (name, .failure(error))
            } catch { return (name, .failure(CorpusCaseError(description: "\(name): \(error)"))) }
        }
    }
}
