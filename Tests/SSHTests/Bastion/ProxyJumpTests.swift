import XCTest

@testable import FleetInventory
@testable import SSH

/// `ProxyJump` as tables: the value's hops, the ssh arguments that set it, and which setting
/// wins between the inventory and `~/.ssh/config` (as OpenSSH and Ansible decide).
final class ProxyJumpTests: XCTestCase {
    private typealias Hop = ProxyJump.Hop

    func testHopsUsersPortsAndNone() throws {
        let cases: [(spec: String, hops: [Hop])] = [
            ("bastion", [Hop(user: nil, host: "bastion", port: nil)]),
            (
                "jump@bastion1:2222,bastion2",
                [Hop(user: "jump", host: "bastion1", port: 2222), Hop(host: "bastion2")]
            ),
            ("ssh://ops@10.0.0.1:2200", [Hop(user: "ops", host: "10.0.0.1", port: 2200)]),
            ("[2001:db8::1]:2222", [Hop(user: nil, host: "2001:db8::1", port: 2222)]),
            ("me@[::1]", [Hop(user: "me", host: "::1", port: nil)]),
            ("a@b@c:22", [Hop(user: "a@b", host: "c", port: 22)]),
            (" a , b ", [Hop(host: "a"), Hop(host: "b")]),
            ("none", []),
            ("NONE", []),
        ]
        for entry in cases {
            XCTAssertEqual(try ProxyJump(parsing: entry.spec).hops, entry.hops, entry.spec)
        }
    }

    func testMalformedValuesAreRefusedWithTheReason() {
        let cases: [(spec: String, reason: String)] = [
            ("a,,b", "a hop is empty"),
            ("bastion:0", "the port must be 1-65535"),
            ("bastion:ssh", "the port must be 1-65535"),
            ("@bastion", "empty user"),
            ("[::1", "no closing ]"),
            ("user@", "names no host"),
        ]
        for entry in cases {
            XCTAssertThrowsError(try ProxyJump(parsing: entry.spec), entry.spec) { error in
                XCTAssertTrue("\(error)".contains(entry.reason), "\(entry.spec): \(error)")
            }
        }
    }

    func testSSHArgumentsTable() throws {
        let cases: [(words: [String], proxy: SSHProxy?)] = [
            (["-o", "ProxyJump=jump@b:2222"], .jump("jump@b:2222")),
            (["-oProxyJump=b"], .jump("b")),
            (["-o", "proxyjump b1,b2"], .jump("b1,b2")),
            (["-J", "b"], .jump("b")),
            (["-Jb"], .jump("b")),
            (["-o", "StrictHostKeyChecking=no", "-C", "-o", "ProxyJump=none"], .jump("none")),
            (["-o", "ProxyCommand=ssh -W %h:%p b"], .command("ssh -W %h:%p b")),
            // The first setting wins, as in ssh.
            (["-J", "first", "-o", "ProxyJump=second"], .jump("first")),
            (["-o", "ProxyCommand=nc %h %p", "-J", "b"], .command("nc %h %p")),
            (["-o", "ServerAliveInterval=5"], nil),
            ([], nil),
        ]
        for entry in cases {
            XCTAssertEqual(try SSHProxy.fromArguments(entry.words), entry.proxy, "\(entry.words)")
        }
        XCTAssertThrowsError(try SSHProxy.fromArguments(["-J"]))
    }

    func testTheJournalRecordsTheProxyAsWritten() throws {
        for proxy in [SSHProxy.jump("jump@b1:2222,b2"), .command("nc %h %p")] {
            let data = try JSONEncoder().encode(proxy)
            XCTAssertEqual(try JSONDecoder().decode(SSHProxy.self, from: data), proxy)
        }
        XCTAssertEqual(
            String(decoding: try JSONEncoder().encode(SSHProxy.jump("b")), as: UTF8.self), #"{"jump":"b"}"#)
    }

    func testInventoryArgumentsCommonBeforeExtra() throws {
        let inventory = try Inventory.parse(
            """
            [web]
            w1 ansible_ssh_common_args='-o ProxyJump=jump@b1:2222,b2'
            w2 ansible_ssh_extra_args='-J b3'
            w3 ansible_ssh_common_args='-C' ansible_ssh_extra_args='-J b4'
            w4 ansible_ssh_common_args='-J first' ansible_ssh_extra_args='-J second'
            w5 ansible_ssh_common_args='-o "ProxyCommand=nc %h %p"'
            w6
            """, file: "hosts.ini")
        let proxies = inventory.hosts.map(\.proxy)
        XCTAssertEqual(
            proxies,
            [.jump("jump@b1:2222,b2"), .jump("b3"), .jump("b4"), .jump("first"), .command("nc %h %p"), nil])
        XCTAssertThrowsError(
            try Inventory.parse("h ansible_ssh_common_args='-o'", file: "bad.ini")
        ) { error in XCTAssertTrue("\(error)".contains("-o needs a value"), "\(error)") }
    }

    /// The inventory's setting beats the config's (it is on ssh's command line); `none` in
    /// either turns a jump off; each hop gets the config's HostName/User/Port/IdentityFile.
    func testRoutePrecedenceTable() throws {
        let config = SSHConfig(
            text: """
                Host b1
                    HostName 192.0.2.1
                    User jump
                    IdentityFile ~/.ssh/jump_key
                Host *.inner
                    ProxyJump b1
                Host direct.inner
                    ProxyJump none
                Host legacy
                    ProxyCommand nc %h %p
                """)
        let cases: [(target: HostAddress, jumps: [String])] = [
            (HostAddress(name: "web.inner"), ["jump@192.0.2.1:22"]),
            (HostAddress(name: "x", address: "db.inner"), ["jump@192.0.2.1:22"]),
            (HostAddress(name: "web.inner", proxy: .jump("ops@b2:2200")), ["ops@b2:2200"]),
            (HostAddress(name: "web.inner", proxy: .jump("none")), []),
            (HostAddress(name: "web.outer"), []),
            (
                HostAddress(name: "web.outer", proxy: .jump("root@b1:2222,b2")),
                ["root@192.0.2.1:2222", "me@b2:22"]
            ),
            // First match wins in the config: *.inner comes before direct.inner.
            (HostAddress(name: "direct.inner"), ["jump@192.0.2.1:22"]),
            (HostAddress(name: "legacy", proxy: .jump("b1")), ["jump@192.0.2.1:22"]),
        ]
        for entry in cases {
            let route = try SSHRoute.resolve(
                entry.target, config: config, localUser: "me", home: "/home/me", defaultIdentityFiles: [])
            XCTAssertEqual(route.jumps.map(\.hopLabel), entry.jumps, "\(entry.target)")
            XCTAssertEqual(route.endpoint.name, entry.target.name)
        }
        let hop = try SSHRoute.resolve(
            HostAddress(name: "web.inner"), config: config, localUser: "me", home: "/home/me",
            defaultIdentityFiles: []
        ).jumps[0]
        XCTAssertEqual(hop.identityFiles, ["/home/me/.ssh/jump_key"])

        for target in [HostAddress(name: "legacy"), HostAddress(name: "w", proxy: .command("nc %h %p"))] {
            XCTAssertThrowsError(
                try SSHRoute.resolve(
                    target, config: config, localUser: "me", home: "/h", defaultIdentityFiles: [])
            ) { error in
                XCTAssertTrue("\(error)".contains("ProxyCommand \"nc %h %p\""), "\(error)")
                XCTAssertTrue("\(error)".contains("not supported"), "\(error)")
            }
        }
    }
}
