/*
 * report.c: text for messages, with the names of a run (names.h), and the
 * deadlock report, which walks the blocked routines of a live run
 * (session_next_blocked).
 */
#include "sched/report.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "abi/ops.h"
#include "abi/region.h"
#include "sched/cli.h"
#include "sched/io.h"
#include "sched/evtext.h"
#include "sched/names.h"
#include "sched/session_priv.h"

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

void report_deadlock(struct session *s) {
  char summary[768];
  size_t used = 0;
  unsigned nblocked = 0;
  summary[0] = '\0';
  session_detail(s, "deadlock: no thread can run");
  char sig[512] = "deadlock";
  size_t sig_used = strlen(sig);
  for (struct blocked_iter b = {0}; session_next_blocked(s, &b);) {
    const struct dara_routine *r = b.r;
    unsigned i = b.proc, j = b.routine;
    char line[512];
    report_blocked(s->names, line, sizeof(line), i, j, r->op, r->obj, r->obj2, r->waits_for);
    if (dara_op_is_io(r->op)) {
      char what[256];
      describe_io_wait(s, &b, what, sizeof(what));
      session_detail(s, "  %s: %s", line, what);
    } else {
      session_detail(s, "  %s", line);
    }
    char site[128];
    report_signature_site(s->names, i, j, site, sizeof(site));
    if (sig_used < sizeof(sig) - 1)
      sig_used += (size_t)snprintf(sig + sig_used, sizeof(sig) - sig_used, " %s:%s", site,
                                   dara_op_name(r->op));
    /* The one-line summary names threads and operations only. */
    int32_t holder = r->waits_for;
    char brief[96];
    if (r->op == DARA_OP_COND_REACQUIRE && holder < 0)
      snprintf(brief, sizeof(brief), "%u:%u cond_wait (no signal will come)", i, j);
    else if (dara_op_is_io(r->op))
      snprintf(brief, sizeof(brief), "%u:%u %s on fd %u", i, j, dara_op_name(r->op), r->obj);
    else if (holder >= 0)
      snprintf(brief, sizeof(brief), "%u:%u %s (waits for %u:%d)", i, j, dara_op_name(r->op), i,
               holder);
    else
      snprintf(brief, sizeof(brief), "%u:%u %s", i, j, dara_op_name(r->op));
    if (used < sizeof(summary) - 1)
      used += (size_t)snprintf(summary + used, sizeof(summary) - used, "%s%s", nblocked ? ", " : "",
                               brief);
    nblocked++;
  }
  session_emit_simple(s, DARA_EV_DEADLOCK, 0, 0, 0, nblocked);
  snprintf(s->res->signature, sizeof(s->res->signature), "%s", sig);
  session_finish(s, SCHED_OUT_DEADLOCK, (int)nblocked, 0, "deadlock: %u thread%s blocked: %s",
                 nblocked, plural(nblocked), summary);
}
