/*
 * coverage.c: the union of the blocks executions ran (coverage.h).
 *
 * Blocks are kept in an open-addressing hash of (module id, offset) with
 * their hit counts; modules are interned by path (a process numbers them
 * in its own order, and every execution is a new process).
 */
#include "sched/coverage.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shm/region.h"

#define MAX_MODULES 256 /* distinct module paths over a run */

struct cov_entry {
  uint64_t key; /* offset << 8 | module id, + 1 so that 0 is empty */
  uint64_t hits;
};

struct coverage {
  char *modules[MAX_MODULES];
  uint32_t nmodules;
  struct cov_entry *tab;
  size_t cap, used; /* cap: a power of two */
  uint64_t lost, rejected;
};

struct coverage *coverage_new(void) {
  struct coverage *cv = calloc(1, sizeof(*cv));
  if (!cv)
    return NULL;
  cv->cap = 4096;
  if (!(cv->tab = calloc(cv->cap, sizeof(*cv->tab)))) {
    free(cv);
    return NULL;
  }
  return cv;
}

void coverage_free(struct coverage *cv) {
  if (!cv)
    return;
  for (uint32_t i = 0; i < cv->nmodules; i++)
    free(cv->modules[i]);
  free(cv->tab);
  free(cv);
}

static size_t slot_of(uint64_t key, size_t cap) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static bool grow(struct coverage *cv) {
  size_t cap = cv->cap * 2;
  struct cov_entry *tab = calloc(cap, sizeof(*tab));
  if (!tab)
    return false;
  for (size_t i = 0; i < cv->cap; i++) {
    if (!cv->tab[i].key)
      continue;
    size_t h = slot_of(cv->tab[i].key, cap);
    while (tab[h].key)
      h = (h + 1) & (cap - 1);
    tab[h] = cv->tab[i];
  }
  free(cv->tab);
  cv->tab = tab;
  cv->cap = cap;
  return true;
}

/* Adds hits to the block; true when it is new. */
static bool add(struct coverage *cv, uint32_t module, uint64_t offset, uint64_t hits) {
  if (2 * (cv->used + 1) > cv->cap && !grow(cv))
    return false;
  uint64_t key = (offset << 8 | module) + 1;
  size_t h = slot_of(key, cv->cap);
  while (cv->tab[h].key && cv->tab[h].key != key)
    h = (h + 1) & (cv->cap - 1);
  bool fresh = !cv->tab[h].key;
  cv->tab[h].key = key;
  cv->tab[h].hits += hits;
  cv->used += fresh;
  return fresh;
}

/* The id of a module path, interned; UINT32_MAX when the table is full. */
static uint32_t module_id(struct coverage *cv, const char *path) {
  for (uint32_t i = 0; i < cv->nmodules; i++)
    if (strcmp(cv->modules[i], path) == 0)
      return i;
  if (cv->nmodules == MAX_MODULES || !(cv->modules[cv->nmodules] = strdup(path)))
    return UINT32_MAX;
  return cv->nmodules++;
}

static uint64_t collect_area(struct coverage *cv, struct dara_cov *area) {
  /* Read each count once: the program could change them under us (it
   * is dead by now, but one of its children might not be). */
  uint32_t nmodules = __atomic_load_n(&area->nmodules, __ATOMIC_ACQUIRE);
  uint32_t used = __atomic_load_n(&area->used, __ATOMIC_ACQUIRE);
  cv->lost += __atomic_load_n(&area->lost, __ATOMIC_RELAXED);
  if (nmodules > DARA_COV_MODULES)
    nmodules = DARA_COV_MODULES;
  if (used > DARA_COV_BLOCKS)
    used = DARA_COV_BLOCKS;
  uint32_t ids[DARA_COV_MODULES];
  for (uint32_t m = 0; m < nmodules; m++) {
    char path[DARA_PATH_LEN];
    region_copy_name(path, sizeof(path), area->modules[m], DARA_PATH_LEN);
    ids[m] = path[0] && memchr(area->modules[m], 0, DARA_PATH_LEN) ? module_id(cv, path)
                                                                   : UINT32_MAX;
  }
  uint64_t fresh = 0;
  for (uint32_t i = 0; i < used; i++) {
    uint64_t key = area->blocks[i].key, hits = area->blocks[i].hits;
    if (key == 0) /* a claim that lost its race */
      continue;
    uint32_t m = (uint32_t)(key & 7);
    if (m >= nmodules || ids[m] == UINT32_MAX || hits == 0 || key >> 3 >= UINT64_C(1) << 55) {
      cv->rejected++;
      continue;
    }
    fresh += add(cv, ids[m], key >> 3, hits);
  }
  return fresh;
}

