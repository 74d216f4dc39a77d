/*
 * names.c: see names.h. Threads are kept per process in a table indexed by
 * routine, objects per process in a table indexed by id; both grow on
 * demand, so a run that defines few pays for few.
 */
#include "sched/names.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "abi/ops.h"

/* Object ids are handed out by the shim in first-seen order; more than this
 * cannot be a real run's (the shim stops a process long before). */
#define NAMES_MAX_OBJECTS (1u << 16)

struct proc_names {
  struct name_thread *threads; /* indexed by routine */
  uint32_t nthreads;           /* allocated */
  uint32_t threads_used;       /* 1 + the highest routine defined */
  struct name_object *objects; /* indexed by id */
  uint32_t nobjects;           /* allocated */
  uint32_t objects_used;       /* 1 + the highest id defined */
};

struct names {
  struct proc_names procs[DARA_MAX_PROCS];
};

struct names *names_new(void) {
  return calloc(1, sizeof(struct names));
}

void names_free(struct names *n) {
  if (!n)
    return;
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    free(n->procs[i].threads);
    free(n->procs[i].objects);
  }
  free(n);
}

void names_clear(struct names *n) {
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    struct proc_names *p = &n->procs[i];
    if (p->threads)
      memset(p->threads, 0, p->threads_used * sizeof(*p->threads));
    if (p->objects)
      memset(p->objects, 0, p->objects_used * sizeof(*p->objects));
    p->threads_used = 0;
    p->objects_used = 0;
  }
}

/* Makes *v hold at least index+1 entries of size elem, zero-filled. */
static int grow(void **v, uint32_t *have, uint32_t index, size_t elem) {
  if (index < *have)
    return 0;
  uint32_t want = *have ? *have : 16;
  while (want <= index)
    want *= 2;
  void *nv = realloc(*v, (size_t)want * elem);
  if (!nv)
    return -1;
  memset((char *)nv + (size_t)*have * elem, 0, (size_t)(want - *have) * elem);
  *v = nv;
  *have = want;
  return 0;
}

int names_add_thread(struct names *n, const struct sched_thread *t) {
  if (t->proc >= DARA_MAX_PROCS || t->routine >= DARA_MAX_ROUTINES)
    return -1;
  struct proc_names *p = &n->procs[t->proc];
  if (grow((void **)&p->threads, &p->nthreads, t->routine, sizeof(*p->threads)) != 0)
    return -1;
  struct name_thread *nt = &p->threads[t->routine];
  nt->defined = true;
  strlcpy(nt->module, t->module ? t->module : "", sizeof(nt->module));
  strlcpy(nt->func, t->func ? t->func : "", sizeof(nt->func));
  nt->offset = t->offset;
  nt->ordinal = t->ordinal;
  if (t->routine + 1u > p->threads_used)
    p->threads_used = t->routine + 1u;
  return 0;
}

int names_add_object(struct names *n, const struct sched_object *o, const char *symbol) {
  if (o->proc >= DARA_MAX_PROCS || o->id == 0 || o->id >= NAMES_MAX_OBJECTS || o->kind == 0)
    return -1;
  struct proc_names *p = &n->procs[o->proc];
  if (grow((void **)&p->objects, &p->nobjects, o->id, sizeof(*p->objects)) != 0)
    return -1;
  struct name_object *no = &p->objects[o->id];
  no->kind = o->kind;
  strlcpy(no->symbol, symbol ? symbol : "", sizeof(no->symbol));
  strlcpy(no->module, o->module ? o->module : "", sizeof(no->module));
  no->offset = o->offset;
  no->within = -1;
  if (o->id + 1u > p->objects_used)
    p->objects_used = o->id + 1u;
  return 0;
}

void names_set_within(struct names *n, unsigned proc, uint32_t id, uint64_t within) {
  if (!names_object(n, proc, id))
    return;
  struct name_object *o = &n->procs[proc].objects[id];
  if (o->symbol[0])
    o->within = within > INT64_MAX ? -1 : (int64_t)within;
}

