/*
 * world: what the programs under test told dara through dara/dara.h during
 * one run: the labels (names and string values, by id), the latest value of
 * every logged variable of every process, and the global properties loaded
 * from a --props shared object, checked against those values.
 *
 * Label ids are handed out in first-use order, so a replay produces the same
 * ids as its recording. Everything here is bounded: a program that logs more
 * distinct names than WORLD_MAX_LABELS gets an error, not unbounded memory.
 */
#ifndef DARA_SCHED_WORLD_H
#define DARA_SCHED_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/region.h"

#define WORLD_MAX_LABELS 4096
#define WORLD_MAX_VARS 1024

struct world;
struct props;

struct world *world_new(void);
void world_free(struct world *w);
/* Forgets every label and variable; nprocs processes take part. */
void world_reset(struct world *w, int nprocs);

/* The id (1-based) of text, interning it if new (*is_new then true).
 * Returns 0 when the table is full. */
uint32_t world_label(struct world *w, const char *text, bool *is_new);
const char *world_label_text(const struct world *w, uint32_t id);

/* Records that process proc set variable `name` (a label) to a value:
 * an int64, the bits of a double, or (type 2) the label of a string.
 * Returns -1 when the variable table is full. */
int world_set(struct world *w, unsigned proc, uint32_t name, unsigned type, uint64_t value);

/* "0:balance=70 1:balance=50 ..." for reports. */
void world_describe(const struct world *w, char *buf, size_t len);

/* Loads dara_properties[] from a shared object. Returns NULL with a reason
 * in err when it cannot. */
struct props *props_load(const char *path, char *err, size_t err_len);
void props_free(struct props *p);
/* Checks every property; returns the name of the first that fails, or NULL. */
const char *props_check(const struct props *p, const struct world *w);

#endif
