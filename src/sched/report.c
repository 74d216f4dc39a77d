/*
 * report.c: text for messages, with the names of a run (names.h), and the
 * deadlock report, which walks the blocked routines of a live run
 * (session_next_blocked).
 */
#include "sched/report.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/cli.h"
#include "sched/io.h"
#include "sched/evtext.h"
#include "sched/holders.h"
#include "sched/names.h"
#include "sched/session_priv.h"
#include "sched/srcloc.h"
#include "shm/region.h"

const char *report_signal_name(int sig) {
  static char buf[32];
  const char *abbrev = sigabbrev_np(sig);
  if (abbrev)
    snprintf(buf, sizeof(buf), "SIG%s", abbrev);
  else
    snprintf(buf, sizeof(buf), "signal %d", sig);
  return buf;
}

void report_wait_status(char *buf, size_t len, int status) {
  if (WIFEXITED(status))
    snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    snprintf(buf, len, "was killed by %s", report_signal_name(WTERMSIG(status)));
  else
    snprintf(buf, len, "ended (wait status %#x)", (unsigned)status);
}

void report_blocked(const struct names *names, char *buf, size_t len, unsigned proc,
                    unsigned routine, unsigned op, uint32_t obj, uint32_t obj2, int32_t waits_for) {
  char who[128], what[300], holder[160] = "";
  names_thread_text(names, proc, routine, who, sizeof(who));
  evtext_operation(names, what, sizeof(what), proc, op, obj, obj2);
  if (waits_for >= 0 && waits_for < DARA_MAX_ROUTINES && op != DARA_OP_THREAD_JOIN) {
    char h[128];
    names_thread_text(names, proc, (unsigned)waits_for, h, sizeof(h));
    snprintf(holder, sizeof(holder), ", held by thread %s", h);
  }
  if (op == DARA_OP_COND_REACQUIRE && waits_for < 0) {
    char cond[128];
    names_object_text(names, proc, obj, cond, sizeof(cond));
    snprintf(buf, len, "thread %s waits for a signal on %s that no thread will send", who, cond);
    return;
  }
  snprintf(buf, len, "thread %s blocked in %s%s", who, what, holder);
}

void report_signature_site(const struct names *names, unsigned proc, unsigned routine, char *buf,
                           size_t len) {
  const struct name_thread *t = names_thread(names, proc, routine);
  if (routine == 0 || !t)
    snprintf(buf, len, "%u:main", proc);
  else
    snprintf(buf, len, "%u:%s+%#llx#%u", proc, t->module, (unsigned long long)t->offset,
             t->ordinal);
}

/* ---- places and stacks ---- */

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The module path of place pc of proc into path; false when pc names
 * none. */
static bool place_module(const struct session *s, unsigned proc, uint64_t pc, char *path,
                         size_t len) {
  path[0] = '\0';
  if (pc == 0)
    return false;
  session_module_path(s, proc, (uint32_t)(pc & 31), path, len);
  return path[0] != '\0';
}

void report_place(const struct session *s, unsigned proc, uint64_t pc, char *buf, size_t len) {
  char path[DARA_PATH_LEN];
  buf[0] = '\0';
  if (!place_module(s, proc, pc, path, sizeof(path)))
    return;
  struct srcloc loc;
  uint64_t offset = pc >> 5;
  const char *module = base_name(path);
  if (srcloc_lookup_user(path, offset, &loc) != 0 && srcloc_lookup(path, offset, &loc) != 0)
    snprintf(buf, len, "%s+%#" PRIx64, module, offset);
  else if (loc.file[0])
    snprintf(buf, len, "%s:%u %s (%s+%#" PRIx64 ")", base_name(loc.file), loc.line,
             loc.func[0] ? loc.func : "?", module, offset);
  else
    snprintf(buf, len, "%s (%s+%#" PRIx64 ")", loc.func, module, offset);
}

