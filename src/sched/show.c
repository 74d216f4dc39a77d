/*
 * show: `dara show FILE [--format text|json|chrome|shiviz]`.
 *
 * Loads a schedule file (schedfile.h) and prints it in one of four forms:
 *
 *   text    for people: the header, one line per event naming each thread by
 *           its creation site and each object by kind and address, a summary.
 *   json    the whole content as one JSON document, for scripts.
 *   chrome  Trace Event Format (ui.perfetto.dev, chrome://tracing): one track
 *           per thread, a slice per STEP and per recorded system call,
 *           instant events for the rest, and a counter track per logged
 *           numeric variable.
 *   shiviz  a log with vector clocks for ShiViz (see print_shiviz for what
 *           the clocks can and cannot claim).
 *
 * The file is untrusted input even once it has been verified: every string
 * from it is escaped for the output at hand (control characters never reach
 * a terminal; JSON is always valid UTF-8).
 *
 * A truncated file is still shown (its intact events), and the command then
 * exits 2 with the reason on stderr, so that a script never takes a partial
 * run for a complete one.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dara/calls.h"
#include "dara/ops.h"
#include "dara/region.h"
#include "sched/cli.h"
#include "sched/show.h"
#include "sched/event.h"
#include "sched/evtext.h"
#include "sched/json.h"
#include "sched/names.h"
#include "sched/schedfile.h"
#include "sched/streams.h"
#include "sched/utf8.h"

enum show_format { FMT_TEXT, FMT_JSON, FMT_CHROME, FMT_SHIVIZ };

static const char show_usage[] =
    "usage: dara show FILE [--format text|json|chrome|shiviz]\n"
    "\n"
    "Prints a schedule file written by `dara record`.\n"
    "\n"
    "  -f, --format FMT  text    header, one line per event, summary (default)\n"
    "                    json    the whole file as one JSON document\n"
    "                    chrome  Trace Event Format, for ui.perfetto.dev or\n"
    "                            chrome://tracing\n"
    "                    shiviz  a log with vector clocks, for ShiViz\n"
    "  -h, --help        print this help\n"
    "\n"
    "Exit status: 0 when the file was shown; 2 when it cannot be read, is\n"
    "damaged, or is truncated (the intact events of a truncated file are\n"
    "shown first).\n";

struct show {
  const struct sched_file *f;
  const char *path;
  bool complete; /* the footer was read: the outcome is known */
  FILE *out;
  struct names *names; /* the file's threads and objects */
};

/* ---- escaping ---- */

enum esc { ESC_TEXT, ESC_JSON };

typedef void (*emit_fn)(void *ctx, const char *p, size_t n);

static void emit_file(void *ctx, const char *p, size_t n) {
  fwrite(p, 1, n, (FILE *)ctx);
}

/* A fixed buffer that keeps what fits and stays NUL-terminated. */
struct bufsink {
  char *p;
  size_t len, cap;
};

static void emit_buf(void *ctx, const char *p, size_t n) {
  struct bufsink *b = ctx;
  if (b->len + n < b->cap) {
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
  } else {
    b->len = b->cap; /* full: drop this and everything after it */
  }
}

/* Emits s escaped as text: control characters (C0, DEL, C1) and bytes that
 * are not UTF-8 become \xNN. */
static void escape_text(const char *s, emit_fn emit, void *ctx) {
  const char *p = s ? s : "";
  while (*p) {
    /* The longest run that needs no escaping goes out in one piece. */
    size_t run = utf8_clean_run(p, "");
    if (run > 0) {
      emit(ctx, p, run);
      p += run;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8_seq(p, &cp);
    size_t k = n ? n : 1;
    for (size_t i = 0; i < k; i++) {
      char tmp[8];
      snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned char)p[i]);
      emit(ctx, tmp, 4);
    }
    p += k;
  }
}

/* s escaped as text into buf[len]. */
static const char *text_into(char *buf, size_t len, const char *s) {
  struct bufsink b = {buf, 0, len};
  buf[0] = '\0';
  escape_text(s, emit_buf, &b);
  return buf;
}

