/*
 * symbols: function names for addresses in ELF files, so reports can say
 * "worker" rather than "prog+0x11e9". The shim records module-relative
 * addresses (dladdr cannot name functions an executable does not export);
 * the scheduler looks them up here in the module's .symtab or .dynsym.
 *
 * The path comes from the region, so it is untrusted: the file is only read,
 * every offset and size in it is checked, and any problem just means "no
 * name". Files are mapped once and kept for the life of the process.
 */
#ifndef DARA_SCHED_SYMBOLS_H
#define DARA_SCHED_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the name of the function (or, with data, the variable) containing
 * `offset` (relative to the module's load address) into out and returns 0,
 * or returns -1. */
int symbols_lookup(const char *path, uint64_t offset, bool data, char *out, size_t out_len);
/* The same, and how far into the symbol `offset` is (*within; a race
 * report names a location "counter+0"). */
int symbols_lookup_at(const char *path, uint64_t offset, bool data, char *out, size_t out_len,
                      uint64_t *within);

#endif
