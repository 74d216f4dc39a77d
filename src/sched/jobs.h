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
 * done (first bug, time limit, error, an interrupt). Workers die with the
 * parent; on an interrupt (session_interrupted) a worker stops without
 * sending the execution it cut short.
 *
 * A strategy that walks one tree (dpor) cannot be cut by index; it shares
 * its tree instead (jobs_run_tree). Worker 0 starts at the root, the others
 * idle. A worker runs what its part of the tree holds; when some are idle
 * it gives away a branch it has yet to run (a task) through the parent,
 * which hands it to an idle worker or keeps it for the next one. When every
 * worker is idle and no task is left, the whole tree has been run: messages
 * from one worker come in order, so a task it gave is with the parent
 * before its word that it is idle.
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

  /* jobs_run_tree only (execute, above, is not used). In a worker: runs its
   * next execution into memory_fd and fills res; *counted is false for one
   * that is no schedule of its own (dpor's redundant ones: not sent).
   * Returns 1, 0 when the worker has nothing left to run, -1 on error. */
  int (*execute_next)(void *ctx, struct session_ctx *session, struct session_result *res,
                      bool *counted);
  /* In a worker: gives away part of what it has left (a malloc'd task),
   * or returns false. */
  bool (*split)(void *ctx, void **task, size_t *len);
  /* In an idle worker: takes a task. False when it cannot (said). */
  bool (*adopt)(void *ctx, const void *task, size_t len);
  /* In a worker: its figures so far, into buf (at most cap bytes); their
   * length. Sent after each execution and when it goes idle. */
  size_t (*figures)(void *ctx, void *buf, size_t cap);
  /* In the parent: worker k's latest figures. */
  void (*take_figures)(void *ctx, unsigned k, const void *buf, size_t len);

  int memory_fd; /* the parent's memory file */
  /* jobs_run_tree: one worker whose results come in the order one process
   * would run them (dfs from branch snapshots): none in flight when it
   * stopped is taken, as one process would not have run it. */
  bool serial;
  void *ctx;
};

/* In a worker: whether the parent said to stop (a process a worker
 * forked, for a branch of its tree, sees it too: sched/branch.c). */
bool jobs_stopping(void);

/* Runs executions 0 .. max-1 (fewer if stopped) on `jobs` workers.
 * Returns 1 when they all ran or the time ran out, 0 when take asked to
 * stop, -1 on an error (said on stderr; a worker that failed is one). */
int jobs_run(unsigned jobs, uint64_t max, const struct jobs_hooks *h);

/* Runs the executions of a tree shared between `jobs` workers, at most max
 * of them counted. Returns 2 when the whole tree was run, 1 when max
 * executions were or the time ran out, 0 when take asked to stop, -1 on an
 * error (said). */
int jobs_run_tree(unsigned jobs, uint64_t max, const struct jobs_hooks *h);

#endif
