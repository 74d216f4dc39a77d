/*
 * show_trace.c: the trace formats of `dara show`, for tools that draw time
 * and messages:
 *
 *   chrome  Trace Event Format (ui.perfetto.dev, chrome://tracing): one track
 *           per thread, a slice per STEP and per recorded system call,
 *           instant events for the rest, a counter track per logged numeric
 *           variable, and a flow arrow from each send to the receive that
 *           got its bytes;
 *   shiviz  a log with vector clocks for ShiViz (see show_print_shiviz for
 *           what the clocks can and cannot claim).
 *
 * Both pair sends with receives through streams.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/calls.h"
#include "abi/ops.h"
#include "abi/region.h"
#include "sched/event.h"
#include "sched/evtext.h"
#include "sched/json.h"
#include "sched/names.h"
#include "sched/schedfile.h"
#include "sched/show.h"
#include "sched/streams.h"

/* ---- chrome (Trace Event Format) ---- */

/* Microseconds for event i: the virtual time, or the event's index when the
 * run kept no time at all (so that slices still have a width). */
static double chrome_ts(const struct show *sh, bool use_index, size_t i) {
  return use_index ? (double)i : (double)sh->f->events[i].time / 1000.0;
}

static void chrome_sep(FILE *out, bool *first) {
  fputs(*first ? "\n" : ",\n", out);
  *first = false;
}

/* A system call: a slice on its thread's track from when it began to when
 * it ended, named after the call, with the details in its arguments. */
/* Returns the slice's timestamp, where a message arrow to or from it is
 * anchored. */
static double print_chrome_syscall(FILE *out, const struct dara_event *ev, size_t i, bool use_index,
                                   unsigned tid) {
  uint64_t start = ev->sys ? ev->sys->start : ev->time;
  double ts = use_index ? (double)i : (double)start / 1000.0;
  double dur = use_index ? 0.0 : (double)(ev->time - start) / 1000.0;
  fputs("{\"name\": ", out);
  json_put_string(out, dara_call_name(ev->op));
  fprintf(out,
          ", \"cat\": \"syscall\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, "
          "\"pid\": %u, \"tid\": %u, \"args\": {\"event\": %zu, \"syscall\": ",
          ts, dur, ev->proc, tid, i);
  show_json_syscall(out, ev);
  fputs("}}", out);
  return ts;
}

