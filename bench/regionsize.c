/*
 * regionsize.c: prints the sizes that the shared region ABI fixes at build
 * time, for scripts/bench: sizeof(struct dara_proc) (one control block, one
 * per controlled process) and sizeof(struct dara_region) (the whole region,
 * DARA_MAX_PROCS blocks, created for every execution), then the capacities
 * behind them.
 */
#include <stdio.h>

#include "abi/region.h"

int main(void) {
  printf("proc %zu\n", sizeof(struct dara_proc));
  printf("region %zu\n", sizeof(struct dara_region));
  printf("routine %zu\n", sizeof(struct dara_routine));
  printf("max_procs %d\nmax_routines %d\nlog_len %d\nmax_modules %d\n", DARA_MAX_PROCS,
         DARA_MAX_ROUTINES, DARA_LOG_LEN, DARA_MAX_MODULES);
  return 0;
}
