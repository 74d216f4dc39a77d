/*
 * names: what the threads and objects of one run are called.
 *
 * One store, filled from definitions as they arrive: a live session adds
 * each thread and object as the shim reports it (session.c), a loaded
 * schedule file adds the ones it holds (names_load_file). Reports, replay's
 * divergence messages and show all read names through it, so a thread is
 * named the same way whichever of them prints it.
 *
 * A later definition of the same slot replaces the earlier one. Every
 * lookup accepts any index: out of range is simply "not defined".
 */
#ifndef DARA_SCHED_NAMES_H
#define DARA_SCHED_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/region.h"
#include "sched/schedfile.h"

/* A thread's creation site. */
struct name_thread {
  bool defined;
  char module[DARA_NAME_LEN]; /* module basename, "" if unknown */
  char func[DARA_NAME_LEN];   /* start routine symbol, "" if unknown */
  uint64_t offset;
  uint32_t ordinal;
};

/* A synchronization object. kind 0: not defined. */
struct name_object {
  uint8_t kind;               /* enum dara_obj_kind */
  char symbol[DARA_NAME_LEN]; /* the variable's symbol, if known */
  char module[DARA_NAME_LEN]; /* "" for objects not in a module (heap, stack) */
  uint64_t offset;
  int64_t within; /* how far into its symbol it is; -1: not known (a loaded
                     file's objects, or no symbol) */
};

struct names;

/* NULL when out of memory. */
struct names *names_new(void);
void names_free(struct names *n);
/* Forgets every definition, keeping the memory for the next run. */
void names_clear(struct names *n);

/* Each returns 0, or -1 when the index is out of range or memory ran out
 * (nothing is stored then). symbol may be NULL. */
int names_add_thread(struct names *n, const struct sched_thread *t);
int names_add_object(struct names *n, const struct sched_object *o, const char *symbol);
/* Says how far into its symbol object id of proc is (a live run knows,
 * from the module's symbol table). Nothing when the object is not
 * defined. */
void names_set_within(struct names *n, unsigned proc, uint32_t id, uint64_t within);
/* Adds every thread and object a loaded file defines, in file order. */
int names_load_file(struct names *n, const struct sched_file *f);

/* NULL when not defined. */
const struct name_thread *names_thread(const struct names *n, unsigned proc, unsigned routine);
const struct name_object *names_object(const struct names *n, unsigned proc, uint32_t id);

/* "0:2 worker (prog+0x11e3#1)", "0:0 main", or "0:2" when not defined. */
void names_thread_text(const struct names *n, unsigned proc, unsigned routine, char *buf,
                       size_t len);
/* The creation site alone: "worker", else "prog+0x11e3#1"; "" when not
 * defined. */
void names_thread_site(const struct names *n, unsigned proc, unsigned routine, char *buf,
                       size_t len);
/* The same for a definition itself (a schedule file's). */
void names_site_of(const struct sched_thread *t, char *buf, size_t len);
/* "mutex#2 lock (prog+0x4040)", "cond#3" (not in a module); when not
 * defined, "object#4" and false is returned. */
bool names_object_text(const struct names *n, unsigned proc, uint32_t id, char *buf, size_t len);
/* A memory location as a race report names it: "counter+0" (its symbol
 * and how far into it), "counter" (where in it not known), "prog+0x4014"
 * (no symbol), or "memory#3" when it is not in a module (the heap, a
 * stack) or not defined. Returns whether it is in a module: a name that
 * means the same place in every run. */
bool names_location_text(const struct names *n, unsigned proc, uint32_t id, char *buf, size_t len);

#endif
