/*
 * schedfile: the schedule file (format v6, docs/schedule-format.md).
 *
 * Writing streams: events are encoded into a small buffer and flushed, so a
 * writer needs bounded memory however long the run. Thread and object
 * definitions (the creation-site and object tables) and strings are written
 * inline, before the first event that refers to them, as the Go execution
 * tracer's stack table is referred to by id. The footer carries the counts,
 * the outcome and a checksum of everything before it.
 *
 * Reading loads and verifies a whole file into memory (struct sched_file):
 * every length, count and index is checked; a damaged file is refused with a
 * one-line reason and never half-used.
 */
#ifndef DARA_SCHED_SCHEDFILE_H
#define DARA_SCHED_SCHEDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/region.h"
#include "sched/event.h"

#define SCHEDFILE_VERSION \
  10u /* reads 1 to 10; 2 added SYSCALL events, 3 the race outcome,
                             4 the racy points policy and its places, the
                             ORACLE record and the check outcome, 5 the
                             step limit in the header and its outcome, the
                             WORLD record, 6 every step's place (its call
                             site) and the MODULE record, 7 a call made
                             inside the C or C++ runtime placed at the
                             program's frame that led to it, and places
                             written through a table per process, 8 FAULT
                             events (explore --faults), 9 64
                             processes (6 bits of process in a
                             thread's number) and FORK events, 10
                             the FILE record (files read from outside) */

struct sched_cmd {
  int argc;
  char **argv; /* argc strings, NULL-terminated */
};

/* What the user counts as a correct run (--ok-exit, --check), kept in the
 * ORACLE record so that a replay judges the run the same way. */
#define SCHED_OK_EXIT_MAX 8
struct sched_oracle {
  uint32_t nok_exit;
  int32_t ok_exit[SCHED_OK_EXIT_MAX]; /* exit statuses that are no bug */
  char *check;                        /* a shell command run after each run, NULL for none */
};

/* What a program file is (program.h): replay refuses a program that is not
 * the one recorded. Kept in the PROGRAMS record, one per command. */
#define PROGRAM_ID_MAX 32
enum { PROGRAM_ID_NONE = 0, PROGRAM_ID_BUILD_ID = 1, PROGRAM_ID_CRC32C = 2 };
struct sched_program_id {
  uint64_t size;
  uint8_t kind; /* PROGRAM_ID_NONE (unknown), _BUILD_ID or _CRC32C */
  uint8_t len;  /* bytes of id, at most PROGRAM_ID_MAX */
  uint8_t id[PROGRAM_ID_MAX];
};

/* A piece of standard input typed at a terminal (typed.h): given to the
 * programs once the run had taken `steps` steps; eof: the input ended
 * after it. */
#define SCHED_INPUT_CHUNKS_MAX (1u << 16)
struct sched_input_chunk {
  uint64_t steps;
  bool eof;
  uint64_t len;
  uint8_t *data;
};

/* What a run took from the world outside it, kept in the WORLD record so
 * that a replay runs in the same world wherever it is started (version 5):
 * the file each program was, the environment, and a copy of standard input.
 * Reading: allocated (freed with the file). */
#define SCHED_INPUT_MAX (64u << 20) /* standard input kept: at most 64 MiB */
#define SCHED_ENV_MAX 4096u         /* environment variables kept */
#define SCHED_FDS_MAX 32u           /* descriptors above 2 kept */
#define SCHED_FD_LIMIT \
  600 /* ... each below this number: dara's own
                                       (the region, 666) are above it */
struct sched_world {
  char *paths[DARA_MAX_CMDS]; /* each program's file, absolute ("" unknown) */
  uint32_t nenv;
  char **env;     /* "NAME=value" */
  bool has_input; /* input[] is the programs' standard input */
  uint64_t input_len;
  uint8_t *input;
  /* The descriptors above 2 dara was given (version 10), in increasing
   * order: copied ones (a readable pipe or file, read to its end) with
   * their bytes, the others passed as they are. */
  bool has_fds; /* fds[] is known (version 10) */
  uint32_t nfds;
  struct sched_fd {
    int32_t fd; /* 3 .. SCHED_FD_LIMIT - 1 */
    bool copied;
    uint64_t len;
    uint8_t *data;
  } * fds;
  /* Standard input typed at a terminal (typed.h), from INPUT records
   * (version 10), in order: read only. None: standard input is input[]. */
  uint32_t nchunks;
  struct sched_input_chunk *chunks;
  /* The files the run read from outside (infiles.h), from FILE records
   * (version 10). Read only: a recording's. */
  uint32_t nfiles;
  struct sched_kept_file {
    char *path;
    uint32_t mode;
    uint64_t len;
    uint8_t *data;
  } * files;
};

