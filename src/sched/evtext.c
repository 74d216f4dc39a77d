/*
 * evtext.c: see evtext.h.
 */
#include "sched/evtext.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "abi/calls.h"
#include "abi/ops.h"
#include "abi/region.h"
#include "sched/faults.h"
#include "sched/names.h"
#include "sched/report.h"
#include "sched/schedfile.h"

/* ---- a bounded buffer ---- */

/* A fixed buffer that keeps what fits and stays NUL-terminated. */
struct sink {
  char *p;
  size_t len, cap;
};

static void sink_put(struct sink *b, const char *p, size_t n) {
  if (b->len + n < b->cap) {
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
  } else {
    b->len = b->cap; /* full: drop this and everything after it */
  }
}

/* Appends printf-style text (cut, never overflowed). */
static void sink_printf(struct sink *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sink_printf(struct sink *b, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) {
    sink_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
  }
}

/* ---- threads and objects ---- */

/* Threads and objects are named one way in show's lines and another in
 * reports (evtext.h). */
enum style { STYLE_SHOW, STYLE_REPORT };

/* Show: "0:2 worker", or "0:2" when the thread is not defined. */
static void thread_ref(const struct names *n, enum style st, unsigned proc, unsigned routine,
                       char *buf, size_t len) {
  if (st == STYLE_REPORT) {
    names_thread_text(n, proc, routine, buf, len);
    return;
  }
  char site[96];
  names_thread_site(n, proc, routine, site, sizeof site);
  snprintf(buf, len, "%u:%u%s%s", proc, routine, site[0] ? " " : "", site);
}

/* Show: `mutex#2 (prog+0x4040)`, `cond#3` (not in a module), or `#4` (not
 * defined). */
static void object_ref(const struct names *n, enum style st, unsigned proc, uint32_t id, char *buf,
                       size_t len) {
  if (st == STYLE_REPORT) {
    names_object_text(n, proc, id, buf, len);
    return;
  }
  const struct name_object *o = names_object(n, proc, id);
  if (!o) {
    snprintf(buf, len, "#%" PRIu32, id);
  } else if (o->module[0]) {
    snprintf(buf, len, "%s#%" PRIu32 "%s%s (%s+0x%" PRIx64 ")", dara_obj_kind_name(o->kind), id,
             o->symbol[0] ? " " : "", o->symbol, o->module, o->offset);
  } else {
    snprintf(buf, len, "%s#%" PRIu32, dara_obj_kind_name(o->kind), id);
  }
}

/* An operation and its objects: "mutex_lock mutex#2 (prog+0x4040)",
 * "cond_wait cond#3 with mutex#2", "recv on fd 4", "thread_join thread
 * 0:2 worker" (obj names the target routine of a join or detach). Show
 * names a join's obj2 too, should it have one; reports never did. */
static void operation(const struct names *n, enum style st, char *buf, size_t len, unsigned proc,
                      unsigned op, uint32_t obj, uint32_t obj2) {
  if (op == DARA_OP_IO_WAITPID) { /* obj is dara's pidfd of a child: no news */
    snprintf(buf, len, "waitpid for a child");
    return;
  }
  if (dara_op_is_io(op)) { /* obj is the descriptor (ops.h) */
    snprintf(buf, len, "%s on fd %u", dara_op_name(op), obj);
    return;
  }
  char a[128] = "", b[128] = "";
  if (dara_op_is_memory(op)) { /* obj2 is the size (ops.h) */
    if (!obj) {                /* a fence */
      snprintf(buf, len, "%s", dara_op_name(op));
      return;
    }
    object_ref(n, st, proc, obj, a, sizeof a);
    snprintf(buf, len, "%s %s, %u bytes", dara_op_name(op), a, obj2);
    return;
  }
  const char *prefix = "";
  bool thread = op == DARA_OP_THREAD_JOIN || op == DARA_OP_THREAD_DETACH;
  if (thread) {
    thread_ref(n, st, proc, obj, a, sizeof a);
    prefix = "thread ";
  } else if (obj) {
    object_ref(n, st, proc, obj, a, sizeof a);
  }
  if (obj2 && (st == STYLE_SHOW || !thread)) {
    object_ref(n, st, proc, obj2, b, sizeof b);
  }
  snprintf(buf, len, "%s%s%s%s%s%s", dara_op_name(op), a[0] ? " " : "", prefix, a,
           b[0] ? " with " : "", b);
}