static void put_text(FILE *out, const char *s) {
  escape_text(s, emit_file, out);
}

/* A command line as a shell would take it back: plain words as they are,
 * anything else in single quotes. Escaped for the mode like any string. */
static void put_cmdline(FILE *out, const struct sched_cmd *c, enum esc mode) {
  static const char plain_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789_-./=:,+@%";
  for (int i = 0; i < c->argc; i++) {
    const char *a = c->argv[i];
    size_t n = strlen(a);
    char *q = malloc(4 * n + 3);
    if (!q) {
      continue;
    }
    size_t k = 0;
    if (n > 0 && strspn(a, plain_chars) == n) {
      memcpy(q, a, n);
      k = n;
    } else {
      q[k++] = '\'';
      for (const char *p = a; *p; p++) {
        if (*p == '\'') {
          memcpy(q + k, "'\\''", 4); /* close, escaped quote, reopen */
          k += 4;
        } else {
          q[k++] = *p;
        }
      }
      q[k++] = '\'';
    }
    q[k] = '\0';
    if (i > 0) {
      emit_file(out, " ", 1);
    }
    if (mode == ESC_TEXT) {
      escape_text(q, emit_file, out);
    } else {
      json_escape(out, q);
    }
    free(q);
  }
}

/* ---- names ---- */

/* Fills the names store with the file's threads and objects, in file order,
 * so that the last definition of a slot wins. One the store cannot hold (an
 * object id beyond any the shim hands out) is shown as undefined. */
static bool show_names(struct show *sh) {
  const struct sched_file *f = sh->f;
  if (!(sh->names = names_new())) {
    return false;
  }
  for (size_t i = 0; i < f->nthreads; i++) {
    names_add_thread(sh->names, &f->threads[i]);
  }
  for (size_t i = 0; i < f->nobjects; i++) {
    names_add_object(sh->names, &f->objects[i], NULL);
  }
  return true;
}

static size_t digits(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

/* ---- text ---- */

static void print_outcome_text(const struct show *sh) {
  FILE *out = sh->out;
  const struct sched_outcome *o = &sh->f->outcome;
  fputs("outcome   ", out);
  if (!sh->complete) {
    fputs("unknown: the file is truncated\n", out);
    return;
  }
  fputs(sched_outcome_name(o->kind), out);
  switch (o->kind) {
  case SCHED_OUT_EXIT:
    fprintf(out, ", status %" PRId32 ", process %" PRIu32, o->code, o->proc);
    break;
  case SCHED_OUT_SIGNAL:
    fprintf(out, ", signal %" PRId32 ", process %" PRIu32, o->code, o->proc);
    break;
  case SCHED_OUT_OK:
    break;
  default:
    fprintf(out, " in process %" PRIu32, o->proc);
    if (o->code) {
      fprintf(out, ", code %" PRId32, o->code);
    }
    break;
  }
  if (o->message) {
    fputs(": ", out);
    put_text(out, o->message);
  }
  fputc('\n', out);
}

static void print_text(const struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  fputs("file      ", out);
  put_text(out, sh->path);
  fprintf(out, " (schedule format %" PRIu32 ", %" PRIu64 " bytes)\n", f->version, f->file_size);
  fputs("dara      ", out);
  put_text(out, f->hdr.dara_version);
  fputs("\ncwd       ", out);
  put_text(out, f->hdr.cwd);
  fputs("\nstrategy  ", out);
  put_text(out, f->hdr.strategy);
  fprintf(out, ", seed %" PRIu64 "\n", f->hdr.seed);
  for (int p = 0; p < f->hdr.nprocs; p++) {
    fprintf(out, "command   %d: ", p);
    put_cmdline(out, &f->hdr.cmds[p], ESC_TEXT);
    fputc('\n', out);
  }
  print_outcome_text(sh);
  fputc('\n', out);

  uint64_t maxtime = 0;
  size_t steps = 0;
  for (size_t i = 0; i < f->nevents; i++) {
    maxtime = f->events[i].time > maxtime ? f->events[i].time : maxtime;
    steps += f->events[i].kind == DARA_EV_STEP;
  }
  int iw = (int)digits(f->nevents ? f->nevents - 1 : 0);
  int tw = (int)digits(maxtime);
  iw = iw < 1 ? 1 : iw;
  tw = tw < 4 ? 4 : tw;
  fprintf(out, "%*s  %*s  %-24s  %-10s  %s\n", iw, "#", tw, "time", "thread", "event", "what");
  for (size_t i = 0; i < f->nevents; i++) {
    const struct dara_event *ev = &f->events[i];
    char raw[128], name[160], who[200], what[EVTEXT_LEN], what_esc[2 * EVTEXT_LEN];
    names_thread_site(sh->names, ev->proc, ev->routine, raw, sizeof raw);
    text_into(name, sizeof name, raw);
    snprintf(who, sizeof who, "%u:%u%s%s", ev->proc, ev->routine, name[0] ? " " : "", name);
    evtext_what(sh->names, sh->f, ev, what, sizeof what);
    fprintf(out, "%*zu  %*" PRIu64 "  %-24s  %-10s  %s\n", iw, i, tw, ev->time, who,
            dara_ev_kind_name(ev->kind), text_into(what_esc, sizeof what_esc, what));
  }
  fputc('\n', out);
  fprintf(out, "summary   %zu events (%zu steps), %zu threads, %zu objects, %zu labels, %" PRIu64
               " bytes",
          f->nevents, steps, f->nthreads, f->nobjects, f->nlabels, f->file_size);
  if (f->nevents) {
    fprintf(out, ", %.2f bytes per event", (double)f->file_size / (double)f->nevents);
  }
  fputc('\n', out);
}

/* ---- json ---- */

/* A double as a JSON number: the shortest form that reads back as the same
 * value; null for infinities and NaN, which JSON cannot express. */
static void put_json_double(FILE *out, double d) {
  if (!isfinite(d)) {
    fputs("null", out);
    return;
  }
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) {
      break;
    }
  }
  fputs(buf, out);
}

