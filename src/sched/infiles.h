/*
 * infiles: the files the programs read from outside the run, kept for the
 * whole session (every run of explore, the run of record, a replay) so
 * that each run reads the same bytes, whatever happens to the files, and a
 * replay reads what the recording read (docs/design.md, "Files read from
 * outside").
 *
 * The shims make the copies (runtime_shim/infile.c) and leave them PENDING
 * in the region's table (struct dara_files); the scheduler takes each at
 * the end of the turn that made it (infiles_look), keeps it, and tells the
 * run's sink, which writes it into the schedule file (a FILE record). A
 * replay adds the recording's files before its run (infiles_add). Before
 * each run, infiles_publish puts every kept file in the table, so that the
 * shims open dara's copy.
 */
#ifndef DARA_SCHED_INFILES_H
#define DARA_SCHED_INFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "abi/region.h"

/* At most this many bytes of files in one session (each file at most
 * DARA_FILE_MAX_BYTES): a schedule file carries the files its run read. */
#define INFILES_MAX_BYTES (64u << 20)

struct infile {
  char *path; /* absolute, as the program named it */
  uint32_t mode;
  uint64_t len;
  const uint8_t *data; /* len bytes, mapped from fd */
  int fd;              /* a sealed memory file */
};

struct infiles;

/* An empty store for a session that begins now: a file changed from now
 * on is the session's own, never taken as input. NULL when out of memory. */
struct infiles *infiles_new(void);
void infiles_free(struct infiles *st);

/* Adds a file a recording kept (a replay's). 0, or -1 with a reason in err. */
int infiles_add(struct infiles *st, const char *path, uint32_t mode, const uint8_t *data,
                uint64_t len, char *err, size_t err_len);
size_t infiles_count(const struct infiles *st);
const struct infile *infiles_at(const struct infiles *st, size_t i);

/* One run's view: which kept files it told its sink about. */
struct infiles_run {
  uint64_t told; /* bit i: infiles_at(i) */
  uint32_t changes_seen;
};

/* Before a run: the table holds every kept file (KEPT, in dara's process),
 * the rest of it free. The processes made from one store by fork (explore
 * --jobs workers) share their copies: each takes in the others' here, and
 * the first run of the session runs alone, so that its copies are taken
 * before another run reads a file it rewrites. */
void infiles_publish(struct infiles *st, struct dara_files *t, struct infiles_run *r);
/* A run is over (the one that let the others begin, if it was the first). */
void infiles_run_over(struct infiles *st);

/* What infiles_look needs of the run. */
struct infiles_hooks {
  /* The pidfd of the run's live process pid, or -1 when it is none. */
  int (*pidfd_of)(void *ctx, pid_t pid);
  /* A file the run opened, told once per run. */
  void (*tell)(void *ctx, const struct infile *f);
  /* A file read as it is because it is too big to keep (once a session). */
  void (*too_big)(void *ctx, const char *path, uint64_t size);
  void *ctx;
};

/* After a turn: takes the copies the shims left PENDING, and tells the
 * hooks of every kept file opened. Whatever the table holds is the
 * programs' to damage: an entry that cannot be right is read as it is
 * (LIVE) from then on. */
void infiles_look(struct infiles *st, struct dara_files *t, struct infiles_run *r,
                  const struct infiles_hooks *h);

#endif
