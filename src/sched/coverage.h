/*
 * coverage: the blocks of dara-cc builds that executions ran, united over
 * a whole record, replay or exploration.
 *
 * Each controlled process counts its blocks in its area of the region
 * (abi/region.h, "Block coverage"); when an execution is over,
 * coverage_collect reads every area, adds it to the union and empties it.
 * The areas are the program's to scribble on: counts are bounded, module
 * paths must be NUL-terminated and blocks must name a module the area
 * registered, or they are left out (and counted as `rejected`).
 *
 * A block is (module path, offset), the offset being that of the coverage
 * call's return address minus one: what lcov.h turns into lines.
 */
#ifndef DARA_SCHED_COVERAGE_H
#define DARA_SCHED_COVERAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "abi/region.h"
#include "sched/lcov.h"

struct coverage;

/* A new, empty union in a shared mapping: processes forked from this one
 * (explore's workers) add to the same union. NULL when out of memory. */
struct coverage *coverage_new(void);
void coverage_free(struct coverage *cv);

/* Adds what the processes of the execution just over counted to the union
 * and empties every area for the next. Returns how many blocks no earlier
 * execution ran (in any process sharing the union). */
uint64_t coverage_collect(struct coverage *cv, struct dara_region *r);

struct coverage_stats {
  uint64_t blocks;   /* distinct blocks run so far */
  uint64_t modules;  /* modules they are in */
  uint64_t lost;     /* block executions an area had no room for */
  uint64_t rejected; /* blocks left out: an area named a module it never registered */
};
void coverage_stats(const struct coverage *cv, struct coverage_stats *st);

/* The union as lcov_write takes it: *blocks (malloc'd; its module strings
 * belong to cv) and its length. -1 when out of memory. */
int coverage_blocks(const struct coverage *cv, struct cov_block **blocks, size_t *n);

/* --coverage FILE (record, replay, explore): the file is created when the
 * command starts, so one it cannot write fails before any run, and the
 * union is written into it as an lcov tracefile when the command ends. */
struct coverage_output {
  const char *path; /* NULL: no coverage asked */
  FILE *file;
  struct coverage *cv;
};
/* Nothing to do for a NULL path. -1 with the reason in err. */
int coverage_output_open(struct coverage_output *o, const char *path, char *err, size_t err_len);
/* Writes the tracefile (test_name: its TN line) with its totals into *t
 * (may be NULL) and closes it; the union stays (coverage_output_drop
 * frees it). -1 with the reason in err. */
int coverage_output_close(struct coverage_output *o, const char *test_name, struct lcov_totals *t,
                          char *err, size_t err_len);
/* Ends the command's coverage: writes the tracefile (coverage_output_close)
 * and prints on stderr what it holds, "dara: coverage: 41 blocks, 30 of
 * 36 lines, in cov.info" (and what an area lost), the totals into *totals
 * (may be NULL). Returns 0, or -1 after printing why it could not. The
 * union stays until coverage_output_drop. */
int coverage_output_finish(struct coverage_output *o, const char *test_name,
                           struct lcov_totals *totals);
/* Frees everything without writing (a command that failed first). */
void coverage_output_drop(struct coverage_output *o);

#endif
