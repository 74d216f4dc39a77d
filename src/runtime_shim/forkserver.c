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
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

/* The loop of both kinds of server, after READY: a child per command.
 * Returns only in a child, with the slot the scheduler named. A snapshot
 * server's first command must come within 10 s (the scheduler takes its
 * ends of the pipes first, and the server closes its copies of them then:
 * until it does, it would not see the scheduler go). */
static unsigned char serve(pid_t server, const sigset_t *program_mask, bool snapshot) {
  bool first = true;
  for (;;) {
    if (snapshot && first) {
      struct pollfd pfd = {.fd = DARA_FS_CMD_FD, .events = POLLIN};
      int r;
      do
        r = (int)syscall(SYS_poll, &pfd, 1, 10000);
      while (r < 0 && errno == EINTR);
      if (r <= 0)
        _exit(0);
    }
    char cmd;
    ssize_t n;
    do
      n = REAL(read)(DARA_FS_CMD_FD, &cmd, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
      _exit(0); /* the scheduler closed the pipe: explore is over */
    if (snapshot && first) {
      REAL(close)(DARA_SNAP_CMD_FD);
      REAL(close)(DARA_SNAP_REPLY_FD);
    }
    first = false;
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
      sigprocmask(SIG_SETMASK, program_mask, NULL);
      return (unsigned char)cmd;
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
  shim_set_slot(serve(server, &program_mask, false));
}

void forkserver_serve_snapshot(const int cmd[2], const int rep[2], int placed) {
  pid_t server = (pid_t)syscall(SYS_getpid);
  /* A group of its own: the execution it was forked from is killed by its
   * group, and the server must outlive it. */
  setpgid(0, 0);
  /* dara takes its pipes with pidfd_getfd, from a copy of dara that is no
   * ancestor of it: where Yama restricts ptrace to descendants
   * (ptrace_scope 1), that needs this process's consent. Without Yama the
   * call fails, and nothing needs it. */
  (void)prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  sigset_t all, program_mask;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &program_mask);
  if (dup3(cmd[0], DARA_FS_CMD_FD, 0) < 0 || dup3(rep[1], DARA_FS_REPLY_FD, 0) < 0 ||
      dup3(cmd[1], DARA_SNAP_CMD_FD, 0) < 0 || dup3(rep[0], DARA_SNAP_REPLY_FD, 0) < 0)
    _exit(0);
  for (int i = 0; i < 2; i++) {
    REAL(close)(cmd[i]);
    REAL(close)(rep[i]);
  }
  /* The process that forked this one waits for this end to close before
   * it names the server to dara, which then takes the two ends above. */
  REAL(close)(placed);
  struct dara_fs_ready ready = {.msg = {.kind = DARA_FS_READY, .pid = server, .status = -3}};
  snprintf(ready.what, sizeof(ready.what), "snapshot");
  send_msg(&ready, sizeof(ready));
  /* The slot is the execution's own, which the scheduler left as it was at
   * the snapshot: nothing to bind. */
  (void)serve(server, &program_mask, true);
}