void evtext_operation(const struct names *n, char *buf, size_t len, unsigned proc, unsigned op,
                      uint32_t obj, uint32_t obj2) {
  operation(n, STYLE_REPORT, buf, len, proc, op, obj, obj2);
}

/* ---- labels, notes, assertions ---- */

const char *evtext_label(const struct sched_file *f, int64_t id) {
  if (!f || id < 1 || id > UINT32_MAX) {
    return NULL;
  }
  const struct sched_label *l = schedfile_label(f, (uint32_t)id);
  return l ? l->text : NULL;
}

/* Label id in double quotes, `"` and `\` inside escaped with a backslash,
 * or `#id` when undefined. Raw otherwise (control characters are left for
 * the output's own escaping). */
static void quoted_label(const struct sched_file *f, int64_t id, char *buf, size_t len) {
  const char *t = evtext_label(f, id);
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

static const char *note_text(unsigned note) {
  switch (note) {
  case DARA_NOTE_FORK_UNCONTROLLED:
    return "a child process runs uncontrolled, pid";
  case DARA_NOTE_TOO_MANY_THREADS:
    return "routine table full (dara's limit on threads alive at once in a process), the "
           "process was stopped; the limit is";
  case DARA_NOTE_TOO_MANY_OBJECTS:
    return "object table full, the process was stopped";
  case DARA_NOTE_EXEC_UNCONTROLLED:
    return "the process left control to call exec";
  case DARA_NOTE_TOO_MANY_LOCATIONS:
    return "location table full, accesses to new locations are not points from here; size";
  case DARA_NOTE_TOO_MANY_MODULES:
    return "module table full (dara's limit on modules in a process), the process was "
           "stopped; the limit is";
  default:
    return NULL;
  }
}

/* What an assertion's outcome is called: an always that held, a sometimes
 * that did not (yet) hold, an unreachable that was reached. */
/* "process 1 (./primary) crashed: fault injected after step 57"; the
 * program's name only with the file's header at hand. */
static void evtext_fault(const struct sched_file *f, const struct dara_event *ev, char *buf,
                         size_t len) {
  char prog[160] = "";
  if (f && ev->proc < f->hdr.nprocs && f->hdr.cmds[ev->proc].argc > 0)
    snprintf(prog, sizeof(prog), " (%s)", f->hdr.cmds[ev->proc].argv[0]);
  if (ev->op == DARA_FAULT_CRASH)
    snprintf(buf, len, "process %u%s crashed: fault injected after step %lld", ev->proc, prog,
             (long long)ev->arg);
  else if (ev->op == DARA_FAULT_RESET)
    snprintf(buf, len,
             "the connection of fd %u of process %u%s was reset: fault injected after step %lld",
             ev->obj, ev->proc, prog, (long long)ev->arg);
  else if (ev->op == DARA_FAULT_PARTITION)
    snprintf(buf, len,
             "partition: the programs of command lines %s cut off from the others: fault "
             "injected after step %lld",
             faults_group_text(ev->obj, (char[96]){0}, 96), (long long)ev->arg);
  else if (ev->op == DARA_FAULT_DROP || ev->op == DARA_FAULT_DELAY)
    snprintf(buf, len,
             "the first datagram queued at fd %u of process %u%s was %s: fault injected "
             "after step %lld",
             ev->obj, ev->proc, prog, ev->op == DARA_FAULT_DROP ? "dropped" : "delayed",
             (long long)ev->arg);
  else if (ev->op == DARA_FAULT_DELIVER)
    snprintf(buf, len, "delayed datagram %u delivered to process %u%s after step %lld", ev->obj,
             ev->proc, prog, (long long)ev->arg);
  else if (ev->op == DARA_FAULT_HEAL)
    snprintf(buf, len, "the partition healed after step %lld", (long long)ev->arg);
  else if (ev->op == DARA_FAULT_RESTART)
    snprintf(buf, len, "process %u%s restarted after step %lld (in the slot the next start names)",
             ev->proc, prog, (long long)ev->arg);
  else
    snprintf(buf, len, "fault %u injected into process %u%s after step %lld", ev->op, ev->proc,
             prog, (long long)ev->arg);
}

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

int evtext_call_args(unsigned call, char names[3][EVTEXT_ARG_NAME]) {
  /* dara_call_args split on spaces, empty words skipped. */
  const char *s = dara_call_args(call);
  int n = 0;
  while (*s && n < 3) {
    size_t k = strcspn(s, " ");
    if (k > 0) {
      snprintf(names[n++], EVTEXT_ARG_NAME, "%.*s", (int)k, s);
    }
    s += k;
    s += strspn(s, " ");
  }
  return n;
}

const char *evtext_errno_name(uint32_t err) {
  return err > 0 && err <= INT_MAX ? strerrorname_np((int)err) : NULL;
}

/* An argument's value for people: a mode in octal, anything else as a
 * signed number (a descriptor such as AT_FDCWD, a timeout of -1). */
static void arg_text(const char *name, uint64_t v, char *buf, size_t len) {
  if (!strcmp(name, "mode")) {
    snprintf(buf, len, "%#" PRIo64, v);
  } else {
    snprintf(buf, len, "%" PRId64, (int64_t)v);
  }
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

/* n bytes of data (any byte, NUL included) escaped: printable ASCII stays
 * as it is, `"` and `\` take a backslash, newline and tab are \n and \t,
 * and every other byte is \xNN (json_put_bytes is the same for JSON). */
static void put_bytes(struct sink *b, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t run = 0;
    while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f && p[i + run] != '"' &&
           p[i + run] != '\\') {
      run++;
    }
    if (run > 0) {
      sink_put(b, (const char *)p + i, run);
      i += run;
      continue;
    }
    char tmp[8];
    uint8_t c = p[i++];
    if (c == '"' || c == '\\') {
      tmp[0] = '\\';
      tmp[1] = (char)c;
      sink_put(b, tmp, 2);
    } else if (c == '\n') {
      sink_put(b, "\\n", 2);
    } else if (c == '\t') {
      sink_put(b, "\\t", 2);
    } else {
      snprintf(tmp, sizeof tmp, "\\x%02x", c);
      sink_put(b, tmp, 4);
    }
  }
}

