/*
 * forkserver.c: one process that forks every execution of explore.
 *
 * Started with DARA_FORKSERVER=1, the program stops in the shim's
 * constructor, once the dynamic loader has mapped and relocated everything
 * and before any other constructor or main has run, and waits for commands
 * (the protocol is in abi/region.h). With DARA_FORKSERVER=prefix it runs
 * on to the end of the program's prefix first (prefix.c) and stops there.
 * Each child it forks closes the server's pipes, becomes the leader of a process group of its own (so the
 * scheduler can kill an execution and whatever it forked without touching
 * the server), and returns into the constructor to bind to the process slot
 * and run the program from the start. The server reaps the child and passes
 * its wait status on, since only a parent can.
 *
 * The server never takes a turn and never touches a control block: between
 * two executions the scheduler recycles the region, and each child finds
 * its slot waiting for it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

int forkserver_requested(void) {
  const char *v = getenv(DARA_ENV_FORKSERVER);
  int mode = !v ? 0 : strcmp(v, "1") == 0 ? 1 : strcmp(v, DARA_FS_AFTER_PREFIX) == 0 ? 2 : 0;
  unsetenv(DARA_ENV_FORKSERVER);
  return mode;
}

/* Writes n bytes (one message) to dara; a write to a pipe this small is
 * atomic. */
static void send_msg(const void *m, size_t n) {
  ssize_t w;
  do
    w = REAL(write)(DARA_FS_REPLY_FD, m, n);
  while (w < 0 && errno == EINTR);
  if (w != (ssize_t)n)
    _exit(0); /* the scheduler is gone */
}

static void reply(int kind, pid_t pid, int status) {
  struct dara_fs_msg m = {.kind = kind, .pid = pid, .status = status};
  send_msg(&m, sizeof(m));
}

void forkserver_serve(int ended_by, const char *what) {
  pid_t server = REAL(getpid)();
  shim_warm();
  /* After a prefix the program may have handlers of its own (SIGCHLD, one
   * that reaps): none of them runs in the server. Each child gets the
   * program's mask back. */
  sigset_t all, program_mask;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &program_mask);
  struct dara_fs_ready ready = {.msg = {.kind = DARA_FS_READY, .pid = server, .status = ended_by}};
  if (what)
    snprintf(ready.what, sizeof(ready.what), "%s", what);
  send_msg(&ready, sizeof(ready));
  for (;;) {
    char cmd;
    ssize_t n;
    do
      n = REAL(read)(DARA_FS_CMD_FD, &cmd, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
      _exit(0); /* the scheduler closed the pipe: explore is over */
    if ((unsigned char)cmd >= DARA_MAX_PROCS) {
      reply(DARA_FS_EXITED, -EINVAL, 0);
      continue;
    }
    /* _Fork: no atfork handler runs, the program's (registered in its
     * prefix) included; nothing of them would run without the server. */
    pid_t child = _Fork();
    if (child < 0) {
      reply(DARA_FS_EXITED, -errno, 0);
      continue;
    }
    if (child == 0) {
      REAL(close)(DARA_FS_CMD_FD);
      REAL(close)(DARA_FS_REPLY_FD);
      setpgid(0, 0);
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || REAL(getppid)() != server)
        _exit(127);
      shim_set_slot((unsigned char)cmd);
      sigprocmask(SIG_SETMASK, &program_mask, NULL);
      return;
    }
    reply(DARA_FS_STARTED, child, 0);
    int status = 0;
    pid_t r;
    do
      r = REAL(waitpid)(child, &status, 0);
    while (r < 0 && errno == EINTR);
    reply(DARA_FS_EXITED, child, r == child ? status : 0);
  }
}
