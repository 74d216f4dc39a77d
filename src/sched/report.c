/*
 * report.c: text for messages, with the names of a run (names.h).
 */
#include "sched/report.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "dara/ops.h"
#include "dara/region.h"
#include "sched/names.h"

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

void report_operation(const struct names *names, char *buf, size_t len, unsigned proc, unsigned op, uint32_t obj,
                      uint32_t obj2) {
  char a[128] = "", b[128] = "";
  if (dara_op_is_io(op)) {
    snprintf(buf, len, "%s on fd %u", dara_op_name(op), obj);
    return;
  }
  if (dara_op_is_memory(op)) { /* obj2 is the size (ops.h) */
    if (!obj) { /* a fence */
      snprintf(buf, len, "%s", dara_op_name(op));
      return;
    }
    names_object_text(names, proc, obj, a, sizeof(a));
    snprintf(buf, len, "%s %s, %u bytes", dara_op_name(op), a, obj2);
    return;
  }
  if (op == DARA_OP_THREAD_JOIN || op == DARA_OP_THREAD_DETACH) {
    names_thread_text(names, proc, obj, a, sizeof(a));
    snprintf(buf, len, "%s thread %s", dara_op_name(op), a);
    return;
  }
  if (obj)
    names_object_text(names, proc, obj, a, sizeof(a));
  if (obj2)
    names_object_text(names, proc, obj2, b, sizeof(b));
  snprintf(buf, len, "%s%s%s%s%s", dara_op_name(op), obj ? " " : "", a, obj2 ? " with " : "",
           b);
}

void report_blocked(const struct names *names, char *buf, size_t len, unsigned proc, unsigned routine, unsigned op,
                    uint32_t obj, uint32_t obj2, int32_t waits_for) {
  char who[128], what[300], holder[160] = "";
  names_thread_text(names, proc, routine, who, sizeof(who));
  report_operation(names, what, sizeof(what), proc, op, obj, obj2);
  if (waits_for >= 0 && waits_for < DARA_MAX_ROUTINES && op != DARA_OP_THREAD_JOIN) {
    char h[128];
    names_thread_text(names, proc, (unsigned)waits_for, h, sizeof(h));
    snprintf(holder, sizeof(holder), ", held by thread %s", h);
  }
  if (op == DARA_OP_COND_REACQUIRE && waits_for < 0) {
    char cond[128];
    names_object_text(names, proc, obj, cond, sizeof(cond));
    snprintf(buf, len, "thread %s waits for a signal on %s that no thread will send", who,
             cond);
    return;
  }
  snprintf(buf, len, "thread %s blocked in %s%s", who, what, holder);
}
