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
#include <limits.h>
#include <math.h>
#include <stdarg.h>
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
#include "sched/schedfile.h"
#include "sched/streams.h"

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
  /* Lookups by (proc, routine) and (proc, id); the last definition wins. */
  const struct sched_thread **thread_ix; /* DARA_MAX_PROCS * DARA_MAX_ROUTINES */
  const struct sched_object **obj_ix;    /* sorted by proc, id, file order */
  size_t nobj;
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

/* Length of the valid UTF-8 sequence at s (NUL-terminated), 0 if there is
 * none; the code point goes to *cp. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp) {
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if (c >= 0xc2 && c < 0xe0) {
    n = 2, v = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c < 0xf0) {
    n = 3, v = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c < 0xf5) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      return 0; /* also stops at the terminating NUL */
    }
    v = (v << 6) | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
    return 0;
  }
  *cp = v;
  return n;
}

/* Emits s escaped for the mode. Text: control characters (C0, DEL, C1) and
 * bytes that are not UTF-8 become \xNN. JSON: the string's content between
 * the quotes, invalid bytes replaced by U+FFFD. */
static void escape(const char *s, enum esc mode, emit_fn emit, void *ctx) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p) {
    /* The longest run that needs no escaping goes out in one piece. */
    size_t run = 0;
    uint32_t cp = 0;
    size_t n;
    while (p[run] && (n = utf8_seq(p + run, &cp)) > 0 && cp >= 0x20 && cp != 0x7f &&
           !(cp >= 0x80 && cp < 0xa0) && !(mode == ESC_JSON && (cp == '"' || cp == '\\'))) {
      run += n;
    }
    if (run > 0) {
      emit(ctx, (const char *)p, run);
      p += run;
      continue;
    }
    char tmp[16];
    n = utf8_seq(p, &cp);
    if (mode == ESC_TEXT) {
      size_t k = n ? n : 1;
      for (size_t i = 0; i < k; i++) {
        snprintf(tmp, sizeof tmp, "\\x%02x", p[i]);
        emit(ctx, tmp, 4);
      }
      p += k;
      continue;
    }
    if (n == 0) {
      emit(ctx, "\\ufffd", 6);
      p += 1;
    } else if (cp == '"' || cp == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)cp;
      emit(ctx, tmp, 2);
      p += 1;
    } else if (cp == '\n') {
      emit(ctx, "\\n", 2);
      p += 1;
    } else if (cp == '\t') {
      emit(ctx, "\\t", 2);
      p += 1;
    } else {
      snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)cp);
      emit(ctx, tmp, 6);
      p += n;
    }
  }
}

/* s escaped as text into buf[len]. */
static const char *text_into(char *buf, size_t len, const char *s) {
  struct bufsink b = {buf, 0, len};
  buf[0] = '\0';
  escape(s, ESC_TEXT, emit_buf, &b);
  return buf;
}

static void put_text(FILE *out, const char *s) {
  escape(s, ESC_TEXT, emit_file, out);
}

/* A JSON string value, quotes included; NULL is JSON null. */
static void put_json(FILE *out, const char *s) {
  if (!s) {
    fputs("null", out);
    return;
  }
  fputc('"', out);
  escape(s, ESC_JSON, emit_file, out);
  fputc('"', out);
}

/* Emits n bytes of data (a system call's excerpt: any byte, NUL included)
 * escaped for the mode. Printable ASCII stays as it is, `"` and `\` take a
 * backslash, newline and tab are \n and \t, and every other byte is \xNN
 * (text) or \u00NN (JSON: one code point per byte, so nothing is lost). */
