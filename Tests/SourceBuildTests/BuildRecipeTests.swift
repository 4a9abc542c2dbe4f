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
        ]
        for row in table {
            let fixture = try CFixture("recipe")
            defer { fixture.remove() }
            for file in row.files { try fixture.write(file, "") }
            XCTAssertEqual(
                try BuildRecipe.detect(in: fixture.directory, jobs: 3).summary, row.summary, "\(row.files)")
        }
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
}