/* A SYSCALL event's details as a JSON object: the call and its group, the
 * arguments keyed by their names (signed numbers), the return value, errno
 * and its name (null when errno is 0 or unknown), when the call began and
 * ended (virtual ns), and the data excerpt as a string and in hex. */
static void put_json_syscall(FILE *out, const struct dara_event *ev) {
  static const struct dara_sys none;
  const struct dara_sys *sys = ev->sys ? ev->sys : &none;
  size_t len = sys->len < DARA_SYS_DATA ? sys->len : DARA_SYS_DATA;
  fputs("{\"call\": ", out);
  json_string(out, dara_call_name(ev->op));
  fputs(", \"group\": ", out);
  json_string(out, dara_call_group_name((unsigned)dara_call_group(ev->op)));
  fputs(", \"args\": {", out);
  char names[3][EVTEXT_ARG_NAME];
  int n = evtext_call_args(ev->op, names);
  for (int i = 0; i < n; i++) {
    fputs(i ? ", " : "", out);
    json_string(out, names[i]);
    fprintf(out, ": %" PRId64, (int64_t)sys->args[i]);
  }
  fprintf(out, "}, \"ret\": %" PRId64 ", \"errno\": %" PRIu32 ", \"errno_name\": ", ev->arg,
          sys->err);
  json_string(out, evtext_errno_name(sys->err));
  fprintf(out, ", \"start\": %" PRIu64 ", \"end\": %" PRIu64 ", \"data\": ", sys->start,
          ev->time);
  json_bytes(out, sys->data, len);
  fputs(", \"data_hex\": \"", out);
  for (size_t i = 0; i < len; i++) {
    fprintf(out, "%02x", sys->data[i]);
  }
  fputs("\"}", out);
}

