import XCTest

@testable import FleetInventory

/// The YAML examples of Ansible's inventory guide, and the YAML structure rules
/// (`all: hosts/children/vars`, nulls, typed values).
final class InventoryYamlTests: XCTestCase {
    private func parse(_ text: String, file: String = "hosts.yml") throws -> Inventory {
        try Inventory.parse(text, file: file)
    }

    private func names(_ hosts: [InventoryHost]) -> [String] { hosts.map(\.name) }

    func testGuideBasicExampleWithTopLevelGroups() throws {
        let inventory = try parse(
            """
            ungrouped:
              hosts:
                mail.example.com:
            webservers:
              hosts:
                foo.example.com:
                bar.example.com:
            dbservers:
              hosts:
                one.example.com:
                two.example.com:
                three.example.com:
            """)
        XCTAssertEqual(names(inventory.hosts(inGroup: "ungrouped")), ["mail.example.com"])
        XCTAssertEqual(
            names(inventory.hosts(inGroup: "dbservers")),
            ["one.example.com", "two.example.com", "three.example.com"])
        XCTAssertEqual(inventory.hosts(inGroup: "all").count, 6)
    }

    func testGuideGroupsOfGroupsExampleUnderAll() throws {
        let inventory = try parse(
            """
            all:
              hosts:
                mail.example.com:
              children:
                webservers:
                  hosts:
                    foo.example.com:
                    bar.example.com:
                dbservers:
                  hosts:
                    one.example.com:
                    two.example.com:
                    three.example.com:
                east:
                  hosts:
                    foo.example.com:
                    one.example.com:
                    two.example.com:
                west:
                  hosts:
                    bar.example.com:
                    three.example.com:
                prod:
                  children:
                    east:
                test:
                  children:
                    west:
            """)
        XCTAssertEqual(names(inventory.hosts(inGroup: "ungrouped")), ["mail.example.com"])
        XCTAssertEqual(
            names(inventory.hosts(inGroup: "prod")),
            ["foo.example.com", "one.example.com", "two.example.com"])
        XCTAssertEqual(names(inventory.hosts(inGroup: "test")), ["bar.example.com", "three.example.com"])
        XCTAssertEqual(inventory.group(named: "east")?.depth, 2)
    }

    func testGuideHostVariablesGroupVariablesAndAliases() throws {
        let inventory = try parse(
            """
            atlanta:
              hosts:
                host1:
                  http_port: 80
                  maxRequestsPerChild: 808
                host2:
                  http_port: 303
                  maxRequestsPerChild: 909
              vars:
                ntp_server: ntp.atlanta.example.com
                proxy: proxy.atlanta.example.com
            aliases:
              hosts:
                jumper:
                  ansible_port: 5555
                  ansible_host: 192.0.2.50
            """)
        XCTAssertEqual(inventory.host(named: "host2")?.vars["http_port"], .integer(303))
        XCTAssertEqual(inventory.host(named: "host1")?.vars["ntp_server"], .string("ntp.atlanta.example.com"))
        XCTAssertEqual(inventory.host(named: "jumper")?.address, "192.0.2.50")
        XCTAssertEqual(inventory.host(named: "jumper")?.port, 5555)
    }

    func testGuideRangesInYamlKeys() throws {
        let inventory = try parse(
            """
            webservers:
              hosts:
                www[01:50:2].example.com:
            databases:
              hosts:
                db-[a:f].example.com:
            """)
        XCTAssertEqual(inventory.hosts(inGroup: "webservers").count, 25)
        XCTAssertEqual(inventory.hosts(inGroup: "webservers").last?.name, "www49.example.com")
        XCTAssertEqual(inventory.hosts(inGroup: "databases").count, 6)
    }

    func testNullSectionsTypedValuesAndSingleNameShortcut() throws {
        let inventory = try parse(
            """
            all:
              vars:
              children:
                empty:
                web:
                  hosts: web1
                  vars:
                    ansible_become: true
                    retries: 3
                    ratio: 0.25
                    tags: [a, b]
                    limits: {cpu: 2}
                    nothing: ~
            """)
        XCTAssertEqual(inventory.group(named: "empty")?.hosts, [])
        let web1 = try XCTUnwrap(inventory.host(named: "web1"))
        XCTAssertTrue(web1.become)
        XCTAssertEqual(web1.vars["retries"], .integer(3))
        XCTAssertEqual(web1.vars["ratio"], .double(0.25))
        XCTAssertEqual(web1.vars["tags"], .list([.string("a"), .string("b")]))
        XCTAssertEqual(web1.vars["limits"], .mapping([(key: "cpu", value: .integer(2))]))
        XCTAssertEqual(web1.vars["nothing"], .null)
    }

    func testAnchorsAndAliasesShareVariables() throws {
        let inventory = try parse(
            """
            web:
              hosts:
                a:
              vars: &common
                ansible_user: deploy
            db:
              hosts:
                b:
              vars: *common
            """)
        XCTAssertEqual(inventory.host(named: "b")?.user, "deploy")
    }

    func testFormatIsChosenByExtensionThenContent() {
        let yaml = "all:\n  hosts:\n    a:\n"
        let ini = "[web]\na\n"
        XCTAssertEqual(InventoryFormat.detect(file: "x.yml", text: ini), .yaml)
        XCTAssertEqual(InventoryFormat.detect(file: "x.yaml", text: ini), .yaml)
        XCTAssertEqual(InventoryFormat.detect(file: "x.ini", text: yaml), .ini)
        XCTAssertEqual(InventoryFormat.detect(file: "hosts", text: "# fleet\n" + yaml), .yaml)
        XCTAssertEqual(InventoryFormat.detect(file: "hosts", text: "---\n" + yaml), .yaml)
        XCTAssertEqual(InventoryFormat.detect(file: "hosts", text: "; fleet\n" + ini), .ini)
        XCTAssertEqual(InventoryFormat.detect(file: "hosts", text: "mail.example.com\n"), .ini)
    }
}
