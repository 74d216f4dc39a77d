/*
 * handoff: passing the turn through a 32-bit word in shared memory.
 *
 * A turn word holds a small value (enum dara_turn or enum dara_gate) and, in
 * its top bit, DARA_WORD_SLEEPER. Each word has one waiter at a time and one
 * giver at a time.
 *
 *   waiter (handoff_wait): spin briefly reading the word; then set the sleeper
 *     bit with compare-and-swap and sleep in FUTEX_WAIT on the word, expecting
 *     the value with the bit. If the giver changed the word in between, the
 *     CAS or the FUTEX_WAIT fails and the waiter reads the word again.
 *   giver (handoff_give): exchange in the new value (clearing the bit); if
 *     the old value had the bit, FUTEX_WAKE the word.
 *
 * No wake-up is lost: the waiter only sleeps while the word still holds the
 * value it saw with the bit set, and any give clears that bit and then wakes.
 * tests/model/handoff.pml checks this with Spin. The spin is short because
 * these machines have two cores: a long spin would starve the thread we wait
 * for. Futexes are not private: the word is shared between processes.
 */
#ifndef DARA_SHM_HANDOFF_H
#define DARA_SHM_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

/* How many times handoff_wait polls before it sleeps. */
#define HANDOFF_SPINS 200

/* Stores `value` in *word and wakes the waiter if it sleeps. */
void handoff_give(uint32_t *word, uint32_t value);

/* Waits until *word == value (ignoring the sleeper bit). Returns true then.
 * With timeout_ms >= 0, returns false when that many milliseconds have passed
 * (whatever wakes the sleep in between) or a signal interrupted the sleep,
 * so the caller can check for other events (a child that died, a watchdog)
 * and call again. timeout_ms < 0 waits forever. */
bool handoff_wait(uint32_t *word, uint32_t value, int timeout_ms);

/* handoff_wait with its phases chosen: `spins` polls with a pause, then
 * up to `yields` polls separated by sched_yield, then sleep. The scheduler
 * waits with yields for a thread it just woke: a futex wake-up takes longer
 * than the spin, and if the scheduler slept too, the thread would have to
 * wake it in turn, paying the wake-up twice per switch; yielding rather than
 * spinning gives the core away whenever the thread is waiting for it. A
 * thread that parks blocked waits with no spin at all: it cannot be chosen
 * next, and its spin would only take a core from those that can run. */
bool handoff_wait_ex(uint32_t *word, uint32_t value, int timeout_ms, int spins, int yields);

/* The value of *word without the sleeper bit. */
uint32_t handoff_peek(const uint32_t *word);

#endif