/* "at crash.c:21 in crasher", or "at crash+0x11d9", for the outcome's line. */
static void place_brief(const struct session *s, unsigned proc, uint64_t pc, char *buf,
                        size_t len) {
  char path[DARA_PATH_LEN];
  struct srcloc loc;
  buf[0] = '\0';
  if (!place_module(s, proc, pc, path, sizeof(path)))
    return;
  if ((srcloc_lookup_user(path, pc >> 5, &loc) == 0 || srcloc_lookup(path, pc >> 5, &loc) == 0) &&
      loc.file[0])
    snprintf(buf, len, "at %s:%u%s%s", base_name(loc.file), loc.line, loc.func[0] ? " in " : "",
             loc.func);
  else if (loc.func[0])
    snprintf(buf, len, "in %s (%s+%#" PRIx64 ")", loc.func, base_name(path), pc >> 5);
  else
    snprintf(buf, len, "at %s+%#" PRIx64, base_name(path), pc >> 5);
}

/* How the signal came: the kind of fault, or who sent it. */
static const char *signal_cause(int sig, int32_t code) {
  if (code <= 0)
    return code == SI_USER ? "sent by kill" : code == SI_TKILL ? "sent by tgkill or raise" : "sent";
  switch (sig) {
  case SIGSEGV:
    return code == SEGV_MAPERR ? "address not mapped" : code == SEGV_ACCERR ? "no permission" : "";
  case SIGBUS:
    return code == BUS_ADRALN   ? "misaligned address"
           : code == BUS_ADRERR ? "no such physical address"
                                : "";
  case SIGFPE:
    return code == FPE_INTDIV   ? "integer division by zero"
           : code == FPE_INTOVF ? "integer overflow"
                                : "";
  case SIGILL:
    return code == ILL_ILLOPC ? "illegal opcode" : "";
  default:
    return "";
  }
}

void report_crash(struct session *s, unsigned proc, int sig, unsigned *routine, char *where,
                  size_t len) {
  struct dara_crash c;
  where[0] = '\0';
  memcpy(&c, (const void *)&s->region->procs[proc].crash, sizeof(c));
  uint32_t nroutines = s->region->procs[proc].nroutines;
  if (c.assert_line) { /* a failed assert(), whatever killed the process */
    char expr[DARA_ASSERT_TEXT], file[DARA_ASSERT_TEXT], func[DARA_NAME_LEN];
    region_copy_name(expr, sizeof(expr), c.assert_expr, sizeof(c.assert_expr));
    region_copy_name(file, sizeof(file), c.assert_file, sizeof(c.assert_file));
    region_copy_name(func, sizeof(func), c.assert_func, sizeof(c.assert_func));
    session_detail(s, "assertion `%s' failed at %s:%u in %s", expr, base_name(file), c.assert_line,
                   func[0] ? func : "?");
    snprintf(where, len, "assertion `%s' failed at %s:%u", expr, base_name(file), c.assert_line);
    snprintf(s->res->src_file, sizeof(s->res->src_file), "%s", file);
    s->res->src_line = c.assert_line;
  }
  if (c.signo != (uint32_t)sig || c.nframes > DARA_CRASH_FRAMES)
    return; /* the shim did not see it (a program's handler, SIGKILL) */
  if (c.routine < nroutines && c.routine < DARA_MAX_ROUTINES)
    *routine = c.routine;
  char who[128] = "", head[320];
  if (c.routine < nroutines && c.routine < DARA_MAX_ROUTINES)
    names_thread_text(s->names, proc, c.routine, who, sizeof(who));
  const char *cause = signal_cause(sig, c.code);
  int n = snprintf(head, sizeof(head), "%s", report_signal_name(sig));
  if (c.code > 0 && sig != SIGABRT)
    n += snprintf(head + n, sizeof(head) - (size_t)n, " at address 0x%" PRIx64, c.addr);
  if (cause[0])
    n += snprintf(head + n, sizeof(head) - (size_t)n, " (%s)", cause);
  snprintf(head + n, sizeof(head) - (size_t)n, "%s%s", who[0] ? " in thread " : "", who);
  session_detail(s, "%s", head);
  bool found = where[0] != '\0';
  for (uint32_t i = 0; i < c.nframes; i++) {
    char text[512], path[DARA_PATH_LEN];
    report_place(s, proc, c.frames[i], text, sizeof(text));
    session_detail(s, "  #%u %s", i, text[0] ? text : "?");
    /* The first frame in the program, past libc's and the C++ runtime's
     * (abort, __assert_fail, raise): where it went wrong. */
    if (!found && place_module(s, proc, c.frames[i], path, sizeof(path)) &&
        !srcloc_is_runtime(path)) {
      place_brief(s, proc, c.frames[i], where, len);
      found = true;
      struct srcloc loc;
      uint64_t offset = c.frames[i] >> 5;
      if (!s->res->src_line &&
          (srcloc_lookup_user(path, offset, &loc) == 0 || srcloc_lookup(path, offset, &loc) == 0) &&
          loc.file[0] && loc.line) {
        snprintf(s->res->src_file, sizeof(s->res->src_file), "%s", loc.file);
        s->res->src_line = loc.line;
      }
    }
  }
}

