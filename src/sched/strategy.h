/*
 * strategy: how `dara explore` picks the schedule of each execution, and
 * `dara record` the schedule of its one execution (--policy random|rr).
 *
 * A strategy hands out one policy per execution (strategy_begin), sees the
 * execution's length when it ends (strategy_end), and says when the space it
 * searches is exhausted. The same seed gives the same sequence of schedules.
 *
 *   dfs     Depth-first search over the choices at the first N scheduling
 *           points (N = --depth); after that a fixed default (the running
 *           thread goes on while it can, then the next one in order). Every
 *           prefix is run once; "exhausted" when the bounded tree is done.
 *           Choices at a point are ordered default first, so the first
 *           execution is the default schedule.
 *   random  A seeded uniform choice among the runnable threads at every
 *           point; execution i uses seed (seed, i). --depth is unused.
 *   pct     Probabilistic concurrency testing (Burckhardt et al., 2010):
 *           random distinct priorities for threads as they appear, the
 *           highest-priority runnable thread runs, and at d-1 random steps
 *           (spread over the steps of execution 0; 100 for it) the
 *           running thread drops to the lowest priorities. Execution 0
 *           calibrates the rest, not the longest run so far: then each
 *           execution depends on its index alone, and workers (--jobs) and
 *           shards that run execution 0 first run the same executions as
 *           one process does. A bug of depth d among n threads and k
 *           steps is found with probability >= 1/(n k^(d-1)) per execution.
 *           d = --pct-depth (default 3).
 *   pb      Iterative preemption bounding (CHESS): depth-first search over
 *           whole executions with at most b preemptions, for b = 0, 1, ...,
 *           --depth. A preemption is switching away from a thread that could
 *           have gone on; switches at blocking points are free.
 *   dpor    Dynamic partial-order reduction (dpor.h): one execution per
 *           Mazurkiewicz trace of the program's steps; "exhausted" when
 *           every trace has been run. With --depth N, bounded POR: only
 *           executions with at most N preemptions, yet every trace that
 *           has one.
 *   mix     The default: executions take turns between pct (depth 1, 2, 3 in
 *           rotation) and random, which finds shallow bugs fast.
 *   cov     Coverage-guided (covfuzz.h): mutates the schedules of earlier
 *           executions that reached new blocks or new orders of conflicting
 *           steps (strategy_reward says what each reached).
 *
 * Record offers random (its default: the first execution of random above,
 * which uses the seed itself) and
 *   rr      Non-preemptive round robin: the running thread goes on while it
 *           can; then the next candidate after it in (process, routine)
 *           order. Like a uniprocessor without time slices.
 */
#ifndef DARA_SCHED_STRATEGY_H
#define DARA_SCHED_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sched/policy.h"

struct strategy;

struct strategy_options {
  const char *name; /* dfs, random, pct, pb, mix, dpor, cov; with record: random, rr */
  bool record;      /* the names are record's policies (--policy), not explore's */
  uint64_t seed;
  unsigned depth;      /* dfs: explored points; pb: maximum preemption bound */
  unsigned pct_depth;  /* pct: the bug depth d */
  unsigned bound;      /* dpor: most preemptions per execution; UINT_MAX: none */
  unsigned faults;     /* bit 1 << enum dara_fault for each kind explore --faults
                          injects (random, pct, mix, dfs; see strategy_faults) */
  unsigned max_faults; /* at most this many per execution */
  FILE *traces;        /* if not NULL, each execution's trace in Foata normal
                         form, a line each (dpor_write_foata) */
};

/* Faults (explore --faults, docs/faults.md) are choices too:
 *   random, pct, mix  Execution 0 runs without faults, and its length
 *           calibrates the rest: each later execution injects between 1
 *           and max_faults faults, each after a number of steps drawn
 *           uniformly below execution 0's, into a process drawn among
 *           those that can take it then. The draws come from a generator
 *           of their own, so an execution's thread choices are those of
 *           the same execution without faults up to its first fault.
 *           With restart, each crash is followed by a restart of the
 *           process (when the session offers it) after a number of steps
 *           drawn below half of execution 0's.
 *   dfs, pb At each point (dfs: of the first N), after the choices of a thread,
 *           one choice per fault the session offers (a crash of each live
 *           process while the budget lasts, a restart of each crashed
 *           one): the first execution is the default schedule without
 *           faults. A fault costs pb no preemption.
 * dpor and cov cannot inject faults: strategy_new refuses. */

/* Returns NULL, with the reason in err, for an unknown name (or when out
 * of memory). */
struct strategy *strategy_new(const struct strategy_options *o, char *err, size_t err_len);
void strategy_free(struct strategy *s);

