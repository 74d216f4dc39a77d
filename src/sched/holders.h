/*
 * holders: who holds what, as far as a run's events tell, for the deadlock
 * report. The region names one thread a blocked one waits for
 * (dara_routine.waits_for: a mutex's owner, an rwlock's writer); the
 * shim's model of an rwlock only counts its readers, and a semaphore has
 * no holder at all. So the scheduler follows the steps itself: each read
 * hold of an rwlock (a step of rdlock, or a try or timed form whose result
 * was 0) until the same thread's unlock, and the last thread that posted
 * each semaphore.
 *
 * A thread that exits holding a read lock keeps holding it: when its slot
 * is given to a new thread (a CREATE), the hold is kept as one of "a
 * thread that has exited". Holds are kept for up to HOLDERS_MAX objects and
 * threads at once; past that, some are not known (holders_readers says so).
 */
#ifndef DARA_SCHED_HOLDERS_H
#define DARA_SCHED_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dara_event;
struct holders;

#define HOLDERS_MAX 4096
/* The routine of a hold whose thread has exited and whose slot was reused. */
#define HOLDERS_EXITED 0xffffu

struct holders *holders_new(void);
void holders_free(struct holders *h);
/* Forgets everything: a new run. */
void holders_reset(struct holders *h);
/* Takes in one event of the run, in order. */
void holders_event(struct holders *h, const struct dara_event *ev);
/* The threads of process proc that hold rwlock obj for reading, each once
 * (HOLDERS_EXITED for those that have exited), up to max into out. Returns
 * how many there are; *unsure is set when some holds were not kept. */
size_t holders_readers(const struct holders *h, unsigned proc, uint32_t obj, uint16_t *out,
                       size_t max, bool *unsure);
/* The last thread of proc that posted semaphore obj (HOLDERS_EXITED if it
 * has exited), or -1 when none did in this run. */
int holders_last_post(const struct holders *h, unsigned proc, uint32_t obj);

#endif
