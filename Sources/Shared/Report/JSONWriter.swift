/// A Foundation-free JSON encoder for `Encodable` values, so the agent can print reports that
/// Foundation's `JSONDecoder` on the coordinator reads back. Keys keep declaration order; `nil`
/// optionals are left out (as `encodeIfPresent` asks); non-finite numbers are an error.
public enum JSONWriter {
    /// Why a value could not be written.
    public struct Failure: Error, CustomStringConvertible {
        /// What could not be encoded, with its coding path.
        public let description: String
    }

    /// Encodes a value as compact JSON text (one line).
    public static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let root = JSONNode()
        try value.encode(to: NodeEncoder(node: root, codingPath: []))
        var out = ""
        root.write(to: &out)
        return out
    }
}

/// One value being built; containers keep references to their children so nested containers
/// may be filled after they are handed out, as `Encoder` allows.
final class JSONNode {
    enum Kind {
        case empty
        case scalar(String)
        case object([(String, JSONNode)])
        case array([JSONNode])
    }
    var kind: Kind = .empty

    func set(_ key: String, _ child: JSONNode) {
        if case .object(var members) = kind {
            if let index = members.firstIndex(where: { $0.0 == key }) {
                members[index].1 = child
            } else {
                members.append((key, child))
            }
            kind = .object(members)
        } else {
            kind = .object([(key, child)])
        }
    }

    func append(_ child: JSONNode) {
        if case .array(var elements) = kind {
            elements.append(child)
            kind = .array(elements)
        } else {
            kind = .array([child])
        }
    }

    func write(to out: inout String) {
        switch kind {
        case .empty: out += "{}"
        case .scalar(let text): out += text
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                JSONNode.quote(member.0, into: &out)
                out += ":"
                member.1.write(to: &out)
            }
            out += "}"
        case .array(let elements):
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        }
    }

    static func quote(_ string: String, into out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

struct NodeEncoder: Encoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.kind {} else { node.kind = .object([]) }
        return KeyedEncodingContainer(KeyedNodeContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.kind {} else { node.kind = .array([]) }
        return UnkeyedNodeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleNodeContainer(node: node, codingPath: codingPath)
    }
}

struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws {
        let child = JSONNode()
        child.kind = .scalar("null")
        node.set(key.stringValue, child)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let child = JSONNode()
        try value.encode(to: NodeEncoder(node: child, codingPath: codingPath + [key]))
        node.set(key.stringValue, child)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = JSONNode()
        node.set(key.stringValue, child)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = JSONNode()
        node.set(key.stringValue, child)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONNode()
        node.set("super", child)
        return NodeEncoder(node: child, codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = JSONNode()
        node.set(key.stringValue, child)
        return NodeEncoder(node: child, codingPath: codingPath + [key])
    }
}

struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let elements) = node.kind { return elements.count }
        return 0
    }

    mutating func encodeNil() throws {
        let child = JSONNode()
        child.kind = .scalar("null")
        node.append(child)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let child = JSONNode()
        try value.encode(to: NodeEncoder(node: child, codingPath: codingPath))
        node.append(child)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let child = JSONNode()
        node.append(child)
        return NodeEncoder(node: child, codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = JSONNode()
        node.append(child)
        return NodeEncoder(node: child, codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = JSONNode()
        node.append(child)
        return NodeEncoder(node: child, codingPath: codingPath)
    }
}

struct SingleNodeContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.kind = .scalar("null") }
    mutating func encode(_ value: Bool) throws { node.kind = .scalar(value ? "true" : "false") }
    mutating func encode(_ value: String) throws {
        var out = ""
        JSONNode.quote(value, into: &out)
        node.kind = .scalar(out)
    }
    mutating func encode(_ value: Double) throws {
        guard value.isFinite else {
            throw JSONWriter.Failure(description: "non-finite number \(value) at \(path)")
        }
        node.kind = .scalar(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
    }
    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: Int8) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: Int16) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: Int32) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: Int64) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: UInt) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: UInt8) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: UInt16) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: UInt32) throws { node.kind = .scalar(String(value)) }
    mutating func encode(_ value: UInt64) throws { node.kind = .scalar(String(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
    }

    private var path: String { codingPath.map(\.stringValue).joined(separator: ".") }
}
