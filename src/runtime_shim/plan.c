/*
 * plan.c: the steps a process chooses for itself under a plan
 * (abi/region.h, "Plans"): its candidates and the rule that picks one.
 *
 * The candidates are what the scheduler's would be with this process the
 * only one under control and nothing waiting for a timer or a descriptor:
 * its enabled routines, in routine order. Where that does not hold, or the
 * chosen step is one the scheduler must take itself, the plan ends and the
 * point goes to the scheduler as any other. The scheduler checks every step
 * logged here against its own policy (drain.c), so a rule that differed
 * from the policy's would be caught, not followed.
 */
#include "runtime_shim/shim.h"

#include "abi/rng.h"

/* Only the control block it is given: tests/unit/test_plan.c links this
 * file alone. */

/* A step at op changes what only the scheduler keeps (fairness counts a
 * yield or a spin-read; an exit frees a slot; fork and exec take another
 * control block; I/O and sleep wait on the world): it takes it itself. */
static bool scheduler_step(unsigned op) {
  return op == DARA_OP_YIELD || op == DARA_OP_SLEEP || dara_op_is_memory(op) || dara_op_is_io(op) ||
         op == DARA_OP_THREAD_EXIT || op == DARA_OP_PROC_EXIT || op == DARA_OP_PROC_EXEC ||
         op == DARA_OP_PROC_FORK;
}

int shim_plan_choose(struct dara_proc *p, uint32_t nr, int me, uint64_t *enabled) {
  if (nr > DARA_PLAN_ROUTINES)
    return -1;
  int cands[DARA_PLAN_ROUTINES];
  unsigned n = 0;
  uint64_t mask = 0;
  for (uint32_t i = 0; i < nr; i++) {
    const struct dara_routine *r = &p->routines[i];
    if (r->status != DARA_RS_FREE && r->status != DARA_RS_EXITED && r->op >= DARA_OP_COUNT)
      return -1; /* written by the program: the scheduler names it */
    switch (r->status) {
    case DARA_RS_FREE:
    case DARA_RS_EXITED:
      continue;
    case DARA_RS_BLOCKED:
      if (r->deadline != 0 || dara_op_is_io(r->op))
        return -1; /* a timer or a descriptor could wake it: the scheduler's call */
      continue;
    case DARA_RS_ENABLED:
      if (r->deadline != 0 || dara_op_is_io(r->op))
        return -1;
      cands[n++] = (int)i;
      mask |= UINT64_C(1) << i;
      continue;
    default: /* TIMED, or another routine running */
      return -1;
    }
  }
  if (n == 0 || (n > 1 && p->plan_choices == 0))
    return -1; /* a deadlock to report, or a choice the policy makes itself */
  unsigned k = 0;
  uint32_t pos = p->plan_pos;
  if (p->plan == DARA_PLAN_LIST) {
    /* The next routine listed, if it can run: else the scheduler tells
     * what happened instead (a replay's divergence). */
    if (pos >= p->plan_len || pos >= DARA_PLAN_LIST_LEN)
      return -1;
    uint32_t want = p->plan_list[pos];
    while (k < n && (uint32_t)cands[k] != want)
      k++;
    if (k == n)
      return -1;
  } else if (p->plan == DARA_PLAN_PRIORITY) {
    for (unsigned i = 0; i < n; i++) {
      uint64_t prio = p->plan_prio[cands[i]];
      if (prio == 0)
        return -1; /* a thread PCT has not seen: it draws its priority */
      if (prio > p->plan_prio[cands[k]])
        k = i;
    }
  } else if (p->plan == DARA_PLAN_RANDOM) {
    k = (unsigned)dara_rng_below(p->plan_rng, n);
  } else if (p->plan == DARA_PLAN_DEFAULT) {
    /* policy_default_index, with this routine the last to run */
    while (k < n && cands[k] < me)
      k++;
    if (k == n)
      k = 0;
  } else {
    return -1;
  }
  int chosen = cands[k];
  if (scheduler_step(p->routines[chosen].op))
    return -1;
  if (n > 1)
    p->plan_choices--;
  if (p->plan == DARA_PLAN_LIST)
    p->plan_pos = pos + 1;
  *enabled = mask;
  return chosen;
}
