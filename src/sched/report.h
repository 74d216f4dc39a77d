/*
 * report: human-readable names for what the scheduler saw: signals, exit
 * statuses, threads ("0:2 worker (prog+0x11e3#1)"), objects
 * ("mutex#2 (prog+0x4040)") and blocked threads, for deadlock reports and
 * divergence messages, and the way a bug's signature names a thread.
 *
 * report.c also writes the deadlock report (report_deadlock): it reads the
 * live run, so it is declared with the run's internals, in session_priv.h;
 * so is report_races (report_races.c), which names a run's data races.
 */
#ifndef DARA_SCHED_REPORT_H
#define DARA_SCHED_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct names;
struct session_race;

/* "SIGSEGV", or "signal 42". Returns a static or thread-unsafe buffer. */
const char *report_signal_name(int sig);
/* "exited with status 3" / "was killed by SIGKILL". */
void report_wait_status(char *buf, size_t len, int status);
/* "thread 0:1 worker (prog+0x11e3) blocked in mutex_lock on mutex#2 (prog+0x4040),
 *  held by thread 0:2 other". */
void report_blocked(const struct names *names, char *buf, size_t len, unsigned proc,
                    unsigned routine, unsigned op, uint32_t obj, uint32_t obj2, int32_t waits_for);
/* "0:prog+0x11e3#1" for a thread's creation site, "0:main" for a main thread
 * or one not defined: how a bug's signature names a thread, the same in
 * every schedule. */
void report_signature_site(const struct names *names, unsigned proc, unsigned routine, char *buf,
                           size_t len);
/* One access of a data race, as ThreadSanitizer puts it: "write of size 4
 * at counter+0 by thread 0:2 worker (prog+0x11e3#1) at prog+0x1139", or,
 * for the earlier access, "previous read of size 4 at ...".
 * (report_races.c) */
void report_race_access(const struct session_race *r, bool previous, char *buf, size_t len);

#endif