void show_print_chrome(struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  bool use_index = true;
  for (size_t i = 0; i < f->nevents; i++) {
    use_index = use_index && f->events[i].time == 0;
  }
  bool first = true;
  fputs("{\"displayTimeUnit\": \"ns\", \"otherData\": {\"file\": ", out);
  json_put_string(out, sh->path);
  fputs(", \"dara_version\": ", out);
  json_put_string(out, f->hdr.dara_version);
  fprintf(out, ", \"time\": \"%s\"}, \"traceEvents\": [",
          use_index ? "event index (the run kept no virtual time)" : "virtual time");

  /* Names for every process and for every thread that appears. A track
   * is a thread: a routine slot recycled for later threads (defined again
   * in the file) has a track per definition, tid routine + g * 1024 for
   * its definition g (0 for the first: a slot defined once keeps tid
   * routine). */
  bool procs[DARA_MAX_PROCS] = {false};
  size_t nslots = (size_t)DARA_MAX_PROCS * DARA_MAX_ROUTINES;
  uint8_t *seen = calloc(nslots, 1);
  uint32_t *ndefs = calloc(nslots, sizeof *ndefs);   /* definitions in the file */
  uint32_t *walked = calloc(nslots, sizeof *walked); /* taken in so far */
  if (!seen || !ndefs || !walked) {
    free(seen);
    free(ndefs);
    free(walked);
    seen = NULL;
    ndefs = walked = NULL;
  }
  for (int p = 0; p < f->hdr.nprocs; p++) {
    procs[p] = true;
  }
  for (size_t i = 0; i < f->nevents; i++) {
    procs[f->events[i].proc] = true;
    if (seen) {
      seen[f->events[i].proc * DARA_MAX_ROUTINES + f->events[i].routine] = 1;
    }
  }
  for (size_t i = 0; seen && i < f->nthreads; i++) {
    seen[f->threads[i].proc * DARA_MAX_ROUTINES + f->threads[i].routine] = 1;
    ndefs[f->threads[i].proc * DARA_MAX_ROUTINES + f->threads[i].routine]++;
  }
  for (unsigned p = 0; p < DARA_MAX_PROCS; p++) {
    if (!procs[p]) {
      continue;
    }
    chrome_sep(out, &first);
    fprintf(out,
            "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %u, \"tid\": 0, "
            "\"args\": {\"name\": \"",
            p);
    char label[32];
    snprintf(label, sizeof label, "process %u", p);
    json_put_escaped(out, label);
    if ((int)p < f->hdr.nprocs) {
      fputs(": ", out);
      show_put_cmdline(out, &f->hdr.cmds[p], ESC_JSON);
    }
    fputs("\"}}", out);
  }
  for (unsigned k = 0; seen && k < nslots; k++) {
    if (!seen[k]) {
      continue;
    }
    unsigned p = k / DARA_MAX_ROUTINES, r = k % DARA_MAX_ROUTINES;
    /* One name per definition, in file order; a slot never defined has its
     * bare number. */
    uint32_t g = 0;
    for (size_t i = 0; i < f->nthreads || (ndefs[k] == 0 && g == 0); i++) {
      const struct sched_thread *t = i < f->nthreads ? &f->threads[i] : NULL;
      if (t && (t->proc != p || t->routine != r)) {
        continue;
      }
      char name[128] = "", label[160];
      if (t) {
        names_site_of(t, name, sizeof name);
      }
      snprintf(label, sizeof label, "%u:%u%s%s", p, r, name[0] ? " " : "", name);
      chrome_sep(out, &first);
      fprintf(out,
              "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %u, \"tid\": %u, "
              "\"args\": {\"name\": ",
              p, r + g * DARA_MAX_ROUTINES);
      json_put_string(out, label);
      fputs("}}", out);
      g++;
      if (!t) {
        break;
      }
    }
  }
  free(seen);
  size_t next_def = 0;

  /* A message between processes is a flow arrow from the send's slice to
   * the receive's (streams.h). */
  struct chrome_send {
    size_t index;
    unsigned proc, tid;
    double ts;
  };
  struct streams *st = streams_new(sizeof(struct chrome_send));
  for (size_t i = 0; i < f->nevents; i++) {
    const struct dara_event *ev = &f->events[i];
    show_names_at(sh, i);
    for (; walked && next_def < f->nthreads && f->threads_at[next_def] <= i; next_def++) {
      walked[f->threads[next_def].proc * DARA_MAX_ROUTINES + f->threads[next_def].routine]++;
    }
    uint32_t gen = walked ? walked[ev->proc * DARA_MAX_ROUTINES + ev->routine] : 0;
    unsigned tid = ev->routine + (gen > 1 ? gen - 1 : 0) * DARA_MAX_ROUTINES;
    chrome_sep(out, &first);
    if (ev->kind == DARA_EV_SYSCALL) {
      double ts = print_chrome_syscall(out, ev, i, use_index, tid);
      struct chrome_send me = {i, ev->proc, tid, ts};
      const struct chrome_send *from = st ? streams_event(st, ev, &me) : NULL;
      if (from) {
        fprintf(out,
                ",\n{\"name\": \"message\", \"cat\": \"message\", \"ph\": \"s\", "
                "\"id\": %zu, \"pid\": %u, \"tid\": %u, \"ts\": %.3f},\n"
                "{\"name\": \"message\", \"cat\": \"message\", \"ph\": \"f\", "
                "\"bp\": \"e\", \"id\": %zu, \"pid\": %u, \"tid\": %u, \"ts\": %.3f}",
                i, from->proc, from->tid, from->ts, i, ev->proc, tid, ts);
      }
      continue;
    }
    if (st && (ev->kind == DARA_EV_PEER || ev->kind == DARA_EV_FORK || ev->kind == DARA_EV_EXEC))
      streams_event(st, ev, NULL);
    char what[EVTEXT_LEN];
    evtext_what(sh->names, sh->f, ev, what, sizeof what);
    double ts = chrome_ts(sh, use_index, i);
    if (ev->kind == DARA_EV_STEP) {
      /* The chosen thread runs from this decision to the next event. */
      double dur = i + 1 < f->nevents ? chrome_ts(sh, use_index, i + 1) - ts : 1.0;
      fputs("{\"name\": ", out);
      json_put_string(out, what);
      fprintf(out,
              ", \"cat\": \"running\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, "
              "\"pid\": %u, \"tid\": %u, \"args\": {\"event\": %zu, \"op\": \"%s\"}}",
              ts, dur > 0 ? dur : 0.0, ev->proc, tid, i, dara_op_name(ev->op));
      continue;
    }
    /* Everything else is a moment: the whole trace for a deadlock or a
     * failed property (both are about every process), the process for its
     * start and end, the thread otherwise. */
    const char *scope = "t";
    if (ev->kind == DARA_EV_DEADLOCK || ev->kind == DARA_EV_PROPERTY) {
      scope = "g";
    } else if (ev->kind == DARA_EV_EXIT || ev->kind == DARA_EV_SIGNAL ||
               ev->kind == DARA_EV_PROC_START || ev->kind == DARA_EV_FAULT ||
               ev->kind == DARA_EV_FORK || ev->kind == DARA_EV_EXEC) {
      scope = "p";
    }
    fputs("{\"name\": ", out);
    json_put_string(out, what);
    fprintf(out,
            ", \"cat\": \"%s\", \"ph\": \"i\", \"s\": \"%s\", \"ts\": %.3f, \"pid\": %u, "
            "\"tid\": %u, \"args\": {\"event\": %zu, \"arg\": %" PRId64 "}}",
            dara_ev_kind_name(ev->kind), scope, ts, ev->proc, tid, i, ev->arg);
    /* A numeric variable also goes to a counter track of its process, one
     * per name, so that Perfetto plots its values over time. */
    if (ev->kind == DARA_EV_LOG && (ev->op == DARA_VAR_INT || ev->op == DARA_VAR_DOUBLE) &&
        (ev->op == DARA_VAR_INT || isfinite(dara_ev_double(ev->arg)))) {
      const char *var = evtext_label(sh->f, ev->obj);
      char fallback[24];
      if (!var) {
        snprintf(fallback, sizeof fallback, "#%" PRIu32, ev->obj);
        var = fallback;
      }
      chrome_sep(out, &first);
      fputs("{\"name\": ", out);
      json_put_string(out, var);
      fprintf(out,
              ", \"cat\": \"log\", \"ph\": \"C\", \"ts\": %.3f, \"pid\": %u, "
              "\"args\": {\"value\": ",
              ts, ev->proc);
      if (ev->op == DARA_VAR_INT) {
        fprintf(out, "%" PRId64, ev->arg);
      } else {
        show_json_double(out, dara_ev_double(ev->arg));
      }
      fputs("}}", out);
    }
  }
  streams_free(st);
  free(ndefs);
  free(walked);
  fputs("\n]}\n", out);
}

