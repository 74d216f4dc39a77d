/*
 * policy: who runs next.
 *
 * At every scheduling point the session offers the policy the candidates:
 * every parked routine of every live process that is ENABLED, or, when none
 * is, every one that is TIMED (so a timeout fires only when nothing else can
 * run, as virtual time would have it). The policy picks one.
 *
 * Record and explore get their policies from a strategy (strategy.h);
 * replay is a policy too (replay.c): it takes the routine the file names.
 * The random choices come from a seeded generator (xoshiro256**), so the
 * same seed gives the same schedule.
 */
#ifndef DARA_SCHED_POLICY_H
#define DARA_SCHED_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/region.h"

struct dara_event;

struct candidate {
  uint8_t proc;
  uint16_t routine;
  uint8_t status; /* DARA_RS_ENABLED or DARA_RS_TIMED */
  uint16_t op;
  uint32_t obj;
  uint32_t obj2;
  uint64_t deadline; /* TIMED: virtual time its timer fires */
};

/* A fault the session could inject now (explore --faults, docs/faults.md). */
struct fault_option {
  uint8_t kind; /* enum dara_fault (event.h) */
  uint8_t proc;
  uint32_t obj; /* a reset's descriptor; a partition's group (bit i: the program
                   of command line i is on one side, the others on the other) */
};

/* A plan's particulars (policy.plan). */
struct policy_plan {
  uint32_t choices;                  /* DEFAULT, PRIORITY: steps (choices) it covers */
  uint64_t prio[DARA_PLAN_ROUTINES]; /* PRIORITY: per routine of the process */
  uint64_t rng[4];                   /* RANDOM: the generator's state */
  uint32_t len;                      /* LIST: the routines, in order */
  uint16_t list[DARA_PLAN_LIST_LEN];
};

struct policy {
  const char *name;
  /* Returns an index into cands (n >= 1), or -1 to stop the run (the policy
   * has said why, e.g. a replay divergence). last_* is the routine that ran
   * the previous step (proc 255 before the first). */
  int (*choose)(struct policy *p, const struct candidate *cands, size_t n, unsigned last_proc,
                unsigned last_routine);
  /* Optional: routine `routine` of proc is a new thread (its slot may have
   * served another before), so whatever the policy kept for the slot is
   * forgotten. */
  void (*thread_new)(struct policy *p, unsigned proc, unsigned routine);
  /* Optional (NULL: 0). Called right after choose picked cands[chosen] and
   * its step was emitted: how many of the next choose calls (at most max)
   * are already known to pick cands[chosen] again, given the same
   * candidates in the same order (only the chosen one's op and objects may
   * differ) and the chosen routine as the last to run. Must not change the
   * policy's state: the session still calls choose for each of those steps
   * and checks it does pick the same routine (a memory lease, session.c). */
  uint32_t (*lease)(struct policy *p, const struct candidate *cands, size_t n, size_t chosen,
                    uint32_t max);
  /* Optional (NULL: no plans). Called right after choose picked a routine
   * and its step was emitted: whether the policy's next choices follow a
   * rule the shim can apply itself (abi/region.h, "Plans"), filling out:
   * DARA_PLAN_DEFAULT (policy_default_index) for at most out->choices
   * steps with more than one candidate (at most max), DARA_PLAN_RANDOM
   * (rng_below on the generator whose state goes into out->rng), or
   * DARA_PLAN_LIST (the routines of the process's next steps, in order,
   * into out->list), or DARA_PLAN_PRIORITY for at most out->choices steps
   * (the priorities of process proc's routines into out->prio);
   * DARA_PLAN_NONE when they follow none. Must not change the policy's
   * state: the session still calls choose for each step the shim took. */
  unsigned (*plan)(struct policy *p, unsigned proc, uint32_t max, struct policy_plan *out);
  /* Optional: every event of the run as it is emitted (a strategy that
   * learns from what the steps did: dpor.h). */
  void (*event)(struct policy *p, const struct dara_event *ev);
  /* Optional: at a scheduling point of a run that may still inject a fault
   * (session_config.faults, fewer than max_faults so far), before choose:
   * the index into opts (nopts >= 1) of the fault to inject now, -1 for
   * none (choose is called next, with the same cands), or nopts or more to
   * stop the run (the policy has said why). last_* as for choose; steps:
   * the steps run so far.
   * After a fault the session looks at the candidates again. n == 0 when
   * no thread can run though some wait (the run is a deadlock unless a
   * fault is injected): then opts are restarts and heals only. */
  int (*fault)(struct policy *p, const struct fault_option *opts, size_t nopts,
               const struct candidate *cands, size_t n, unsigned last_proc, unsigned last_routine,
               uint64_t steps);
  /* Optional (NULL: never; branch snapshots, session_config.branch): before
   * choose, the number of ways this point branches when the policy would run
   * every one of them from here, in order (dfs at a new level), or
   * POLICY_BRANCHES_OPEN when the executions of the subtree from here are
   * known one at a time (dpor: each says what comes next), else 0. The
   * session may then run each branch from a snapshot (sched/branch.c) and
   * calls branch_taken with the one this process goes on with (k, of n), or
   * k = -1 when it made none, or POLICY_BRANCH_DONE when every branch was
   * run by other processes (open: the execution ends, not counted), before
   * choose. branches must not change the policy's state. */
  unsigned (*branches)(struct policy *p, const struct candidate *cands, size_t n,
                       unsigned last_proc, unsigned last_routine);
  void (*branch_taken)(struct policy *p, int k, unsigned n);
  /* Open branches: after the process of a branch ended and its report was
   * taken (session_config.branch.wait), whether another starts from here. */
  bool (*branch_more)(struct policy *p);
  /* Set by the session before lease, plan and branches: the run can be
   * copied and its steps are slow (50 us or more on average since its
   * copy started), so that a stop at each costs little next to them, and
   * a snapshot anywhere may pay. dpor then also stops its leases and plans
   * at states where a snapshot might serve later executions. */
  bool branch_soon;
  void *ctx;
};

#define POLICY_BRANCHES_OPEN UINT_MAX
#define POLICY_BRANCH_DONE (-2)

/* The candidate that goes on by default: the routine that ran last if it
 * can, else the next one after it in (process, routine) order (the first
 * when none comes after). cands are in that order. */
size_t policy_default_index(const struct candidate *cands, size_t n, unsigned last_proc,
                            unsigned last_routine);

struct rng {
  uint64_t s[4];
};
void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n), n >= 1. */
uint64_t rng_below(struct rng *r, uint64_t n);

#endif
