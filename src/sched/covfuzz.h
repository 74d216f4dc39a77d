/*
 * covfuzz: the schedules of `--strategy cov`, a greybox fuzzer over
 * schedules.
 *
 * A schedule is the list of choices it made at the points that offered
 * more than one candidate, each an option index in the default-first
 * order of strategy.c (0: the default, the thread that ran last goes on).
 * The program is deterministic under a schedule, so running a list again
 * runs the same execution up to where a change makes it differ.
 *
 * The corpus holds the schedules of executions that reached something new
 * (blocks of a dara-cc build, coverage.h; pairs of conflicting steps in a
 * new order, pairs.h). Each execution either
 *   - takes a corpus entry and mutates it, one to three times: a choice
 *     changed to another candidate (a switch added or moved), a switch
 *     moved a few points earlier or later, a switch removed (back to the
 *     default), or the tail past a point replaced by random choices; past
 *     the end of the list, the default; or
 *   - (one in four, and while the corpus is empty) chooses at random, as
 *     --strategy random does, to find new ground.
 * Everything comes from a generator seeded with (seed, execution index),
 * and the corpus grows the same way each time: the same seed and program
 * give the same schedules. Not seekable: each execution depends on what
 * the earlier ones found, so it runs one execution at a time.
 */
#ifndef DARA_SCHED_COVFUZZ_H
#define DARA_SCHED_COVFUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "sched/policy.h"

struct covfuzz;

struct covfuzz *covfuzz_new(void);
void covfuzz_free(struct covfuzz *f);

/* Plans execution `index` with rng (seeded for it). */
void covfuzz_begin(struct covfuzz *f, struct rng *rng);
/* The choice at a point with n >= 2 candidates: an option index (0: the
 * default). */
uint32_t covfuzz_choose(struct covfuzz *f, struct rng *rng, uint32_t n);
/* How many of the next points are known to take the default (a lease:
 * policy.h), at most max. */
uint32_t covfuzz_lease(const struct covfuzz *f, uint32_t max);
/* The execution is over; fresh: what it reached that none before had. It
 * joins the corpus when fresh > 0. */
void covfuzz_end(struct covfuzz *f, uint64_t fresh);

/* Schedules in the corpus. */
size_t covfuzz_corpus(const struct covfuzz *f);

#endif