/* A call with its named arguments and its result:
 * `read(fd=3, count=64) = 11`, `connect(fd=4, port=8080) = -1 ECONNREFUSED`. */
static void syscall_head(const struct dara_event *ev, struct sink *b) {
  char names[3][EVTEXT_ARG_NAME], value[32];
  int n = evtext_call_args(ev->op, names);
  sink_printf(b, "%s(", dara_call_name(ev->op));
  for (int i = 0; i < n; i++) {
    arg_text(names[i], ev->sys->args[i], value, sizeof value);
    sink_printf(b, "%s%s=%s", i ? ", " : "", names[i], value);
  }
  sink_printf(b, ") = %" PRId64, ev->arg);
  if (ev->sys->err) {
    const char *e = evtext_errno_name(ev->sys->err);
    if (e) {
      sink_printf(b, " %s", e);
    } else {
      sink_printf(b, " errno %" PRIu32, ev->sys->err);
    }
  }
}

void evtext_syscall(const struct dara_event *ev, char *buf, size_t len) {
  struct sink b = {buf, 0, len};
  buf[0] = '\0';
  if (!ev->sys) { /* a loaded file's SYSCALL events always have theirs */
    snprintf(buf, len, "%s(?)", dara_call_name(ev->op));
    return;
  }
  syscall_head(ev, &b);
  int fds[2];
  if (ev->op == DARA_CALL_pipe && ev->sys->len == sizeof(fds)) { /* its two descriptors */
    memcpy(fds, ev->sys->data, sizeof(fds));
    sink_printf(&b, ": read end %d, write end %d", fds[0], fds[1]);
  } else if (ev->op == DARA_CALL_socketpair && ev->sys->len == sizeof(fds)) { /* version 9 */
    memcpy(fds, ev->sys->data, sizeof(fds));
    sink_printf(&b, ": ends %d and %d", fds[0], fds[1]);
  } else if (ev->sys->len > 0) {
    sink_put(&b, " \"", 2);
    put_bytes(&b, ev->sys->data, ev->sys->len < DARA_SYS_DATA ? ev->sys->len : DARA_SYS_DATA);
    sink_put(&b, "\"", 1);
  }
  char start[32], end[32];
  seconds_text(ev->sys->start, start, sizeof start);
  seconds_text(ev->time, end, sizeof end);
  sink_printf(&b, "  [%s..%s]", start, end);
}

