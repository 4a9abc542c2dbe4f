import XCTest

@testable import FleetInventory

/// Nothing an inventory says is silently skipped: every malformed or unknown construct is an
/// error naming the file, the line and what to write instead.
final class InventoryErrorTests: XCTestCase {
    func testIniErrorsNameTheLine() {
        let table: [(text: String, prefix: String, mentions: String)] = [
            ("[web]\nh1 port\n", "f.ini:2:", "expected key=value"),
            ("[web]\nh1 =3\n", "f.ini:2:", "expected key=value"),
            ("[web:hosts]\nh1\n", "f.ini:1:", "unknown type"),
            ("[web group]\nh1\n", "f.ini:1:", "invalid group name \"web group\""),
            ("[web\nh1\n", "f.ini:1:", "invalid section header"),
            ("[db:vars]\nx=1\n", "f.ini:1:", "never declared"),
            ("[web]\nh\n[web:vars]\njust words\n", "f.ini:4:", "expected key=value"),
            ("[web]\nh\n[all:children]\nweb extra\n", "f.ini:4:", "one group name per line"),
            ("[web]\nh1 motd=\"unterminated\n", "f.ini:2:", "closing double quote"),
            ("[web]\nweb[01:5]\n", "f.ini:2:", "equal length"),
            ("[web]\nh1 ansible_port=ssh\n", "f.ini:2:", "ansible_port of host h1"),
            ("[web]\nh1\n[web:vars]\nansible_become=maybe\n", "f.ini:4:", "ansible_become of host h1"),
            ("[web]\nh1 ansible_port=70000\n", "f.ini:2:", "1-65535"),
            ("[a:children]\nb\n[b:children]\na\n", "f.ini:", "cycle"),
        ]
        for row in table {
            XCTAssertThrowsError(try Inventory.parse(row.text, file: "f.ini"), row.text) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix(row.prefix), "\(row.text) -> \(message)")
                XCTAssertTrue(message.contains(row.mentions), "\(row.text) -> \(message)")
            }
        }
    }

    func testYamlErrorsNameTheLine() {
        let table: [(text: String, prefix: String, mentions: String)] = [
            ("all:\n  host:\n    a:\n", "f.yml:2:", "unexpected key \"host\""),
            ("all:\n  hosts:\n    - a\n    - b\n", "f.yml:3:", "hosts of group all must be a mapping"),
            ("all:\n  hosts:\n    a: just-a-string\n", "f.yml:3:", "host a must be a mapping"),
            ("all:\n  vars: [1, 2]\n", "f.yml:2:", "vars of group all must be a mapping"),
            ("- a\n- b\n", "f.yml:1:", "top level must be a mapping"),
            ("plugin: aws_ec2\n", "f.yml:1:", "plugins are not supported"),
            ("all:\n  hosts:\n    a:\n      ansible_port: [1]\n", "f.yml:4:", "ansible_port of host a"),
            ("all:\n  hosts:\n    web[1:x]:\n", "f.yml:3:", "numbers (01:50) or single letters"),
            ("all:\n  hosts: {a: 1\n", "f.yml:", "not valid YAML"),
            ("", "f.yml:", "empty"),
        ]
        for row in table {
            XCTAssertThrowsError(try Inventory.parse(row.text, file: "f.yml"), row.text) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix(row.prefix), "\(row.text) -> \(message)")
                XCTAssertTrue(message.contains(row.mentions), "\(row.text) -> \(message)")
            }
        }
    }

    func testUnreadableFileSaysWhichPath() {
        XCTAssertThrowsError(try Inventory.load(path: "/nonexistent/hosts.ini")) { error in
            XCTAssertTrue(String(describing: error).hasPrefix("/nonexistent/hosts.ini:"), "\(error)")
        }
    }
}
