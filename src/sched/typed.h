/*
 * typed: standard input typed at a terminal, for `record`; and the same
 * input given back at the same steps, for `replay` (docs/design.md, "Input
 * from outside").
 *
 * A run cannot read a terminal to its end before it starts, as it does a
 * pipe (outside.h): the person types as the programs ask. So when record's
 * standard input is a terminal, the programs read a pipe instead, and dara
 * forwards what is typed into it in chunks: a chunk goes in only when the
 * pipe is empty (everything typed meanwhile goes in as one), and each is
 * recorded with the number of steps the run had taken (an INPUT record),
 * and end of input (Ctrl-D) as a chunk that closes the pipe. A replay
 * writes each chunk into its own pipe once the run has taken as many steps
 * and the pipe is empty: the programs' reads find the same bytes at the
 * same points.
 *
 * While the input is open, a thread that waits for it waits for a person:
 * neither a deadlock nor a hang (session.c asks typed_person).
 */
#ifndef DARA_SCHED_TYPED_H
#define DARA_SCHED_TYPED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/schedfile.h"

struct typed;

/* record: input from the terminal at descriptor tty. The programs' end of
 * the pipe goes into *prog_fd (close-on-exec, to be placed at 0). NULL
 * with a reason in err. */
struct typed *typed_from_terminal(int tty, int *prog_fd, char *err, size_t err_len);
/* replay: the recording's chunks (n of them, which stay the caller's). */
struct typed *typed_from_chunks(const struct sched_input_chunk *c, size_t n, int *prog_fd,
                                char *err, size_t err_len);
void typed_free(struct typed *t);

/* Moves the input along, the run having taken `steps` steps: record reads
 * what was typed and forwards it when the pipe is empty, telling `chunk`
 * (may be NULL) of each; replay writes the chunks that are due. */
void typed_pump(struct typed *t, uint64_t steps,
                void (*chunk)(void *ctx, const struct sched_input_chunk *c), void *ctx);

/* Whether only a person can end a wait for input now: record, the
 * terminal not at its end, and the pipe empty. */
bool typed_person(const struct typed *t);

/* Waits up to timeout_ms for the terminal to have input (record); false
 * when it has none (or in replay). */
bool typed_wait(const struct typed *t, int timeout_ms);

#endif
