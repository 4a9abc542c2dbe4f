import Foundation
import Synchronization

/// Runs a blocking job per item on at most `width` threads at once (`--forks`). libssh2
/// sessions block, so each host gets a real thread while it waits on the network; the
/// threads mostly sleep, which is why hundreds of hosts fit on two cores.
enum WorkerPool {
    /// Calls `body` for every item, `width` at a time, and returns when all have returned.
    static func run<Item: Sendable>(_ items: [Item], width: Int, _ body: @escaping @Sendable (Item) -> Void) {
        guard !items.isEmpty else { return }
        let next = IndexDispenser()
        let group = DispatchGroup()
        let threads = min(max(width, 1), items.count)
        for _ in 0..<threads {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while true {
                    let index = next.take()
                    guard index < items.count else { return }
                    body(items[index])
                }
            }
            // Agent reports and libssh2 need little stack; 1 MiB keeps 500 forks cheap.
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }
}

/// Hands out 0, 1, 2, ... to whichever worker asks next.
private final class IndexDispenser: Sendable {
    private let next = Mutex(0)

    func take() -> Int {
        next.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}
