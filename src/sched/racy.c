/*
 * racy.c: gathering the places of data races (racy.h).
 */
#include "sched/racy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int racy_add(struct racy_set *set, const char *module, uint64_t offset) {
  struct dara_racy *r = &set->places;
  if (!module[0] || strlen(module) >= DARA_PATH_LEN) {
    set->more = true;
    return -1;
  }
  if (dara_racy_has(r, module, offset))
    return 0;
  uint32_t m = 0;
  while (m < r->nmodules && strcmp(r->modules[m], module) != 0)
    m++;
  if (r->nplaces == DARA_RACY_PLACES || (m == r->nmodules && m == DARA_RACY_MODULES)) {
    set->more = true;
    return -1;
  }
  if (m == r->nmodules) {
    snprintf(r->modules[m], DARA_PATH_LEN, "%s", module);
    r->nmodules++;
  }
  r->places[r->nplaces++] = (struct dara_racy_place){.module = m, .offset = offset};
  return 1;
}

void racy_place_text(const struct dara_racy *r, uint32_t i, char *buf, size_t len) {
  uint32_t m = i < r->nplaces && i < DARA_RACY_PLACES ? r->places[i].module : UINT32_MAX;
  if (m >= r->nmodules || m >= DARA_RACY_MODULES || !memchr(r->modules[m], 0, DARA_PATH_LEN)) {
    snprintf(buf, len, "?");
    return;
  }
  const char *slash = strrchr(r->modules[m], '/');
  snprintf(buf, len, "%s+0x%" PRIx64, slash ? slash + 1 : r->modules[m], r->places[i].offset);
}

static void add_access(struct racy_set *set, const struct dara_region *region,
                       const struct race_access *a) {
  if (a->proc >= DARA_MAX_PROCS || a->pc == 0)
    return;
  const struct dara_proc *p = &region->procs[a->proc];
  uint32_t m = (uint32_t)(a->pc & 31), n = p->nmodules;
  if (m >= n || m >= DARA_MAX_MODULES)
    return;
  /* As the shim compares it: the path as the block holds it, up to its NUL. */
  char path[DARA_PATH_LEN];
  memcpy(path, p->modules[m].path, DARA_PATH_LEN);
  path[DARA_PATH_LEN - 1] = '\0';
  racy_add(set, path, a->pc >> 5);
}

void racy_add_race(struct racy_set *set, const struct dara_region *region, const struct race *x) {
  add_access(set, region, &x->earlier);
  add_access(set, region, &x->later);
}

uint64_t racy_default_probe(uint64_t max_schedules) {
  uint64_t n = max_schedules / 10;
  return n < 1 ? 1 : n > 100 ? 100 : n;
}

/* steps per execution, 0 for none */
static double per_run(uint64_t steps, uint64_t runs) {
  return runs ? (double)steps / (double)runs : 0;
}

/* What each phase ran, given the exploration's totals: the first phase
 * ran them all when the second never began. */
static void split(const struct racy_phases *ph, uint64_t schedules, uint64_t steps,
                  uint64_t probe[2], uint64_t racy[2]) {
  probe[0] = ph->second ? ph->probe_schedules : schedules;
  probe[1] = ph->second ? ph->probe_steps : steps;
  racy[0] = schedules - probe[0];
  racy[1] = steps - probe[1];
}

void racy_print_summary(FILE *out, const struct racy_phases *ph, uint64_t schedules,
                        uint64_t steps) {
  unsigned n = racy_count(&ph->found);
  uint64_t probe[2], racy[2];
  split(ph, schedules, steps, probe, racy);
  fprintf(out,
          "dara: explore: --points racy: phase 1 ran %llu schedule%s under --points all "
          "(%.0f steps each) and found %u racy place%s%s",
          (unsigned long long)probe[0], probe[0] == 1 ? "" : "s", per_run(probe[1], probe[0]), n,
          n == 1 ? "" : "s", ph->found.more ? " (and more than dara keeps)" : "");
  if (!ph->second) {
    fputs("; phase 2 did not run\n", out);
    return;
  }
  fprintf(out, "; phase 2 ran %llu under racy (%.0f steps each)%s\n", (unsigned long long)racy[0],
          per_run(racy[1], racy[0]),
          n ? "" : ": with no racy place, plain accesses were no points (as under atomics)");
}

void racy_print_json(FILE *out, const struct racy_phases *ph, uint64_t schedules, uint64_t steps) {
  uint64_t probe[2], racy[2];
  split(ph, schedules, steps, probe, racy);
  fprintf(out,
          "\"racy\": {\"racy_places\": %u, \"racy_places_more\": %s, \"probe_schedules\": %llu, "
          "\"probe_steps\": %llu, \"racy_schedules\": %llu, \"racy_steps\": %llu}, ",
          racy_count(&ph->found), ph->found.more ? "true" : "false", (unsigned long long)probe[0],
          (unsigned long long)probe[1], (unsigned long long)racy[0], (unsigned long long)racy[1]);
}
