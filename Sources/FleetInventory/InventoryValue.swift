/// A variable's value as the inventory wrote it. INI values are read as Ansible reads them
/// (Python literals: `22` is an integer, `True` a boolean, quotes removed); YAML values keep
/// their YAML types.
public indirect enum InventoryValue: Sendable, Hashable, CustomStringConvertible {
    /// A string.
    case string(String)
    /// An integer.
    case integer(Int)
    /// A floating-point number.
    case double(Double)
    /// A boolean.
    case boolean(Bool)
    /// YAML null (or an empty value).
    case null
    /// A YAML sequence.
    case list([InventoryValue])
    /// A YAML mapping, keys in file order.
    case mapping([(key: String, value: InventoryValue)])

    /// The value as text, the way it would be passed to a remote command.
    public var description: String {
        switch self {
        case .string(let text): return text
        case .integer(let number): return String(number)
        case .double(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .null: return ""
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    /// The value as a boolean under Ansible's rules (`yes`/`no`, `true`/`false`, `on`/`off`,
    /// `1`/`0`, any case); nil when it is not one.
    public var booleanValue: Bool? {
        switch self {
        case .boolean(let flag): return flag
        case .integer(let number) where number == 0 || number == 1: return number == 1
        case .string(let text):
            switch text.lowercased() {
            case "yes", "true", "on", "1", "y", "t": return true
            case "no", "false", "off", "0", "n", "f": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// The value as an integer (a YAML/INI integer or a string of digits); nil otherwise.
    public var integerValue: Int? {
        switch self {
        case .integer(let number): return number
        case .string(let text): return Int(text)
        default: return nil
        }
    }

    /// Same case and same contents (mappings compare in order).
    public static func == (lhs: InventoryValue, rhs: InventoryValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.null, .null): return true
        case (.list(let a), .list(let b)): return a == b
        case (.mapping(let a), .mapping(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// Hashes the text form; values that are equal have the same text.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }
}
