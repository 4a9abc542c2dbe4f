/// The two fixed shell scripts an upload runs on the host, each in ONE remote command (a
/// round trip and a handful of forks instead of a command per step). They run as
/// `sh -c SCRIPT sh ARGS...`: the script is a constant and every path, hash and mode reaches it
/// as a quoted positional argument, never spliced into shell text.
enum UploadScript {
    /// `sh -c PREPARE sh DIR (PATH SHA256 MODE)...`: makes DIR 0700 if missing, then says who
    /// we are and what DIR is (`uid U`, `dir OWNER MODE TYPE`). Only when DIR is a folder of
    /// ours with mode 700 does it go on: it removes upload temporaries (`.NAME.part-*`) older
    /// than an hour, left by uploads whose connection broke mid-way (younger ones may belong to
    /// another coordinator's upload in flight), then says `gzip yes|no`, then for each file
    /// `have I` (present with that hash; its mode is set) or `need I`.
    static let prepare = """
        d=$1; shift
        mkdir -m 700 -- "$d" 2>/dev/null
        u=$(id -u) || exit 90
        s=$(stat -c "%u %a %F" -- "$d" 2>/dev/null) || s="? ? missing"
        echo "uid $u"
        echo "dir $s"
        [ "$s" = "$u 700 directory" ] || exit 0
        find "$d" -maxdepth 1 -type f -name '.*.part-*' -mmin +60 -exec rm -f -- {} + 2>/dev/null
        if command -v gzip >/dev/null 2>&1; then echo "gzip yes"; else echo "gzip no"; fi
        i=0
        while [ $# -ge 3 ]; do
          if [ -f "$1" ] && h=$(sha256sum -- "$1" 2>/dev/null) && [ "${h%% *}" = "$2" ] && chmod "$3" -- "$1"
          then echo "have $i"; else echo "need $i"; fi
          i=$((i+1)); shift 3
        done
        """

    /// `sh -c FINALIZE sh (TEMP ENCODING SHA256 MODE FINAL)...`: for each file sent to TEMP
    /// (or, with ENCODING `gz`, to TEMP.gz, expanded into TEMP here), checks the SHA-256 of
    /// TEMP, sets MODE and renames it to FINAL (atomic: no reader ever sees half a file).
    /// The first failure removes that file's temporaries, prints `fail I STEP [DETAIL]` and
    /// exits 1; the steps are `expand`, `hash` (with the hash found) and `rename`.
    static let finalize = """
        i=0
        while [ $# -ge 5 ]; do
          t=$1; e=$2; x=$3; m=$4; f=$5; shift 5
          if [ "$e" = gz ]; then
            if ! gzip -dc -- "$t.gz" > "$t"; then rm -f -- "$t" "$t.gz"; echo "fail $i expand"; exit 1; fi
            rm -f -- "$t.gz"
          fi
          h=$(sha256sum -- "$t" 2>/dev/null) || h="unreadable"
          if [ "${h%% *}" != "$x" ]; then rm -f -- "$t"; echo "fail $i hash ${h%% *}"; exit 1; fi
          if ! chmod "$m" -- "$t" || ! mv -f -- "$t" "$f"; then rm -f -- "$t"; echo "fail $i rename"; exit 1; fi
          i=$((i+1))
        done
        """

    /// What `prepare` reported.
    struct Survey: Equatable {
        /// The login user's uid on the host.
        var uid: String?
        /// `OWNER MODE TYPE` of the upload folder (`? ? missing` when it could not be made).
        var folder: String?
        /// Whether the host has `gzip` (only reported for a good folder).
        var hasGzip = false
        /// Indexes of the files already present with the right hash.
        var present: Set<Int> = []
        /// Whether the folder passed (the file lines follow only then).
        var folderAccepted = false

        /// Parses `prepare`'s stdout.
        init(_ output: String) {
            for line in output.split(separator: "\n") {
                let words = line.split(separator: " ", maxSplits: 1).map(String.init)
                guard words.count == 2 else { continue }
                switch words[0] {
                case "uid": uid = words[1]
                case "dir": folder = words[1]
                case "gzip":
                    hasGzip = words[1] == "yes"
                    folderAccepted = true
                case "have": if let index = Int(words[1]) { present.insert(index) }
                default: break
                }
            }
        }
    }
}