/* ---- shiviz ---- */

/*
 * ShiViz draws one line per host and an arrow wherever one host's vector
 * clock takes in another's. Hosts here are the processes ("proc0", ...) and
 * the scheduler ("dara").
 *
 * Every event ticks its own host's clock. Clocks merge only where
 * information provably flows between hosts:
 *   - dara starts a process (PROC_START is logged on "dara"), so the
 *     process's next event takes in dara's clock;
 *   - likewise dara injects a fault (FAULT, on "dara"): a process whose
 *     connection it reset takes in dara's clock at its next event;
 *   - dara declares a deadlock only after reading the state every process
 *     left in the shared region, so the DEADLOCK event (on "dara") takes in
 *     every process's clock;
 *   - likewise a global property is checked by dara over the variables
 *     every process logged, so a PROPERTY failure (on "dara") takes in
 *     every process's clock.
 *   - a receive on a connected socket takes in the clock of the send that
 *     carried the last byte it got (streams.h pairs them, through the PEER
 *     events that say which two sockets are the ends of one connection).
 * Threads of one process share a host: their events are already totally
 * ordered by the turn. Other synchronization between processes (shared
 * memory, pipes, signals, datagrams) is not recorded, so no other arrows
 * are drawn; in particular the order in which dara handed the turn from one
 * process to another is not shown as causality, because the program did not
 * cause it.
 */
