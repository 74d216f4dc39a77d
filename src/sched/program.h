/*
 * program: whether dara can run a program, decided before anything runs.
 *
 * dara's runtime enters a program through LD_PRELOAD, which only the
 * dynamic linker reads: a statically linked program, or one of another ELF
 * class than the runtime's, would run uncontrolled. So before a run, each
 * program is looked up the way execvp will (PATH when the name has no
 * slash), and must be an executable file; an ELF one must ask for a
 * dynamic linker (PT_INTERP) and be of dara's class. Scripts (#! or not)
 * are left to their interpreter. A program built with a sanitizer dara
 * cannot run under its shim is refused too (docs/design.md, Sanitizers).
 */
#ifndef DARA_SCHED_PROGRAM_H
#define DARA_SCHED_PROGRAM_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "sched/schedfile.h"

/* 0 when name can be run; else -1 with one line in err that names it.
 * A name with a slash that is relative is taken from dir (NULL: the
 * current directory), where the run will start. */
int program_check(const char *name, const char *dir, char *err, size_t err_len);

/* Where execvp would find name (looked up as program_check does): the path
 * into path[PATH_MAX]; 0, or the errno execvp would fail with. */
int program_resolve(const char *name, const char *dir, char *path);

/* Sanitizer runtimes a program needs (program_sanitizers): a shared one it
 * names in DT_NEEDED, or one linked into it (clang's default); TSAN_CLANG:
 * clang's ThreadSanitizer runtime, either way. */
enum program_sanitizer {
  PROGRAM_SAN_ASAN = 1u << 0,
  PROGRAM_SAN_TSAN = 1u << 1,
  PROGRAM_SAN_UBSAN = 1u << 2,
  PROGRAM_SAN_ASAN_STATIC = 1u << 3,
  PROGRAM_SAN_TSAN_CLANG = 1u << 4,
};
/* The sanitizer runtimes of the program name (found as program_check finds
 * it), 0 when none or when it cannot be read. program_check refuses those
 * dara cannot run: clang's ThreadSanitizer as a shared library, and in a dara
 * built with AddressSanitizer, ThreadSanitizer or a second AddressSanitizer
 * runtime. The launcher reads them to give AddressSanitizer the
 * environment it needs (launcher.c). */
unsigned program_sanitizers(const char *name, const char *dir);

/* What a program file is, so that a replay can tell it is the one that was
 * recorded: its GNU build-id when it has one (the linker's hash of what it
 * built), else the CRC-32C of its contents, and its size. */
#define program_id sched_program_id /* schedfile.h keeps it */

/* The identity of the program name (found as program_check finds it);
 * kind NONE when it cannot be read. */
void program_identify(const char *name, const char *dir, struct program_id *id);
/* Whether a and b are the same file: the same kind of id, the same id
 * and the same size. */
bool program_id_equal(const struct program_id *a, const struct program_id *b);
/* "build-id 4f2a...": the id as text, for messages. */
void program_id_text(const struct program_id *id, char *out, size_t len);

#endif
