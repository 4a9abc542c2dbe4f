/// INI values read as Ansible reads them (Python's `ast.literal_eval`, then the text if that
/// fails): integers, floats, `True`/`False`, quoted strings; anything else stays a string,
/// so `yes` remains the string "yes" (the typed fields interpret it).
enum IniLiteral {
    /// `quoted` says the value still carries its quotes (`[group:vars]` lines); host lines
    /// have already been through shell-style splitting, which removed them.
    static func value(_ text: String, quoted: Bool) -> InventoryValue {
        if quoted, text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first
        {
            return .string(String(text.dropFirst().dropLast()))
        }
        if let number = Int(text) { return .integer(number) }
        if text.contains("."), text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }),
            let number = Double(text)
        {
            return .double(number)
        }
        switch text {
        case "True": return .boolean(true)
        case "False": return .boolean(false)
        case "None": return .null
        default: return .string(text)
        }
    }
}
