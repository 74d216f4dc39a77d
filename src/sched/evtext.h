/*
 * evtext: how events read, in words. The one place that knows how each kind
 * of event (event.h) is put for people, for `dara show` and for replay's
 * divergence messages, naming threads and objects through a names store
 * (names.h): one filled from a loaded file for show, the live session's for
 * replay.
 *
 * The two callers phrase an event differently, so there are two forms:
 *   evtext_what      what happened, without the thread, as show's lines
 *                    have it: "mutex_lock mutex#2 (prog+0x4040)"; a thread
 *                    is named by its creation site, an undefined object as
 *                    "#4";
 *   evtext_sentence  a sentence naming the thread, as replay reports it:
 *                    "thread 0:1 worker (prog+0x11a9#0) runs mutex_lock
 *                    mutex#2 (prog+0x4040)"; threads and objects as
 *                    names_thread_text and names_object_text write them.
 *
 * The texts are raw: a name or a label from the program may hold any byte,
 * and the caller escapes the text for its output. Only a system call's data
 * excerpt, which may hold NUL, is escaped here (as \xNN).
 */
#ifndef DARA_SCHED_EVTEXT_H
#define DARA_SCHED_EVTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "sched/event.h"

struct names;
struct sched_file;

/* Enough for any text below: the longest is a system call with its
 * arguments and 64 bytes of data, each escaped to 4 characters. */
#define EVTEXT_LEN 1024

/* What ev did, without the thread: "mutex_lock mutex#2 (prog+0x4040)",
 * "creates 0:2 worker", "balance = -70". Labels (logged variables,
 * assertions, properties) and the command a process starts come from f;
 * with f NULL a label reads "#id" and a process starts unnamed. */
void evtext_what(const struct names *n, const struct sched_file *f, const struct dara_event *ev,
                 char *buf, size_t len);

/* ev as a sentence naming its thread, for replay's divergence messages:
 * "thread 0:1 worker (prog+0x11a9#0) runs mutex_lock mutex#2 (prog+0x4040)",
 * "process 0 killed by SIGSEGV". */
void evtext_sentence(const struct names *n, const struct dara_event *ev, char *buf, size_t len);

/* A SYSCALL event: the call, its named arguments and result, the data
 * excerpt in double quotes and when the call began and ended:
 * `read(fd=3, count=64) = 11 "hello dara\n"  [1.000001s..1.000002s]`. */
void evtext_syscall(const struct dara_event *ev, char *buf, size_t len);

/* An operation and its objects, as deadlock reports and replay name what
 * a thread is at: "mutex_lock mutex#2 (prog+0x4040)", "recv on fd 4",
 * "thread_join thread 0:2 worker (prog+0x11e3#1)". */
void evtext_operation(const struct names *n, char *buf, size_t len, unsigned proc, unsigned op,
                      uint32_t obj, uint32_t obj2);

/* Where an instruction is, a memory step's pc (offset << 5 | module,
 * region.h): "prog+0x1139" in the executable, named as its main thread's
 * creation site is; "module 1+0x113d" in another module; "?" for 0. */
void evtext_place(const struct names *n, unsigned proc, uint64_t pc, char *buf, size_t len);

/* The text of label id in f; NULL when f does not define it (a verified
 * file always does; callers do not count on it) or f is NULL. */
const char *evtext_label(const struct sched_file *f, int64_t id);

/* The names of a call's recorded arguments (dara_call_args): at most three
 * into names; returns how many. */
#define EVTEXT_ARG_NAME 24
int evtext_call_args(unsigned call, char names[3][EVTEXT_ARG_NAME]);

/* errno's symbolic name ("ECONNREFUSED"), NULL for 0 or an unknown value. */
const char *evtext_errno_name(uint32_t err);

#endif