/* ---- events ---- */

void evtext_place(const struct names *n, unsigned proc, uint64_t pc, char *buf, size_t len) {
  unsigned module = (unsigned)(pc & 31);
  const struct name_thread *main_thread = names_thread(n, proc, 0);
  if (pc == 0) {
    snprintf(buf, len, "?");
  } else if (module == 0 && main_thread && main_thread->module[0]) {
    snprintf(buf, len, "%s+0x%" PRIx64, main_thread->module, pc >> 5);
  } else {
    snprintf(buf, len, "module %u+0x%" PRIx64, module, pc >> 5);
  }
}

/* A memory step of an instrumented program (ops.h): the location, its size
 * and where the access is (evtext_place).
 * `mem_write memory#3 counter (prog+0x4014), 4 bytes, at prog+0x11c8`. */
static void memory_step(const struct names *n, const struct dara_event *ev, char *buf, size_t len) {
  if (ev->op == DARA_OP_FENCE) {
    snprintf(buf, len, "%s", dara_op_name(ev->op));
  } else {
    char loc[160];
    object_ref(n, STYLE_SHOW, ev->proc, ev->obj, loc, sizeof loc);
    snprintf(buf, len, "%s %s, %" PRIu32 " bytes", dara_op_name(ev->op), loc, ev->obj2);
  }
  if (ev->arg == 0) {
    return;
  }
  char place[128];
  evtext_place(n, ev->proc, (uint64_t)ev->arg, place, sizeof place);
  size_t k = strlen(buf);
  snprintf(buf + k, len - k, ", at %s", place);
}