static void escape_bytes(const uint8_t *p, size_t n, enum esc mode, emit_fn emit, void *ctx) {
  size_t i = 0;
  while (i < n) {
    size_t run = 0;
    while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f && p[i + run] != '"' &&
           p[i + run] != '\\') {
      run++;
    }
    if (run > 0) {
      emit(ctx, (const char *)p + i, run);
      i += run;
      continue;
    }
    char tmp[8];
    uint8_t c = p[i++];
    if (c == '"' || c == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)c;
      emit(ctx, tmp, 2);
    } else if (c == '\n') {
      emit(ctx, "\\n", 2);
    } else if (c == '\t') {
      emit(ctx, "\\t", 2);
    } else if (mode == ESC_TEXT) {
      snprintf(tmp, sizeof tmp, "\\x%02x", c);
      emit(ctx, tmp, 4);
    } else {
      snprintf(tmp, sizeof tmp, "\\u%04x", c);
      emit(ctx, tmp, 6);
    }
  }
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
    escape(q, mode, emit_file, out);
    free(q);
  }
}

/* ---- names ---- */

static int obj_cmp(const void *a, const void *b) {
  const struct sched_object *x = *(const struct sched_object *const *)a;
  const struct sched_object *y = *(const struct sched_object *const *)b;
  if (x->proc != y->proc) {
    return x->proc < y->proc ? -1 : 1;
  }
  if (x->id != y->id) {
    return x->id < y->id ? -1 : 1;
  }
  return x < y ? -1 : x > y; /* file order among duplicates */
}

static bool show_index(struct show *sh) {
  const struct sched_file *f = sh->f;
  sh->thread_ix = calloc((size_t)DARA_MAX_PROCS * DARA_MAX_ROUTINES, sizeof *sh->thread_ix);
  sh->obj_ix = calloc(f->nobjects ? f->nobjects : 1, sizeof *sh->obj_ix);
  if (!sh->thread_ix || !sh->obj_ix) {
    return false;
  }
  for (size_t i = 0; i < f->nthreads; i++) {
    const struct sched_thread *t = &f->threads[i];
    sh->thread_ix[t->proc * DARA_MAX_ROUTINES + t->routine] = t;
  }
  for (size_t i = 0; i < f->nobjects; i++) {
    sh->obj_ix[i] = &f->objects[i];
  }
  sh->nobj = f->nobjects;
  qsort(sh->obj_ix, sh->nobj, sizeof *sh->obj_ix, obj_cmp);
  return true;
}

static const struct sched_thread *find_thread(const struct show *sh, unsigned proc,
                                              unsigned routine) {
  if (proc >= DARA_MAX_PROCS || routine >= DARA_MAX_ROUTINES) {
    return NULL;
  }
  return sh->thread_ix[proc * DARA_MAX_ROUTINES + routine];
}

static const struct sched_object *find_object(const struct show *sh, unsigned proc,
                                              uint32_t id) {
  /* The last entry with this (proc, id): the latest definition. */
  size_t lo = 0, hi = sh->nobj;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const struct sched_object *o = sh->obj_ix[mid];
    if (o->proc < proc || (o->proc == proc && o->id <= id)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) {
    return NULL;
  }
  const struct sched_object *o = sh->obj_ix[lo - 1];
  return o->proc == proc && o->id == id ? o : NULL;
}

/* A thread's creation site: its start routine, else module+offset#ordinal.
 * Empty when the file does not define the thread. Raw (unescaped). */
static void thread_name(const struct show *sh, unsigned proc, unsigned routine, char *buf,
                        size_t len) {
  const struct sched_thread *t = find_thread(sh, proc, routine);
  if (!t) {
    buf[0] = '\0';
  } else if (t->func[0]) {
    snprintf(buf, len, "%s", t->func);
  } else {
    snprintf(buf, len, "%s+0x%" PRIx64 "#%" PRIu32, t->module[0] ? t->module : "?", t->offset,
             t->ordinal);
  }
}

/* An object as `mutex#2 (prog+0x4040)`, `cond#3` (not in a module), or `#4`
 * (not defined in the file). Raw (unescaped). */
