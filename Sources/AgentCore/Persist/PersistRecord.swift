import Shared

/// What `--persist` installed for one patch, kept in `STATE_DIR/persist/PATCH_ID` so `revert`
/// can put the old build back and `status` can name the builds: one line per installed file,
/// `path TAB backup TAB replaced-build-id TAB installed-build-id`. Pure: encode and decode only.
struct PersistRecord: Equatable {
    /// One installed file.
    struct Entry: Equatable {
        /// The file the fixed build now sits at.
        var path: String
        /// Where the replaced build is kept (a hard link to its inode).
        var backup: String
        /// The build that was there (the one the patch targets); nil in records of older agents.
        var replaced: BuildID?
        /// The fixed build installed; nil in records of older agents.
        var installed: BuildID?
    }

    /// The patch whose `--persist` installed the files.
    var patchID: String
    /// The files, in the order they were installed.
    var entries: [Entry]

    /// The record's text.
    var text: String {
        entries.map { entry in
            [entry.path, entry.backup, entry.replaced?.hex ?? "-", entry.installed?.hex ?? "-"]
                .joined(separator: "\t") + "\n"
        }.joined()
    }

    /// Parses a record; an older agent's record (`path` line, `backup` line) reads as one entry
    /// without build-ids.
    init(patchID: String, text: String) {
        self.patchID = patchID
        let lines = text.split(separator: "\n").map(String.init)
        if lines.count == 2, !lines[0].contains("\t") {
            entries = [Entry(path: lines[0], backup: lines[1], replaced: nil, installed: nil)]
            return
        }
        entries = lines.compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { return nil }
            return Entry(
                path: fields[0], backup: fields[1], replaced: BuildID(hex: fields[2]),
                installed: BuildID(hex: fields[3]))
        }
    }

    /// A record of `entries`.
    init(patchID: String, entries: [Entry]) {
        self.patchID = patchID
        self.entries = entries
    }

    /// True when a path can be stored (the format separates fields by tab and lines by newline).
    static func canStore(_ path: String) -> Bool { !path.contains("\t") && !path.contains("\n") }
}
