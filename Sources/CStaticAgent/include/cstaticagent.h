// What only the static release agent needs at link time (see dlopen_refused.c). Nothing here is
// called from Swift; the header exists because SwiftPM C targets need a public one.
#ifndef CSTATICAGENT_H
#define CSTATICAGENT_H

/// The dlopen replacement of the static agent (linked with -Xlinker --wrap=dlopen).
void *__wrap_dlopen(const char *file, int mode);

#endif
