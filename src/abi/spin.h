/*
 * abi/spin.h: whether a routine's step is a yield or "still" (the spin rule
 * of src/sched/fair.h), from its operation and location alone.
 *
 * One implementation for both sides: the scheduler (fair.c) keeps one
 * struct dara_spin per routine; when it grants a memory lease it copies the
 * chosen routine's into the region (dara_proc.spin), and the shim applies
 * the same rule to each step it would take under the lease, ending the
 * lease at a step that yields, so the scheduler sees that step as it would
 * without a lease (region.h, "Memory leases"). Header-only, with no
 * dependency but the op codes, so the shim links no scheduler code.
 */
#ifndef DARA_ABI_SPIN_H
#define DARA_ABI_SPIN_H

#include <stdint.h>

#include "abi/ops.h"

/* Locations remembered per routine as read since its last write or
 * synchronization: a spin loop over more locations is not seen. */
#define DARA_SPIN_READS 16

/* A routine's spin state: what it read, and its last compare-exchange,
 * since its last write or synchronization. All zero: nothing yet. */
struct dara_spin {
  uint32_t reads[DARA_SPIN_READS]; /* locations read */
  uint32_t pcs[DARA_SPIN_READS];   /* where each was read (the pc's low 32 bits) */
  uint8_t nreads, next;            /* how many of reads[] hold; the next to replace */
  uint8_t cas_set;                 /* a compare-exchange of `cas` */
  uint8_t pad;
  uint32_t cas;
};

/* What a step was. */
enum {
  DARA_SPIN_YIELD = 1, /* the routine yielded: deprioritized */
  DARA_SPIN_STILL = 2, /* no write, no synchronization, no new location */
};

/* Whether s has read obj; if not, remembers that it now has (the oldest
 * location makes room). Corrupt counts (an untrusted copy) are taken as
 * empty. */
/* A re-read is the same location read again by the same instruction: a
 * loop waiting on it. Two reads of one location at two places (`if (p)
 * return p;`) are not a spin, and must not make the thread give way. */
static inline int dara_spin_read_again(struct dara_spin *s, uint32_t obj, uint32_t pc) {
  if (s->nreads > DARA_SPIN_READS || s->next >= DARA_SPIN_READS)
    s->nreads = s->next = 0;
  for (unsigned k = 0; k < s->nreads; k++)
    if (s->reads[k] == obj && s->pcs[k] == pc)
      return 1;
  unsigned slot = s->next;
  if (s->nreads < DARA_SPIN_READS) {
    slot = s->nreads++;
  } else {
    s->next = (uint8_t)((s->next + 1) % DARA_SPIN_READS);
  }
  s->reads[slot] = obj;
  s->pcs[slot] = pc;
  return 0;
}

/* The routine of s steps to operation op on object obj: updates s and
 * returns DARA_SPIN_* bits. It yields at a yield call and at a spin-read:
 * a load of a location it has read since its last write or
 * synchronization, or a compare-exchange of the location of its last one
 * with none of those between (the retry of a failed one). */
static inline unsigned dara_spin_step(struct dara_spin *s, unsigned op, uint32_t obj, uint64_t pc) {
  switch (op) {
  case DARA_OP_YIELD:
    return DARA_SPIN_YIELD | DARA_SPIN_STILL;
  case DARA_OP_MEM_READ:
  case DARA_OP_ATOMIC_LOAD:
    return dara_spin_read_again(s, obj, (uint32_t)pc) ? DARA_SPIN_YIELD | DARA_SPIN_STILL : 0;
  case DARA_OP_ATOMIC_CAS: {
    /* One that fails is a spin-read, one that succeeds a write, and the
     * scheduler cannot tell which. So it may have written (the locations
     * read are forgotten, it never counts as still), and only a second one
     * on the same location with no other write or synchronization between
     * them is a yield: the retry of a failed one (load, then compare-
     * exchange, the usual lock-free update, is not). */
    unsigned what = s->cas_set && s->cas == obj ? DARA_SPIN_YIELD : 0;
    s->nreads = 0;
    s->next = 0;
    s->cas_set = 1;
    s->cas = obj;
    return what;
  }
  case DARA_OP_FENCE:
    return DARA_SPIN_STILL;
  default: /* a write, or a synchronization operation */
    s->nreads = 0;
    s->next = 0;
    s->cas_set = 0;
    return 0;
  }
}

#endif
