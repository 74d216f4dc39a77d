/*
 * schedfile: the schedule file, format v3 (and v1, v2): what writing
 * (schedfile_write.c) and reading (schedfile_read.c) share, and the lookups
 * in a loaded file.
 *
 * docs/schedule-format.md is the specification; these files follow it. In
 * short: an 8-byte magic and a version, a header (versions, directory,
 * strategy, seed, command lines), then a stream of records each opening with
 * a tag byte, ending with a FOOTER record and a CRC-32C of everything before
 * it.
 *
 * Events are the bulk of a file, so they are encoded against the previous
 * event: a flag says "same process and routine as before", the time is a
 * difference that costs nothing while it repeats, fields that are zero are
 * left out, and a STEP event carries its operation inside the tag byte. A
 * typical STEP takes two or three bytes.
 *
 * Labels (names of logged variables, assertions and properties, and string
 * values) are numbered 1, 2, 3, ... in the order they are defined; an event
 * may name only a label defined before it, so the reader checks every
 * reference as it goes.
 */
#include "sched/schedfile.h"

#include <stdarg.h>
#include <stdio.h>

#include "sched/schedfile_format.h"

void sf_set_err(char *err, size_t err_len, const char *fmt, ...) {
  if (!err || err_len == 0) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, err_len, fmt, ap);
  va_end(ap);
}

const char *sched_outcome_name(unsigned kind) {
  static const char *const names[SCHED_OUT_COUNT] = {
      [SCHED_OUT_OK] = "ok",
      [SCHED_OUT_EXIT] = "exit",
      [SCHED_OUT_SIGNAL] = "signal",
      [SCHED_OUT_DEADLOCK] = "deadlock",
      [SCHED_OUT_HANG] = "hang",
      [SCHED_OUT_PROPERTY] = "property",
      [SCHED_OUT_ERROR] = "error",
      [SCHED_OUT_LIVELOCK] = "livelock",
      [SCHED_OUT_RACE] = "race",
      [SCHED_OUT_CHECK] = "check",
      [SCHED_OUT_STEP_LIMIT] = "step-limit",
  };
  return kind < SCHED_OUT_COUNT ? names[kind] : "?";
}

bool sched_outcome_bug(unsigned kind) {
  return kind != SCHED_OUT_OK && kind != SCHED_OUT_ERROR && kind != SCHED_OUT_STEP_LIMIT;
}

bool sf_event_ok(const struct dara_event *ev, uint64_t nlabels) {
  if (ev->kind == DARA_EV_NONE || ev->kind >= DARA_EV_KIND_COUNT) {
    return false;
  }
  if (ev->proc >= DARA_MAX_PROCS || ev->routine >= DARA_MAX_ROUTINES) {
    return false;
  }
  switch (ev->kind) {
  case DARA_EV_STEP:
  case DARA_EV_RESULT:
    return ev->op < DARA_OP_COUNT;
  case DARA_EV_LOG:
    return ev->op <= DARA_VAR_STRING && ev->obj >= 1 && ev->obj <= nlabels &&
           (ev->op != DARA_VAR_STRING || (ev->arg >= 1 && (uint64_t)ev->arg <= nlabels));
  case DARA_EV_ASSERT:
    return ev->op >= DARA_ASSERT_ALWAYS && ev->op <= DARA_ASSERT_UNREACHABLE && ev->obj >= 1 &&
           ev->obj <= nlabels && (ev->arg == 0 || ev->arg == 1);
  case DARA_EV_PROPERTY:
    return ev->obj >= 1 && ev->obj <= nlabels;
  case DARA_EV_SYSCALL:
    return ev->op < DARA_CALL_COUNT && ev->sys && ev->sys->len <= DARA_SYS_DATA &&
           ev->sys->start <= ev->time;
  case DARA_EV_PEER:
    return ev->op < DARA_MAX_PROCS;
  case DARA_EV_FAULT:
    return ev->op >= DARA_FAULT_CRASH && ev->op < DARA_FAULT_COUNT && ev->routine == 0;
  case DARA_EV_FORK: /* a parent, or the process before its exec, is another slot */
  case DARA_EV_EXEC:
    return ev->arg >= 0 && ev->arg < DARA_MAX_PROCS && ev->arg != ev->proc;
  default:
    return true;
  }
}

const struct sched_thread *schedfile_thread(const struct sched_file *f, unsigned proc,
                                            unsigned routine) {
  /* The last definition wins (schedfile_thread_at: the one in force at an
   * event, for a slot recycled for a later thread). */
  for (size_t i = f->nthreads; i-- > 0;) {
    if (f->threads[i].proc == proc && f->threads[i].routine == routine) {
      return &f->threads[i];
    }
  }
  return NULL;
}

const struct sched_thread *schedfile_thread_at(const struct sched_file *f, unsigned proc,
                                               unsigned routine, size_t event) {
  for (size_t i = f->nthreads; i-- > 0;) {
    const struct sched_thread *t = &f->threads[i];
    if (t->proc == proc && t->routine == routine && (!f->threads_at || f->threads_at[i] <= event)) {
      return t;
    }
  }
  return NULL;
}

const struct sched_object *schedfile_object(const struct sched_file *f, unsigned proc,
                                            uint32_t id) {
  for (size_t i = f->nobjects; i-- > 0;) {
    if (f->objects[i].proc == proc && f->objects[i].id == id) {
      return &f->objects[i];
    }
  }
  return NULL;
}

const struct sched_label *schedfile_label(const struct sched_file *f, uint32_t id) {
  /* A file read by schedfile_load holds labels 1..nlabels in order. */
  if (id >= 1 && id <= f->nlabels && f->labels[id - 1].id == id) {
    return &f->labels[id - 1];
  }
  for (size_t i = 0; i < f->nlabels; i++) {
    if (f->labels[i].id == id) {
      return &f->labels[i];
    }
  }
  return NULL;
}
