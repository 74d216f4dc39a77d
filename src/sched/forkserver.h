/*
 * forkserver: the scheduler's side of the fork server (abi/region.h has
 * the protocol, src/runtime_shim/forkserver.c the program's side).
 *
 * explore starts each of its programs once as a fork server and asks it
 * for a child per execution. The children are the server's, not dara's:
 * their wait status comes through the reply pipe, and they are killed by
 * process group (each is the leader of its own).
 */
#ifndef DARA_SCHED_FORKSERVER_H
#define DARA_SCHED_FORKSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "abi/region.h"
#include "sched/launcher.h"

struct forkserver {
  pid_t pid;    /* the server, 0 when none */
  int cmd_fd;   /* write end of its command pipe */
  int reply_fd; /* read end of its reply pipe */
  bool up;      /* it said READY and has not failed since */
  bool tried;   /* a start was attempted (it is not tried again) */
  /* Where it forks (launch_spec.fs_after_prefix): what ended the
   * program's prefix, a system call's number, -1 for a call the shim
   * wraps, -2 when it forks in the constructor; and the function that
   * made that call ("" when not known). */
  bool was_ready; /* it said READY: the two below are known */
  int ended_by;
  char what[DARA_FS_WHAT_LEN];
};

/* Starts the program of spec as a server and waits up to timeout_ms for it
 * to be ready. Returns 0, or -1 with a reason in err (the server is gone;
 * the caller starts the program the plain way, which reports the problem,
 * such as a statically linked program, in its own words). */
int forkserver_start(struct forkserver *fs, const struct launch_spec *spec, int timeout_ms,
                     char *err, size_t err_len);

/* Takes the channel of snapshot server pid (pidfd: its pidfd), which a
 * routine of an execution forked at DARA_CMD_SNAPSHOT (abi/region.h,
 * "Branch snapshots"), and waits up to timeout_ms for its READY. Returns 0,
 * or -1 with a reason in err. fs->pid is the server, which is not dara's
 * child: forkserver_stop ends it by closing its command pipe. */
int forkserver_adopt(struct forkserver *fs, pid_t pid, int pidfd, int timeout_ms, char *err,
                     size_t err_len);

/* How err begins when a message on the server's channel was forged. */
#define FORKSERVER_FORGED "the program forged a message to dara"

/* One execution, in process slot `slot` of the region: the child's pid,
 * with a pidfd for it in *pidfd (the caller's to close), or -1 with a
 * reason in err, or -2 when the message that names the child was forged
 * (err says how: the server's child is confirmed with the kernel). The
 * server is then marked down. */
pid_t forkserver_fork(struct forkserver *fs, unsigned slot, int *pidfd, char *err, size_t err_len);

/* Whether execution pid (pidfd, or -1) has ended: 1 with its wait status
 * in *status, 0 when the server has not reported it within timeout_ms, -1
 * when the server is gone, -2 when the report was forged (err says how: the
 * end and its status are confirmed with the kernel where it keeps them).
 * The server is marked down on -1 and -2. */
int forkserver_reaped(struct forkserver *fs, pid_t pid, int pidfd, int *status, int timeout_ms,
                      char *err, size_t err_len);

/* The descriptor that becomes readable when the server has something to
 * report, for poll; -1 when it is down. */
int forkserver_fd(const struct forkserver *fs);

/* Ends the server (closing its command pipe ends it) and reaps it. */
void forkserver_stop(struct forkserver *fs);

#endif