/* A place as a signature names it: "crash+0x124e" (module basename and
 * offset); "" for none. */
static void place_key(const struct session *s, unsigned proc, uint64_t pc, char *buf, size_t len) {
  char path[DARA_PATH_LEN];
  buf[0] = '\0';
  if (place_module(s, proc, pc, path, sizeof(path)))
    snprintf(buf, len, "%s+%#" PRIx64, base_name(path), pc >> 5);
}

void report_crash_frames(const struct session *s, unsigned proc, int sig, char *buf, size_t len) {
  const struct dara_crash *c = &s->region->procs[proc].crash;
  uint32_t n = c->nframes;
  buf[0] = '\0';
  if (c->signo != (uint32_t)sig || n > DARA_CRASH_FRAMES)
    return;
  size_t used = 0;
  unsigned taken = 0;
  bool program = false;
  for (uint32_t i = 0; i < n && taken < REPORT_TOP_FRAMES; i++) {
    char path[DARA_PATH_LEN], key[DARA_PATH_LEN + 32];
    uint64_t pc = c->frames[i];
    if (!place_module(s, proc, pc, path, sizeof(path)))
      continue;
    program = program || !srcloc_is_runtime(path); /* from the first in the program */
    if (!program)
      continue;
    place_key(s, proc, pc, key, sizeof(key));
    if (used < len)
      used += (size_t)snprintf(buf + used, len - used, "%s%s", taken ? " " : "", key);
    taken++;
  }
}

/* ---- the deadlock report ---- */

/* "socket 127.0.0.1:36668, connected to 127.0.0.1:7320, where thread 0:1
 * waits" for the descriptor a blocked thread waits on: the peer is named
 * when it is another blocked thread's socket. */
static void describe_io_wait(const struct session *s, const struct blocked_iter *b, char *buf,
                             size_t len) {
  char local[96], peer[96];
  if (io_names(b->pidfd, (int)b->r->obj, local, peer, sizeof(local)) != IO_KIND_SOCKET) {
    snprintf(buf, len, "%s", local);
    return;
  }
  if (!peer[0]) {
    snprintf(buf, len, "socket %s", local);
    return;
  }
  char who[48] = "";
  for (struct blocked_iter o = {0}; !who[0] && session_next_blocked(s, &o);) {
    if (o.r == b->r || !dara_op_is_io(o.r->op))
      continue;
    char l2[96], p2[96];
    if (io_names(o.pidfd, (int)o.r->obj, l2, p2, sizeof(l2)) == IO_KIND_SOCKET &&
        strcmp(l2, peer) == 0 && strcmp(p2, local) == 0)
      snprintf(who, sizeof(who), ", where thread %u:%u waits", o.proc, o.routine);
  }
  snprintf(buf, len, "socket %s, connected to %s%s", local, peer, who);
}

