import Foundation
import Shared
import TestSupport

/// The C sources of a small service with two files, a static function of the same name in
/// each (for disambiguation by source file), globals, libc calls, and the fixes made to it.
enum ServiceSources {
    static let flags = ["-O2", "-fPIC", "-ffunction-sections", "-fdata-sections"]

    static let main = """
        #include <stdio.h>
        int requests = 0;
        int threshold = 5;
        __attribute__((noinline, noclone)) static int scale(int x) { return x * 3 + threshold; }
        int classify(int n);
        int helper_a(int n) { return scale(n) + 1; }
        int main(int argc, char **argv) {
            (void)argv;
            for (int i = 0; i < argc; i++) printf("%d %d\\n", classify(i), helper_a(i));
            return 0;
        }
        """

    /// The running version of the classifier file.
    static let classifierV1 = """
        extern int requests;
        extern int threshold;
        __attribute__((noinline, noclone)) static int scale(int x) { return x * 2 + requests; }
        int classify(int n) { requests++; return scale(n) > threshold; }
        int unchanged(int n) { return n * 7 + threshold; }
        """

    /// The fix: classify calls a new helper that prints a new string literal.
    static let classifierV2 = """
        #include <stdio.h>
        extern int requests;
        extern int threshold;
        __attribute__((noinline, noclone)) static int scale(int x) { return x * 2 + requests; }
        __attribute__((noinline, noclone)) static void describe(int n) { printf("classify saw a negative number: %d\\n", n); }
        int classify(int n) { requests++; if (n < 0) describe(n); return scale(n) > threshold; }
        int unchanged(int n) { return n * 7 + threshold; }
        """

    /// A "fix" that changes an existing global's initializer (refused).
    static let mainWithNewThreshold = main.replacingOccurrences(
        of: "int threshold = 5;", with: "int threshold = 6;")
}