static void object_name(const struct show *sh, unsigned proc, uint32_t id, char *buf,
                        size_t len) {
  const struct sched_object *o = find_object(sh, proc, id);
  const char *sym = o ? sh->f->object_symbols[o - sh->f->objects] : "";
  if (!o) {
    snprintf(buf, len, "#%" PRIu32, id);
  } else if (o->module[0]) {
    snprintf(buf, len, "%s#%" PRIu32 "%s%s (%s+0x%" PRIx64 ")", dara_obj_kind_name(o->kind), id,
             sym[0] ? " " : "", sym, o->module, o->offset);
  } else {
    snprintf(buf, len, "%s#%" PRIu32, dara_obj_kind_name(o->kind), id);
  }
}

static const char *note_text(unsigned note) {
  switch (note) {
  case DARA_NOTE_FORK_UNCONTROLLED:
    return "a child process runs uncontrolled, pid";
  case DARA_NOTE_TOO_MANY_THREADS:
    return "routine table full, the process was stopped";
  case DARA_NOTE_TOO_MANY_OBJECTS:
    return "object table full, the process was stopped";
  case DARA_NOTE_EXEC_UNCONTROLLED:
    return "the process called exec and runs uncontrolled from here";
  case DARA_NOTE_TOO_MANY_LOCATIONS:
    return "location table full, accesses to new locations are not points from here; size";
  default:
    return NULL;
  }
}

/* The text of label id, NULL when the file does not define it (a verified
 * file always does; show does not count on it). */
static const char *label_text(const struct show *sh, int64_t id) {
  if (id < 1 || id > UINT32_MAX) {
    return NULL;
  }
  const struct sched_label *l = schedfile_label(sh->f, (uint32_t)id);
  return l ? l->text : NULL;
}

/* Label id in double quotes, `"` and `\` inside escaped with a backslash,
 * or `#id` when undefined. Raw otherwise (control characters are left for
 * the output's own escaping). */
static void quoted_label(const struct show *sh, int64_t id, char *buf, size_t len) {
  const char *t = label_text(sh, id);
  if (!t) {
    snprintf(buf, len, "#%lld", (long long)id);
    return;
  }
  size_t k = 0;
  if (len < 3) {
    buf[0] = '\0';
    return;
  }
  buf[k++] = '"';
  for (; *t && k + 3 < len; t++) {
    if (*t == '"' || *t == '\\') {
      buf[k++] = '\\';
    }
    buf[k++] = *t;
  }
  buf[k++] = '"';
  buf[k] = '\0';
}

