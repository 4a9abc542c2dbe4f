import SourceBuild
import XCTest

/// The compiler wrapper's log read back: compiles with their object and source made absolute,
/// link-time optimization noticed anywhere.
final class CompileLogTests: XCTestCase {
    func testACompileRecordGivesAbsoluteObjectAndSource() {
        let log = CompileLog(text: "compile\t/t/src\tbuild/x.o\t../lib/x.c\t/usr/bin/gcc\n")
        XCTAssertEqual(
            log.compiles, [.init(object: "/t/src/build/x.o", source: "/t/lib/x.c", compiler: "/usr/bin/gcc")])
        XCTAssertFalse(log.sawLTO)
    }

    func testAnLTORecordIsRememberedAndOtherLinesAreIgnored() {
        let log = CompileLog(text: "lto\t/t/src\nnoise\ncompile\t/t\t/abs/y.o\ty.cc\t/usr/bin/g++\n")
        XCTAssertTrue(log.sawLTO)
        XCTAssertEqual(log.compiles.map(\.object), ["/abs/y.o"])
    }
}
