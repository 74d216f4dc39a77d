/*
 * tickets_props.c: a global property for examples/tickets.c, checked by
 * dara after every step. Build and use:
 *
 *   cc -shared -fPIC -Iinclude examples/props/tickets_props.c -o tickets_props.so
 *   dara explore --props ./tickets_props.so -- build/examples/tickets
 *
 * (The build does this too: build/examples/props/tickets_props.so.)
 */
#include "dara/props.h"

/* No process ever logged a negative pool. */
static int pool_not_negative(const struct dara_world *w) {
  for (int p = 0; p < dara_world_nprocs(w); p++)
    if (dara_world_int(w, p, "pool", 0) < 0)
      return 0;
  return 1;
}

const struct dara_property dara_properties[] = {
    {"pool is never negative", pool_not_negative},
    {0, 0},
};