struct sched_header {
  char *dara_version;
  char *cwd;
  char *strategy; /* "random", "rr", "dfs", ... */
  uint64_t seed;
  uint64_t vtime_base;        /* the virtual CLOCK_REALTIME at the start, in ns */
  uint64_t max_steps;         /* the run's step limit (--max-steps), 0 for none; kept
                                 from version 5 on (an older file reads as 0) */
  unsigned points;            /* enum dara_points: which memory accesses of programs built
                          with dara-cc were scheduling points. Kept in a POINTS
                          record before the first memory step; a file with none
                          reads as sync, and is then the same either way */
  struct dara_racy *racy;     /* under DARA_POINTS_RACY, the racy places (abi/region.h),
                             kept in the POINTS record: read, allocated (freed
                             with the file); written, NULL for none */
  struct sched_oracle oracle; /* read: allocated (freed with the file) */
  bool has_programs;          /* programs[] is known (version 4 files) */
  struct sched_program_id programs[DARA_MAX_CMDS];
  bool has_world; /* world is known (version 5 files) */
  struct sched_world world;
  int nprocs; /* command lines, 1..DARA_MAX_CMDS */
  struct sched_cmd cmds[DARA_MAX_CMDS];
};

enum sched_outcome_kind {
  SCHED_OUT_OK = 0,     /* every process exited 0 */
  SCHED_OUT_EXIT = 1,   /* a process exited non-zero: code = status */
  SCHED_OUT_SIGNAL = 2, /* a process was killed by a signal: code = signal */
  SCHED_OUT_DEADLOCK = 3,
  SCHED_OUT_HANG = 4,
  SCHED_OUT_PROPERTY = 5,    /* a property failed (future) */
  SCHED_OUT_ERROR = 6,       /* dara itself could not go on */
  SCHED_OUT_LIVELOCK = 7,    /* the step limit, reached with every thread spinning (fair.h) */
  SCHED_OUT_RACE = 8,        /* a data race (races.h), when races end the run (version 3) */
  SCHED_OUT_CHECK = 9,       /* the user's --check failed after the run (version 4) */
  SCHED_OUT_STEP_LIMIT = 10, /* the run reached --max-steps: cut, inconclusive, no bug
                                (version 5) */
  SCHED_OUT_COUNT
};

struct sched_outcome {
  uint32_t kind; /* enum sched_outcome_kind */
  int32_t code;
  uint32_t proc; /* process where it showed */
  char *message; /* one line, may be NULL */
};

/* A thread's creation site (see struct dara_site). */
struct sched_thread {
  uint8_t proc;
  uint16_t routine;
  char *module; /* module basename, "" if unknown */
  uint64_t offset;
  uint32_t ordinal;
  char *func; /* start routine symbol, "" if unknown */
};

/* A synchronization object, identified per process by first-seen order. */
struct sched_object {
  uint8_t proc;
  uint32_t id;
  uint8_t kind; /* enum dara_obj_kind */
  char *module; /* "" for objects not inside a module (heap, stack) */
  uint64_t offset;
};

/* A label: a string that events refer to by id (the names of logged
 * variables and properties, string values). The session hands out ids in
 * first-use order, 1, 2, 3, ..., so a replay produces the same ids. */
struct sched_label {
  uint32_t id;
  char *text;
};

/* ---- writing ---- */

struct schedfile_writer;

/* Creates (truncates) path and writes the header. NULL on failure with a
 * one-line reason in err. */
struct schedfile_writer *schedfile_create(const char *path, const struct sched_header *h, char *err,
                                          size_t err_len);
/* Each returns 0, or -1 after an I/O error (the reason is kept for close). */
int schedfile_define_thread(struct schedfile_writer *w, const struct sched_thread *t);
int schedfile_define_object(struct schedfile_writer *w, const struct sched_object *o);
/* The same with the symbol of the variable the object is (a global's, such
 * as `counter`; NULL or "": none known). The file keeps it (a SYMBOL record)
 * for memory locations. */
int schedfile_define_object_symbol(struct schedfile_writer *w, const struct sched_object *o,
                                   const char *symbol);
