/*
 * forkserver.c: one process that forks every execution of explore.
 *
 * Started with DARA_FORKSERVER=1, the program stops in the shim's
 * constructor, once the dynamic loader has mapped and relocated everything
 * and before any other constructor or main has run, and waits for commands
 * (the protocol is in abi/region.h). Each child it forks closes the
 * server's pipes, becomes the leader of a process group of its own (so the
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
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

bool forkserver_requested(void) {
  const char *v = getenv(DARA_ENV_FORKSERVER);
  bool on = v && strcmp(v, "1") == 0;
  unsetenv(DARA_ENV_FORKSERVER);
  return on;
}

static void reply(int kind, pid_t pid, int status) {
  struct dara_fs_msg m = {.kind = kind, .pid = pid, .status = status};
  ssize_t n;
  do
    n = REAL(write)(DARA_FS_REPLY_FD, &m, sizeof(m));
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof(m))
    _exit(0); /* the scheduler is gone */
}

void forkserver_serve(void) {
  pid_t server = REAL(getpid)();
  reply(DARA_FS_READY, server, 0);
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
    pid_t child = REAL(fork)();
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