#define REPORT_MAX_WAITS 64

static int compare_waits(const void *a, const void *b) { return strcmp(a, b); }

/* Who holds what a blocked thread waits for, where the region does not
 * say (holders.h): every reader of an rwlock, the last thread that posted
 * a semaphore. Writes ", held for reading by thread ..." into buf for the
 * report's line, and " (held for reading by 0:2, 0:3)" into brief for the
 * summary; both empty when there is nothing to add. */
static void holders_text(const struct session *s, unsigned proc, unsigned routine,
                         const struct dara_routine *r, char *buf, size_t len, char *brief,
                         size_t blen) {
  buf[0] = brief[0] = '\0';
  bool rw = r->op == DARA_OP_RW_RDLOCK || r->op == DARA_OP_RW_WRLOCK ||
            r->op == DARA_OP_RW_TIMEDRDLOCK || r->op == DARA_OP_RW_TIMEDWRLOCK;
  bool sem = r->op == DARA_OP_SEM_WAIT || r->op == DARA_OP_SEM_TIMEDWAIT;
  if (sem) {
    int last = holders_last_post(s->holders, proc, r->obj);
    char who[128];
    if (last < 0)
      snprintf(buf, len, ", count 0: no thread of this process posted it");
    else if (last == HOLDERS_EXITED)
      snprintf(buf, len, ", count 0, last posted by a thread that has exited");
    else {
      names_thread_text(s->names, proc, (unsigned)last, who, sizeof(who));
      snprintf(buf, len, ", count 0, last posted by thread %s", who);
    }
    return;
  }
  if (!rw || r->waits_for >= 0) /* a writer holds it: the region named it */
    return;
  uint16_t readers[8];
  bool unsure;
  size_t n = holders_readers(s->holders, proc, r->obj, readers, 8, &unsure);
  if (n == 0) {
    snprintf(buf, len, ", held for reading%s", unsure ? "" : " by no thread dara saw take it");
    return;
  }
  size_t used = (size_t)snprintf(buf, len, ", held for reading by");
  size_t bused = (size_t)snprintf(brief, blen, " (held for reading by");
  for (size_t i = 0; i < n && i < 8; i++) {
    char who[128];
    const char *sep = i == 0 ? " " : i + 1 == n ? " and " : ", ";
    if (readers[i] == HOLDERS_EXITED) {
      snprintf(who, sizeof(who), "a thread that has exited");
    } else {
      char name[112];
      names_thread_text(s->names, proc, readers[i], name, sizeof(name));
      snprintf(who, sizeof(who), "thread %s%s", name, readers[i] == routine ? " (itself)" : "");
    }
    if (used < len)
      used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, who);
    if (bused < blen) {
      if (readers[i] == HOLDERS_EXITED)
        bused +=
            (size_t)snprintf(brief + bused, blen - bused, "%san exited thread", i ? ", " : " ");
      else
        bused += (size_t)snprintf(brief + bused, blen - bused, "%s%u:%u", i ? ", " : " ", proc,
                                  readers[i]);
    }
  }
  if (used < len && n > 8)
    snprintf(buf + used, len - used, " and %zu more", n - 8);
  else if (used < len && unsure)
    snprintf(buf + used, len - used, " and maybe others");
  if (bused < blen)
    snprintf(brief + bused, blen - bused, "%s)", n > 8 || unsure ? ", ..." : "");
}