static void print_json_event(const struct show *sh, size_t i) {
  const struct dara_event *ev = &sh->f->events[i];
  FILE *out = sh->out;
  fprintf(out, "    {\"index\": %zu, \"kind\": \"%s\", \"proc\": %u, \"routine\": %u, "
               "\"time\": %" PRIu64,
          i, dara_ev_kind_name(ev->kind), ev->proc, ev->routine, ev->time);
  if (ev->kind == DARA_EV_STEP || ev->kind == DARA_EV_RESULT) {
    fprintf(out, ", \"op\": \"%s\"", dara_op_name(ev->op));
  } else if (ev->kind == DARA_EV_SYSCALL) {
    fputs(", \"op\": ", out);
    json_string(out, dara_call_name(ev->op));
  } else if (ev->kind == DARA_EV_NOTE) {
    fprintf(out, ", \"note\": %u", ev->op);
  } else if (ev->kind == DARA_EV_PEER) {
    fprintf(out, ", \"fd\": %" PRIu32 ", \"peer_proc\": %u, \"peer_fd\": %" PRIu32, ev->obj,
            ev->op, ev->obj2);
  } else if (ev->op) {
    fprintf(out, ", \"op\": %u", ev->op);
  }
  if (ev->obj) {
    fprintf(out, ", \"obj\": %" PRIu32, ev->obj);
  }
  if (ev->obj2) {
    fprintf(out, ", \"obj2\": %" PRIu32, ev->obj2);
  }
  if (ev->arg) {
    fprintf(out, ", \"arg\": %" PRId64, ev->arg);
  }
  /* The decoded fields of the kinds that name labels, and of system calls,
   * in an object named after the kind (so that its "kind" cannot clash with
   * the event's). */
  if (ev->kind == DARA_EV_LOG) {
    fputs(", \"log\": {\"name\": ", out);
    json_string(out, evtext_label(sh->f, ev->obj));
    fprintf(out, ", \"type\": \"%s\", \"value\": ", dara_var_type_name(ev->op));
    if (ev->op == DARA_VAR_INT) {
      fprintf(out, "%" PRId64, ev->arg);
    } else if (ev->op == DARA_VAR_DOUBLE) {
      put_json_double(out, dara_ev_double(ev->arg));
    } else if (ev->op == DARA_VAR_STRING) {
      json_string(out, evtext_label(sh->f, ev->arg));
    } else {
      fputs("null", out);
    }
    fputc('}', out);
  } else if (ev->kind == DARA_EV_ASSERT) {
    fprintf(out, ", \"assert\": {\"kind\": \"%s\", \"name\": ", dara_assert_kind_name(ev->op));
    json_string(out, evtext_label(sh->f, ev->obj));
    fprintf(out, ", \"held\": %s, \"line\": %" PRIu32 "}", ev->arg ? "true" : "false",
            ev->obj2);
  } else if (ev->kind == DARA_EV_PROPERTY) {
    fputs(", \"property\": {\"name\": ", out);
    json_string(out, evtext_label(sh->f, ev->obj));
    fputc('}', out);
  } else if (ev->kind == DARA_EV_SYSCALL) {
    fputs(", \"syscall\": ", out);
    put_json_syscall(out, ev);
  }
  fputs(i + 1 < sh->f->nevents ? "},\n" : "}\n", out);
}

