import Foundation
import SourceBuild
import TestSupport
import XCTest

/// The project's own build, detected from the files at the top of its tree.
final class BuildRecipeTests: XCTestCase {
    func testTheTopLevelFilesChooseTheBuild() throws {
        let table: [(files: [String], summary: String)] = [
            (["Makefile", "main.c"], "make -j3"),
            (["CMakeLists.txt"], "cmake && cmake --build -j3"),
            (["meson.build"], "meson setup && ninja -j3"),
            (["configure.ac", "autogen.sh"], "./configure && make -j3"),
            (["configure"], "./configure && make -j3"),
            (["configure.ac", "Makefile.am"], "./configure && make -j3"),
        ]
        for row in table {
            XCTAssertEqual(try detect(in: row.files, jobs: 3).summary, row.summary, "\(row.files)")
        }
    }

    func testWhenATreeHasSeveralBuildsMakeThenCMakeThenMesonThenAutotoolsWins() throws {
        let table: [(files: [String], summary: String)] = [
            (["Makefile", "CMakeLists.txt", "meson.build", "configure.ac"], "make -j2"),
            (["CMakeLists.txt", "meson.build", "configure"], "cmake && cmake --build -j2"),
            (["meson.build", "configure.ac"], "meson setup && ninja -j2"),
        ]
        for row in table {
            XCTAssertEqual(try detect(in: row.files, jobs: 2).summary, row.summary, "\(row.files)")
        }
    }

    func testAnAutotoolsTreeWithoutConfigureIsRegeneratedFirst() throws {
        XCTAssertEqual(try detect(in: ["configure.ac", "Makefile.am"], jobs: 1).steps.count, 3)
        XCTAssertEqual(try detect(in: ["configure.ac", "configure"], jobs: 1).steps.count, 2)
    }

    func testATreeWithNoKnownBuildAsksForBuild() throws {
        let fixture = try CFixture("recipe")
        defer { fixture.remove() }
        try fixture.write("main.c", "int main(void) { return 0; }")
        XCTAssertThrowsError(try BuildRecipe.detect(in: fixture.directory, jobs: 1)) { error in
            XCTAssertTrue("\(error)".contains("--build 'COMMAND'"), "\(error)")
        }
    }

    func testABuildCommandIsRunAsTheUserWroteIt() {
        XCTAssertEqual(BuildRecipe.custom("make CC=gcc -j4").summary, "make CC=gcc -j4")
    }

    /// The recipe detected in a new tree holding `files` (empty).
    private func detect(in files: [String], jobs: Int) throws -> BuildRecipe {
        let fixture = try CFixture("recipe")
        defer { fixture.remove() }
        for file in files { try fixture.write(file, "") }
        return try BuildRecipe.detect(in: fixture.directory, jobs: jobs)
    }
}
