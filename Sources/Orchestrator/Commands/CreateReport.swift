import Foundation
import PatchCompiler
import Shared
import SourceBuild

/// What `hotpatch create` tells people (decisions on stdout, progress and notes on stderr) or
/// programs (`--json`: one object on stdout with the decisions, notes and outcome; nothing else).
struct CreateReport {
    let json: Bool
    private var decisions: [PatchSelection.Decision] = []
    private var notes: [String] = []

    init(json: Bool) { self.json = json }

    /// Progress of the source build, on stderr (silent with --json).
    var progress: (FixBuild.Progress) -> Void {
        let json = json
        return { event in
            guard !json else { return }
            switch event {
            case .started(let what): Self.standardError("\(what)… ")
            case .finished(let seconds): Self.standardError("done in \(seconds) s\n")
            }
        }
    }

    /// Something that did not stop the patch.
    mutating func note(_ text: String) {
        notes.append(text)
        if !json { Self.standardError("note: \(text)\n") }
    }

    /// The decision log, printed as soon as it is known.
    mutating func decided(_ decisions: [PatchSelection.Decision]) {
        self.decisions = decisions
        guard !json else { return }
        for decision in decisions {
            print("\(decision.verdict.rawValue): \(decision.name) (\(decision.reason))")
        }
    }

    /// The patch is written.
    func wrote(output: String, id: PatchID, bytes: [UInt8], keyID: String?) {
        let sha = "\(SHA256.hash(bytes))"
        guard json else {
            print("wrote \(output): patch \(id), \(bytes.count) bytes, sha256 \(sha)")
            if let keyID { print("signed with key \(keyID)") }
            return
        }
        var object = body(outcome: "wrote")
        object["patch"] = [
            "path": output, "id": "\(id)", "bytes": bytes.count, "sha256": sha,
            "signedBy": keyID.map { $0 as Any } ?? NSNull(),
        ]
        emit(object)
    }

    /// Creation failed (with --json; otherwise the error reaches the terminal as usual).
    func refused(_ error: String) {
        var object = body(outcome: "refused")
        object["error"] = error
        emit(object)
    }

    private func body(outcome: String) -> [String: Any] {
        [
            "outcome": outcome, "notes": notes,
            "decisions": decisions.map {
                ["verdict": $0.verdict.rawValue, "name": $0.name, "reason": $0.reason]
            },
        ]
    }

    private func emit(_ object: [String: Any]) {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }

    private static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
