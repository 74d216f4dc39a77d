/*
 * dpor: dynamic partial-order reduction (explore --strategy dpor).
 *
 * Two executions that differ only in the order of independent steps
 * (deps.h) are the same Mazurkiewicz trace: they end the same way. dpor
 * runs one execution per trace, and knows when it has run them all.
 *
 * The algorithm is Source-DPOR with sleep sets (Abdulla, Aronis, Jonsson,
 * Sagonas, "Optimal dynamic partial order reduction", POPL 2014), made
 * stateless over dara's executions: each execution replays a prefix of the
 * last one, takes a new choice at its end, and then goes on. As each step
 * completes dpor computes its vector clock (happens-before: program order,
 * thread creation and deps_ordered) and its races: the earlier steps of
 * other threads it depends on with nothing ordered between them. For a race
 * e before e', dpor makes sure that, from the state before e, some thread
 * that can start the reversed order (an "initial" of the steps after e that
 * do not depend on it, followed by e') is explored. A thread is asleep at a
 * state when an equivalent execution through it was already explored; an
 * execution whose every candidate is asleep is redundant and is abandoned
 * (the session stops it; explore does not count it as a schedule).
 *
 * Threads are told apart across executions by their creation path (a
 * process's main thread, its n-th child, ...), so a recycled routine slot
 * is a new thread.
 */
#ifndef DARA_SCHED_DPOR_H
#define DARA_SCHED_DPOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sched/event.h"
#include "sched/policy.h"

struct dpor;

struct dpor_stats {
  uint64_t executions;        /* begun */
  uint64_t redundant;         /* abandoned: every candidate asleep */
  uint64_t races;             /* races reversed (or found already covered) */
  uint64_t diverged;          /* a replayed prefix offered other threads: the
                          program does not behave the same under the same
                          schedule (then dpor's verdict is no proof) */
  uint64_t longest;           /* steps of the longest execution */
  uint64_t timers;            /* states where a timer could fire (a bounded search
                          does not promise every place a timeout can be) */
  uint64_t claimed_elsewhere; /* branches another worker had claimed */
};

/* NULL when out of memory. An observer explores nothing: it follows the
 * executions another strategy chooses (dpor_chosen, dpor_event), for
 * dpor_write_foata. */
struct dpor *dpor_new(bool observer);
void dpor_free(struct dpor *d);

/* Bounded partial-order reduction: only executions with at most `bound`
 * preemptions (switches away from a thread that could have gone on) are
 * run, with the extra backtracking of Coons et al. (OOPSLA 2013), and
 * without carrying sleep sets down the tree (a thread put to sleep may be
 * the only way, within the bound, to a trace), so that every trace that
 * has such an execution is still run. Not so for timers: where a timeout
 * fires is not always explored within the bound (stats.timers). Call
 * before the first execution. */
void dpor_set_bound(struct dpor *d, uint32_t bound);
/* Starts the next execution; false when every trace has been explored. */
bool dpor_begin(struct dpor *d);
/* policy.h's choose: the index of the candidate to run, or -1 when every
 * candidate is asleep (the execution is redundant). */
int dpor_choose(struct dpor *d, const struct candidate *c, size_t n, unsigned last_proc,
                unsigned last_routine);
/* Every event of the run, in order (STEP, CREATE and SYSCALL matter). */
void dpor_event(struct dpor *d, const struct dara_event *ev);
/* The execution is over (whatever its outcome). */
void dpor_end(struct dpor *d);
/* Observer: the policy chose c for the next step. */
void dpor_chosen(struct dpor *d, const struct candidate *c);
/* policy.h's lease, called after the chosen step was emitted: how many of
 * the next choices are already known to pick the same thread again (at
 * most max), up to a state where a branch snapshot could be made (soon:
 * policy.branch_soon; dpor_branch_point). */
uint32_t dpor_lease(const struct dpor *d, uint32_t max, bool soon);
/* policy.h's plan, called at the same time: the routines of process proc
 * that the next steps of the replayed prefix choose, into list (at most
 * max), up to the first of a thread this execution has not made yet or of
 * another process, or a state where a branch snapshot could be made (soon,
 * as for dpor_lease); how many. Past the prefix dpor's choices depend on
 * its sleep sets: no plan. */
uint32_t dpor_plan(const struct dpor *d, unsigned proc, uint16_t *list, uint32_t max, bool soon);
/* Splitting the exploration between workers (explore --jobs): between
 * executions, dpor_split gives away the shallowest branch this dpor has
 * yet to run, as a task (malloc'd, *len bytes): the path to it, with what
 * the states on it know. The giver never runs that branch, and counts it
 * as explored where a race asks for it. False when there is none to give.
 * dpor_adopt makes a dpor with nothing left to run (exhausted, or new)
 * take a task: its next executions are that branch and what races in it
 * ask for, wherever on the path; it may run some of what another worker
 * runs too (the cost of not sharing the tree), never less. False for a
 * task that is not one. */
bool dpor_split(struct dpor *d, void **task, size_t *len);
bool dpor_adopt(struct dpor *d, const void *task, size_t len);
/* Workers that discover the same branch of a state they share (on the
 * path of a task) would both run it: a claims table, in memory shared by
 * the processes forked after it is made, lets the first one run it and the
 * others take it as given away. NULL when out of memory. */
struct dpor_claims;
struct dpor_claims *dpor_claims_new(void);
void dpor_claims_free(struct dpor_claims *c);
void dpor_set_claims(struct dpor *d, struct dpor_claims *c);
/* Branch snapshots (sched/branch.c, docs/design.md): the executions of
 * the subtree from the state where an execution takes its new branch all
 * replay the same prefix. With branching set (before the first execution),
 * dpor_branch_point says, before the choice there, that the session may
 * copy the program at this point (and at every other state, where the
 * run's steps are slow: soon, policy.branch_soon); every execution of the
 * subtree from it then runs in a fork of dara from a copy, and reports
 * what it learned.
 * The process that made the copy is this dpor's; each fork for a branch
 * calls dpor_branch_child (k = 0: it goes on with the current execution;
 * k > 0: it is the next one) and runs one execution (dpor_begin returns
 * false after it); dpor_report then gives what the parent takes with
 * dpor_take_report, after which dpor_branch_more says whether another
 * execution starts from the copy; when none does, dpor_branch_done
 * abandons the current execution (it is not counted: its branches were
 * run). The executions, their order and their results are those without
 * snapshots. */
void dpor_set_branching(struct dpor *d);
bool dpor_branch_point(const struct dpor *d, bool soon);
void dpor_branch_child(struct dpor *d, unsigned k);
bool dpor_report(const struct dpor *d, void **report, size_t *len);
bool dpor_take_report(struct dpor *d, const void *report, size_t len);
bool dpor_branch_more(const struct dpor *d);
void dpor_branch_done(struct dpor *d);
/* Whether the last execution was abandoned as redundant. */
bool dpor_redundant(const struct dpor *d);
const struct dpor_stats *dpor_stats(const struct dpor *d);

/* Writes the last execution's trace in Foata normal form, one line: its
 * steps in levels (a step's level is one more than the highest level of
 * the steps it depends on), each level's steps sorted, each step named
 * thread.k:op (the k-th step of the thread with that creation path).
 * Executions of the same trace give the same line. */
void dpor_write_foata(const struct dpor *d, FILE *out);

#endif
