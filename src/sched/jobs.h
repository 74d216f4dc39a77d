/*
 * jobs: explore's executions run by several worker processes at once
 * (`explore -j N`).
 *
 * Each worker is a fork of dara taken before the first execution, with a
 * session context (region, fork servers) and memory file of its own, and
 * it is pinned to a CPU of its own (the CPUs dara may use, in turn). Worker
 * k runs the executions k, k + N, k + 2N, ... (the strategy derives each
 * from its index, so which schedules run does not depend on timing) and
 * sends each result to the parent over a socket, with the recording when
 * the execution showed a bug. The parent takes the results as they come, as
 * serial explore takes its own, and tells every worker to stop when it is
 * done (first bug, time limit, error). Workers die with the parent.
 */
#ifndef DARA_SCHED_JOBS_H
#define DARA_SCHED_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/session.h"

struct jobs_hooks {
  /* In a worker, first: makes its own memory file (a worker must not write
   * into the parent's) and returns it, or -1 (said). */
  int (*worker_start)(void *ctx);
  /* In a worker: runs execution idx in the worker's session, recording it
   * into memory_fd; fills res. Returns 0, or -1 when the execution could not
   * be recorded. */
  int (*execute)(void *ctx, struct session_ctx *session, uint64_t idx, struct session_result *res);
  /* In the parent: one result (its recording, if any, is back in
   * memory_fd). Returns 1 to go on, 0 to stop, -1 on error. */
  int (*take)(void *ctx, const struct session_result *res, uint64_t idx);
  /* In the parent, between results: true when it is time to stop. */
  bool (*time_up)(void *ctx);
  int memory_fd; /* the parent's memory file */
  void *ctx;
};

/* Runs executions 0 .. max-1 (fewer if stopped) on `jobs` workers.
 * Returns 1 when they all ran or the time ran out, 0 when take asked to
 * stop, -1 on an error (said on stderr; a worker that failed is one). */
int jobs_run(unsigned jobs, uint64_t max, const struct jobs_hooks *h);

#endif
