/// OpenSSH's host pattern language, shared by `~/.ssh/config` `Host` lines and known_hosts:
/// `*` matches any run of characters, `?` exactly one, `!pattern` excludes; names compare
/// case-insensitively (DNS names are case-insensitive).
enum HostPattern {
    /// True when `text` matches the single (non-negated) glob `pattern`.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern.lowercased())
        let t = Array(text.lowercased())
        // Iterative glob with one backtrack point: linear enough for host names.
        var pi = 0, ti = 0, starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                starP = pi
                starT = ti
                pi += 1
            } else if starP >= 0 {
                pi = starP + 1
                starT += 1
                ti = starT
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// OpenSSH's list rule: any matching negated pattern rejects the host outright; otherwise
    /// the host matches when at least one positive pattern does.
    static func list(_ patterns: [String], matches host: String) -> Bool {
        var positive = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if glob(String(pattern.dropFirst()), matches: host) { return false }
            } else if glob(pattern, matches: host) {
                positive = true
            }
        }
        return positive
    }
}