static void print_json(const struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  fputs("{\n  \"file\": ", out);
  json_string(out, sh->path);
  fprintf(out, ",\n  \"format_version\": %" PRIu32 ",\n  \"file_size\": %" PRIu64
               ",\n  \"complete\": %s,\n",
          f->version, f->file_size, sh->complete ? "true" : "false");
  fputs("  \"header\": {\n    \"dara_version\": ", out);
  json_string(out, f->hdr.dara_version);
  fputs(",\n    \"cwd\": ", out);
  json_string(out, f->hdr.cwd);
  fputs(",\n    \"strategy\": ", out);
  json_string(out, f->hdr.strategy);
  fprintf(out, ",\n    \"seed\": %" PRIu64 ",\n    \"commands\": [", f->hdr.seed);
  for (int p = 0; p < f->hdr.nprocs; p++) {
    fputs(p ? ", [" : "[", out);
    for (int i = 0; i < f->hdr.cmds[p].argc; i++) {
      if (i) {
        fputs(", ", out);
      }
      json_string(out, f->hdr.cmds[p].argv[i]);
    }
    fputc(']', out);
  }
  fputs("]\n  },\n  \"threads\": [\n", out);
  for (size_t i = 0; i < f->nthreads; i++) {
    const struct sched_thread *t = &f->threads[i];
    fprintf(out, "    {\"proc\": %u, \"routine\": %u, \"module\": ", t->proc, t->routine);
    json_string(out, t->module);
    fprintf(out, ", \"offset\": %" PRIu64 ", \"ordinal\": %" PRIu32 ", \"func\": ", t->offset,
            t->ordinal);
    json_string(out, t->func);
    fputs(i + 1 < f->nthreads ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"objects\": [\n", out);
  for (size_t i = 0; i < f->nobjects; i++) {
    const struct sched_object *o = &f->objects[i];
    fprintf(out, "    {\"proc\": %u, \"id\": %" PRIu32 ", \"kind\": \"%s\", \"module\": ",
            o->proc, o->id, dara_obj_kind_name(o->kind));
    json_string(out, o->module);
    fprintf(out, ", \"offset\": %" PRIu64, o->offset);
    fputs(i + 1 < f->nobjects ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"labels\": [\n", out);
  for (size_t i = 0; i < f->nlabels; i++) {
    fprintf(out, "    {\"id\": %" PRIu32 ", \"text\": ", f->labels[i].id);
    json_string(out, f->labels[i].text);
    fputs(i + 1 < f->nlabels ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"events\": [\n", out);
  for (size_t i = 0; i < f->nevents; i++) {
    print_json_event(sh, i);
  }
  fputs("  ],\n  \"outcome\": ", out);
  if (sh->complete) {
    const struct sched_outcome *o = &f->outcome;
    fprintf(out, "{\"kind\": \"%s\", \"code\": %" PRId32 ", \"proc\": %" PRIu32 ", \"message\": ",
            sched_outcome_name(o->kind), o->code, o->proc);
    json_string(out, o->message);
    fputs("}\n", out);
  } else {
    fputs("null\n", out);
  }
  fputs("}\n", out);
}

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
static double print_chrome_syscall(FILE *out, const struct dara_event *ev, size_t i,
                                   bool use_index) {
  uint64_t start = ev->sys ? ev->sys->start : ev->time;
  double ts = use_index ? (double)i : (double)start / 1000.0;
  double dur = use_index ? 0.0 : (double)(ev->time - start) / 1000.0;
  fputs("{\"name\": ", out);
  json_string(out, dara_call_name(ev->op));
  fprintf(out, ", \"cat\": \"syscall\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, "
               "\"pid\": %u, \"tid\": %u, \"args\": {\"event\": %zu, \"syscall\": ",
          ts, dur, ev->proc, ev->routine, i);
  put_json_syscall(out, ev);
  fputs("}}", out);
  return ts;
}

static void print_chrome(const struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  bool use_index = true;
  for (size_t i = 0; i < f->nevents; i++) {
    use_index = use_index && f->events[i].time == 0;
  }
  bool first = true;
  fputs("{\"displayTimeUnit\": \"ns\", \"otherData\": {\"file\": ", out);
  json_string(out, sh->path);
  fputs(", \"dara_version\": ", out);
  json_string(out, f->hdr.dara_version);
  fprintf(out, ", \"time\": \"%s\"}, \"traceEvents\": [",
          use_index ? "event index (the run kept no virtual time)" : "virtual time");

  /* Names for every process and for every thread that appears. */
  bool procs[DARA_MAX_PROCS] = {false};
  uint8_t *seen = calloc((size_t)DARA_MAX_PROCS * DARA_MAX_ROUTINES, 1);
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
  }
  for (unsigned p = 0; p < DARA_MAX_PROCS; p++) {
    if (!procs[p]) {
      continue;
    }
    chrome_sep(out, &first);
    fprintf(out, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %u, \"tid\": 0, "
                 "\"args\": {\"name\": \"",
            p);
    char label[32];
    snprintf(label, sizeof label, "process %u", p);
    json_escape(out, label);
    if ((int)p < f->hdr.nprocs) {
      emit_file(out, ": ", 2);
      put_cmdline(out, &f->hdr.cmds[p], ESC_JSON);
    }
    fputs("\"}}", out);
  }
  for (unsigned k = 0; seen && k < (unsigned)DARA_MAX_PROCS * DARA_MAX_ROUTINES; k++) {
    if (!seen[k]) {
      continue;
    }
    unsigned p = k / DARA_MAX_ROUTINES, r = k % DARA_MAX_ROUTINES;
    char name[128], label[160];
    names_thread_site(sh->names, p, r, name, sizeof name);
    snprintf(label, sizeof label, "%u:%u%s%s", p, r, name[0] ? " " : "", name);
    chrome_sep(out, &first);
    fprintf(out, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %u, \"tid\": %u, "
                 "\"args\": {\"name\": ",
            p, r);
    json_string(out, label);
    fputs("}}", out);
  }
  free(seen);

  /* A message between processes is a flow arrow from the send's slice to
   * the receive's (streams.h). */
  struct chrome_send {
    size_t index;
    unsigned proc, routine;
    double ts;
  };
  struct streams *st = streams_new(sizeof(struct chrome_send));
  for (size_t i = 0; i < f->nevents; i++) {
    const struct dara_event *ev = &f->events[i];
    chrome_sep(out, &first);
    if (ev->kind == DARA_EV_SYSCALL) {
      double ts = print_chrome_syscall(out, ev, i, use_index);
      struct chrome_send me = {i, ev->proc, ev->routine, ts};
      const struct chrome_send *from = st ? streams_event(st, ev, &me) : NULL;
      if (from) {
        fprintf(out, ",\n{\"name\": \"message\", \"cat\": \"message\", \"ph\": \"s\", "
                     "\"id\": %zu, \"pid\": %u, \"tid\": %u, \"ts\": %.3f},\n"
                     "{\"name\": \"message\", \"cat\": \"message\", \"ph\": \"f\", "
                     "\"bp\": \"e\", \"id\": %zu, \"pid\": %u, \"tid\": %u, \"ts\": %.3f}",
                i, from->proc, from->routine, from->ts, i, ev->proc, ev->routine, ts);
      }
      continue;
    }
    if (st && ev->kind == DARA_EV_PEER)
      streams_event(st, ev, NULL);
    char what[EVTEXT_LEN];
    evtext_what(sh->names, sh->f, ev, what, sizeof what);
    double ts = chrome_ts(sh, use_index, i);
    if (ev->kind == DARA_EV_STEP) {
      /* The chosen thread runs from this decision to the next event. */
      double dur = i + 1 < f->nevents ? chrome_ts(sh, use_index, i + 1) - ts : 1.0;
      fputs("{\"name\": ", out);
      json_string(out, what);
      fprintf(out, ", \"cat\": \"running\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, "
                   "\"pid\": %u, \"tid\": %u, \"args\": {\"event\": %zu, \"op\": \"%s\"}}",
              ts, dur > 0 ? dur : 0.0, ev->proc, ev->routine, i, dara_op_name(ev->op));
      continue;
    }
    /* Everything else is a moment: the whole trace for a deadlock or a
     * failed property (both are about every process), the process for its
     * start and end, the thread otherwise. */
    const char *scope = "t";
    if (ev->kind == DARA_EV_DEADLOCK || ev->kind == DARA_EV_PROPERTY) {
      scope = "g";
    } else if (ev->kind == DARA_EV_EXIT || ev->kind == DARA_EV_SIGNAL ||
               ev->kind == DARA_EV_PROC_START) {
      scope = "p";
    }
    fputs("{\"name\": ", out);
    json_string(out, what);
    fprintf(out, ", \"cat\": \"%s\", \"ph\": \"i\", \"s\": \"%s\", \"ts\": %.3f, \"pid\": %u, "
                 "\"tid\": %u, \"args\": {\"event\": %zu, \"arg\": %" PRId64 "}}",
            dara_ev_kind_name(ev->kind), scope, ts, ev->proc, ev->routine, i, ev->arg);
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
      json_string(out, var);
      fprintf(out, ", \"cat\": \"log\", \"ph\": \"C\", \"ts\": %.3f, \"pid\": %u, "
                   "\"args\": {\"value\": ",
              ts, ev->proc);
      if (ev->op == DARA_VAR_INT) {
        fprintf(out, "%" PRId64, ev->arg);
      } else {
        put_json_double(out, dara_ev_double(ev->arg));
      }
      fputs("}}", out);
    }
  }
  streams_free(st);
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

static void print_shiviz(const struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  uint64_t vc[SHIVIZ_HOSTS][SHIVIZ_HOSTS];
  /* dara's clock when it started each process, until the process's first
   * event takes it in. */
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
    if (ev->kind == DARA_EV_PROC_START || global) {
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
    vc[h][h]++;
    if (send) {
      streams_event(st, ev, vc[h]);
    }
    if (ev->kind == DARA_EV_PROC_START) {
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
    names_thread_site(sh->names, ev->proc, ev->routine, tname, sizeof tname);
    evtext_what(sh->names, sh->f, ev, what, sizeof what);
    fprintf(out, "}\n#%zu t=%" PRIu64 " %u:%u ", i, ev->time, ev->proc, ev->routine);
    if (tname[0]) {
      put_text(out, tname);
      fputs(" ", out);
    }
    fprintf(out, "%s: ", dara_ev_kind_name(ev->kind));
    put_text(out, what);
    fputc('\n', out);
  }
  streams_free(st);
}

/* ---- the command ---- */

int cmd_show(int argc, char **argv) {
  const char *path = NULL, *format = "text";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(show_usage, stdout);
      return DARA_EXIT_OK;
    } else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
      if (i + 1 >= argc) {
        cli_error("show: %s needs a value (text, json, chrome or shiviz)", a);
        return DARA_EXIT_ERROR;
      }
      format = argv[++i];
    } else if (!strncmp(a, "--format=", 9)) {
      format = a + 9;
    } else if (a[0] == '-' && a[1] != '\0') {
      cli_error("show: unknown option %s (see dara show --help)", a);
      return DARA_EXIT_ERROR;
    } else if (path) {
      cli_error("show: one file at a time (%s and %s given)", path, a);
      return DARA_EXIT_ERROR;
    } else {
      path = a;
    }
  }
  enum show_format fmt;
  if (!strcmp(format, "text")) {
    fmt = FMT_TEXT;
  } else if (!strcmp(format, "json")) {
    fmt = FMT_JSON;
  } else if (!strcmp(format, "chrome")) {
    fmt = FMT_CHROME;
  } else if (!strcmp(format, "shiviz")) {
    fmt = FMT_SHIVIZ;
  } else {
    cli_error("show: unknown format %s (text, json, chrome or shiviz)", format);
    return DARA_EXIT_ERROR;
  }
  if (!path) {
    cli_error("show: which file? (usage: dara show FILE [--format FMT])");
    return DARA_EXIT_ERROR;
  }

  struct sched_file f;
  char err[512] = "";
  enum schedfile_status st = schedfile_load(path, &f, err, sizeof err);
  if (st == SCHEDFILE_BAD) {
    cli_error("%s", err);
    return DARA_EXIT_ERROR;
  }
  struct show sh = {.f = &f, .path = path, .complete = st == SCHEDFILE_OK, .out = stdout};
  if (!show_names(&sh)) {
    cli_error("%s: out of memory", path);
    schedfile_free(&f);
    return DARA_EXIT_ERROR;
  }
  switch (fmt) {
  case FMT_TEXT:
    print_text(&sh);
    break;
  case FMT_JSON:
    print_json(&sh);
    break;
  case FMT_CHROME:
    print_chrome(&sh);
    break;
  case FMT_SHIVIZ:
    print_shiviz(&sh);
    break;
  }
  names_free(sh.names);
  schedfile_free(&f);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("show: cannot write the output: %s", strerror(errno));
    return DARA_EXIT_ERROR;
  }
  if (st == SCHEDFILE_TRUNCATED) {
    cli_error("%s", err);
    return DARA_EXIT_ERROR;
  }
  return DARA_EXIT_OK;
}
