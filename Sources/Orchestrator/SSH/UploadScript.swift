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

    /// `sh -c PREPARE sh N DIR... (NAME SHA256 MODE)...`: first says what the host is
    /// (`arch M`, `kernel R`; `unknown` without `uname`) and stops there when the agent cannot
    /// run on it (not x86-64, or a kernel older than 3.2), before anything is written. Then `uid U`, the hash tool
    /// (`hash TOOL`, `hash none` stops). Then it tries the N candidate folders in order (a
    /// leading `~/` is the login's home): each is made 0700 if missing, then reported as
    /// `dir PATH` and `stat OWNER MODE TYPE`; a folder that exists but is not ours with mode 700 stops
    /// everything (someone may be waiting to swap the agent); one that cannot be made, or whose
    /// mount forbids running programs (`noexec`: a tiny script there does not run), is
    /// reported `skip REASON PATH` and the next is tried. The first good one is `use PATH`:
    /// upload temporaries older than an hour are removed there, then `gzip yes|no`,
    /// `free BYTES`, and for each file `have I` (present with that hash; its mode is set) or
    /// `need I`.
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
        n=$1; shift
        d=
        while [ "$n" -gt 0 ]; do
          c=$1; shift; n=$((n-1))
          [ -n "$d" ] && continue
          case $c in "~/"*) c=$HOME/${c#"~/"} ;; esac
          mkdir -p -- "${c%/*}" 2>/dev/null
          mkdir -m 700 -- "$c" 2>/dev/null
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
        find "$d" -maxdepth 1 -type f -name '.*.part-*' -mmin +60 -exec rm -f -- {} + 2>/dev/null
        if command -v gzip >/dev/null 2>&1; then echo "gzip yes"; else echo "gzip no"; fi
        f=$(stat -f -c "%a %S" -- "$d" 2>/dev/null) && echo "free $((${f% *} * ${f#* }))"
        i=0
        while [ $# -ge 3 ]; do
          if [ -f "$d/$1" ] && x=$(h "$d/$1") && [ "${x%% *}" = "$2" ] && chmod "$3" -- "$d/$1"
          then echo "have $i"; else echo "need $i"; fi
          i=$((i+1)); shift 3
        done
        """

    /// `sh -c FINALIZE sh TOOL (TEMP ENCODING SHA256 MODE FINAL)...`: for each file sent to
    /// TEMP (or, with ENCODING `gz`, to TEMP.gz, expanded into TEMP here), checks the SHA-256 of
    /// TEMP with TOOL (as `prepare` chose it), sets MODE and renames it to FINAL (atomic: no
    /// reader ever sees half a file). The first failure removes that file's temporaries, prints
    /// `fail I STEP [DETAIL]` and exits 1; the steps are `expand`, `hash` (with the hash found)
    /// and `rename`.
    static let finalize = """
        t=$1; shift
        \(hashFunction)
        i=0
        while [ $# -ge 5 ]; do
          f=$1; e=$2; x=$3; m=$4; g=$5; shift 5
          if [ "$e" = gz ]; then
            if ! gzip -dc -- "$f.gz" > "$f"; then rm -f -- "$f" "$f.gz"; echo "fail $i expand"; exit 1; fi
            rm -f -- "$f.gz"
          fi
          y=$(h "$f") || y="unreadable"
          y=${y%% *}
          if [ "${y#\\\\}" != "$x" ]; then rm -f -- "$f"; echo "fail $i hash $y"; exit 1; fi
          if ! chmod "$m" -- "$f" || ! mv -f -- "$f" "$g"; then rm -f -- "$f"; echo "fail $i rename"; exit 1; fi
          i=$((i+1))
        done
        """
}
