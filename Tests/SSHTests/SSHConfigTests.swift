import XCTest

@testable import FleetInventory
@testable import SSH

/// `~/.ssh/config` parsing and the inventory/config precedence, as tables.
final class SSHConfigTests: XCTestCase {
    func testHostPatternTable() {
        let cases: [(patterns: [String], host: String, matches: Bool)] = [
            (["web01"], "web01", true),
            (["web01"], "web010", false),
            (["web*"], "web01", true),
            (["*"], "anything.example.com", true),
            (["web?1"], "web01", true),
            (["web?1"], "web001", false),
            (["*.example.com"], "DB.Example.COM", true),
            (["*.example.com", "!db.example.com"], "db.example.com", false),
            (["!db.example.com"], "web.example.com", false),  // only negative: never matches
            (["10.0.*.1"], "10.0.33.1", true),
            (["a*b*c"], "axxbyyc", true),
            (["a*b*c"], "axxbyy", false),
        ]
        for entry in cases {
            XCTAssertEqual(
                HostPattern.list(entry.patterns, matches: entry.host), entry.matches,
                "\(entry.patterns) vs \(entry.host)")
        }
    }

    static let config = """
        # global before any Host applies everywhere
        IdentityFile ~/.ssh/global_key

        Host bastion
            HostName 192.0.2.10
            User jump

        Host web* !web-legacy
          hostname %h.prod.example.com
          Port 2200
          User=deploy
          IdentityFile "~/.ssh/keys/%h-%r-%p"

        Host web-legacy
          Port 2022

        Match host db*
          User ignored-in-match

        Host *
          User fallback
          Port 22
          IdentityFile ~/.ssh/id_work
          ForwardAgent yes
        """

    func testFirstValueWinsAndIdentityFilesAccumulate() {
        let config = SSHConfig(text: Self.config)
        let cases: [(host: String, expected: SSHConfigSettings)] = [
            (
                "bastion",
                SSHConfigSettings(
                    hostName: "192.0.2.10", port: 22, user: "jump",
                    identityFiles: ["~/.ssh/global_key", "~/.ssh/id_work"])
            ),
            (
                "web01",
                SSHConfigSettings(
                    hostName: "%h.prod.example.com", port: 2200, user: "deploy",
                    identityFiles: ["~/.ssh/global_key", "~/.ssh/keys/%h-%r-%p", "~/.ssh/id_work"])
            ),
            (
                "web-legacy",
                SSHConfigSettings(
                    hostName: nil, port: 2022, user: "fallback",
                    identityFiles: ["~/.ssh/global_key", "~/.ssh/id_work"])
            ),
            (
                "db1",
                SSHConfigSettings(
                    hostName: nil, port: 22, user: "fallback",
                    identityFiles: ["~/.ssh/global_key", "~/.ssh/id_work"])
            ),
        ]
        for entry in cases {
            XCTAssertEqual(config.settings(for: entry.host), entry.expected, entry.host)
        }
        XCTAssertEqual(config.warnings.count, 1)
        XCTAssertTrue(config.warnings[0].hasPrefix("line 17: Match"), config.warnings[0])
    }

    func testInventoryWinsOverConfigAndTokensExpand() {
        let config = SSHConfig(text: Self.config)
        let defaults = ["/home/me/.ssh/id_ed25519"]
        func resolve(_ target: HostAddress) -> SSHEndpoint {
            SSHEndpoint.resolve(
                target, config: config, localUser: "me", home: "/home/me", defaultIdentityFiles: defaults)
        }
        // Only the name: everything comes from the config, tokens expanded with final values.
        XCTAssertEqual(
            resolve(HostAddress(name: "web01")),
            SSHEndpoint(
                name: "web01", hostName: "web01.prod.example.com", port: 2200, user: "deploy",
                identityFiles: [
                    "/home/me/.ssh/global_key", "/home/me/.ssh/keys/web01.prod.example.com-deploy-2200",
                    "/home/me/.ssh/id_work", "/home/me/.ssh/id_ed25519",
                ]))
        // ansible_* values win; the config is matched against ansible_host, the name Ansible
        // gives ssh, so a HostName for that name still applies, as it does under Ansible.
        XCTAssertEqual(
            resolve(
                HostAddress(name: "app", address: "web07", port: 2222, user: "ops", privateKeyFile: "~/k/%u")),
            SSHEndpoint(
                name: "app", hostName: "web07.prod.example.com", port: 2222, user: "ops",
                identityFiles: [
                    "/home/me/k/me", "/home/me/.ssh/global_key",
                    "/home/me/.ssh/keys/web07.prod.example.com-ops-2222",
                    "/home/me/.ssh/id_work", "/home/me/.ssh/id_ed25519",
                ]))
        // An address the config does not rename is used as it is.
        XCTAssertEqual(resolve(HostAddress(name: "db", address: "10.0.0.5", user: "u")).hostName, "10.0.0.5")
        // No config match beyond `Host *`; the local user only when nothing says otherwise.
        XCTAssertEqual(
            SSHEndpoint.resolve(
                HostAddress(name: "x"), config: SSHConfig(text: ""), localUser: "me", home: "/h",
                defaultIdentityFiles: []),
            SSHEndpoint(name: "x", hostName: "x", port: 22, user: "me", identityFiles: []))
    }

    func testSyntaxVariants() {
        let config = SSHConfig(
            text: "Host=a b\n\tPort=7\nHOST c\n  user   \"spaced name\"\nInclude ~/.ssh/conf.d/*\n")
        XCTAssertEqual(config.settings(for: "b").port, 7)
        XCTAssertEqual(config.settings(for: "c").user, "spaced name")
        XCTAssertEqual(config.warnings, ["line 5: Include is not supported; ~/.ssh/conf.d/* was not read"])
    }

    func testRemoteCommandQuoting() {
        XCTAssertEqual(RemoteCommand.render(["echo", "it's", "$HOME"]), #"'echo' 'it'\''s' '$HOME'"#)
        XCTAssertEqual(
            RemoteCommand.render(["/var/tmp/a b/agent", "apply"], become: true, becomeUser: "app"),
            "'sudo' '-n' '-u' 'app' '--' '/var/tmp/a b/agent' 'apply'")
        XCTAssertEqual(RemoteCommand.render(["true"], become: true), "'sudo' '-n' '--' 'true'")
    }
}