uint64_t coverage_collect(struct coverage *cv, struct dara_region *r) {
  uint64_t fresh = 0;
  for (unsigned p = 0; p < DARA_MAX_PROCS; p++) {
    fresh += collect_area(cv, &r->cov[p]);
    region_clear_cov(&r->cov[p], false);
  }
  return fresh;
}

void coverage_stats(const struct coverage *cv, struct coverage_stats *st) {
  st->blocks = cv->used;
  st->modules = cv->nmodules;
  st->lost = cv->lost;
  st->rejected = cv->rejected;
}

int coverage_blocks(const struct coverage *cv, struct cov_block **blocks, size_t *n) {
  *n = 0;
  *blocks = malloc((cv->used ? cv->used : 1) * sizeof(**blocks));
  if (!*blocks)
    return -1;
  for (size_t i = 0; i < cv->cap; i++) {
    uint64_t key = cv->tab[i].key;
    if (!key)
      continue;
    key--;
    (*blocks)[(*n)++] = (struct cov_block){
        .module = cv->modules[key & 0xff], .offset = key >> 8, .hits = cv->tab[i].hits};
  }
  return 0;
}

int coverage_output_open(struct coverage_output *o, const char *path, char *err, size_t err_len) {
  *o = (struct coverage_output){.path = path};
  if (!path)
    return 0;
  if (!(o->file = fopen(path, "we"))) {
    snprintf(err, err_len, "--coverage: cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  if (!(o->cv = coverage_new())) {
    snprintf(err, err_len, "out of memory");
    coverage_output_drop(o);
    return -1;
  }
  return 0;
}

int coverage_output_close(struct coverage_output *o, const char *test_name,
                          struct lcov_totals *t, char *err, size_t err_len) {
  if (!o->path)
    return 0;
  struct cov_block *blocks;
  size_t n;
  int rc = coverage_blocks(o->cv, &blocks, &n);
  if (rc != 0)
    snprintf(err, err_len, "out of memory");
  else if ((rc = lcov_write(o->file, test_name, blocks, n, t, err, err_len)) == 0 &&
           (fflush(o->file) != 0 || ferror(o->file))) {
    snprintf(err, err_len, "cannot write %s: %s", o->path, strerror(errno));
    rc = -1;
  }
  if (rc == 0 && n == 0 && t)
    memset(t, 0, sizeof(*t));
  free(blocks);
  if (fclose(o->file) != 0 && rc == 0) {
    snprintf(err, err_len, "cannot write %s: %s", o->path, strerror(errno));
    rc = -1;
  }
  o->file = NULL;
  return rc;
}

void coverage_output_drop(struct coverage_output *o) {
  if (o->file)
    fclose(o->file);
  coverage_free(o->cv);
  *o = (struct coverage_output){0};
}

int coverage_output_finish(struct coverage_output *o, const char *test_name,
                           struct lcov_totals *totals) {
  if (!o->path)
    return 0;
  struct coverage_stats st;
  coverage_stats(o->cv, &st);
  const char *path = o->path;
  struct lcov_totals t;
  char err[512];
  int rc = coverage_output_close(o, test_name, &t, err, sizeof(err));
  if (totals)
    *totals = t;
  if (rc != 0) {
    fprintf(stderr, "dara: error: %s\n", err);
    return -1;
  }
  fprintf(stderr, "dara: coverage: %llu block%s, %llu of %llu lines, in %s\n",
          (unsigned long long)st.blocks, st.blocks == 1 ? "" : "s",
          (unsigned long long)t.lines_hit, (unsigned long long)t.lines_found, path);
  if (st.blocks == 0)
    fprintf(stderr, "dara: coverage: no block ran; is the program built with dara-cc?\n");
  if (st.lost || st.rejected)
    fprintf(stderr,
            "dara: coverage: %llu block executions found the area full (%d blocks a "
            "process), %llu named no module: the counts fall short\n",
            (unsigned long long)st.lost, DARA_COV_BLOCKS, (unsigned long long)st.rejected);
  return 0;
}
