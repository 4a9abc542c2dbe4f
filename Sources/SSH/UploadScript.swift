/// The two fixed shell scripts an upload runs on the host, each in ONE remote command (a
/// round trip and a handful of forks instead of a command per step). They run as
/// `sh -c SCRIPT sh ARGS...`: the script is a constant and every path, hash and mode reaches it
/// as a quoted positional argument, never spliced into shell text.
enum UploadScript {
    /// The shell function `h FILE` that prints FILE's SHA-256 (hex, first word) with the tool in
    /// `$t`: coreutils `sha256sum`, perl's `shasum -a 256`, `openssl dgst -sha256 -r`, or
    /// busybox's applet, whichever the host has (minimal images often lack coreutils').
    private static let hashFunction = """
        h() { case $t in
          sha256sum) sha256sum -- "$1" ;;
          shasum) shasum -a 256 -- "$1" ;;
          openssl) openssl dgst -sha256 -r "$1" ;;
          busybox) busybox sha256sum "$1" ;;
          *) return 1 ;;
        esac 2>/dev/null; }
        """

    /// The verified-hash record that spares a warm run from hashing: after a file's SHA-256 was
    /// checked, `remember FILE HASH KEY` writes `.NAME.verified` next to it holding the path, the
    /// hash and the file's stat key `k` (mode, owner, device, inode, size, modification and
    /// change times, to the nanosecond where `stat` shows them), taken BEFORE the file was read
    /// so that a change while it was hashed does not match either. `trusted FILE HASH MODE` accepts
    /// the file without reading it only when that record matches the file as it is now, hash and
    /// mode included. Nobody can set a change time (ctime), so any write, `touch -d`, chmod or
    /// replacement since the check makes it re-hash; the record lives in the folder `prepare`
    /// has just found ours with mode 700, so only this login (or root) could have written it.
    /// `read` is a shell builtin: a trusted file costs one `stat`, not 7 MB through SHA-256.
    private static let recordFunctions = """
        k() { stat -c "%a %u %d %i %s %y %z" -- "$1" 2>/dev/null; }
        trusted() {
          s=$(k "$1") && [ "${s%% *}" = "$3" ] && [ -f "${1%/*}/.${1##*/}.verified" ] \
            && IFS= read -r l < "${1%/*}/.${1##*/}.verified" && [ "$l" = "$1 $2 $s" ]
        }
        remember() { [ -n "$3" ] && printf '%s\\n' "$1 $2 $3" > "${1%/*}/.${1##*/}.verified" 2>/dev/null; }
        """