void evtext_what(const struct names *n, const struct sched_file *f, const struct dara_event *ev,
                 char *buf, size_t len) {
  char o1[160], name[128];
  long long arg = (long long)ev->arg;
  switch (ev->kind) {
  case DARA_EV_STEP:
    if (dara_op_is_memory(ev->op)) {
      memory_step(n, ev, buf, len);
      break;
    }
    /* arg is where the step is (its call site), which show names itself,
     * symbolized (show_place). */
    operation(n, STYLE_SHOW, buf, len, ev->proc, ev->op, ev->obj, ev->obj2);
    break;
  case DARA_EV_RESULT:
    o1[0] = '\0';
    if (ev->obj) {
      object_ref(n, STYLE_SHOW, ev->proc, ev->obj, o1, sizeof o1);
    }
    snprintf(buf, len, "%s%s%s returned %lld", dara_op_name(ev->op), o1[0] ? " " : "", o1, arg);
    break;
  case DARA_EV_CREATE:
    name[0] = '\0';
    if (ev->arg >= 0 && ev->arg < DARA_MAX_ROUTINES) {
      names_thread_site(n, ev->proc, (unsigned)ev->arg, name, sizeof name);
    }
    snprintf(buf, len, "creates %u:%lld%s%s", ev->proc, arg, name[0] ? " " : "", name);
    break;
  case DARA_EV_PROC_START:
    /* A program restarted after a crash (version 8) is in a slot past the
     * command lines, and arg names its command line. */
    if (f && ev->proc >= f->hdr.nprocs && ev->arg >= 0 && ev->arg < f->hdr.nprocs &&
        f->hdr.cmds[ev->arg].argc > 0) {
      snprintf(buf, len, "process %u starts %s (restarted)", ev->proc,
               f->hdr.cmds[ev->arg].argv[0]);
    } else if (f && ev->proc < f->hdr.nprocs && f->hdr.cmds[ev->proc].argc > 0) {
      snprintf(buf, len, "process %u starts %s", ev->proc, f->hdr.cmds[ev->proc].argv[0]);
    } else {
      snprintf(buf, len, "process %u starts", ev->proc);
    }
    break;
  case DARA_EV_FORK:
    snprintf(buf, len, "process %u forked by thread %lld:%u", ev->proc, arg, ev->routine);
    break;
  case DARA_EV_EXEC:
    snprintf(buf, len, "process %u is process %lld after its exec", ev->proc, arg);
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
    if (ev->op == DARA_OP_YIELD) /* a livelock (fair.h) */
      snprintf(buf, len, "livelock: only spin-reads and yields for %lld steps", arg);
    else if (dara_op_is_io(ev->op)) /* an uncontrolled writer ran on (session.c) */
      snprintf(buf, len, "waited in %s for %lld ms while an uncontrolled child ran",
               dara_op_name(ev->op), arg);
    else
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
    const char *var = evtext_label(f, ev->obj);
    char value[320];
    switch (ev->op) {
    case DARA_VAR_INT:
      snprintf(value, sizeof value, "%lld", arg);
      break;
    case DARA_VAR_DOUBLE:
      snprintf(value, sizeof value, "%g", dara_ev_double(ev->arg));
      break;
    case DARA_VAR_STRING:
      quoted_label(f, ev->arg, value, sizeof value);
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
    quoted_label(f, ev->obj, o1, sizeof o1);
    snprintf(buf, len, "%s %s %s (line %u)", dara_assert_kind_name(ev->op), o1,
             assert_verdict(ev->op, ev->arg), ev->obj2);
    break;
  case DARA_EV_PROPERTY:
    quoted_label(f, ev->obj, o1, sizeof o1);
    snprintf(buf, len, "property %s failed", o1);
    break;
  case DARA_EV_SYSCALL:
    evtext_syscall(ev, buf, len);
    break;
  case DARA_EV_PEER:
    snprintf(buf, len, "fd %u is connected to fd %u of process %u", ev->obj, ev->obj2, ev->op);
    break;
  case DARA_EV_FAULT:
    evtext_fault(f, ev, buf, len);
    break;
  default:
    snprintf(buf, len, "?");
    break;
  }
}

void evtext_sentence(const struct names *n, const struct dara_event *ev, char *buf, size_t len) {
  char who[128], what[EVTEXT_LEN] = "";
  names_thread_text(n, ev->proc, ev->routine, who, sizeof(who));
  switch (ev->kind) {
  case DARA_EV_STEP:
    operation(n, STYLE_REPORT, what, sizeof(what), ev->proc, ev->op, ev->obj, ev->obj2);
    /* Where it is (its pc, region.h: the access, or the call site), which
     * replay checks too. */
    if (dara_op_is_memory(ev->op) || ev->arg)
      snprintf(what + strlen(what), sizeof(what) - strlen(what), " at pc %#llx",
               (unsigned long long)ev->arg);
    snprintf(buf, len, "thread %s runs %s", who, what);
    return;
  case DARA_EV_RESULT:
    snprintf(buf, len, "thread %s: %s returned %lld", who, dara_op_name(ev->op),
             (long long)ev->arg);
    return;
  case DARA_EV_CREATE:
    snprintf(buf, len, "thread %s creates thread %u:%lld", who, ev->proc, (long long)ev->arg);
    return;
  case DARA_EV_EXIT:
    snprintf(buf, len, "process %u exits with status %lld", ev->proc, (long long)ev->arg);
    return;
  case DARA_EV_SIGNAL:
    snprintf(buf, len, "process %u killed by %s", ev->proc, report_signal_name((int)ev->arg));
    return;
  case DARA_EV_SYSCALL:
    evtext_syscall(ev, what, sizeof(what));
    snprintf(buf, len, "thread %s calls %s", who, what);
    return;
  case DARA_EV_FAULT:
    evtext_fault(NULL, ev, buf, len);
    return;
  default:
    snprintf(buf, len, "%s (process %u, thread %s, arg %lld)", dara_ev_kind_name(ev->kind),
             ev->proc, who, (long long)ev->arg);
  }
}
