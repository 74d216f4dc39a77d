/*
 * pairs: interleaving coverage, the distinct orders of conflicting steps
 * that executions reached.
 *
 * Within an execution, each step is classified as partial-order reduction
 * classifies it (deps.h): the objects it touches and how. When a step
 * conflicts with the step before it on one of its objects, and that step
 * was another thread's, the two were ordered by the schedule: the pair
 * (earlier step's place and operation, later step's place and operation)
 * is one interleaving. Swapping them gives the reverse pair, a different
 * one. The count of distinct pairs over an exploration says how many
 * orders of conflicting operations it tried, which block coverage cannot:
 * two schedules can run the same code with the writes in another order.
 *
 * A place is where the step's operation is in the program (its process,
 * module index and offset): the same in every execution that numbers the
 * process's modules the same way, which executions of one program do as
 * long as they meet its modules in the same order.
 */
#ifndef DARA_SCHED_PAIRS_H
#define DARA_SCHED_PAIRS_H

#include <stdint.h>

struct dara_event;
struct pairs;

/* The pairs reached are kept in a shared mapping: processes forked from
 * this one (explore's workers) add to the same set, each with its own
 * execution state. */
struct pairs *pairs_new(void);
void pairs_free(struct pairs *p);

/* A new execution starts: the last steps of the previous one are forgotten. */
void pairs_begin(struct pairs *p);
/* Every event of the execution, in order (only steps count). */
void pairs_event(struct pairs *p, const struct dara_event *ev);
/* The execution is over: how many of its pairs no earlier one reached. */
uint64_t pairs_end(struct pairs *p);
/* The pairs this execution found so far are not its to count: a copy of
 * the run made at a branch point (sched/branch.c) that takes another branch
 * than the first, whose execution counted them. */
void pairs_forget_fresh(struct pairs *p);
/* Distinct pairs reached so far (by every process sharing the set; at
 * most 1,572,864 are kept). */
uint64_t pairs_count(const struct pairs *p);

#endif
