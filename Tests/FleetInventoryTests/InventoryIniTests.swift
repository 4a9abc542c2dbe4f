import XCTest

@testable import FleetInventory

/// The INI examples of Ansible's inventory guide ("How to build your inventory"), read as
/// Ansible reads them.
final class InventoryIniTests: XCTestCase {
    private func parse(_ text: String) throws -> Inventory {
        try Inventory.parse(text, file: "hosts.ini")
    }

    private func names(_ hosts: [InventoryHost]) -> [String] { hosts.map(\.name) }

    func testGuideBasicExampleHasUngroupedHostAndTwoGroups() throws {
        let inventory = try parse(
            """
            mail.example.com

            [webservers]
            foo.example.com
            bar.example.com

            [dbservers]
            one.example.com
            two.example.com
            three.example.com
            """)
        XCTAssertEqual(
            names(inventory.hosts),
            [
                "mail.example.com", "foo.example.com", "bar.example.com", "one.example.com",
                "two.example.com",
                "three.example.com",
            ])
        XCTAssertEqual(names(inventory.hosts(inGroup: "ungrouped")), ["mail.example.com"])
        XCTAssertEqual(names(inventory.hosts(inGroup: "webservers")), ["foo.example.com", "bar.example.com"])
        XCTAssertEqual(inventory.hosts(inGroup: "all").count, 6)
        XCTAssertEqual(inventory.group(named: "all")?.children, ["ungrouped", "webservers", "dbservers"])
    }

    func testGuideGroupsOfGroupsExample() throws {
        let inventory = try parse(
            """
            [webservers]
            foo.example.com
            bar.example.com

            [dbservers]
            one.example.com
            two.example.com
            three.example.com

            [east]
            foo.example.com
            one.example.com
            two.example.com

            [west]
            bar.example.com
            three.example.com

            [prod:children]
            east

            [test:children]
            west
            """)
        XCTAssertEqual(
            names(inventory.hosts(inGroup: "prod")),
            ["foo.example.com", "one.example.com", "two.example.com"])
        XCTAssertEqual(names(inventory.hosts(inGroup: "test")), ["bar.example.com", "three.example.com"])
        XCTAssertEqual(inventory.group(named: "prod")?.depth, 1)
        XCTAssertEqual(inventory.group(named: "east")?.depth, 2)
        XCTAssertEqual(
            inventory.host(named: "foo.example.com")?.groups, ["all", "prod", "webservers", "east"])
    }

    func testGuideRangeExamples() throws {
        let inventory = try parse(
            """
            [webservers]
            www[01:50].example.com

            [databases]
            db-[a:f].example.com

            [odd]
            www[01:50:2].example.com
            """)
        let web = names(inventory.hosts(inGroup: "webservers"))
        XCTAssertEqual(web.count, 50)
        XCTAssertEqual(web.first, "www01.example.com")
        XCTAssertEqual(web.last, "www50.example.com")
        XCTAssertEqual(
            names(inventory.hosts(inGroup: "databases")),
            [
                "db-a.example.com", "db-b.example.com", "db-c.example.com", "db-d.example.com",
                "db-e.example.com",
                "db-f.example.com",
            ])
        let odd = names(inventory.hosts(inGroup: "odd"))
        XCTAssertEqual(odd.count, 25)
        XCTAssertEqual(Array(odd.prefix(3)), ["www01.example.com", "www03.example.com", "www05.example.com"])
    }

    func testGuideHostVariablesAndAliasExample() throws {
        let inventory = try parse(
            """
            [atlanta]
            host1 http_port=80 maxRequestsPerChild=808
            host2 http_port=303 maxRequestsPerChild=909

            [targets]
            localhost              ansible_connection=local
            other1.example.com     ansible_connection=ssh        ansible_user=myuser
            other2.example.com     ansible_connection=ssh        ansible_user=myotheruser

            [aliases]
            jumper ansible_port=5555 ansible_host=192.0.2.50
            badwolf.example.com:5309
            """)
        XCTAssertEqual(inventory.host(named: "host1")?.vars["http_port"], .integer(80))
        XCTAssertEqual(inventory.host(named: "host2")?.vars["maxRequestsPerChild"], .integer(909))
        XCTAssertEqual(inventory.host(named: "localhost")?.vars["ansible_connection"], .string("local"))
        XCTAssertEqual(inventory.host(named: "other2.example.com")?.user, "myotheruser")
        let jumper = try XCTUnwrap(inventory.host(named: "jumper"))
        XCTAssertEqual(jumper.address, "192.0.2.50")
        XCTAssertEqual(jumper.port, 5555)
        let badwolf = try XCTUnwrap(inventory.host(named: "badwolf.example.com"))
        XCTAssertEqual(badwolf.port, 5309)
        XCTAssertEqual(badwolf.address, "badwolf.example.com")
    }

