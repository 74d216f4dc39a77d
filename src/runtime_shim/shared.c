/*
 * shared.c: condition variables shared between processes.
 *
 * A process-shared condition variable in memory two controlled processes
 * map (a page made MAP_SHARED before a fork) is one object: a signal in
 * one process must wake a waiter in the other. cond.c keeps the waiters
 * of a private one in the process; those of a shared one live in the
 * region (dara_region.shared_conds), named by the shared memory: the
 * mapping's device and inode and the offset in it, which every process
 * that maps the page sees alike. /proc/self/maps says which mapping holds
 * an address, once per object. The table holds what any process wrote,
 * so each read is checked: a waiter is taken as one only while its thread
 * is still parked at COND_REACQUIRE on a condition variable.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

struct key_search {
  uintptr_t addr;
  uint64_t *key;
  int found; /* 1: shared, with its key; -1: the mapping is private */
};

static bool key_of_line(const char *line, void *arg) {
  struct key_search *k = arg;
  uintptr_t lo, hi;
  unsigned long long off, ino;
  unsigned maj, min;
  char perms[8];
  if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %llx %x:%x %llu", &lo, &hi, perms, &off, &maj,
             &min, &ino) != 7 ||
      k->addr < lo || k->addr >= hi)
    return false;
  k->found = -1; /* the mapping that holds it, shared or not */
  if (perms[3] == 's') {
    k->key[0] = makedev(maj, min);
    k->key[1] = ino;
    k->key[2] = off + (k->addr - lo);
    k->found = 1;
  }
  return true;
}

/* The shared mapping that holds addr: 1 with its key, 0 when it is in
 * private memory or /proc cannot say. */
static int shared_key(uintptr_t addr, uint64_t key[3]) {
  struct key_search k = {.addr = addr, .key = key};
  return procself_each_mapping(key_of_line, &k) && k.found > 0;
}

static struct dara_shared_cond *table(void) { return shim.region->shared_conds; }

int shared_cond_of(const void *c) {
  const pthread_cond_t *cv = c;
  if (!(cv->__data.__wrefs & 1)) /* glibc's pshared flag */
    return -1;
  uint64_t key[3];
  if (!shared_key((uintptr_t)c, key))
    return -1;
  struct dara_shared_cond *t = table();
  int free_entry = -1;
  for (int i = 0; i < DARA_SHARED_CONDS; i++) {
    if (t[i].dev == key[0] && t[i].ino == key[1] && t[i].off == key[2])
      return i;
    if (free_entry < 0 && t[i].dev == 0 && t[i].ino == 0 && t[i].off == 0)
      free_entry = i;
  }
  if (free_entry < 0)
    shim_die("more than %d process-shared condition variables in use (DARA_SHARED_CONDS: "
             "dara's limit)",
             DARA_SHARED_CONDS);
  memset(&t[free_entry], 0, sizeof(t[free_entry]));
  t[free_entry].dev = key[0];
  t[free_entry].ino = key[1];
  t[free_entry].off = key[2];
  return free_entry;
}

/* Whether waiter w is a thread still waiting: parked at COND_REACQUIRE. */
static bool waiting(const struct dara_shared_waiter *w) {
  if (w->seq == 0 || w->proc >= DARA_MAX_PROCS || w->routine >= DARA_MAX_ROUTINES)
    return false;
  const struct dara_proc *p = &shim.region->procs[w->proc];
  const struct dara_routine *r = &p->routines[w->routine];
  return p->state == DARA_PROC_RUNNING && r->op == DARA_OP_COND_REACQUIRE &&
         (r->status == DARA_RS_ENABLED || r->status == DARA_RS_BLOCKED ||
          r->status == DARA_RS_TIMED || r->status == DARA_RS_RUNNING);
}

static struct dara_shared_waiter *own(int entry, int routine) {
  if (entry < 0 || entry >= DARA_SHARED_CONDS)
    return NULL;
  struct dara_shared_cond *c = &table()[entry];
  for (int i = 0; i < DARA_SHARED_WAITERS; i++)
    if (c->waiters[i].seq && c->waiters[i].proc == shim.slot &&
        c->waiters[i].routine == (uint32_t)routine)
      return &c->waiters[i];
  return NULL;
}

void shared_cond_wait_begin(int entry, int routine) {
  struct dara_shared_cond *c = &table()[entry];
  for (int i = 0; i < DARA_SHARED_WAITERS; i++) {
    struct dara_shared_waiter *w = &c->waiters[i];
    if (w->seq && waiting(w) && !(w->proc == shim.slot && w->routine == (uint32_t)routine))
      continue;
    *w = (struct dara_shared_waiter){
        .proc = shim.slot, .routine = (uint32_t)routine, .seq = ++c->seq ? c->seq : ++c->seq};
    return;
  }
  shim_die("more than %d threads wait on one process-shared condition variable "
           "(DARA_SHARED_WAITERS: dara's limit)",
           DARA_SHARED_WAITERS);
}

bool shared_cond_signalled(int entry, int routine) {
  const struct dara_shared_waiter *w = own(entry, routine);
  return w && w->signalled;
}

void shared_cond_wait_end(int entry, int routine) {
  struct dara_shared_waiter *w = own(entry, routine);
  if (w)
    memset(w, 0, sizeof(*w));
}

void shared_cond_wake(int entry, bool all) {
  if (entry < 0 || entry >= DARA_SHARED_CONDS)
    return;
  struct dara_shared_cond *c = &table()[entry];
  struct dara_shared_waiter *best = NULL;
  for (int i = 0; i < DARA_SHARED_WAITERS; i++) {
    struct dara_shared_waiter *w = &c->waiters[i];
    if (w->signalled || !waiting(w))
      continue;
    if (all)
      w->signalled = 1;
    else if (!best || w->seq < best->seq)
      best = w;
  }
  if (best)
    best->signalled = 1;
}
