import TestSupport
import XCTest

@testable import FleetInventory

/// Variable precedence (host > child group > parent group > all; same depth by
/// `ansible_group_priority`, then name), the typed connection settings, and the example
/// inventories shipped in inventory/ meaning the same fleet in both formats.
final class InventoryPrecedenceTests: XCTestCase {
    private let layered = """
        [all:vars]
        level=all
        ansible_user=everyone

        [parent:children]
        child

        [parent:vars]
        level=parent
        only_parent=1

        [child]
        h1
        h2 level=host ansible_user=h2user

        [child:vars]
        level=child
        """

    func testHostBeatsChildBeatsParentBeatsAll() throws {
        let inventory = try Inventory.parse(layered, file: "layered.ini")
        let table: [(host: String, key: String, value: InventoryValue)] = [
            ("h1", "level", .string("child")),
            ("h1", "only_parent", .integer(1)),
            ("h1", "ansible_user", .string("everyone")),
            ("h2", "level", .string("host")),
            ("h2", "ansible_user", .string("h2user")),
        ]
        for row in table {
            XCTAssertEqual(
                inventory.host(named: row.host)?.vars[row.key], row.value, "\(row.host) \(row.key)")
        }
        XCTAssertEqual(inventory.host(named: "h1")?.groups, ["all", "parent", "child"])
        XCTAssertEqual(inventory.host(named: "h2")?.user, "h2user")
    }

    func testSameDepthGroupsApplyByPriorityThenName() throws {
        let byName = try Inventory.parse(
            "[zeta]\nh\n[alpha]\nh\n[zeta:vars]\nwho=zeta\n[alpha:vars]\nwho=alpha\n", file: "a.ini")
        XCTAssertEqual(
            byName.host(named: "h")?.vars["who"], .string("zeta"), "later name wins at equal depth")
        let byPriority = try Inventory.parse(
            "[zeta]\nh\n[alpha]\nh\n[zeta:vars]\nwho=zeta\n[alpha:vars]\nwho=alpha\nansible_group_priority=10\n",
            file: "b.ini")
        XCTAssertEqual(byPriority.host(named: "h")?.vars["who"], .string("alpha"), "higher priority wins")
    }

    func testConnectionVariablesBecomeTypedSettings() throws {
        let inventory = try Inventory.parse(
            """
            plain
            full ansible_host=10.0.0.5 ansible_port=2200 ansible_user=ops ansible_ssh_private_key_file=/k/id ansible_become=yes ansible_become_user=app
            legacy ansible_ssh_host=10.0.0.6 ansible_ssh_port=2201 ansible_ssh_user=old ansible_private_key_file=/k/new
            noBecome ansible_become=False
            """, file: "c.ini")
        let plain = try XCTUnwrap(inventory.host(named: "plain"))
        XCTAssertEqual(plain, InventoryHost(name: "plain", groups: ["all", "ungrouped"]))
        let full = try XCTUnwrap(inventory.host(named: "full"))
        XCTAssertEqual(full.address, "10.0.0.5")
        XCTAssertEqual(full.port, 2200)
        XCTAssertEqual(full.user, "ops")
        XCTAssertEqual(full.privateKeyFile, "/k/id")
        XCTAssertTrue(full.become)
        XCTAssertEqual(full.becomeUser, "app")
        let legacy = try XCTUnwrap(inventory.host(named: "legacy"))
        XCTAssertEqual([legacy.address, legacy.user, legacy.privateKeyFile], ["10.0.0.6", "old", "/k/new"])
        XCTAssertEqual(legacy.port, 2201)
        XCTAssertEqual(inventory.host(named: "noBecome")?.become, false)
    }

    func testExampleInventoriesDescribeTheSameFleet() throws {
        let ini = try Inventory.load(path: RepositoryPaths.path("inventory/example.ini"))
        let yaml = try Inventory.load(path: RepositoryPaths.path("inventory/example.yml"))
        XCTAssertEqual(ini.hosts.map(\.name), yaml.hosts.map(\.name))
        for (left, right) in zip(ini.hosts, yaml.hosts) {
            XCTAssertEqual(left.address, right.address, left.name)
            XCTAssertEqual(left.port, right.port, left.name)
            XCTAssertEqual(left.user, right.user, left.name)
            XCTAssertEqual(left.privateKeyFile, right.privateKeyFile, left.name)
            XCTAssertEqual(left.become, right.become, left.name)
            XCTAssertEqual(left.becomeUser, right.becomeUser, left.name)
            XCTAssertEqual(Set(left.groups), Set(right.groups), left.name)
        }
        let web01 = try XCTUnwrap(ini.host(named: "web01.example.com"))
        XCTAssertEqual(web01.user, "stage", "staging and production are both depth 1; staging sorts later")
        XCTAssertEqual(web01.vars["ansible_python_interpreter"], .string("/usr/bin/python3"))
        XCTAssertEqual(web01.vars["ansible_ssh_common_args"], .string("-o ProxyJump=bastion.example.com"))
        let dbA = try XCTUnwrap(ini.host(named: "db-a.example.com"))
        XCTAssertEqual([dbA.user, dbA.becomeUser], ["postgres", "postgres"])
        XCTAssertEqual(ini.host(named: "bastion.example.com")?.port, 2222)
        XCTAssertEqual(ini.host(named: "batch3.example.com")?.privateKeyFile, "~/.ssh/deploy_ed25519")
        XCTAssertEqual(ini.hosts.count, 12)
    }
}
