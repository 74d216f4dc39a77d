/*
 * world.c: labels, logged variables and global properties. See world.h.
 */
#include "sched/world.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dara/props.h"

struct var {
  uint8_t proc;
  uint8_t type; /* 0 int, 1 double, 2 string (value = label) */
  uint32_t name;
  uint64_t value;
};

struct world {
  int nprocs;
  char (*labels)[DARA_TEXT_LEN]; /* labels[id - 1] */
  uint32_t nlabels;
  struct var vars[WORLD_MAX_VARS];
  uint32_t nvars;
};

struct props {
  void *handle;
  const struct dara_property *list;
};

struct world *world_new(void) {
  struct world *w = calloc(1, sizeof(*w));
  if (w && !(w->labels = calloc(WORLD_MAX_LABELS, DARA_TEXT_LEN))) {
    free(w);
    return NULL;
  }
  return w;
}

void world_free(struct world *w) {
  if (w)
    free(w->labels);
  free(w);
}

void world_reset(struct world *w, int nprocs) {
  w->nprocs = nprocs;
  w->nlabels = 0;
  w->nvars = 0;
}

uint32_t world_label(struct world *w, const char *text, bool *is_new) {
  *is_new = false;
  for (uint32_t i = 0; i < w->nlabels; i++)
    if (strncmp(w->labels[i], text, DARA_TEXT_LEN) == 0)
      return i + 1;
  if (w->nlabels == WORLD_MAX_LABELS)
    return 0;
  snprintf(w->labels[w->nlabels], DARA_TEXT_LEN, "%s", text);
  *is_new = true;
  return ++w->nlabels;
}

const char *world_label_text(const struct world *w, uint32_t id) {
  return id >= 1 && id <= w->nlabels ? w->labels[id - 1] : "?";
}

static struct var *find(const struct world *w, unsigned proc, uint32_t name) {
  for (uint32_t i = 0; i < w->nvars; i++)
    if (w->vars[i].proc == proc && w->vars[i].name == name)
      return (struct var *)&w->vars[i];
  return NULL;
}

int world_set(struct world *w, unsigned proc, uint32_t name, unsigned type, uint64_t value) {
  struct var *v = find(w, proc, name);
  if (!v) {
    if (w->nvars == WORLD_MAX_VARS)
      return -1;
    v = &w->vars[w->nvars++];
    v->proc = (uint8_t)proc;
    v->name = name;
  }
  v->type = (uint8_t)type;
  v->value = value;
  return 0;
}

void world_describe(const struct world *w, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; i < w->nvars && used + 1 < len; i++) {
    const struct var *v = &w->vars[i];
    char value[64];
    if (v->type == 0) {
      snprintf(value, sizeof(value), "%lld", (long long)v->value);
    } else if (v->type == 1) {
      double d;
      memcpy(&d, &v->value, sizeof(d));
      snprintf(value, sizeof(value), "%g", d);
    } else {
      snprintf(value, sizeof(value), "\"%s\"", world_label_text(w, (uint32_t)v->value));
    }
    used += (size_t)snprintf(buf + used, len - used, "%s%u:%s=%s", i ? " " : "", v->proc,
                             world_label_text(w, v->name), value);
  }
}

/* ---- the accessors a property sees ---- */

static const struct var *lookup(const struct dara_world *dw, int proc, const char *name,
                                unsigned type) {
  const struct world *w = dw->impl;
  if (proc < 0 || proc >= w->nprocs || !name)
    return NULL;
  for (uint32_t i = 0; i < w->nvars; i++) {
    const struct var *v = &w->vars[i];
    if (v->proc == proc && v->type == type &&
        strncmp(world_label_text(w, v->name), name, DARA_TEXT_LEN - 1) == 0)
      return v;
  }
  return NULL;
}

static long long get_int(const struct dara_world *dw, int proc, const char *name,
                         long long fallback) {
  const struct var *v = lookup(dw, proc, name, 0);
  return v ? (long long)v->value : fallback;
}

static double get_double(const struct dara_world *dw, int proc, const char *name, double fallback) {
  const struct var *v = lookup(dw, proc, name, 1);
  if (!v)
    return fallback;
  double d;
  memcpy(&d, &v->value, sizeof(d));
  return d;
}

static const char *get_str(const struct dara_world *dw, int proc, const char *name,
                           const char *fallback) {
  const struct var *v = lookup(dw, proc, name, 2);
  return v ? world_label_text(dw->impl, (uint32_t)v->value) : fallback;
}

struct props *props_load(const char *path, char *err, size_t err_len) {
  /* dlopen searches the library path for a bare name; a property file is a
   * path, so make it one. */
  char buf[4096];
  snprintf(buf, sizeof(buf), "%s%s", strchr(path, '/') ? "" : "./", path);
  void *h = dlopen(buf, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    snprintf(err, err_len, "cannot load properties from %s: %s", path, dlerror());
    return NULL;
  }
  const struct dara_property *list = dlsym(h, "dara_properties");
  if (!list) {
    snprintf(err, err_len, "%s defines no dara_properties[] table (see dara/props.h)", path);
    dlclose(h);
    return NULL;
  }
  struct props *p = calloc(1, sizeof(*p));
  if (!p) {
    snprintf(err, err_len, "out of memory");
    dlclose(h);
    return NULL;
  }
  p->handle = h;
  p->list = list;
  return p;
}

void props_free(struct props *p) {
  if (!p)
    return;
  dlclose(p->handle);
  free(p);
}

const char *props_check(const struct props *p, const struct world *w) {
  if (!p)
    return NULL;
  struct dara_world dw = {.nprocs = w->nprocs,
                          .get_int = get_int,
                          .get_double = get_double,
                          .get_str = get_str,
                          .impl = (void *)w};
  for (const struct dara_property *q = p->list; q->name && q->holds; q++)
    if (!q->holds(&dw))
      return q->name;
  return NULL;
}
