import Shared

/// The call-frame table of one mapped ELF file and how its file offsets map to linked addresses.
struct ModuleFrames {
    /// The `.eh_frame` table.
    let table: FrameTable
    /// The `PT_LOAD` segments: file offset, size in the file, linked address.
    let loads: [(offset: UInt64, size: UInt64, address: UInt64)]

    /// The linked address of process address `address`, which lies in `mapping` (of this file).
    func linkedAddress(of address: UInt64, in mapping: MemoryMapping) -> UInt64? {
        let fileOffset = address - mapping.start.rawValue + mapping.fileOffset
        guard let load = loads.first(where: { $0.offset <= fileOffset && fileOffset < $0.offset + $0.size })
        else { return nil }
        return load.address + (fileOffset - load.offset)
    }
}

/// Gives threads whose stacks hold words into a guarded range their exact return-address slots,
/// from a ``StackWalk`` over the modules' `.eh_frame`, so stale words (left in frame padding by
/// earlier calls) stop counting as frames. Only dismisses: a thread whose walk is incomplete
/// keeps `returnSlots` nil, and the check stays as conservative as before. One per safe-point
/// switch (it owns the tables it loaded, between that switch's stops).
final class ReturnSlots {
    /// Tables per module (`inode:path`), loaded once per switch (nil: none or unreadable).
    private var modules: [String: ModuleFrames?] = [:]
    /// Modules a walk needed inside a stop and did not have yet (see ``loadWanted(pid:)``).
    private var wanted: [(key: String, mapping: MemoryMapping)] = []
    /// `HOTPATCH_AGENT_STACKWALK_LOG` set: one stderr line per walk (frames, µs, outcome).
    private let log = Syscalls.environment("HOTPATCH_AGENT_STACKWALK_LOG") != nil

    /// Sets `returnSlots` on every view of `suspects` (threads whose stack holds a word that may
    /// return into a guarded range) when its walk completes.
    func attach(
        to views: inout [SafePoint.ThreadView], walking suspects: Set<Tid>, stopped: StoppedProcess,
        mappings: [MemoryMapping]
    ) {
        for index in views.indices where suspects.contains(views[index].tid) {
            let view = views[index]
            guard let thread = stopped.threads[view.tid] else { continue }
            let started = Syscalls.monotonicNanoseconds()
            let outcome = StackWalk.walk(
                registers: ReturnSlots.columns(thread.registers), stackPointer: view.stackPointer, words: view.stackWords
            ) { (pc: UInt64) throws(UnwindStop) -> FrameRule in
                try self.row(at: pc, pid: stopped.process.pid, mappings: mappings)
            }
            if case .complete(let slots) = outcome { views[index].returnSlots = Set(slots) }
            if log {
                let micros = (Syscalls.monotonicNanoseconds() - started) / 1000
                let what: String
                switch outcome {
                case .complete(let slots): what = "complete, \(slots.count + 1) frames"
                case .incomplete(let frame, let reason): what = "incomplete at frame \(frame): \(reason)"
                }
                Syscalls.print("hotpatch-agent: stack walk of tid \(view.tid): \(what), \(micros) µs\n", toError: true)
            }
        }
    }

    /// Loads the tables that walks in the last stop wanted (call it with the threads running).
    func loadWanted(pid: Pid) {
        for (key, mapping) in wanted where modules[key] == nil {
            modules[key] = .some(ReturnSlots.load(mapping, pid: pid))
        }
        wanted = []
    }

    /// DWARF columns 0-16 of `registers` (rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip).
    static func columns(_ r: Registers) -> [UInt64?] {
        [r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip]
    }

    /// The CFA row for process address `pc`: its file-backed mapping's module table, else a stop
    /// (anonymous memory such as patch code or JIT, `[vdso]`).
    private func row(at pc: UInt64, pid: Pid, mappings: [MemoryMapping]) throws(UnwindStop) -> FrameRule {
        guard let mapping = ThreadStacks.mapping(containing: pc, in: mappings), mapping.inode != 0,
            let path = mapping.path, path.hasPrefix("/")
        else { throw UnwindStop("pc in memory that no file backs") }
        let key = "\(mapping.inode):\(path)"
        if modules[key] == nil {
            // Reading and scanning a module (libc: ~10 ms in a debug build) is no work for the
            // pause: this walk gives up, and the table is loaded once the threads run again.
            if !wanted.contains(where: { $0.key == key }) { wanted.append((key, mapping)) }
            throw UnwindStop("call-frame table of \(path) not loaded yet")
        }
        guard let frames = modules[key] ?? nil, let linked = frames.linkedAddress(of: pc, in: mapping) else {
            throw UnwindStop("no call-frame table for \(path)")
        }
        return try frames.table.row(at: linked)
    }

    /// Reads the mapped file (through `/proc/PID/map_files`, else its path) and builds its table.
    private static func load(_ mapping: MemoryMapping, pid: Pid) -> ModuleFrames? {
        let bytes =
            (try? Syscalls.readFile("/proc/\(pid)/map_files/\(mapping.mapFilesName)"))
            ?? (try? Syscalls.readFile("/proc/\(pid)/root" + (mapping.path ?? "")))
        guard let bytes, let elf = try? ELFFile(bytes: bytes), let table = FrameTable(elf: elf) else { return nil }
        let loads = elf.programHeaders.filter { $0.type == 1 }.map {
            (offset: $0.offset, size: $0.fileSize, address: $0.virtualAddress)
        }
        return ModuleFrames(table: table, loads: loads)
    }
}
