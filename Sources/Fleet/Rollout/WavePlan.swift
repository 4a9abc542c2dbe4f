import FleetInventory

/// The hosts of a rollout cut into waves by a `WaveSchedule`, in selection (inventory) order.
/// A pure function of its inputs, so `plan`, `rollout` and `resume` agree on every wave.
package struct WavePlan: Sendable {
    /// One wave.
    package struct Wave: Sendable {
        /// 1-based wave number, as reports print it.
        package let number: Int
        /// The hosts of this wave, in inventory order; never empty.
        package let hosts: [InventoryHost]
        /// The first wave proves the patch on a few hosts before the rest.
        package var isCanary: Bool { number == 1 }
    }

    /// The waves in the order they run.
    package let waves: [Wave]
    /// Every host of the waves (their sum).
    package let hostCount: Int

    /// Cuts `hosts` (already selected and ordered) into waves.
    package init(hosts: [InventoryHost], schedule: WaveSchedule) {
        var waves: [Wave] = []
        var start = 0
        for (index, size) in schedule.waveSizes(total: hosts.count).enumerated() {
            waves.append(Wave(number: index + 1, hosts: Array(hosts[start..<start + size])))
            start += size
        }
        self.waves = waves
        self.hostCount = hosts.count
    }
}
