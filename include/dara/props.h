/*
 * dara/props.h: global properties, checked by the scheduler after every step.
 *
 * A property is a C function over the variables every process has logged
 * with dara_log_* (dara/dara.h); it returns non-zero while the property holds.
 * Write them in a file, build it as a shared object, and pass it with --props:
 *
 *   #include <dara/props.h>
 *
 *   static int one_leader(const struct dara_world *w) {
 *     int leaders = 0;
 *     for (int p = 0; p < dara_world_nprocs(w); p++)
 *       leaders += dara_world_int(w, p, "leader", 0) == 1;
 *     return leaders <= 1;
 *   }
 *
 *   const struct dara_property dara_properties[] = {
 *       {"at most one leader", one_leader},
 *       {0, 0},
 *   };
 *
 *   cc -shared -fPIC -I/path/to/dara/include props.c -o props.so
 *   dara explore --props ./props.so -- ./node 1 : ./node 2 : ./node 3
 *
 * A property that fails is a bug, reported with its name and the variables'
 * values, and saved like any other. The world is read-only and valid only
 * during the call.
 */
#ifndef DARA_PROPS_H
#define DARA_PROPS_H

#ifdef __cplusplus
extern "C" {
#endif

struct dara_world {
  int nprocs;
  /* Latest value of `name` logged by process `proc`; `fallback` when it was
   * never logged (or was logged with another type). */
  long long (*get_int)(const struct dara_world *w, int proc, const char *name, long long fallback);
  double (*get_double)(const struct dara_world *w, int proc, const char *name, double fallback);
  const char *(*get_str)(const struct dara_world *w, int proc, const char *name,
                         const char *fallback);
  void *impl;
};

struct dara_property {
  const char *name;
  int (*holds)(const struct dara_world *w);
};

static inline int dara_world_nprocs(const struct dara_world *w) { return w->nprocs; }

static inline long long dara_world_int(const struct dara_world *w, int proc, const char *name,
                                       long long fallback) {
  return w->get_int(w, proc, name, fallback);
}

static inline double dara_world_double(const struct dara_world *w, int proc, const char *name,
                                       double fallback) {
  return w->get_double(w, proc, name, fallback);
}

static inline const char *dara_world_str(const struct dara_world *w, int proc, const char *name,
                                         const char *fallback) {
  return w->get_str(w, proc, name, fallback);
}

#ifdef __cplusplus
}
#endif

#endif /* DARA_PROPS_H */
