/* Which module holds is_even, and its build-id: the identity hotpatch matches a patch against. */
#define _GNU_SOURCE
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"

struct search {
    uintptr_t address;
    struct parity_module *module;
    int found;
};

/* Hex of the NT_GNU_BUILD_ID note among the module's PT_NOTE segments, or "none". */
static void read_build_id(const struct dl_phdr_info *info, char *out, size_t size)
{
    snprintf(out, size, "none");
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];
        if (phdr->p_type != PT_NOTE) continue;
        const char *note = (const char *)(info->dlpi_addr + phdr->p_vaddr);
        const char *end = note + phdr->p_memsz;
        while (note + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *header = (const ElfW(Nhdr) *)note;
            const char *name = note + sizeof(*header);
            const unsigned char *desc = (const unsigned char *)name + ((header->n_namesz + 3) & ~3u);
            if (header->n_type == NT_GNU_BUILD_ID && header->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
                header->n_descsz * 2 + 1 <= size) {
                for (unsigned j = 0; j < header->n_descsz; j++) snprintf(out + 2 * j, 3, "%02x", desc[j]);
                return;
            }
            note = (const char *)desc + ((header->n_descsz + 3) & ~3u);
        }
    }
}

/* The module's file name: realpath's last component, with spaces made '_' (lines split on spaces). */
static void read_name(const struct dl_phdr_info *info, char *out, size_t size)
{
    /* The main program has an empty name in the link map; /proc/self/exe names it. */
    const char *path = info->dlpi_name[0] != '\0' ? info->dlpi_name : "/proc/self/exe";
    char resolved[PATH_MAX];
    const char *full = realpath(path, resolved) != NULL ? resolved : path;
    const char *slash = strrchr(full, '/');
    const char *base = slash != NULL ? slash + 1 : full;
    size_t length = strnlen(base, size - 1); /* a longer name is cut, never overflows */
    memcpy(out, base, length);
    out[length] = '\0';
    for (char *p = out; *p != '\0'; p++)
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '=') *p = '_';
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct search *search = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *phdr = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + phdr->p_vaddr;
        if (phdr->p_type == PT_LOAD && search->address >= start && search->address < start + phdr->p_memsz) {
            read_name(info, search->module->name, sizeof search->module->name);
            read_build_id(info, search->module->build_id, sizeof search->module->build_id);
            search->found = 1;
            return 1;
        }
    }
    return 0;
}

void parity_find_module(const void *address, struct parity_module *module)
{
    struct search search = {.address = (uintptr_t)address, .module = module};
    snprintf(module->name, sizeof module->name, "unknown");
    snprintf(module->build_id, sizeof module->build_id, "none");
    dl_iterate_phdr(visit, &search);
}
