/*
 * procenv.c: the process and environment calls, recorded as SYSCALL events.
 *
 * Process ids differ from run to run, so they are never recorded as
 * arguments, and the calls that return one are marked in abi/calls.h so
 * that replay does not compare their results. A wait for a child forked
 * under control is a point first (children.c), so the real call finds it
 * exited; one for a child that runs natively (posix_spawn, system) blocks
 * in the real call while holding the turn, as that child needs none.
 *
 * exit is recorded only when the program calls it; a return from main
 * reaches exit inside libc, past any interposition.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "runtime_shim/shim.h"

static int exit_status_of(pid_t pid, const int *status) { return pid > 0 && status ? *status : 0; }

SHIM_EXPORT pid_t getpid(void) { RECORDED(pid_t, getpid, 0, 0, 0, REAL(getpid)(), NULL, 0); }

SHIM_EXPORT pid_t getppid(void) { RECORDED(pid_t, getppid, 0, 0, 0, REAL(getppid)(), NULL, 0); }

SHIM_EXPORT int kill(pid_t pid, int sig) {
  RECORDED(int, kill, sig, 0, 0, REAL(kill)(pid, sig), NULL, 0);
}

SHIM_EXPORT void exit(int status) {
  if (shim_sys_enter()) {
    struct shim_sys s;
    shim_sys_begin(&s, DARA_CALL_exit, (uint64_t)status, 0, 0);
    shim_sys_end(&s, 0, 0, NULL, 0);
  }
  REAL(exit)(status);
}

SHIM_EXPORT pid_t wait(int *status) {
  if (!shim_sys_enter())
    return REAL(wait)(status);
  children_await(-1, 0);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_wait, 0, 0, 0);
  int st = 0;
  pid_t pid = REAL(wait)(&st);
  int err = pid < 0 ? errno : 0;
  children_reaped(pid);
  s.args[0] = (uint64_t)exit_status_of(pid, &st);
  if (status)
    *status = st;
  shim_sys_end(&s, pid, err, NULL, 0);
  return pid;
}

SHIM_EXPORT pid_t waitpid(pid_t which, int *status, int options) {
  return wait4(which, status, options, NULL);
}

/* waitpid, wait3 (dash waits with it) and wait4: one recorded call, waitpid. */
SHIM_EXPORT pid_t wait4(pid_t which, int *status, int options, struct rusage *usage) {
  if (!shim_sys_enter())
    return REAL(wait4)(which, status, options, usage);
  children_await(which, options);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_waitpid, (uint64_t)options, 0, 0);
  int st = 0;
  pid_t pid = REAL(wait4)(which, &st, options, usage);
  int err = pid < 0 ? errno : 0;
  children_reaped(pid);
  s.args[1] = (uint64_t)exit_status_of(pid, &st);
  if (status)
    *status = st;
  shim_sys_end(&s, pid, err, NULL, 0);
  return pid;
}

SHIM_EXPORT pid_t wait3(int *status, int options, struct rusage *usage) {
  return wait4(-1, status, options, usage);
}

/* "NAME=value", cut to the excerpt's size. */
static size_t name_value(char *out, const char *name, const char *value) {
  int n = snprintf(out, DARA_SYS_DATA + 1, "%s=%s", name ? name : "", value ? value : "");
  return n < 0 ? 0 : (size_t)n > DARA_SYS_DATA ? DARA_SYS_DATA : (size_t)n;
}

/* getenv returns the value's length, or -1 when the variable is not set. */
SHIM_EXPORT char *getenv(const char *name) {
  if (!shim_sys_enter())
    return REAL(getenv)(name);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_getenv, 0, 0, 0);
  char *value = REAL(getenv)(name);
  char text[DARA_SYS_DATA + 1];
  if (value)
    shim_sys_end(&s, (int64_t)strlen(value), 0, text, name_value(text, name, value));
  else
    shim_sys_end(&s, -1, 0, name, shim_text_len(name));
  return value;
}

SHIM_EXPORT int setenv(const char *name, const char *value, int overwrite) {
  if (!shim_sys_enter())
    return REAL(setenv)(name, value, overwrite);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_setenv, (uint64_t)overwrite, 0, 0);
  int ret = REAL(setenv)(name, value, overwrite);
  char text[DARA_SYS_DATA + 1];
  shim_sys_end(&s, ret, ret < 0 ? errno : 0, text, name_value(text, name, value));
  return ret;
}

SHIM_EXPORT int unsetenv(const char *name) {
  if (!shim_sys_enter())
    return REAL(unsetenv)(name);
  struct shim_sys s;
  shim_sys_begin(&s, DARA_CALL_unsetenv, 0, 0, 0);
  int ret = REAL(unsetenv)(name);
  size_t len = shim_text_len(name);
  shim_sys_end(&s, ret, ret < 0 ? errno : 0, name, len);
  return ret;
}