void report_deadlock(struct session *s) {
  char summary[768];
  size_t used = 0;
  unsigned nblocked = 0;
  summary[0] = '\0';
  session_detail(s, "deadlock: no thread can run");
  char sig[512] = "deadlock";
  size_t sig_used = strlen(sig);
  char waits[REPORT_MAX_WAITS][160];
  unsigned nwaits = 0;
  for (struct blocked_iter b = {0}; session_next_blocked(s, &b);) {
    const struct dara_routine *r = b.r;
    unsigned i = b.proc, j = b.routine;
    char line[1024], held[512], held_brief[96];
    report_blocked(s->names, line, sizeof(line), i, j, r->op, r->obj, r->obj2, r->waits_for);
    holders_text(s, i, j, r, held, sizeof(held), held_brief, sizeof(held_brief));
    size_t line_len = strlen(line);
    snprintf(line + line_len, sizeof(line) - line_len, "%s", held);
    if (dara_op_is_io(r->op)) {
      char what[256];
      describe_io_wait(s, &b, what, sizeof(what));
      session_detail(s, "  %s: %s", line, what);
    } else {
      session_detail(s, "  %s", line);
    }
    /* Where it waits: its stack, or at least its call site. */
    char place[512];
    uint64_t frames[DARA_CRASH_FRAMES];
    uint32_t nframes = session_stack_of(s, i, j, frames, DARA_CRASH_FRAMES);
    for (uint32_t k = 0; k < nframes; k++) {
      report_place(s, i, frames[k], place, sizeof(place));
      session_detail(s, "    #%u %s", k, place[0] ? place : "?");
    }
    report_place(s, i, r->pc, place, sizeof(place));
    if (!nframes && place[0])
      session_detail(s, "    at %s", place);
    /* The signature: each thread's wait site (its call site, the same in
     * every run), or its creation site when the site is not known. */
    char site[DARA_PATH_LEN + 32];
    place_key(s, i, r->pc, site, sizeof(site));
    if (!site[0])
      report_signature_site(s->names, i, j, site, sizeof(site));
    if (nwaits < REPORT_MAX_WAITS)
      snprintf(waits[nwaits++], sizeof(waits[0]), "%u:%s:%s", i, site, dara_op_name(r->op));
    /* The one-line summary names threads and operations only. */
    int32_t holder = r->waits_for;
    char brief[192];
    if (r->op == DARA_OP_COND_REACQUIRE && holder < 0)
      snprintf(brief, sizeof(brief), "%u:%u cond_wait (no signal will come)", i, j);
    else if (r->op == DARA_OP_IO_WAITPID)
      snprintf(brief, sizeof(brief), "%u:%u waitpid for a child", i, j);
    else if (dara_op_is_io(r->op))
      snprintf(brief, sizeof(brief), "%u:%u %s on fd %u", i, j, dara_op_name(r->op), r->obj);
    else if (holder >= 0)
      snprintf(brief, sizeof(brief), "%u:%u %s (waits for %u:%d)", i, j, dara_op_name(r->op), i,
               holder);
    else
      snprintf(brief, sizeof(brief), "%u:%u %s%s", i, j, dara_op_name(r->op), held_brief);
    if (used < sizeof(summary) - 1)
      used += (size_t)snprintf(summary + used, sizeof(summary) - used, "%s%s", nblocked ? ", " : "",
                               brief);
    nblocked++;
  }
  /* In an order of their own: the same deadlock whichever threads (by
   * index) are in it. */
  qsort(waits, nwaits, sizeof(waits[0]), compare_waits);
  for (unsigned k = 0; k < nwaits && sig_used < sizeof(sig) - 1; k++)
    sig_used += (size_t)snprintf(sig + sig_used, sizeof(sig) - sig_used, " %s", waits[k]);
  session_emit_simple(s, DARA_EV_DEADLOCK, 0, 0, 0, nblocked);
  snprintf(s->res->signature, sizeof(s->res->signature), "%s", sig);
  session_finish(s, SCHED_OUT_DEADLOCK, (int)nblocked, 0, "deadlock: %u thread%s blocked: %s",
                 nblocked, plural(nblocked), summary);
}
