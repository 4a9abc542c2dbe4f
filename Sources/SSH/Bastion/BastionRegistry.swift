import Foundation
import Synchronization

/// The bastion connections of one run, shared by every host behind them: the first host that
/// needs a jump host connects to it (through the jump hosts before it, for `-J a,b`), the
/// others wait for that and reuse it, and the connection closes when the last host using it
/// closes its own session. So a rollout of 50 hosts behind one bastion logs in there once.
///
/// A link that broke is not handed out again: the next host starts a new one (the hosts still
/// on the broken one fail, naming the bastion). A connect that failed fails every host that
/// was waiting for it; once they are all done, the next host tries afresh.
final class BastionRegistry: Sendable {
    private let entries = Mutex<[String: Entry]>([:])
    private let options: SSHOptions

    /// Bastion sessions use `options` (known_hosts, policy, timeouts, identities) without the
    /// whole-host deadline: they outlive any one host.
    init(options: SSHOptions) {
        var own = options
        own.hostTimeout = nil
        self.options = own
    }

    /// One jump chain's link and how many hosts (or later hops) use it.
    final class Entry: @unchecked Sendable {
        // @unchecked Sendable: `failure` changes only with `connecting` held, `users` only with
        // the registry's mutex held; `connecting` is never taken while that mutex is held.
        let key: String
        /// Serializes connecting the link (later hosts wait here for the first one's attempt).
        let connecting = NSLock()
        private let linkBox = Mutex<BastionLink?>(nil)
        /// The connected link, nil before the connect (or after it failed).
        var link: BastionLink? {
            get { linkBox.withLock { $0 } }
            set { linkBox.withLock { $0 = newValue } }
        }
        /// The error of a failed connect, handed to every host that waited for it, so 50 hosts
        /// behind an unreachable bastion fail together instead of retrying one after another.
        var failure: HostConnectionError?
        var users = 0

        init(key: String) { self.key = key }
    }


    /// A lease on the link that ends at `chain.last`, connecting it (and the hops before it)
    /// when no usable one exists. Throws the failing hop's error, its message saying which
    /// bastion it was.
    func lease(_ chain: [SSHEndpoint]) throws(HostConnectionError) -> BastionLease {
        precondition(!chain.isEmpty, "a lease needs at least one jump host")
        let key = chain.map(\.hopLabel).joined(separator: ",")
        let entry = entries.withLock { all -> Entry in
            if let existing = all[key], existing.link?.brokenReason == nil {
                existing.users += 1
                return existing
            }
            let fresh = Entry(key: key)
            fresh.users = 1
            all[key] = fresh
            return fresh
        }
        let lease = BastionLease(entry: entry, registry: self)
        do throws(HostConnectionError) {
            try connectIfNeeded(entry, chain: chain)
        } catch {
            lease.release()
            throw error
        }
        return lease
    }

    /// Connects the entry's link once; later callers wait on the lock and then reuse it (or
    /// try again when the first attempt failed).
    private func connectIfNeeded(_ entry: Entry, chain: [SSHEndpoint]) throws(HostConnectionError) {
        entry.connecting.lock()
        defer { entry.connecting.unlock() }
        if let link = entry.link {
            if let reason = link.brokenReason {
                throw BastionFailure.error(
                    hop: link.label, phase: .connect, message: "the connection to it broke: \(reason)",
                    next: "check the bastion and retry")
            }
            return
        }
        if let failure = entry.failure { throw failure }
        let hop = chain[chain.count - 1]
        var parent: BastionLease?
        if chain.count > 1 { parent = try lease(Array(chain.dropLast())) }
        do throws(HostConnectionError) {
            let session = try SSHSession(endpoint: hop, options: options, through: parent)
            parent = nil  // the session owns the parent lease now
            entry.link = BastionLink(session: session)
        } catch {
            parent?.release()
            let failure = BastionFailure.restated(error, for: hop.label, hop: hop.hopLabel)
            entry.failure = failure
            throw failure
        }
    }

    /// Drops one user of `entry`; the last one closes its link.
    fileprivate func release(_ entry: Entry) {
        let last = entries.withLock { all -> Bool in
            entry.users -= 1
            guard entry.users == 0 else { return false }
            if all[entry.key] === entry { all[entry.key] = nil }
            return true
        }
        guard last else { return }
        let link = entry.link
        entry.link = nil
        link?.close()
    }
}

/// One user's hold on a bastion link: a host session behind it, or the next hop's session.
/// Released exactly once, when that session closes.
package final class BastionLease: Sendable {
    private let entry: BastionRegistry.Entry
    private let registry: BastionRegistry
    private let released = Mutex(false)

    fileprivate init(entry: BastionRegistry.Entry, registry: BastionRegistry) {
        self.entry = entry
        self.registry = registry
    }

    /// The link (nil only if its connect failed, and then the lease was never handed out).
    var link: BastionLink? { entry.link }

    /// Gives the lease back; the last one closes the bastion's session. Idempotent.
    func release() {
        let first = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { registry.release(entry) }
    }
}

/// Errors about a bastion, worded so the host behind it says which hop failed.
enum BastionFailure {
    /// `through bastion HOP: message`, as the error of the host that needed the bastion.
    static func error(
        hop: String, phase: ConnectionPhase, message: String, next: String, isTimeout: Bool = false
    ) -> HostConnectionError {
        HostConnectionError(
            host: hop, phase: phase, message: "through bastion \(hop): \(message)", nextStep: next,
            isTimeout: isTimeout)
    }

    /// `error` (a bastion session's own failure) restated for `host` behind it.
    static func restated(_ error: HostConnectionError, for host: String, hop: String) -> HostConnectionError {
        let message =
            error.message.hasPrefix("through bastion ")
            ? error.message : "through bastion \(hop): \(error.message)"
        // The hop's port is the ProxyJump's (or its config's), not the host's ansible_port.
        let next = error.nextStep.replacingOccurrences(
            of: " (ansible_port)", with: " (the ProxyJump hop's port)")
        return HostConnectionError(
            host: host, phase: error.phase, message: message, nextStep: next, isTimeout: error.isTimeout,
            nothingRan: error.nothingRan)
    }
}