    /// `sh -c PREPARE sh N DIR... (NAME SHA256 MODE)...`: first says what the host is
    /// (`arch M`, `kernel R`; `unknown` without `uname`) and stops there when the agent cannot
    /// run on it (not x86-64, or a kernel older than 3.2), before anything is written. Then `uid U`, the hash tool
    /// (`hash TOOL`, `hash none` stops). Then it tries the N candidate folders in order (a
    /// leading `~/` is the login's home): each is made 0700 if missing, then reported as
    /// `dir PATH` and `stat OWNER MODE TYPE`; a folder that exists but is not ours with mode 700 stops
    /// everything (someone may be waiting to swap the agent); one that cannot be made, or whose
    /// mount forbids running programs (`noexec`: a tiny script there does not run), is
    /// reported `skip REASON PATH` and the next is tried. The first good one is `use PATH`:
    /// upload temporaries older than an hour are removed there, then `gzip yes|no`, for each
    /// file `have I` (present with that hash: its verified-hash record matches, or it is
    /// hashed, its mode set and the record written) or `need I`, and when any file is needed
    /// `free BYTES`. Commands a warm run does not need are not started (each is
    /// a fork and exec on a host that may be busy): `mkdir` only for a missing
    /// folder, `find` only when temporaries exist, `stat -f` only when something is sent.
    static let prepare = """
        a=$(uname -m 2>/dev/null) || a=unknown
        r=$(uname -r 2>/dev/null) || r=unknown
        echo "arch $a"
        echo "kernel $r"
        case $a in x86_64|amd64|unknown) ;; *) exit 0 ;; esac
        case $r in [0-2].*|3.[01]|3.[01][!0-9]*) exit 0 ;; esac
        u=$(id -u) || exit 90
        echo "uid $u"
        t=none
        for c in sha256sum shasum openssl busybox; do
          if command -v $c >/dev/null 2>&1; then
            [ $c = busybox ] && ! busybox sha256sum </dev/null >/dev/null 2>&1 && continue
            t=$c; break
          fi
        done
        echo "hash $t"
        [ $t = none ] && exit 0
        \(hashFunction)
        \(recordFunctions)
        n=$1; shift
        d=
        while [ "$n" -gt 0 ]; do
          c=$1; shift; n=$((n-1))
          [ -n "$d" ] && continue
          case $c in "~/"*) c=$HOME/${c#"~/"} ;; esac
          [ -d "$c" ] || { mkdir -p -- "${c%/*}" 2>/dev/null; mkdir -m 700 -- "$c" 2>/dev/null; }
          s=$(stat -c "%u %a %F" -- "$c" 2>/dev/null) || { echo "skip missing $c"; continue; }
          echo "dir $c"
          echo "stat $s"
          [ "$s" = "$u 700 directory" ] || exit 0
          p=$c/.exec-probe-$$
          if ! printf '#!/bin/sh\\nexit 0\\n' > "$p" 2>/dev/null; then rm -f -- "$p"; echo "skip unwritable $c"; continue; fi
          if chmod 700 -- "$p" && "$p" 2>/dev/null; then rm -f -- "$p"; d=$c; else rm -f -- "$p"; echo "skip noexec $c"; fi
        done
        [ -n "$d" ] || exit 0
        echo "use $d"
        for x in "$d"/.*.part-*; do
          [ -e "$x" ] && find "$d" -maxdepth 1 -type f -name '.*.part-*' -mmin +60 -exec rm -f -- {} + 2>/dev/null
          break
        done
        if command -v gzip >/dev/null 2>&1; then echo "gzip yes"; else echo "gzip no"; fi
        i=0; o=
        while [ $# -ge 3 ]; do
          f=$d/$1
          if [ -f "$f" ] && [ ! -L "$f" ] && trusted "$f" "$2" "$3"; then echo "have $i"
          elif [ -f "$f" ] && [ ! -L "$f" ] && s=$(k "$f") && x=$(h "$f") && [ "${x%% *}" = "$2" ] \
            && { [ "${s%% *}" = "$3" ] || { chmod "$3" -- "$f" && s=$(k "$f"); }; }
          then remember "$f" "$2" "$s"; echo "have $i"
          else echo "need $i"; o=1; fi
          i=$((i+1)); shift 3
        done
        [ -n "$o" ] && f=$(stat -f -c "%a %S" -- "$d" 2>/dev/null) && echo "free $((${f% *} * ${f#* }))"
        exit 0
        """

    /// `sh -c FINALIZE sh TOOL (TEMP ENCODING SHA256 MODE FINAL SENT_SHA256)...`: for each file
    /// sent to TEMP, checks the SHA-256 of TEMP with TOOL (as `prepare` chose it); with ENCODING
    /// `gz` it was sent to TEMP.gz, whose SHA-256 (SENT_SHA256) is checked before it is expanded
    /// into TEMP: gzip's own CRC checks the expansion, and hashing the 3 MB sent instead of the
    /// 7.5 MB agent halves the host's CPU for it (the hash of TEMP read back from the page cache
    /// proved nothing more). Then sets MODE, renames it to FINAL (atomic: no
    /// reader ever sees half a file) and writes its verified-hash record (the key taken after the
    /// rename, which changes the ctime; the temporary was ours alone meanwhile). The first failure
    /// removes that file's temporaries, prints `fail I STEP [DETAIL]` and exits 1; the steps are
    /// `expand`, `hash` (with the hash found) and `rename`.
    static let finalize = """
        t=$1; shift
        \(hashFunction)
        \(recordFunctions)
        i=0
        while [ $# -ge 6 ]; do
          f=$1; e=$2; x=$3; m=$4; g=$5; z=$6; shift 6
          if [ "$e" = gz ]; then
            y=$(h "$f.gz") || y="unreadable"
            y=${y%% *}
            if [ "${y#\\\\}" != "$z" ]; then rm -f -- "$f.gz"; echo "fail $i hash $y"; exit 1; fi
            if ! gzip -dc -- "$f.gz" > "$f"; then rm -f -- "$f" "$f.gz"; echo "fail $i expand"; exit 1; fi
            rm -f -- "$f.gz"
          else
            y=$(h "$f") || y="unreadable"
            y=${y%% *}
            if [ "${y#\\\\}" != "$x" ]; then rm -f -- "$f"; echo "fail $i hash $y"; exit 1; fi
          fi
          if ! chmod "$m" -- "$f" || ! mv -f -- "$f" "$g"; then rm -f -- "$f"; echo "fail $i rename"; exit 1; fi
          remember "$g" "$x" "$(k "$g")"
          i=$((i+1))
        done
        """
}
