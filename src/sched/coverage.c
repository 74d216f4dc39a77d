/*
 * coverage.c: the union of the blocks executions ran (coverage.h).
 *
 * Blocks are kept in an open-addressing hash of (module id, offset) with
 * their hit counts; modules are interned by path (a process numbers them
 * in its own order, and every execution is a new process). The hash has
 * room for 786,432 blocks; blocks past that are counted as lost.
 */
#include "sched/coverage.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sched/modfile.h"
#include "shm/region.h"

#define MAX_MODULES 256              /* distinct module paths over a run */
#define CAPACITY (UINT32_C(1) << 20) /* slots for distinct blocks (3/4 of them usable) */

struct cov_entry {
  uint64_t key; /* offset << 8 | module id, + 1 so that 0 is empty */
  uint64_t hits;
};

/* One shared anonymous mapping, made before explore forks its workers:
 * every worker adds to the same union, and the first to add a block is
 * the one whose execution reached it first. Slots are claimed with a
 * compare-and-swap; the module table, touched once per module and
 * process, under a spin lock. */
struct coverage {
  uint32_t lock; /* modules[] */
  uint32_t nmodules;
  char modules[MAX_MODULES][DARA_PATH_LEN];
  /* The file each path named when a process that had it admitted
   * interned it (modfile.h): so the one that writes the tracefile (with
   * --jobs, not that process) may read it. */
  struct {
    bool admitted;
    dev_t dev;
    ino_t ino;
  } files[MAX_MODULES];
  uint64_t used, lost, rejected;
  struct cov_entry tab[CAPACITY];
};

struct coverage *coverage_new(void) {
  /* Pages are touched only where blocks land. */
  void *m = mmap(NULL, sizeof(struct coverage), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return m == MAP_FAILED ? NULL : m;
}

void coverage_free(struct coverage *cv) {
  if (cv)
    munmap(cv, sizeof(*cv));
}

static size_t slot_of(uint64_t key) {
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (CAPACITY - 1);
}

/* Adds hits to the block; true when it is new (this caller claimed it). */
static bool add(struct coverage *cv, uint32_t module, uint64_t offset, uint64_t hits) {
  uint64_t key = (offset << 8 | module) + 1;
  for (size_t h = slot_of(key);; h = (h + 1) & (CAPACITY - 1)) {
    struct cov_entry *e = &cv->tab[h];
    uint64_t was = __atomic_load_n(&e->key, __ATOMIC_ACQUIRE);
    bool fresh = false;
    if (was == 0) {
      /* Keep a quarter of the table empty, so probes stay short. */
      if (__atomic_load_n(&cv->used, __ATOMIC_RELAXED) >= CAPACITY / 4 * 3) {
        __atomic_fetch_add(&cv->lost, hits, __ATOMIC_RELAXED);
        return false;
      }
      fresh = __atomic_compare_exchange_n(&e->key, &was, key, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE);
      if (fresh) {
        __atomic_fetch_add(&cv->used, 1, __ATOMIC_RELAXED);
        was = key;
      }
    }
    if (was == key) {
      __atomic_fetch_add(&e->hits, hits, __ATOMIC_RELAXED);
      return fresh;
    }
  }
}

/* The id of a module path, interned; UINT32_MAX when the table is full. */
static uint32_t module_id(struct coverage *cv, const char *path) {
  while (__atomic_exchange_n(&cv->lock, 1, __ATOMIC_ACQUIRE))
    ;
  uint32_t id = UINT32_MAX;
  for (uint32_t i = 0; i < cv->nmodules && id == UINT32_MAX; i++)
    if (strncmp(cv->modules[i], path, DARA_PATH_LEN) == 0)
      id = i;
  if (id == UINT32_MAX && cv->nmodules < MAX_MODULES) {
    snprintf(cv->modules[cv->nmodules], DARA_PATH_LEN, "%s", path);
    cv->files[cv->nmodules].admitted =
        modfile_admitted(path, &cv->files[cv->nmodules].dev, &cv->files[cv->nmodules].ino);
    id = cv->nmodules++;
  }
  __atomic_store_n(&cv->lock, 0, __ATOMIC_RELEASE);
  return id;
}

static uint64_t collect_area(struct coverage *cv, struct dara_cov *area) {
  /* Read each count once: the program could change them under us (it
   * is dead by now, but one of its children might not be). */
  uint32_t nmodules = __atomic_load_n(&area->nmodules, __ATOMIC_ACQUIRE);
  uint32_t used = __atomic_load_n(&area->used, __ATOMIC_ACQUIRE);
  __atomic_fetch_add(&cv->lost, __atomic_load_n(&area->lost, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
  if (nmodules > DARA_COV_MODULES)
    nmodules = DARA_COV_MODULES;
  if (used > DARA_COV_BLOCKS)
    used = DARA_COV_BLOCKS;
  uint32_t ids[DARA_COV_MODULES];
  for (uint32_t m = 0; m < nmodules; m++) {
    char path[DARA_PATH_LEN];
    region_copy_name(path, sizeof(path), area->modules[m], DARA_PATH_LEN);
    ids[m] =
        path[0] && memchr(area->modules[m], 0, DARA_PATH_LEN) ? module_id(cv, path) : UINT32_MAX;
  }
  uint64_t fresh = 0;
  for (uint32_t i = 0; i < used; i++) {
    uint64_t key = area->blocks[i].key, hits = area->blocks[i].hits;
    if (key == 0) /* a claim that lost its race */
      continue;
    uint32_t m = (uint32_t)(key & 7);
    if (m >= nmodules || ids[m] == UINT32_MAX || hits == 0 || key >> 3 >= UINT64_C(1) << 55) {
      __atomic_fetch_add(&cv->rejected, 1, __ATOMIC_RELAXED);
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
  st->blocks = __atomic_load_n(&cv->used, __ATOMIC_RELAXED);
  st->modules = __atomic_load_n(&cv->nmodules, __ATOMIC_RELAXED);
  st->lost = __atomic_load_n(&cv->lost, __ATOMIC_RELAXED);
  st->rejected = __atomic_load_n(&cv->rejected, __ATOMIC_RELAXED);
}

int coverage_blocks(const struct coverage *cv, struct cov_block **blocks, size_t *n) {
  *n = 0;
  size_t cap = cv->used ? cv->used : 1;
  *blocks = malloc(cap * sizeof(**blocks));
  if (!*blocks)
    return -1;
  for (size_t i = 0; i < CAPACITY && *n < cap; i++) {
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

int coverage_output_close(struct coverage_output *o, const char *test_name, struct lcov_totals *t,
                          char *err, size_t err_len) {
  if (!o->path)
    return 0;
  for (uint32_t m = 0; m < o->cv->nmodules && m < MAX_MODULES; m++)
    if (o->cv->files[m].admitted)
      modfile_admit(o->cv->files[m].dev, o->cv->files[m].ino);
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
          (unsigned long long)st.blocks, st.blocks == 1 ? "" : "s", (unsigned long long)t.lines_hit,
          (unsigned long long)t.lines_found, path);
  if (st.blocks == 0)
    fprintf(stderr, "dara: coverage: no block ran; is the program built with dara-cc?\n");
  if (st.lost || st.rejected)
    fprintf(stderr,
            "dara: coverage: %llu block executions found the area full (%d blocks a "
            "process), %llu named no module: the counts fall short\n",
            (unsigned long long)st.lost, DARA_COV_BLOCKS, (unsigned long long)st.rejected);
  return 0;
}
