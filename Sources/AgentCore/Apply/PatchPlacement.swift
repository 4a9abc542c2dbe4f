import Shared

/// Chooses where a patch memory mapping goes: a free range whose every byte is within reach of
/// `jmp rel32` / `call rel32` from every byte of the target module (so entry jumps and the
/// patch's PC-relative references to the module work), preferring the space just below the
/// module (space above a PIE executable is where its heap grows).
enum PatchPlacement {
    /// Candidate start addresses, best first. Pure: a function of the maps.
    static func candidates(
        size: UInt64, near module: (start: RemoteAddress, end: RemoteAddress), mappings: [MemoryMapping]
    )
        -> [RemoteAddress]
    {
        let page = PatchLayout.pageSize
        let reach: UInt64 = 0x7fff_0000  // a little under 2 GiB, for the offsets inside both ranges
        let lowest = module.end.rawValue > reach ? module.end.rawValue - reach : page * 16
        let highest = module.start.rawValue &+ reach  // the mapping must END below this
        let sorted = mappings.sorted { $0.start < $1.start }
        var gaps: [(start: UInt64, end: UInt64)] = []
        var previousEnd: UInt64 = 0x10000  // stay above mmap_min_addr
        for mapping in sorted {
            if mapping.start.rawValue > previousEnd { gaps.append((previousEnd, mapping.start.rawValue)) }
            previousEnd = max(previousEnd, mapping.end.rawValue)
        }
        gaps.append((previousEnd, 0x7fff_ffff_f000))
        var below: [RemoteAddress] = []
        var above: [RemoteAddress] = []
        for gap in gaps {
            // One guard page on each side, so the patch never abuts another mapping.
            let start = max(gap.start + page, lowest)
            let end = min(gap.end > page ? gap.end - page : 0, highest)
            guard end > start, end - start >= size else { continue }
            if gap.end <= module.start.rawValue {
                below.append(RemoteAddress((end - size) & ~(page - 1)))  // as high as possible: close
            } else {
                above.append(RemoteAddress((start + page - 1) & ~(page - 1)))
            }
        }
        return below.reversed() + above.filter { $0.rawValue >= module.end.rawValue + 64 * 1024 * 1024 }
            + above
    }
}
