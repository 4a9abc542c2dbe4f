/// Reads the `ansible_*` connection variables of one host (after precedence) into typed
/// settings, refusing values that cannot work (a port of `ssh`, a become of `maybe`) with the
/// line that set them. Legacy spellings (`ansible_ssh_host`, `ansible_ssh_port`,
/// `ansible_ssh_user`, `ansible_private_key_file`) are accepted; the current one wins.
struct ConnectionVariables {
    let host: String
    let vars: [String: InventoryBuilder.Variable]

    func host(groups: [String]) throws -> InventoryHost {
        InventoryHost(
            name: host,
            address: try text("ansible_host", "ansible_ssh_host"),
            port: try port(),
            user: try text("ansible_user", "ansible_ssh_user"),
            privateKeyFile: try text("ansible_ssh_private_key_file", "ansible_private_key_file"),
            become: try flag("ansible_become") ?? false,
            becomeUser: try text("ansible_become_user"),
            proxy: try proxy(),
            vars: vars.mapValues(\.value),
            groups: groups)
    }

    /// The first of the names that is set; it must be non-empty text (numbers are accepted
    /// as text, an address like `10.0.0.1` is a string already).
    private func text(_ names: String...) throws -> String? {
        guard let (name, variable) = first(names) else { return nil }
        switch variable.value {
        case .string(let value) where !value.isEmpty: return value
        case .integer, .double: return variable.value.description
        default:
            throw InventoryError(
                "\(name) of host \(host) must be a non-empty string, not \"\(variable.value)\"",
                at: variable.location)
        }
    }

    /// `ProxyJump`/`ProxyCommand` from the extra ssh arguments. Ansible puts
    /// `ansible_ssh_common_args` before `ansible_ssh_extra_args` on ssh's command line, and ssh
    /// keeps the first value, so common wins over extra.
    private func proxy() throws -> SSHProxy? {
        for name in ["ansible_ssh_common_args", "ansible_ssh_extra_args"] {
            guard let variable = vars[name] else { continue }
            guard case .string(let line) = variable.value else { continue }
            do {
                if let proxy = try SSHProxy.fromArguments(try ShellWords.split(line)) { return proxy }
            } catch let error as ShellWords.SplitError {
                throw InventoryError("\(name) of host \(host): \(error.message)", at: variable.location)
            } catch let error as SSHProxyArgumentError {
                throw InventoryError(
                    "\(name) of host \(host): \(error.message) (e.g. -o ProxyJump=user@bastion:22)",
                    at: variable.location)
            }
        }
        return nil
    }

    private func port() throws -> UInt16? {
        guard let (name, variable) = first(["ansible_port", "ansible_ssh_port"]) else { return nil }
        guard let number = variable.value.integerValue, (1...65535).contains(number) else {
            throw InventoryError(
                "\(name) of host \(host) must be a port number 1-65535, not \"\(variable.value)\"",
                at: variable.location)
        }
        return UInt16(number)
    }

    private func flag(_ name: String) throws -> Bool? {
        guard let variable = vars[name] else { return nil }
        guard let value = variable.value.booleanValue else {
            throw InventoryError(
                "\(name) of host \(host) must be true/false (or yes/no), not \"\(variable.value)\"",
                at: variable.location)
        }
        return value
    }

    private func first(_ names: [String]) -> (String, InventoryBuilder.Variable)? {
        for name in names { if let variable = vars[name] { return (name, variable) } }
        return nil
    }
}