int schedfile_define_label(struct schedfile_writer *w, const struct sched_label *l);
/* Module index of process proc is the file at path (a MODULE record):
 * indices 0, 1, 2, ... of each process in order, below DARA_MAX_MODULES. */
int schedfile_define_module(struct schedfile_writer *w, unsigned proc, unsigned index,
                            const char *path);
int schedfile_write_event(struct schedfile_writer *w, const struct dara_event *ev);
/* A file the run read from outside, with its bytes (a FILE record): at
 * most DARA_MAX_FILES in a file, each at most DARA_FILE_MAX_BYTES. */
int schedfile_define_file(struct schedfile_writer *w, const char *path, uint32_t mode,
                          const uint8_t *data, uint64_t len);
/* A chunk of standard input typed at a terminal (an INPUT record), in
 * order: steps never decrease, nothing after the end of input. */
int schedfile_define_input(struct schedfile_writer *w, const struct sched_input_chunk *c);
/* Writes the footer with the outcome and checksum, closes and frees w.
 * Returns 0, or -1 with a reason in err if anything failed since create. */
int schedfile_close(struct schedfile_writer *w, const struct sched_outcome *o, char *err,
                    size_t err_len);
/* In a fork of the process writing w, whose path now names a copy of the
 * file as written so far: w goes on in the copy, at the same place, and
 * the parent's file is left alone. 0, or -1 (errno). */
int schedfile_writer_moved(struct schedfile_writer *w);
/* Bytes written so far (for statistics). */
uint64_t schedfile_bytes(const struct schedfile_writer *w);

/* ---- reading ---- */

enum schedfile_status {
  SCHEDFILE_OK = 0,
  SCHEDFILE_TRUNCATED = 1, /* no valid footer: events[0..nevents) are intact */
  SCHEDFILE_BAD = 2,       /* not a schedule file, wrong version, or damaged */
};

struct sched_file {
  struct sched_header hdr;
  struct sched_outcome outcome; /* valid only when the footer was read */
  struct dara_event *events;
  size_t nevents;
  struct sched_thread *threads;
  size_t nthreads;
  /* threads_at[i]: the index of the first event after threads[i] in the
   * file, from which that definition is in force. A routine slot recycled
   * for a later thread is defined again, and the later definition replaces
   * the earlier from its own place in the file on. */
  size_t *threads_at;
  struct sched_object *objects;
  size_t nobjects;
  char **object_symbols; /* object_symbols[i]: the symbol of objects[i], "" if none */
  struct sched_label *labels;
  size_t nlabels;
  struct dara_sys *syscalls; /* what the SYSCALL events point to */
  size_t nsyscalls;
  /* modules[p][i]: the path of module i of process p (MODULE records,
   * version 6), which the places of steps name; NULL past nmodules[p]. */
  char *modules[DARA_MAX_PROCS][DARA_MAX_MODULES];
  uint32_t nmodules[DARA_MAX_PROCS];
  uint32_t version;
  uint64_t file_size;
};

/* Reads and verifies path into *f. SCHEDFILE_BAD leaves *f empty and puts a
 * reason in err ("sched.bin: checksum mismatch", "... is version 7; this dara
 * reads version 1", ...). SCHEDFILE_TRUNCATED keeps the intact prefix and says
 * so in err. */
enum schedfile_status schedfile_load(const char *path, struct sched_file *f, char *err,
                                     size_t err_len);
/* Same, from memory (used by the fuzz target). name is used in messages. */
enum schedfile_status schedfile_parse(const uint8_t *data, size_t len, const char *name,
                                      struct sched_file *f, char *err, size_t err_len);
void schedfile_free(struct sched_file *f);

/* Lookups in a loaded file; NULL when absent. */
const struct sched_thread *schedfile_thread(const struct sched_file *f, unsigned proc,
                                            unsigned routine);
/* The definition of (proc, routine) in force at event index `event`: the
 * last one read before that event. */
const struct sched_thread *schedfile_thread_at(const struct sched_file *f, unsigned proc,
                                               unsigned routine, size_t event);
const struct sched_object *schedfile_object(const struct sched_file *f, unsigned proc, uint32_t id);
const struct sched_label *schedfile_label(const struct sched_file *f, uint32_t id);

const char *sched_outcome_name(unsigned kind);
/* Whether an outcome is a bug of the program: not ok, not dara's own error,
 * and not a run cut at its step limit (inconclusive). */
bool sched_outcome_bug(unsigned kind);

#endif