    func testGuideGroupVariablesAndChildrenVariablesExample() throws {
        let inventory = try parse(
            """
            [atlanta]
            host1
            host2

            [atlanta:vars]
            ntp_server=ntp.atlanta.example.com
            proxy=proxy.atlanta.example.com

            [raleigh]
            host2
            host3

            [southeast:children]
            atlanta
            raleigh

            [southeast:vars]
            some_server=foo.southeast.example.com
            halon_system_timeout=30
            self_destruct_countdown=60
            escape_pods=2
            """)
        let host3 = try XCTUnwrap(inventory.host(named: "host3"))
        XCTAssertEqual(host3.vars["some_server"], .string("foo.southeast.example.com"))
        XCTAssertEqual(host3.vars["halon_system_timeout"], .integer(30))
        XCTAssertNil(host3.vars["ntp_server"])
        XCTAssertEqual(inventory.host(named: "host1")?.vars["proxy"], .string("proxy.atlanta.example.com"))
        XCTAssertEqual(names(inventory.hosts(inGroup: "southeast")), ["host1", "host2", "host3"])
    }

    func testGuideUsaChildrenOfUndeclaredGroupsIsRefusedAsAnsibleDoes() {
        // The guide's snippet lists northeast/southwest/northwest without declaring them;
        // ansible-inventory refuses that file ("includes undefined group"), and so do we.
        let text = """
            [southeast]
            host1

            [usa:children]
            southeast
            northeast
            southwest
            """
        XCTAssertThrowsError(try parse(text)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix("hosts.ini:6:"), message)
            XCTAssertTrue(message.contains("northeast"), message)
        }
    }

    func testQuotedValuesCommentsAndPythonLiterals() throws {
        let inventory = try parse(
            """
            ; a semicolon comment
            # a hash comment
            [web]   # trailing comment on a header
            web1 motd="hello world" single='it is' flag=True ratio=0.5 empty= # comment
            web2 path=/opt/a\\ b

            [web:vars]
            banner = "quoted with spaces"
            raw=yes
            """)
        let web1 = try XCTUnwrap(inventory.host(named: "web1"))
        XCTAssertEqual(web1.vars["motd"], .string("hello world"))
        XCTAssertEqual(web1.vars["single"], .string("it is"))
        XCTAssertEqual(web1.vars["flag"], .boolean(true))
        XCTAssertEqual(web1.vars["ratio"], .double(0.5))
        XCTAssertEqual(web1.vars["empty"], .string(""))
        XCTAssertEqual(web1.vars["banner"], .string("quoted with spaces"))
        XCTAssertEqual(web1.vars["raw"], .string("yes"))
        XCTAssertEqual(inventory.host(named: "web2")?.vars["path"], .string("/opt/a b"))
    }

    func testHostListedTwiceMergesVariablesAndKeepsFirstPosition() throws {
        let inventory = try parse(
            """
            [a]
            h1 x=1 y=1
            h2
            [b]
            h1 y=2
            """)
        XCTAssertEqual(names(inventory.hosts), ["h1", "h2"])
        XCTAssertEqual(inventory.host(named: "h1")?.vars["x"], .integer(1))
        XCTAssertEqual(inventory.host(named: "h1")?.vars["y"], .integer(2))
        XCTAssertEqual(inventory.hosts(inGroup: "ungrouped").count, 0)
    }

    func testChildrenDeclaredBeforeTheirGroupAreFine() throws {
        let inventory = try parse(
            """
            [webservers:children]
            web-cluster

            [web-cluster]
            web01.example.com
            """)
        XCTAssertEqual(names(inventory.hosts(inGroup: "webservers")), ["web01.example.com"])
    }
}
