/*
 * racy: the places of data races, as `--points racy` uses them.
 *
 * `dara explore --points racy` runs in two phases: a probe of a few
 * executions under --points all, whose race detector (races.h) names the
 * instructions that took part in a data race (both sides of each race),
 * and then the rest of the exploration under racy, where a plain access is
 * a scheduling point only at one of those places (abi/region.h,
 * dara_racy). A place is a module, by path, and an offset: a process
 * numbers its modules in the order it meets them, which the points change.
 */
#ifndef DARA_SCHED_RACY_H
#define DARA_SCHED_RACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "abi/region.h"
#include "sched/races.h"

/* A set of places being gathered. */
struct racy_set {
  struct dara_racy places;
  bool more; /* some places were not kept (no room, or no module path) */
};

/* Adds the place (module path, offset) to set. Returns 1 when it is new, 0
 * when it was there already, -1 when it cannot be kept: the set is full, or
 * the path is empty or too long (set->more). */
int racy_add(struct racy_set *set, const char *module, uint64_t offset);

/* Adds both places of race x, whose pcs are as the region's control block
 * of its process encodes them (offset << 5 | module index), the modules
 * named by that block: read from the region, so checked. A place dara
 * could not locate (no pc, a module the block does not have) is left out. */
void racy_add_race(struct racy_set *set, const struct dara_region *region, const struct race *x);

/* Place i of r as `dara show` names it: the module's basename and the
 * offset, "racy_counter+0x133d" (r checked: "?" for what it cannot hold). */
void racy_place_text(const struct dara_racy *r, uint32_t i, char *buf, size_t len);

/* The number of places in set. */
static inline unsigned racy_count(const struct racy_set *set) { return set->places.nplaces; }

/* --racy-probe's default: the executions of the first phase when the
 * exploration may run max_schedules in all: a tenth, 1 to 100. */
uint64_t racy_default_probe(uint64_t max_schedules);

/* An exploration under --points racy: its phases and what they found. */
struct racy_phases {
  uint64_t probe;                        /* executions to run in the first phase */
  bool second;                           /* the second phase began */
  uint64_t probe_schedules, probe_steps; /* what the first phase ran */
  struct racy_set found;                 /* the places its races named */
};

/* The summary's line on the phases, given the exploration's totals. */
void racy_print_summary(FILE *out, const struct racy_phases *ph, uint64_t schedules,
                        uint64_t steps);
/* The same as a JSON member: `"racy": {...}, ` (the comma and space too). */
void racy_print_json(FILE *out, const struct racy_phases *ph, uint64_t schedules, uint64_t steps);

#endif