/* Prepares the policy for the next execution. Returns false when the
 * strategy's space is exhausted (dfs, pb). */
bool strategy_begin(struct strategy *s, struct policy *p);
/* Tells the strategy the execution that used p is over, after `steps`. */
void strategy_end(struct strategy *s, uint64_t steps);
/* Before strategy_end: what the execution reached that no earlier one had
 * (new blocks, new pairs of conflicting steps); cov keeps its schedule
 * when it is more than 0. */
void strategy_reward(struct strategy *s, uint64_t fresh);
/* cov: schedules in its corpus; 0 for the others. */
size_t strategy_corpus(const struct strategy *s);

/* Whether the strategy knows what execution 0 tells it (pct and mix: its
 * steps); a process that runs executions out of order runs execution 0
 * first when it does not (strategy_seek(0), and on as usual). */
bool strategy_calibrated(const struct strategy *s);
/* dfs and pb: makes this strategy shard `index` (from 0) of `count` of
 * the tree (shard.h): it walks the whole tree, skips the subtrees other
 * shards own, and runs an execution of another's only when its first
 * choices are not known before it runs (strategy_foreign then says so).
 * False for the other strategies (seekable ones are sharded by index). */
bool strategy_set_shard(struct strategy *s, uint64_t index, uint64_t count);
/* dfs and pb: runs the branches of each new level from a snapshot of the
 * program (policy.branches; sched/branch.c), each in a process of its own
 * that explores the subtree under it: the others' subtrees are not this
 * one's to backtrack into (pb: at the bound of the time; the process that
 * holds the root raises it). dpor: runs the executions of the subtree from where
 * an execution takes its new branch from a snapshot there, each in a
 * process of its own that runs one and reports (dpor.h). False for the
 * other strategies, shards and faults. */
bool strategy_set_branching(struct strategy *s);
/* In a process forked for a branch, once strategy_begin returned false:
 * what it tells the process it was forked from (malloc'd, *len bytes),
 * or false when it has nothing to tell (dfs). */
bool strategy_report(const struct strategy *s, void **report, size_t *len);
/* In that process: takes a branch's report. False when it is not one. */
bool strategy_take_report(struct strategy *s, const void *report, size_t len);
/* pb under branch snapshots: the bound the worker is at (UINT_MAX for the
 * other strategies), and the explore process following it there, for its
 * description. */
unsigned strategy_pb_bound(const struct strategy *s);
void strategy_pb_follow(struct strategy *s, unsigned bound);
/* The last execution was another shard's: not to be counted or reported. */
bool strategy_foreign(const struct strategy *s);
/* While muted, executions write no trace (options.traces): a calibration
 * run is another process's execution. */
void strategy_mute(struct strategy *s, bool muted);

/* Whether executions can be handed out out of order (strategy_seek):
 * random, pct and mix derive each execution from its index; dfs and pb walk
 * one tree in order. */
bool strategy_seekable(const struct strategy *s);
/* Makes the next strategy_begin prepare execution number idx (0-based). */
void strategy_seek(struct strategy *s, uint64_t idx);

/* Whether workers can share the exploration by handing each other what
 * is left of it (dpor: dpor_split), though it is not seekable. */
bool strategy_splits(const struct strategy *s);
/* Before the workers are forked: makes what they share (dpor's claims
 * table, dpor.h). False when out of memory. */
bool strategy_share(struct strategy *s);
/* Between executions: gives away part of what is left to run, as a task
 * (malloc'd), or false when there is nothing to spare. */
bool strategy_split(struct strategy *s, void **task, size_t *len);
/* A strategy with nothing left to run takes another's task: its next
 * executions explore it. False for a task that is not one. */
bool strategy_adopt(struct strategy *s, const void *task, size_t len);

/* dpor: the last execution was abandoned as redundant (every candidate
 * asleep): it is no schedule of its own, and is not counted. */
bool strategy_redundant(const struct strategy *s);
/* Whether "exhausted" means every trace was explored (dpor), rather than a
 * bounded space of choices (dfs, pb). */
bool strategy_proves(const struct strategy *s);
/* dpor: the preemption bound, or UINT_MAX when there is none. */
unsigned strategy_bound(const struct strategy *s);
/* dpor's figures; NULL for the other strategies. */
struct dpor_stats;
const struct dpor_stats *strategy_dpor_stats(const struct strategy *s);

/* A short description for progress lines ("dfs depth 12", "pct d=3"). */
const char *strategy_describe(const struct strategy *s);
/* For dfs and pb: a rough fraction of the bounded space already explored
 * (0..1), or a negative number when it cannot say. */
double strategy_progress(const struct strategy *s);

#endif
