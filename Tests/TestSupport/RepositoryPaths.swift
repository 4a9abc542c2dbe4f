import Foundation

/// Where things are in this checkout, found from this file's own path so tests run from any
/// working directory.
public enum RepositoryPaths {
    /// The checkout's root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// A path below the root, e.g. `RepositoryPaths.path("examples/parity")`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