#define SHIVIZ_HOSTS (DARA_MAX_PROCS + 1)
#define SHIVIZ_DARA DARA_MAX_PROCS

static void shiviz_host(unsigned h, char *buf, size_t len) {
  if (h == SHIVIZ_DARA) {
    snprintf(buf, len, "dara");
  } else {
    snprintf(buf, len, "proc%u", h);
  }
}

static void vc_merge(uint64_t *into, const uint64_t *from) {
  for (unsigned k = 0; k < SHIVIZ_HOSTS; k++) {
    into[k] = from[k] > into[k] ? from[k] : into[k];
  }
}

void show_print_shiviz(struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  uint64_t vc[SHIVIZ_HOSTS][SHIVIZ_HOSTS];
  /* dara's clock when it started each process (or injected a fault into
   * it), until the process's next event takes it in. */
  uint64_t started[DARA_MAX_PROCS][SHIVIZ_HOSTS];
  bool pending[DARA_MAX_PROCS] = {false};
  memset(vc, 0, sizeof vc);
  struct streams *st = streams_new(sizeof vc[0]);
  /* The parsing expression, then an empty line: no delimiter between runs. */
  fputs("(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)\n\n", out);
  for (size_t i = 0; i < f->nevents; i++) {
    const struct dara_event *ev = &f->events[i];
    unsigned h = ev->proc;
    bool global = ev->kind == DARA_EV_DEADLOCK || ev->kind == DARA_EV_PROPERTY;
    bool by_dara = ev->kind == DARA_EV_PROC_START || ev->kind == DARA_EV_FAULT;
    if (by_dara || global) {
      h = SHIVIZ_DARA;
    }
    if (global) {
      for (unsigned p = 0; p < DARA_MAX_PROCS; p++) {
        vc_merge(vc[h], vc[p]);
      }
    } else if (h != SHIVIZ_DARA && pending[h]) {
      vc_merge(vc[h], started[h]);
      pending[h] = false;
    }
    /* A receive takes in the clock of the send that carried its bytes; a
     * send hands its clock, once ticked, to its stream. */
    bool send = st && streams_is_send(st, ev);
    if (st && !send) {
      const uint64_t *from = streams_event(st, ev, NULL);
      if (from && h != SHIVIZ_DARA) {
        vc_merge(vc[h], from);
      }
    }
    /* A forked child starts from its parent's clock (the fork is a
     * message), a new program from its process's before the exec. */
    if ((ev->kind == DARA_EV_FORK || ev->kind == DARA_EV_EXEC) && ev->arg >= 0 &&
        ev->arg < DARA_MAX_PROCS) {
      vc_merge(vc[h], vc[ev->arg]);
    }
    vc[h][h]++;
    if (send) {
      streams_event(st, ev, vc[h]);
    }
    if (by_dara) {
      memcpy(started[ev->proc], vc[h], sizeof started[ev->proc]);
      pending[ev->proc] = true;
    }

    char name[48];
    shiviz_host(h, name, sizeof name);
    fprintf(out, "%s {", name);
    bool first = true;
    for (unsigned k = 0; k < SHIVIZ_HOSTS; k++) {
      if (vc[h][k]) {
        shiviz_host(k, name, sizeof name);
        fprintf(out, "%s\"%s\": %" PRIu64, first ? "" : ", ", name, vc[h][k]);
        first = false;
      }
    }
    char tname[128], what[EVTEXT_LEN];
    show_names_at(sh, i);
    names_thread_site(sh->names, ev->proc, ev->routine, tname, sizeof tname);
    evtext_what(sh->names, sh->f, ev, what, sizeof what);
    fprintf(out, "}\n#%zu t=%" PRIu64 " %u:%u ", i, ev->time, ev->proc, ev->routine);
    if (tname[0]) {
      show_put_text(out, tname);
      fputs(" ", out);
    }
    fprintf(out, "%s: ", dara_ev_kind_name(ev->kind));
    show_put_text(out, what);
    fputc('\n', out);
  }
  streams_free(st);
}
