import Shared

/// One compiled object of the fix, with what the selector asks of it.
struct ObjectUnit {
    let path: String
    let elf: ELFFile
    let symbols: [ELFSymbol]
    /// The source file named by the object's first `STT_FILE` symbol.
    let sourceFile: String?

    init(path: String) throws {
        self.path = path
        elf = try ELFFile(bytes: try FileBytes.read(path))
        guard elf.header.type == .relocatable else {
            throw PatchCreationError("\(path) is not a relocatable object (compile the fix with -c)")
        }
        symbols = try elf.symbolTable() ?? []
        sourceFile = symbols.first { $0.type == .file }?.name
    }

    /// Named functions defined in the object, each with its section.
    var functions: [ELFSymbol] {
        symbols.filter { $0.type == .function && $0.isDefined && !$0.name.isEmpty }
    }

    /// Named variables defined in the object.
    var variables: [ELFSymbol] {
        symbols.filter { ($0.type == .object || $0.type == .tls) && $0.isDefined && !$0.name.isEmpty }
    }

    /// The function defined in the section at `index`; throws when the section holds several
    /// (the object was compiled without -ffunction-sections). Aliases of one function (C++
    /// complete and base constructors and destructors, `C1`/`C2`, `D1`/`D2`: same place, same
    /// size) count as one, named by the first.
    func function(inSection index: Int) throws -> ELFSymbol? {
        // GCC's local aliases (`f.localalias`, -fno-semantic-interposition) name the same code.
        let inside = functions.filter { Int($0.sectionIndex) == index && !$0.name.hasSuffix(".localalias") }
        let isOneFunction = inside.allSatisfy { $0.value == inside[0].value && $0.size == inside[0].size }
        guard isOneFunction else {
            let section = elf.sections[index].name
            throw PatchCreationError(
                "\(path): section \(section) holds \(inside.count) functions (\(inside.map(\.name).joined(separator: ", "))); "
                    + "recompile with -ffunction-sections -fdata-sections")
        }
        return inside.first
    }

    /// Whether `function` is a second name of a function an earlier symbol already names (same
    /// section, place and size: C++ `C1`/`C2`, `D1`/`D2`); decisions are about the first name.
    func isAlias(_ function: ELFSymbol) -> Bool {
        functions.contains {
            $0.index < function.index && $0.sectionIndex == function.sectionIndex && $0.value == function.value
                && $0.size == function.size
        }
    }

    /// The section at `index`.
    func section(_ index: Int) throws -> ELFSection { try elf.section(at: index, for: path) }

    /// `function`'s section and its bytes there; throws when the symbol lies outside it.
    func code(of function: ELFSymbol) throws -> (section: ELFSection, bytes: [UInt8]) {
        let section = try section(Int(function.sectionIndex))
        let contents = try elf.contents(of: section)
        guard function.value <= UInt64(contents.count),
            function.size <= UInt64(contents.count) - function.value
        else {
            throw PatchCreationError("\(path): function \(function.name) lies outside its section")
        }
        let start = contents.startIndex + Int(function.value)
        return (section, Array(contents[start..<(start + Int(function.size))]))
    }

    /// The initial bytes of a variable (zeros for `.bss`).
    func initialBytes(of symbol: ELFSymbol) throws -> [UInt8] {
        let section = try section(Int(symbol.sectionIndex))
        if section.type == .nobits { return [UInt8](repeating: 0, count: Int(symbol.size)) }
        let contents = try elf.contents(of: section)
        guard symbol.value <= UInt64(contents.count), symbol.size <= UInt64(contents.count) - symbol.value
        else {
            throw PatchCreationError("\(path): variable \(symbol.name) lies outside its section")
        }
        let start = contents.startIndex + Int(symbol.value)
        return Array(contents[start..<(start + Int(symbol.size))])
    }
}
