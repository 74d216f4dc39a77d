/*
 * outside: what a run takes from the world outside it, taken once and kept,
 * so that every execution of explore and every replay runs in the same
 * world, wherever and however it is started (struct sched_world, the WORLD
 * record of the schedule file):
 *
 *   - each program's file, by absolute path (a replay under another PATH or
 *     from another directory runs the same file);
 *   - the environment dara was given, which the programs are started with
 *     (a replay restores it: a variable set or unset since changes nothing),
 *     less dara's own knobs (DARA_SHIM, DARA_CPU, ...: they configure the
 *     dara that runs, not the program);
 *   - standard input. dara reads it to its end before the first run and
 *     gives every process of every run a copy from the start, so a replay
 *     needs no input and input that comes late is waited for rather than
 *     seen as a deadlock. A copy rather than recording each read (as rr
 *     does): libc's own reads (fgets, scanf) do not pass through the shim,
 *     and a copy read from the start makes their results the same in every
 *     run. A terminal is not read here: record feeds what is typed as
 *     the run goes (typed.h), explore gives an empty input (thousands of
 *     runs cannot each wait for a person);
 *   - the other descriptors dara was given (a pipe at 3, a file at 4): a
 *     readable pipe or file is read to its end, as standard input is, and
 *     every run gets a copy at the same number; any other (a socket, a
 *     terminal, a descriptor open only to write) is passed as it is. The
 *     numbers are kept, so a replay gives its programs the same ones and
 *     no others (/dev/null where the replay's dara was not given one): a
 *     program's next descriptor number is the same as in the recording.
 *
 * Files a program opens itself are kept by infiles.h.
 */
#ifndef DARA_SCHED_OUTSIDE_H
#define DARA_SCHED_OUTSIDE_H

#include <stddef.h>

#include "sched/schedfile.h"

/* Notes which descriptors above 2 dara was given: call first thing in
 * main, before dara opens any. */
void outside_note_inherited(void);

/* Fills w for a new run of the n programs cmds, started in dir: their
 * paths, dara's environment, and standard input (from descriptor in_fd,
 * normally 0) read to its end. A line on stderr says so when the input
 * keeps dara waiting. Returns 0, or -1 with a reason in err (w is then
 * freed). */
int outside_take(struct sched_world *w, const struct sched_cmd *cmds, int n, const char *dir,
                 int in_fd, char *err, size_t err_len);

/* Frees what outside_take allocated (not a loaded file's world: that goes
 * with schedfile_free). */
void outside_free(struct sched_world *w);

/* A sealed memory file (close-on-exec) holding the len bytes of data, the
 * same for every run: no process can change them. what names the input in
 * messages. -1 with a reason in err. */
int outside_sealed_copy(const uint8_t *data, uint64_t len, const char *what, char *err,
                        size_t err_len);

/* A descriptor holding w's standard input (a sealed memory file), to be
 * reopened by each context (outside_reopen); -1 with a reason in err. */
int outside_input_fd(const struct sched_world *w, char *err, size_t err_len);

/* The descriptors above 2 the programs get (launcher.h), from w: a copy
 * for each one read to its end (a sealed memory file, close-on-exec, to
 * be reopened by each context), the descriptor itself for one passed as
 * it is, or /dev/null for one a replay's dara was not given. At most
 * SCHED_FDS_MAX into fds; returns how many, or -1 with a reason in err
 * (the copies made so far closed). */
struct launch_fd;
int outside_fds(const struct sched_world *w, struct launch_fd *fds, char *err, size_t err_len);

/* A read-only descriptor of its own onto the input of fd (its own file
 * offset, so that runs in other processes do not move it), close-on-exec;
 * -1 on failure. */
int outside_reopen(int fd);

#endif
