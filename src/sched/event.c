/*
 * event: names of the event kinds, of the types of logged variables and of
 * the kinds of assertions, as `dara show` prints them and as the schedule
 * format documentation lists them.
 */
#include "sched/event.h"

#include <string.h>

static const char *const ev_kind_names[DARA_EV_KIND_COUNT] = {
    [DARA_EV_NONE] = "none",
    [DARA_EV_STEP] = "step",
    [DARA_EV_CREATE] = "create",
    [DARA_EV_RESULT] = "result",
    [DARA_EV_PROC_START] = "proc_start",
    [DARA_EV_FORK] = "fork",
    [DARA_EV_EXEC] = "exec",
    [DARA_EV_EXIT] = "exit",
    [DARA_EV_SIGNAL] = "signal",
    [DARA_EV_DEADLOCK] = "deadlock",
    [DARA_EV_HANG] = "hang",
    [DARA_EV_NOTE] = "note",
    [DARA_EV_LOG] = "log",
    [DARA_EV_ASSERT] = "assert",
    [DARA_EV_PROPERTY] = "property",
    [DARA_EV_SYSCALL] = "syscall",
    [DARA_EV_PEER] = "peer",
    [DARA_EV_FAULT] = "fault",
};

const char *dara_ev_kind_name(unsigned kind) {
  return kind < DARA_EV_KIND_COUNT ? ev_kind_names[kind] : "?";
}

const char *dara_fault_name(unsigned fault) {
  switch (fault) {
  case DARA_FAULT_CRASH:
    return "crash";
  case DARA_FAULT_RESTART:
    return "restart";
  case DARA_FAULT_RESET:
    return "reset";
  case DARA_FAULT_PARTITION:
    return "partition";
  case DARA_FAULT_HEAL:
    return "heal";
  case DARA_FAULT_DROP:
    return "drop";
  case DARA_FAULT_DELAY:
    return "delay";
  case DARA_FAULT_DELIVER:
    return "deliver";
  default:
    return "?";
  }
}

const char *dara_var_type_name(unsigned type) {
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

const char *dara_assert_kind_name(unsigned kind) {
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

double dara_ev_double(int64_t bits) {
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}
