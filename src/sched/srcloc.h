/*
 * srcloc: source locations (file:line and function) for places in ELF
 * files, from their DWARF debug information, read with elfutils' libdw
 * (libdwfl). The shim records places as module-relative offsets
 * (dara_routine.pc, the crash block's frames); the scheduler turns them
 * into text here, and only for output: `show`, bug reports. Nothing on
 * explore's path to the next schedule calls it.
 *
 * A module is opened once and kept (a small cache, by path), with what it
 * could not find; a file without debug information still has its symbol
 * table, so the function is named even then. The path comes from the
 * region or a schedule file: untrusted, only ever read, and any problem
 * means "not known".
 */
#ifndef DARA_SCHED_SRCLOC_H
#define DARA_SCHED_SRCLOC_H

#include <stddef.h>
#include <stdint.h>

struct srcloc {
  char file[256]; /* the source file as the line table names it, "" when unknown */
  unsigned line;  /* 0 when unknown */
  char func[128]; /* the function (an inlined one's own name), "" when unknown */
};

/* The source location of the instruction at offset (relative to the
 * module's load address: dladdr's dli_fbase) in the ELF file at path.
 * Returns 0 when anything (a line or a function) was found, else -1 with
 * *loc empty. For a return address, pass the address minus one: inside the
 * call instruction, so the line is the call's. */
int srcloc_lookup(const char *path, uint64_t offset, struct srcloc *loc);

/* The innermost function at offset that is the program's own, not
 * code of the system's headers inlined into it or instantiated there
 * (std::thread's constructor, a libstdc++ template): walking the inlined
 * functions out from the innermost, the first whose declaration is not
 * under /usr/include or /usr/lib, with the line of the call made from it
 * (the line table's for the innermost). Returns -1 with *loc empty when
 * there is none (the whole frame is system code, or nothing is known): a
 * caller then looks at the next frame. Without debug information, the
 * symbol, unless it is in namespace std. */
int srcloc_lookup_user(const char *path, uint64_t offset, struct srcloc *loc);

/* A place for people, the program's own function first
 * (srcloc_lookup_user, else srcloc_lookup): "crash.c:21 crasher" (the
 * file's last component),
 * "crasher (libfoo.so+0x11d9)" without line information, "libfoo.so+0x11d9"
 * without either; path may be "" (not known): "?+0x11d9". */
void srcloc_text(const char *path, uint64_t offset, char *buf, size_t len);

/* Whether the module at path is part of the system's C and C++ runtime
 * (libc, libstdc++, libgcc_s, the dynamic loader, libm), a sanitizer's
 * runtime or dara's shim, rather than the program: the first frame of a
 * stack outside these is where the program was. By the file's name. */
int srcloc_is_runtime(const char *path);

/* The module at path as srcloc keeps it open: a libdwfl module reported at
 * address 0, and in *low the address of offset 0 (what srcloc_lookup adds
 * to an offset). For readers of a module's whole debug information
 * (lcov.c). NULL when the file cannot be read as ELF. Valid until the next
 * call into srcloc, which may close it. */
struct Dwfl_Module;
struct Dwfl_Module *srcloc_module(const char *path, uint64_t *low);

/* Closes every module (tests; the cache is otherwise kept for the life of
 * the process). */
void srcloc_reset(void);

#endif
