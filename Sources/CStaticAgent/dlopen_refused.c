// The static release agent loads no shared library, ever. scripts/build-release links it with
// `-Xlinker --wrap=dlopen`, which sends every call of dlopen here instead of static glibc's
// dlopen (which would load libraries of the *host's* glibc into a program built against ours).
// The only caller is the Swift runtime's prespecialization loader, reached solely when the
// debugging variable SWIFT_DEBUG_LIB_PRESPECIALIZED_PATH is set; it copes with NULL. Without
// --wrap (the debug agent, the test bundle) this function is present and never called.
#include "cstaticagent.h"

#include <stddef.h>

void *__wrap_dlopen(const char *file, int mode) {
    (void)file;
    (void)mode;
    return NULL;
}
