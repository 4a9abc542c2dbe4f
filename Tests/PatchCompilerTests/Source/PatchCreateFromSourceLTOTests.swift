import Foundation
import TestSupport
import XCTest

/// A project built with `-flto` whose fixed function link-time optimization inlined into its
/// caller in another file: the running binary has no such function, and a rebuild without LTO
/// cannot reproduce it, so `create --source` refuses and says LTO is why.
final class PatchCreateFromSourceLTOTests: XCTestCase {
    func testAFunctionLTOInlinedAwayIsRefusedNamingLTO() throws {
        try BuiltProducts.require()
        let fixture = try CFixture("create-source-lto")
        defer { fixture.remove() }
        let repository = try SourceRepository.make(
            files: [
                "main.c": """
                #include <stdio.h>
                int scale(int x);
                int main(int argc, char **argv) { (void)argv; printf("%d\\n", scale(argc)); return 0; }
                """,
                "scale.c": "int scale(int x) { return x * 2; }\n",
                "Makefile": """
                CC = gcc
                CFLAGS = -O2 -g -flto
                program: main.o scale.o
                \t$(CC) $(CFLAGS) $^ -o $@
                %.o: %.c
                \t$(CC) $(CFLAGS) -c $< -o $@

                """,
            ], in: fixture)
        try repository.edit("scale.c", replacing: "x * 2", with: "x * 3")
        try repository.commitAll("scale by three")
        let deployed = fixture.path("deployed")
        try repository.deploy("HEAD^", into: deployed, building: [["/usr/bin/make", "-s"]])

        let created = try SourcePatch.create([
            "--target", deployed + "/program", "--source", repository.directory, "--commit", "HEAD", "-o",
            fixture.path("fix.hotpatch"),
        ])
        XCTAssertEqual(created.status, 1, created.stdout + created.stderr)
        XCTAssertTrue(created.stderr.contains("the project builds with -flto"), created.stderr)
        XCTAssertTrue(created.stderr.contains("Build and deploy without -flto"), created.stderr)
    }
}
