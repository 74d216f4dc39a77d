/*
 * region_finder.h: how a test program finds dara's shared region from the
 * inside, as any program under test could: the mapping named "dara-region"
 * in /proc/self/maps (read-write, shared). The layout comes from
 * abi/region.h; a real user's program would not include it, but a program
 * meant to scribble on the region precisely may.
 */
#ifndef DARA_TEST_REGION_FINDER_H
#define DARA_TEST_REGION_FINDER_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "abi/region.h"

/* The region's start and end, or 0 when it is not mapped. */
static inline unsigned long region_find(unsigned long *end) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[1024];
  unsigned long lo = 0, hi = 0;
  if (!f)
    return 0;
  while (fgets(line, sizeof(line), f)) {
    char perms[8] = "";
    if (!strstr(line, "dara-region"))
      continue;
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[0] == 'r' && perms[1] == 'w' &&
        perms[3] == 's')
      break;
    lo = hi = 0;
  }
  fclose(f);
  if (end)
    *end = hi;
  return lo;
}

/* This process's control block: the one whose pid is ours. */
static inline struct dara_proc *region_own_block(struct dara_region *r) {
  for (int i = 0; i < DARA_MAX_PROCS; i++)
    if (r->procs[i].pid == (int32_t)getpid())
      return &r->procs[i];
  return NULL;
}

#endif
