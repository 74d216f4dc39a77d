/*
 * report_races.c: what a run makes of the data races its detector finds
 * (races.h). Each new race is named in the result as the run names things
 * at that moment (a routine slot recycled later holds another thread); in
 * fail mode the first one ends the run, reported the way ThreadSanitizer
 * reports one: the access, then the earlier access it raced with.
 */
#include <stdio.h>
#include <string.h>

#include "sched/evtext.h"
#include "sched/names.h"
#include "sched/races.h"
#include "sched/racy.h"
#include "sched/report.h"
#include "sched/session_priv.h"

static void name_access(const struct names *n, const struct race_access *a,
                        struct session_race_access *out) {
  names_thread_text(n, a->proc, a->routine, out->thread, sizeof(out->thread));
  evtext_place(n, a->proc, a->pc, out->place, sizeof(out->place));
  out->kind = a->kind;
  out->size = a->size;
}

/* Whether a comes after b in the order the key and signature sort places
 * in: by place, then by kind. */
static bool after(const struct session_race_access *a, const struct session_race_access *b) {
  int c = strcmp(a->place, b->place);
  return c > 0 || (c == 0 && a->kind > b->kind);
}

/* The location as it is the same in every execution: a heap location's id
 * is not (ids come in first-seen order). */
static const char *stable_location(const struct names *n, unsigned proc, uint32_t obj, char *buf,
                                   size_t len) {
  return names_location_text(n, proc, obj, buf, len) ? buf : "(heap)";
}

static void name_race(const struct names *n, const struct race *x, struct session_race *out) {
  names_location_text(n, x->later.proc, x->obj, out->location, sizeof(out->location));
  name_access(n, &x->later, &out->access);
  name_access(n, &x->earlier, &out->previous);
  const struct session_race_access *a = &out->access, *b = &out->previous;
  if (after(a, b)) {
    a = &out->previous;
    b = &out->access;
  }
  char where[96];
  snprintf(out->key, sizeof(out->key), "%s %s:%s %s:%s",
           stable_location(n, x->later.proc, x->obj, where, sizeof(where)), a->place,
           race_kind_name(a->kind), b->place, race_kind_name(b->kind));
}

void report_race_access(const struct session_race *r, bool previous, char *buf, size_t len) {
  const struct session_race_access *a = previous ? &r->previous : &r->access;
  snprintf(buf, len, "%s%s of size %u at %s by thread %s at %s", previous ? "previous " : "",
           race_kind_name(a->kind), a->size, r->location, a->thread, a->place);
}

static const char *verb(unsigned kind, bool past) {
  switch (kind) {
  case RACE_READ:
    return past ? "read" : "reads";
  case RACE_WRITE:
    return past ? "wrote" : "writes";
  case RACE_ATOMIC_READ:
    return past ? "atomically read" : "atomically reads";
  default:
    return past ? "atomically wrote" : "atomically writes";
  }
}

/* Ends the run with race r (fail mode): the message, one line per access,
 * and a signature of what is the same in every execution: the location
 * and the two places. */
static void fail(struct session *s, const struct race *x, const struct session_race *r) {
  char line[512];
  report_race_access(r, false, line, sizeof(line));
  session_detail(s, "  %s", line);
  report_race_access(r, true, line, sizeof(line));
  session_detail(s, "  %s", line);
  const char *p1 = r->access.place, *p2 = r->previous.place;
  if (strcmp(p1, p2) > 0) {
    p1 = r->previous.place;
    p2 = r->access.place;
  }
  char where[96];
  snprintf(s->res->signature, sizeof(s->res->signature), "race %s %s %s",
           stable_location(s->names, x->later.proc, x->obj, where, sizeof(where)), p1, p2);
  session_finish(s, SCHED_OUT_RACE, 0, x->later.proc,
                 "data race on %s: thread %s %s %u bytes at %s, thread %s %s at %s (unordered)",
                 r->location, r->access.thread, verb(r->access.kind, false), r->access.size,
                 r->access.place, r->previous.thread, verb(r->previous.kind, true),
                 r->previous.place);
}

void report_races(struct session *s, const struct dara_event *ev) {
  struct session_result *res = s->res;
  size_t before = races_count(s->races);
  races_event(s->races, ev);
  if (races_more(s->races))
    res->races_more = true;
  const char *why = races_stopped(s->races);
  if (why && !res->races_stopped[0])
    snprintf(res->races_stopped, sizeof(res->races_stopped), "%s", why);
  for (size_t i = before; i < races_count(s->races); i++) {
    const struct race *x = races_at(s->races, i);
    if (s->cfg->racy_found)
      racy_add_race(s->cfg->racy_found, s->region, x);
    struct session_race named;
    name_race(s->names, x, &named);
    if (res->nraces < SESSION_MAX_RACES)
      res->races[res->nraces++] = named;
    else
      res->races_more = true;
    if (s->cfg->races == SESSION_RACES_FAIL && !s->done)
      fail(s, x, &named);
  }
}
