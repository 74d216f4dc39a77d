/*
 * real.c: the libc/libpthread functions the shim wraps, found with
 * dlsym(RTLD_NEXT). Resolved once in the shim's constructor, before the
 * program runs, so the wrappers never call dlsym on a hot path. The list of
 * functions is SHIM_REAL_FUNCTIONS in shim.h.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "runtime_shim/shim.h"

struct shim_real real;

/* The next definition of name after the shim's: at version if one is given
 * and exists, else the default one. Ends the process if there is none. */
static void *lookup(const char *name, const char *version) {
  void *fn = version ? dlvsym(RTLD_NEXT, name, version) : NULL;
  if (!fn)
    fn = dlsym(RTLD_NEXT, name);
  if (!fn)
    shim_die("cannot find the real %s: %s", name, dlerror());
  return fn;
}

#define RESOLVE(name, ret, params) *(void **)&real.name = lookup(#name, NULL);
#define RESOLVE_VERSION(name, ret, params, version) *(void **)&real.name = lookup(#name, version);

void real_resolve(void) {
  SHIM_REAL_FUNCTIONS(RESOLVE, RESOLVE, RESOLVE_VERSION)
  __atomic_store_n(&real.ready, true, __ATOMIC_RELEASE);
}