int names_load_file(struct names *n, const struct sched_file *f) {
  for (size_t i = 0; i < f->nthreads; i++)
    if (names_add_thread(n, &f->threads[i]) != 0)
      return -1;
  for (size_t i = 0; i < f->nobjects; i++)
    if (names_add_object(n, &f->objects[i], f->object_symbols[i]) != 0)
      return -1;
  return 0;
}

const struct name_thread *names_thread(const struct names *n, unsigned proc, unsigned routine) {
  if (!n || proc >= DARA_MAX_PROCS)
    return NULL;
  const struct proc_names *p = &n->procs[proc];
  if (routine >= p->threads_used || !p->threads[routine].defined)
    return NULL;
  return &p->threads[routine];
}

const struct name_object *names_object(const struct names *n, unsigned proc, uint32_t id) {
  if (!n || proc >= DARA_MAX_PROCS)
    return NULL;
  const struct proc_names *p = &n->procs[proc];
  if (id == 0 || id >= p->objects_used || p->objects[id].kind == 0)
    return NULL;
  return &p->objects[id];
}

void names_thread_text(const struct names *n, unsigned proc, unsigned routine, char *buf,
                       size_t len) {
  const struct name_thread *t = names_thread(n, proc, routine);
  if (!t)
    snprintf(buf, len, "%u:%u", proc, routine);
  else if (routine == 0)
    snprintf(buf, len, "%u:%u main", proc, routine);
  else
    snprintf(buf, len, "%u:%u %s (%s+%#" PRIx64 "#%" PRIu32 ")", proc, routine,
             t->func[0] ? t->func : "?", t->module[0] ? t->module : "?", t->offset, t->ordinal);
}

void names_thread_site(const struct names *n, unsigned proc, unsigned routine, char *buf,
                       size_t len) {
  const struct name_thread *t = names_thread(n, proc, routine);
  if (!t)
    snprintf(buf, len, "%s", "");
  else if (t->func[0])
    snprintf(buf, len, "%s", t->func);
  else
    snprintf(buf, len, "%s+0x%" PRIx64 "#%" PRIu32, t->module[0] ? t->module : "?", t->offset,
             t->ordinal);
}

void names_site_of(const struct sched_thread *t, char *buf, size_t len) {
  const char *func = t->func ? t->func : "", *module = t->module ? t->module : "";
  if (func[0])
    snprintf(buf, len, "%s", func);
  else
    snprintf(buf, len, "%s+0x%" PRIx64 "#%" PRIu32, module[0] ? module : "?", t->offset,
             t->ordinal);
}

bool names_object_text(const struct names *n, unsigned proc, uint32_t id, char *buf, size_t len) {
  const struct name_object *o = names_object(n, proc, id);
  if (!o) {
    snprintf(buf, len, "object#%" PRIu32, id);
    return false;
  }
  if (o->module[0])
    snprintf(buf, len, "%s#%" PRIu32 "%s%s (%s+%#" PRIx64 ")", dara_obj_kind_name(o->kind), id,
             o->symbol[0] ? " " : "", o->symbol, o->module, o->offset);
  else
    snprintf(buf, len, "%s#%" PRIu32, dara_obj_kind_name(o->kind), id);
  return true;
}

bool names_location_text(const struct names *n, unsigned proc, uint32_t id, char *buf, size_t len) {
  const struct name_object *o = names_object(n, proc, id);
  if (!o || !o->module[0]) {
    snprintf(buf, len, "%s#%" PRIu32, dara_obj_kind_name(o ? o->kind : DARA_OBJ_MEMORY), id);
    return false;
  }
  if (o->symbol[0] && o->within >= 0)
    snprintf(buf, len, "%s+%" PRId64, o->symbol, o->within);
  else if (o->symbol[0])
    snprintf(buf, len, "%s", o->symbol);
  else
    snprintf(buf, len, "%s+%#" PRIx64, o->module, o->offset);
  return true;
}