static double double_of(int64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

static const char *var_type_name(unsigned type) {
  switch (type) {
  case DARA_VAR_INT:
    return "int";
  case DARA_VAR_DOUBLE:
    return "double";
  case DARA_VAR_STRING:
    return "string";
  default:
    return "?";
  }
}

static const char *assert_kind_name(unsigned kind) {
  switch (kind) {
  case DARA_ASSERT_ALWAYS:
    return "always";
  case DARA_ASSERT_SOMETIMES:
    return "sometimes";
  case DARA_ASSERT_UNREACHABLE:
    return "unreachable";
  default:
    return "?";
  }
}

/* What an assertion's outcome is called: an always that held, a sometimes
 * that did not (yet) hold, an unreachable that was reached. */
static const char *assert_verdict(unsigned kind, int64_t held) {
  switch (kind) {
  case DARA_ASSERT_ALWAYS:
    return held ? "held" : "failed";
  case DARA_ASSERT_SOMETIMES:
    return held ? "held" : "did not hold";
  case DARA_ASSERT_UNREACHABLE:
    return "reached";
  default:
    return held ? "held" : "did not hold";
  }
}

/* ---- system calls ---- */

/* Appends printf-style text to a bufsink (cut, never overflowed). */
static void sink_printf(struct bufsink *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sink_printf(struct bufsink *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) {
    emit_buf(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
  }
}

#define SYS_ARG_NAME 24

/* The names of a call's recorded arguments: dara_call_args split on
 * spaces, empty words skipped, at most three. Returns how many. */
static int syscall_arg_names(unsigned call, char names[3][SYS_ARG_NAME]) {
  const char *s = dara_call_args(call);
  int n = 0;
  while (*s && n < 3) {
    size_t k = strcspn(s, " ");
    if (k > 0) {
      snprintf(names[n++], SYS_ARG_NAME, "%.*s", (int)k, s);
    }
    s += k;
    s += strspn(s, " ");
  }
  return n;
}

/* An argument's value for people: a mode in octal, anything else as a
 * signed number (a descriptor such as AT_FDCWD, a timeout of -1). */
static void syscall_arg_text(const char *name, uint64_t v, char *buf, size_t len) {
  if (!strcmp(name, "mode")) {
    snprintf(buf, len, "%#" PRIo64, v);
  } else {
    snprintf(buf, len, "%" PRId64, (int64_t)v);
  }
}

/* errno's symbolic name ("ECONNREFUSED"), NULL for 0 or an unknown value. */
static const char *errno_name(uint32_t err) {
  return err > 0 && err <= INT_MAX ? strerrorname_np((int)err) : NULL;
}

/* Virtual time in seconds, to the microsecond, or to the nanosecond when
 * it has any: 1.000001s, 0.000000250s. */
static void seconds_text(uint64_t ns, char *buf, size_t len) {
  uint64_t s = ns / 1000000000u, frac = ns % 1000000000u;
  if (frac % 1000 == 0) {
    snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 "s", s, frac / 1000);
  } else {
    snprintf(buf, len, "%" PRIu64 ".%09" PRIu64 "s", s, frac);
  }
}

/* A call with its named arguments and its result, into b:
 * `read(fd=3, count=64) = 11`, `connect(fd=4, port=8080) = -1 ECONNREFUSED`. */
static void syscall_head(const struct dara_event *ev, struct bufsink *b) {
  char names[3][SYS_ARG_NAME], value[32];
  int n = syscall_arg_names(ev->op, names);
  sink_printf(b, "%s(", dara_call_name(ev->op));
  for (int i = 0; i < n; i++) {
    syscall_arg_text(names[i], ev->sys->args[i], value, sizeof value);
    sink_printf(b, "%s%s=%s", i ? ", " : "", names[i], value);
  }
  sink_printf(b, ") = %" PRId64, ev->arg);
  if (ev->sys->err) {
    const char *e = errno_name(ev->sys->err);
    if (e) {
      sink_printf(b, " %s", e);
    } else {
      sink_printf(b, " errno %" PRIu32, ev->sys->err);
    }
  }
}

/* A SYSCALL event in words: the call and result, the data excerpt in
 * double quotes (escaped: it is ASCII whatever the bytes), and when the
 * call began and ended:
 * `read(fd=3, count=64) = 11 "hello dara\n"  [1.000001s..1.000002s]`. */
void show_syscall_text(const struct dara_event *ev, char *buf, size_t len) {
  struct bufsink b = {buf, 0, len};
  buf[0] = '\0';
  if (!ev->sys) { /* a loaded file's SYSCALL events always have theirs */
    snprintf(buf, len, "%s(?)", dara_call_name(ev->op));
    return;
  }
  syscall_head(ev, &b);
  if (ev->sys->len > 0) {
    emit_buf(&b, " \"", 2);
    escape_bytes(ev->sys->data, ev->sys->len < DARA_SYS_DATA ? ev->sys->len : DARA_SYS_DATA,
                 ESC_TEXT, emit_buf, &b);
    emit_buf(&b, "\"", 1);
  }
  char start[32], end[32];
  seconds_text(ev->sys->start, start, sizeof start);
  seconds_text(ev->time, end, sizeof end);
  sink_printf(&b, "  [%s..%s]", start, end);
}

/* A memory step of an instrumented program (ops.h): the location (o1), its
 * size and where the access is, its pc decoded (region.h): module 0 is the
 * executable, named as its main thread's creation site is.
 * `mem_write memory#3 counter (prog+0x4014), 4 bytes, at prog+0x11c8`. */
static void memory_step(const struct show *sh, const struct dara_event *ev, const char *o1,
                        char *buf, size_t len) {
  if (ev->op == DARA_OP_FENCE) {
    snprintf(buf, len, "%s", dara_op_name(ev->op));
  } else {
    snprintf(buf, len, "%s %s, %" PRIu32 " bytes", dara_op_name(ev->op), o1, ev->obj2);
  }
  uint64_t pc = (uint64_t)ev->arg;
  if (pc == 0) {
    return;
  }
  unsigned module = (unsigned)(pc & 31);
  const struct sched_thread *main_thread = find_thread(sh, ev->proc, 0);
  size_t n = strlen(buf);
  if (module == 0 && main_thread && main_thread->module[0]) {
    snprintf(buf + n, len - n, ", at %s+0x%" PRIx64, main_thread->module, pc >> 5);
  } else {
    snprintf(buf + n, len - n, ", at module %u+0x%" PRIx64, module, pc >> 5);
  }
}

/* What happened, in words, without the thread: "mutex_lock mutex#2 (...)".
 * Raw (unescaped). WHAT_LEN holds the longest: a system call with its
 * arguments and 64 bytes of data, each escaped to 4 characters. */
#define WHAT_LEN 1024
static void describe(const struct show *sh, const struct dara_event *ev, char *buf,
                     size_t len) {
  char o1[160], o2[160], name[96];
  o1[0] = o2[0] = '\0';
  /* obj and obj2 name objects, but for the kinds where obj is a label and
   * obj2 no object, and SYSCALL, which uses neither. */
  bool objects = ev->kind != DARA_EV_LOG && ev->kind != DARA_EV_ASSERT &&
                 ev->kind != DARA_EV_PROPERTY && ev->kind != DARA_EV_SYSCALL;
  if (ev->obj && objects) {
    object_name(sh, ev->proc, ev->obj, o1, sizeof o1);
  }
  if (ev->obj2 && objects) {
    object_name(sh, ev->proc, ev->obj2, o2, sizeof o2);
  }
  long long arg = (long long)ev->arg;
  switch (ev->kind) {
  case DARA_EV_STEP:
    if (dara_op_is_memory(ev->op)) {
      memory_step(sh, ev, o1, buf, len);
      break;
    }
    if (dara_op_is_io(ev->op)) { /* obj is the descriptor (ops.h) */
      snprintf(buf, len, "%s on fd %u", dara_op_name(ev->op), ev->obj);
      break;
    }
    if (ev->op == DARA_OP_THREAD_JOIN || ev->op == DARA_OP_THREAD_DETACH) {
      /* obj names the target routine, not an object (event.h) */
      name[0] = '\0';
      thread_name(sh, ev->proc, ev->obj, name, sizeof name);
      snprintf(o1, sizeof o1, "thread %u:%u%s%s", ev->proc, ev->obj, name[0] ? " " : "", name);
    }
    snprintf(buf, len, "%s%s%s%s%s", dara_op_name(ev->op), o1[0] ? " " : "", o1,
             o2[0] ? " with " : "", o2);
    if (ev->arg) {
      size_t n = strlen(buf);
      snprintf(buf + n, len - n, " arg %lld", arg);
    }
    break;
  case DARA_EV_RESULT:
    snprintf(buf, len, "%s%s%s returned %lld", dara_op_name(ev->op), o1[0] ? " " : "", o1,
             arg);
    break;
  case DARA_EV_CREATE:
    name[0] = '\0';
    if (ev->arg >= 0 && ev->arg < DARA_MAX_ROUTINES) {
      thread_name(sh, ev->proc, (unsigned)ev->arg, name, sizeof name);
    }
    snprintf(buf, len, "creates %u:%lld%s%s", ev->proc, arg, name[0] ? " " : "", name);
    break;
  case DARA_EV_PROC_START:
    if (ev->proc < sh->f->hdr.nprocs && sh->f->hdr.cmds[ev->proc].argc > 0) {
      snprintf(buf, len, "process %u starts %s", ev->proc, sh->f->hdr.cmds[ev->proc].argv[0]);
    } else {
      snprintf(buf, len, "process %u starts", ev->proc);
    }
    break;
  case DARA_EV_EXIT:
    snprintf(buf, len, "process %u exits with status %lld", ev->proc, arg);
    break;
  case DARA_EV_SIGNAL:
    if (ev->arg > 0 && ev->arg < 65) {
      snprintf(buf, len, "process %u killed by signal %lld (%s)", ev->proc, arg,
               strsignal((int)ev->arg));
    } else {
      snprintf(buf, len, "process %u killed by signal %lld", ev->proc, arg);
    }
    break;
  case DARA_EV_DEADLOCK:
    snprintf(buf, len, "no thread can run");
    break;
  case DARA_EV_HANG:
    snprintf(buf, len, "no scheduling point for %lld ms", arg);
    break;
  case DARA_EV_NOTE:
    if (note_text(ev->op)) {
      snprintf(buf, len, "%s %lld", note_text(ev->op), arg);
    } else {
      snprintf(buf, len, "note %u, %lld", ev->op, arg);
    }
    break;
  case DARA_EV_LOG: {
    const char *var = label_text(sh, ev->obj);
    char value[320];
    switch (ev->op) {
    case DARA_VAR_INT:
      snprintf(value, sizeof value, "%lld", arg);
      break;
    case DARA_VAR_DOUBLE:
      snprintf(value, sizeof value, "%g", double_of(ev->arg));
      break;
    case DARA_VAR_STRING:
      quoted_label(sh, ev->arg, value, sizeof value);
      break;
    default:
      snprintf(value, sizeof value, "(type %u) %lld", ev->op, arg);
      break;
    }
    if (var) {
      snprintf(buf, len, "%s = %s", var, value);
    } else {
      snprintf(buf, len, "#%u = %s", ev->obj, value);
    }
    break;
  }
  case DARA_EV_ASSERT:
    quoted_label(sh, ev->obj, o1, sizeof o1);
    snprintf(buf, len, "%s %s %s (line %u)", assert_kind_name(ev->op), o1,
             assert_verdict(ev->op, ev->arg), ev->obj2);
    break;
  case DARA_EV_PROPERTY:
    quoted_label(sh, ev->obj, o1, sizeof o1);
    snprintf(buf, len, "property %s failed", o1);
    break;
  case DARA_EV_SYSCALL:
    show_syscall_text(ev, buf, len);
    break;
  case DARA_EV_PEER:
    snprintf(buf, len, "fd %u is connected to fd %u of process %u", ev->obj, ev->obj2, ev->op);
    break;
  default:
    snprintf(buf, len, "?");
    break;
  }
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
  if (f->hdr.points != DARA_POINTS_SYNC) { /* accesses of dara-cc builds */
    fprintf(out, "points    %s\n", dara_points_name(f->hdr.points));
  }
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
    char raw[128], name[160], who[200], what[WHAT_LEN], what_esc[2 * WHAT_LEN];
    thread_name(sh, ev->proc, ev->routine, raw, sizeof raw);
    text_into(name, sizeof name, raw);
    snprintf(who, sizeof who, "%u:%u%s%s", ev->proc, ev->routine, name[0] ? " " : "", name);
    describe(sh, ev, what, sizeof what);
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

/* n bytes of data as a JSON string, quotes included: one code point per
 * byte (U+0000..U+00FF), so a reader gets every byte back. */
static void put_json_bytes(FILE *out, const uint8_t *p, size_t n) {
  fputc('"', out);
  escape_bytes(p, n, ESC_JSON, emit_file, out);
  fputc('"', out);
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
  put_json(out, dara_call_name(ev->op));
  fputs(", \"group\": ", out);
  put_json(out, dara_call_group_name((unsigned)dara_call_group(ev->op)));
  fputs(", \"args\": {", out);
  char names[3][SYS_ARG_NAME];
  int n = syscall_arg_names(ev->op, names);
  for (int i = 0; i < n; i++) {
    fputs(i ? ", " : "", out);
    put_json(out, names[i]);
    fprintf(out, ": %" PRId64, (int64_t)sys->args[i]);
  }
  fprintf(out, "}, \"ret\": %" PRId64 ", \"errno\": %" PRIu32 ", \"errno_name\": ", ev->arg,
          sys->err);
  put_json(out, errno_name(sys->err));
  fprintf(out, ", \"start\": %" PRIu64 ", \"end\": %" PRIu64 ", \"data\": ", sys->start,
          ev->time);
  put_json_bytes(out, sys->data, len);
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
    put_json(out, dara_call_name(ev->op));
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
    put_json(out, label_text(sh, ev->obj));
    fprintf(out, ", \"type\": \"%s\", \"value\": ", var_type_name(ev->op));
    if (ev->op == DARA_VAR_INT) {
      fprintf(out, "%" PRId64, ev->arg);
    } else if (ev->op == DARA_VAR_DOUBLE) {
      put_json_double(out, double_of(ev->arg));
    } else if (ev->op == DARA_VAR_STRING) {
      put_json(out, label_text(sh, ev->arg));
    } else {
      fputs("null", out);
    }
    fputc('}', out);
  } else if (ev->kind == DARA_EV_ASSERT) {
    fprintf(out, ", \"assert\": {\"kind\": \"%s\", \"name\": ", assert_kind_name(ev->op));
    put_json(out, label_text(sh, ev->obj));
    fprintf(out, ", \"held\": %s, \"line\": %" PRIu32 "}", ev->arg ? "true" : "false",
            ev->obj2);
  } else if (ev->kind == DARA_EV_PROPERTY) {
    fputs(", \"property\": {\"name\": ", out);
    put_json(out, label_text(sh, ev->obj));
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
  put_json(out, sh->path);
  fprintf(out, ",\n  \"format_version\": %" PRIu32 ",\n  \"file_size\": %" PRIu64
               ",\n  \"complete\": %s,\n",
          f->version, f->file_size, sh->complete ? "true" : "false");
  fputs("  \"header\": {\n    \"dara_version\": ", out);
  put_json(out, f->hdr.dara_version);
  fputs(",\n    \"cwd\": ", out);
  put_json(out, f->hdr.cwd);
  fputs(",\n    \"strategy\": ", out);
  put_json(out, f->hdr.strategy);
  fprintf(out, ",\n    \"points\": \"%s\"", dara_points_name(f->hdr.points));
  fprintf(out, ",\n    \"seed\": %" PRIu64 ",\n    \"commands\": [", f->hdr.seed);
  for (int p = 0; p < f->hdr.nprocs; p++) {
    fputs(p ? ", [" : "[", out);
    for (int i = 0; i < f->hdr.cmds[p].argc; i++) {
      if (i) {
        fputs(", ", out);
      }
      put_json(out, f->hdr.cmds[p].argv[i]);
    }
    fputc(']', out);
  }
  fputs("]\n  },\n  \"threads\": [\n", out);
  for (size_t i = 0; i < f->nthreads; i++) {
    const struct sched_thread *t = &f->threads[i];
    fprintf(out, "    {\"proc\": %u, \"routine\": %u, \"module\": ", t->proc, t->routine);
    put_json(out, t->module);
    fprintf(out, ", \"offset\": %" PRIu64 ", \"ordinal\": %" PRIu32 ", \"func\": ", t->offset,
            t->ordinal);
    put_json(out, t->func);
    fputs(i + 1 < f->nthreads ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"objects\": [\n", out);
  for (size_t i = 0; i < f->nobjects; i++) {
    const struct sched_object *o = &f->objects[i];
    fprintf(out, "    {\"proc\": %u, \"id\": %" PRIu32 ", \"kind\": \"%s\", \"module\": ",
            o->proc, o->id, dara_obj_kind_name(o->kind));
    put_json(out, o->module);
    fprintf(out, ", \"offset\": %" PRIu64, o->offset);
    if (f->object_symbols[i][0]) {
      fputs(", \"symbol\": ", out);
      put_json(out, f->object_symbols[i]);
    }
    fputs(i + 1 < f->nobjects ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"labels\": [\n", out);
  for (size_t i = 0; i < f->nlabels; i++) {
    fprintf(out, "    {\"id\": %" PRIu32 ", \"text\": ", f->labels[i].id);
    put_json(out, f->labels[i].text);
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
    put_json(out, o->message);
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
  put_json(out, dara_call_name(ev->op));
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
  put_json(out, sh->path);
  fputs(", \"dara_version\": ", out);
  put_json(out, f->hdr.dara_version);
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
    escape(label, ESC_JSON, emit_file, out);
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
    thread_name(sh, p, r, name, sizeof name);
    snprintf(label, sizeof label, "%u:%u%s%s", p, r, name[0] ? " " : "", name);
    chrome_sep(out, &first);
    fprintf(out, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %u, \"tid\": %u, "
                 "\"args\": {\"name\": ",
            p, r);
    put_json(out, label);
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
    char what[WHAT_LEN];
    describe(sh, ev, what, sizeof what);
    double ts = chrome_ts(sh, use_index, i);
    if (ev->kind == DARA_EV_STEP) {
      /* The chosen thread runs from this decision to the next event. */
      double dur = i + 1 < f->nevents ? chrome_ts(sh, use_index, i + 1) - ts : 1.0;
      fputs("{\"name\": ", out);
      put_json(out, what);
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
    put_json(out, what);
    fprintf(out, ", \"cat\": \"%s\", \"ph\": \"i\", \"s\": \"%s\", \"ts\": %.3f, \"pid\": %u, "
                 "\"tid\": %u, \"args\": {\"event\": %zu, \"arg\": %" PRId64 "}}",
            dara_ev_kind_name(ev->kind), scope, ts, ev->proc, ev->routine, i, ev->arg);
    /* A numeric variable also goes to a counter track of its process, one
     * per name, so that Perfetto plots its values over time. */
    if (ev->kind == DARA_EV_LOG && (ev->op == DARA_VAR_INT || ev->op == DARA_VAR_DOUBLE) &&
        (ev->op == DARA_VAR_INT || isfinite(double_of(ev->arg)))) {
      const char *var = label_text(sh, ev->obj);
      char fallback[24];
      if (!var) {
        snprintf(fallback, sizeof fallback, "#%" PRIu32, ev->obj);
        var = fallback;
      }
      chrome_sep(out, &first);
      fputs("{\"name\": ", out);
      put_json(out, var);
      fprintf(out, ", \"cat\": \"log\", \"ph\": \"C\", \"ts\": %.3f, \"pid\": %u, "
                   "\"args\": {\"value\": ",
              ts, ev->proc);
      if (ev->op == DARA_VAR_INT) {
        fprintf(out, "%" PRId64, ev->arg);
      } else {
        put_json_double(out, double_of(ev->arg));
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
    char tname[128], what[WHAT_LEN];
    thread_name(sh, ev->proc, ev->routine, tname, sizeof tname);
    describe(sh, ev, what, sizeof what);
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
  if (!show_index(&sh)) {
    cli_error("%s: out of memory", path);
    free(sh.thread_ix);
    free(sh.obj_ix);
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
  free(sh.thread_ix);
  free(sh.obj_ix);
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
