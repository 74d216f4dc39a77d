/*
 * coverage.c: block coverage of dara-cc builds, counted into the region.
 *
 * dara-cc compiles with -fsanitize-coverage=trace-pc: each basic block
 * starts with a call of __sanitizer_cov_trace_pc, which dara's runtime
 * (src/rt/rt.c) turns into dara__cov(return address, the module's
 * __dso_handle) when the shim is loaded. Here the block becomes a key of
 * the process's area in the region (abi/region.h, "Block coverage"), kcov's
 * way: no system call, a bounded table, read by the scheduler when the
 * execution ends. Modules are found once each, by their __dso_handle, so a
 * block costs a short search of a few anchors, a hash probe and an add.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "abi/coverage.h"
#include "runtime_shim/shim.h"

/* The area of this process, when the scheduler asked for coverage. */
static struct dara_cov *area;

/* Modules met so far in this process: the anchor the runtime passes
 * (its __dso_handle), where the module is loaded, and its index in the
 * area's table. Bounded by the area's table. */
struct cov_anchor {
  const void *anchor;
  uintptr_t base;
  uint32_t index;
};
static struct cov_anchor anchors[DARA_COV_MODULES];
static uint32_t nanchors;
static uint32_t registering; /* a spin lock over first sights of modules */

void shim_cov_bind(void) {
  nanchors = 0;
  area = shim.region->hdr.coverage == 1 ? &shim.region->cov[shim.slot] : NULL;
}

/* Under `registering`: the area's index of the module of info (added to
 * the area's table when new), remembered for anchor; UINT32_MAX when a
 * table is full. */
static uint32_t register_module(const void *anchor, const struct shim_object *o) {
  uint32_t n = __atomic_load_n(&nanchors, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n && i < DARA_COV_MODULES; i++)
    if (anchors[i].anchor == anchor)
      return anchors[i].index; /* another thread was first */
  if (n >= DARA_COV_MODULES)
    return UINT32_MAX;
  char path[DARA_PATH_LEN];
  shim_module_path(o, path, sizeof(path));
  uint32_t have = area->nmodules < DARA_COV_MODULES ? area->nmodules : DARA_COV_MODULES, index;
  for (index = 0; index < have; index++)
    if (strncmp(area->modules[index], path, DARA_PATH_LEN) == 0)
      break;
  if (index == have) {
    if (have >= DARA_COV_MODULES)
      return UINT32_MAX;
    memcpy(area->modules[index], path, DARA_PATH_LEN);
    __atomic_store_n(&area->nmodules, have + 1, __ATOMIC_RELEASE);
  }
  anchors[n] = (struct cov_anchor){.anchor = anchor, .base = (uintptr_t)o->base, .index = index};
  __atomic_store_n(&nanchors, n + 1, __ATOMIC_RELEASE);
  return index;
}

/* The area's index of the module holding anchor, registering it at first
 * sight; UINT32_MAX when it cannot be named or a table is full. */
static uint32_t module_of(const void *anchor, uintptr_t *base) {
  uint32_t n = __atomic_load_n(&nanchors, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n && i < DARA_COV_MODULES; i++)
    if (anchors[i].anchor == anchor) {
      *base = anchors[i].base;
      return anchors[i].index;
    }
  /* First sight: once per module and process. A thread outside dara's
   * control may race a controlled one here: the registration is under a
   * spin lock (the search for the module, before it, is the slow part). A signal handler
   * that interrupts the holder would spin for ever: after a bounded spin
   * the block is given up, counted as lost. */
  struct shim_object o;
  if (n >= DARA_COV_MODULES || !shim_object_of(anchor, &o))
    return UINT32_MAX;
  for (uint32_t spins = 0; __atomic_exchange_n(&registering, 1, __ATOMIC_ACQUIRE);)
    if (++spins == UINT32_C(1) << 20) {
      __atomic_fetch_add(&area->lost, 1, __ATOMIC_RELAXED);
      return UINT32_MAX;
    }
  uint32_t index = register_module(anchor, &o);
  __atomic_store_n(&registering, 0, __ATOMIC_RELEASE);
  *base = (uintptr_t)o.base;
  return index;
}

SHIM_EXPORT int dara__cov(const void *pc, const void *anchor) {
  /* Every execution counts the blocks it runs, the prefix's too: a fork
   * server's prefix ends at the first (prefix.c). */
  if (__builtin_expect(shim.prefix, 0))
    shim_prefix_end();
  struct dara_cov *c = area;
  if (!c || !shim.active)
    return shim.pid == 0; /* not bound yet (the fork server): ask again later */
  uintptr_t base;
  uint32_t module = module_of(anchor, &base);
  uintptr_t at = (uintptr_t)pc - 1;
  if (module >= DARA_COV_MODULES || at < base || at - base >= (UINT64_C(1) << 60))
    return 1;
  uint64_t key = (uint64_t)(at - base) << 3 | module;
  uint32_t h = (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 40) & (DARA_COV_INDEX - 1);
  for (uint32_t probe = 0; probe < DARA_COV_INDEX; probe++, h = (h + 1) & (DARA_COV_INDEX - 1)) {
    uint32_t e = __atomic_load_n(&c->index[h], __ATOMIC_ACQUIRE);
    if (e == 0) {
      uint32_t claim = __atomic_fetch_add(&c->used, 1, __ATOMIC_RELAXED);
      if (claim >= DARA_COV_BLOCKS) {
        __atomic_fetch_add(&c->lost, 1, __ATOMIC_RELAXED);
        return 1;
      }
      c->blocks[claim].hits = 1;
      __atomic_store_n(&c->blocks[claim].key, key, __ATOMIC_RELEASE);
      if (__atomic_compare_exchange_n(&c->index[h], &e, claim + 1, false, __ATOMIC_ACQ_REL,
                                      __ATOMIC_ACQUIRE))
        return 1;
      /* Another thread filled the slot first: this claim stays unused. */
      __atomic_store_n(&c->blocks[claim].key, 0, __ATOMIC_RELEASE);
    }
    if (e - 1 < DARA_COV_BLOCKS &&
        __atomic_load_n(&c->blocks[e - 1].key, __ATOMIC_ACQUIRE) == key) {
      __atomic_fetch_add(&c->blocks[e - 1].hits, 1, __ATOMIC_RELAXED);
      return 1;
    }
  }
  return 1;
}
