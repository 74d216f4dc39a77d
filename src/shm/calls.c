/*
 * calls.c: names and groups of the recorded calls (abi/calls.h), shared by
 * the shim and the scheduler.
 */
#include "abi/calls.h"

#include <stddef.h>

static const struct {
  const char *name;
  int group;
  const char *args;
  int result;
} calls[] = {
#define DARA_CALL_ROW(name, group, args, result) \
  {#name, DARA_GROUP_##group, args, DARA_RESULT_##result},
    DARA_CALLS(DARA_CALL_ROW)
#undef DARA_CALL_ROW
};
_Static_assert(sizeof(calls) / sizeof(calls[0]) == DARA_CALL_COUNT, "one row per call");

static const char *const group_names[] = {"file", "process", "env", "time", "net"};

const char *dara_call_name(unsigned call) {
  return call < DARA_CALL_COUNT ? calls[call].name : "?";
}

int dara_call_group(unsigned call) { return call < DARA_CALL_COUNT ? calls[call].group : -1; }

const char *dara_call_group_name(unsigned group) {
  return group < sizeof(group_names) / sizeof(group_names[0]) ? group_names[group] : "?";
}

const char *dara_call_args(unsigned call) { return call < DARA_CALL_COUNT ? calls[call].args : ""; }

int dara_call_result(unsigned call) {
  return call < DARA_CALL_COUNT ? calls[call].result : DARA_RESULT_SAME;
}
