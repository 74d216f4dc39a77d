/*
 * forkserver.c: starting a fork server, asking it for executions, and
 * hearing how they ended. See forkserver.h.
 */
#include "sched/forkserver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/region.h"
#include "sched/procfacts.h"

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void down(struct forkserver *fs) {
  if (fs->cmd_fd >= 0)
    close(fs->cmd_fd);
  if (fs->reply_fd >= 0)
    close(fs->reply_fd);
  fs->cmd_fd = fs->reply_fd = -1;
  if (fs->pid > 0) {
    kill(fs->pid, SIGKILL);
    while (waitpid(fs->pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
  fs->pid = 0;
  fs->up = false;
}

/* Reads one message, waiting up to timeout_ms (< 0: for ever). Returns 1,
 * 0 on timeout, -1 when the server is gone or wrote nonsense. */
static int read_msg(struct forkserver *fs, struct dara_fs_msg *m, int timeout_ms) {
  long long until = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
  for (;;) {
    ssize_t n = read(fs->reply_fd, m, sizeof(*m));
    if (n == (ssize_t)sizeof(*m))
      return 1;
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || n > 0)
      return -1; /* EOF, an error, or a torn message (they are atomic) */
    int left = until < 0 ? -1 : (int)(until - now_ms());
    if (until >= 0 && left <= 0)
      return 0;
    struct pollfd p = {.fd = fs->reply_fd, .events = POLLIN};
    if (poll(&p, 1, left) < 0 && errno != EINTR)
      return -1;
  }
}

int forkserver_start(struct forkserver *fs, const struct launch_spec *spec, int timeout_ms,
                     char *err, size_t err_len) {
  *fs = (struct forkserver){.cmd_fd = -1, .reply_fd = -1, .tried = true};
  int cmd[2], rep[2];
  if (pipe2(cmd, O_CLOEXEC) != 0) {
    snprintf(err, err_len, "pipe: %s", strerror(errno));
    return -1;
  }
  if (pipe2(rep, O_CLOEXEC | O_NONBLOCK) != 0) {
    snprintf(err, err_len, "pipe: %s", strerror(errno));
    close(cmd[0]);
    close(cmd[1]);
    return -1;
  }
  /* The server's ends must block: it waits for commands in read(). */
  fcntl(rep[1], F_SETFL, 0);
  struct launch_spec s = *spec;
  s.fs_cmd_fd = cmd[0];
  s.fs_reply_fd = rep[1];
  s.pgid = 0; /* a group of its own: executions are killed by theirs */
  pid_t pid = launcher_start(&s, err, err_len);
  close(cmd[0]);
  close(rep[1]);
  fs->cmd_fd = cmd[1];
  fs->reply_fd = rep[0];
  if (pid < 0) {
    down(fs);
    return -1;
  }
  fs->pid = pid;
  struct dara_fs_msg m;
  int r = read_msg(fs, &m, timeout_ms);
  if (r != 1 || m.kind != DARA_FS_READY || m.pid != pid) {
    snprintf(err, err_len, "%s did not start as a fork server (%s)", spec->argv[0],
             r == 0 ? "no answer" : "it ended or answered wrongly");
    down(fs);
    return -1;
  }
  fs->up = true;
  fs->was_ready = true;
  fs->ended_by = m.status;
  /* The rest of READY (struct dara_fs_ready), written with it: a name,
   * the server's claim, shown with printable characters only. */
  char what[DARA_FS_WHAT_LEN];
  ssize_t n = read(fs->reply_fd, what, sizeof(what));
  size_t k = 0;
  for (; n == (ssize_t)sizeof(what) && k < sizeof(fs->what) - 1 && what[k]; k++)
    fs->what[k] = what[k] > ' ' && what[k] < 0x7f ? what[k] : '?';
  fs->what[k] = '\0';
  return 0;
}

int forkserver_adopt(struct forkserver *fs, pid_t pid, int pidfd, int timeout_ms, char *err,
                     size_t err_len) {
  *fs = (struct forkserver){.cmd_fd = -1, .reply_fd = -1, .tried = true};
  fs->cmd_fd = (int)syscall(SYS_pidfd_getfd, pidfd, DARA_SNAP_CMD_FD, 0);
  fs->reply_fd = (int)syscall(SYS_pidfd_getfd, pidfd, DARA_SNAP_REPLY_FD, 0);
  if (fs->cmd_fd < 0 || fs->reply_fd < 0) {
    snprintf(err, err_len, "cannot take the snapshot server's pipes: %s", strerror(errno));
    down(fs);
    return -1;
  }
  /* The server holds them until its first command: they must be the pipes
   * it reads and writes, not whatever the program put there. */
  struct stat cmd_st, rep_st;
  if (fstat(fs->cmd_fd, &cmd_st) != 0 || fstat(fs->reply_fd, &rep_st) != 0 ||
      !S_ISFIFO(cmd_st.st_mode) || !S_ISFIFO(rep_st.st_mode) ||
      (fcntl(fs->cmd_fd, F_GETFL) & O_ACCMODE) != O_WRONLY ||
      (fcntl(fs->reply_fd, F_GETFL) & O_ACCMODE) != O_RDONLY ||
      fcntl(fs->cmd_fd, F_SETFD, FD_CLOEXEC) != 0 ||
      fcntl(fs->reply_fd, F_SETFD, FD_CLOEXEC) != 0 ||
      fcntl(fs->reply_fd, F_SETFL, O_NONBLOCK) != 0) {
    snprintf(err, err_len, "the snapshot server's descriptors %d and %d are not its pipes",
             DARA_SNAP_CMD_FD, DARA_SNAP_REPLY_FD);
    down(fs);
    return -1;
  }
  struct dara_fs_ready ready;
  int r = read_msg(fs, &ready.msg, timeout_ms);
  if (r == 1)
    r = read(fs->reply_fd, ready.what, sizeof(ready.what)) == (ssize_t)sizeof(ready.what) ? 1 : -1;
  if (r != 1 || ready.msg.kind != DARA_FS_READY || ready.msg.pid != pid) {
    snprintf(err, err_len, "the snapshot server (pid %d) %s", (int)pid,
             r == 0 ? "did not answer" : "ended or answered wrongly");
    down(fs);
    return -1;
  }
  fs->pid = pid;
  fs->up = true;
  fs->was_ready = true;
  fs->ended_by = ready.msg.status;
  snprintf(fs->what, sizeof(fs->what), "snapshot");
  return 0;
}

/* Any execution can reopen the reply pipe through /proc/<server>/fd and
 * write to it, so a message is a claim: the kernel confirms it. */

/* A STARTED message names the new child: it is the server's child, and
 * alive (pidfd opened first, so the pid cannot be reused in between). */
static bool started_confirmed(const struct forkserver *fs, pid_t pid, int *pidfd) {
  *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (*pidfd < 0)
    return false;
  if (procfacts_parent(pid) == fs->pid && procfacts_ended(*pidfd) == 0)
    return true;
  close(*pidfd);
  *pidfd = -1;
  return false;
}

pid_t forkserver_fork(struct forkserver *fs, unsigned slot, int *pidfd, char *err, size_t err_len) {
  *pidfd = -1;
  if (!fs->up) {
    snprintf(err, err_len, "the fork server is down");
    return -1;
  }
  ssize_t n;
  do
    n = write(fs->cmd_fd, &(char){(char)slot}, 1);
  while (n < 0 && errno == EINTR);
  struct dara_fs_msg m = {0};
  int r = n == 1 ? 1 : -1;
  /* A report of an earlier execution may come first: skip it. */
  while (r == 1) {
    r = read_msg(fs, &m, 10000);
    if (r != 1 || m.kind == DARA_FS_STARTED)
      break;
    if (m.kind != DARA_FS_EXITED || m.pid < 0) {
      r = -1;
      break;
    }
  }
  if (r != 1 || m.pid <= 0) {
    snprintf(err, err_len, "the fork server (pid %d) %s", (int)fs->pid,
             r == 0 ? "did not answer" : "failed or is gone");
    down(fs);
    return -1;
  }
  if (!started_confirmed(fs, m.pid, pidfd)) {
    snprintf(err, err_len,
             "%s: a message on the fork server's channel names process %d as the new "
             "execution, but the kernel says it is not a running child of the server (pid %d)",
             FORKSERVER_FORGED, (int)m.pid, (int)fs->pid);
    down(fs);
    return -2;
  }
  return m.pid;
}

/* An EXITED message for execution pid (pidfd): it has ended, with the
 * status the message gives where the kernel keeps one. */
static bool exited_confirmed(int pidfd, pid_t pid, int status, char *err, size_t err_len) {
  int ended = procfacts_ended(pidfd), kernel;
  if (ended == 0) {
    snprintf(err, err_len, "it is still running");
    return false;
  }
  if (ended < 0)
    return true; /* no pidfd: only the server knows */
  /* The server reaps an execution before it reports it, and the kernel
   * keeps the status from the reap on. A message the execution wrote
   * itself can be read after its end and before the reap: wait for the
   * reap (its /proc entry goes), a little. */
  for (int i = 0; i < 2000 && procfacts_parent(pid) != -1; i++)
    usleep(1000);
  if (procfacts_parent(pid) != -1) {
    snprintf(err, err_len,
             "it ended and its server had not reaped it 2 s later (the server reports "
             "only what it reaped)");
    return false;
  }
  if (procfacts_exit_status(pidfd, &kernel) && kernel != status) {
    snprintf(err, err_len, "the kernel gives its wait status as 0x%x", (unsigned)kernel);
    return false;
  }
  return true; /* no pidfd, or an older kernel: only the server knows */
}

int forkserver_reaped(struct forkserver *fs, pid_t pid, int pidfd, int *status, int timeout_ms,
                      char *err, size_t err_len) {
  if (!fs->up)
    return -1;
  struct dara_fs_msg m;
  for (;;) {
    int r = read_msg(fs, &m, timeout_ms);
    if (r == 0)
      return 0;
    if (r < 0) {
      down(fs);
      return -1;
    }
    if (m.kind != DARA_FS_EXITED) { /* the server sends nothing else unasked */
      snprintf(err, err_len,
               "%s: a message of kind %d (%s) on the fork server's channel, where only the end "
               "of an execution can come",
               FORKSERVER_FORGED, (int)m.kind,
               m.kind == DARA_FS_STARTED ? "a new execution started" : "unknown");
      down(fs);
      return -2;
    }
    if (m.pid == pid) {
      char why[96];
      if (!exited_confirmed(pidfd, pid, m.status, why, sizeof(why))) {
        snprintf(err, err_len,
                 "%s: a message on the fork server's channel says execution %d ended with wait "
                 "status 0x%x, but %s",
                 FORKSERVER_FORGED, (int)pid, (unsigned)m.status, why);
        down(fs);
        return -2;
      }
      *status = m.status;
      return 1;
    }
    /* An earlier execution's: skip it. */
  }
}

int forkserver_fd(const struct forkserver *fs) { return fs->up ? fs->reply_fd : -1; }

void forkserver_stop(struct forkserver *fs) {
  if (fs->cmd_fd >= 0) {
    close(fs->cmd_fd);
    fs->cmd_fd = -1;
  }
  /* Closing the command pipe ends the server; give it a moment, then
   * make sure. */
  if (fs->pid > 0) {
    for (int i = 0; i < 100; i++) {
      pid_t r = waitpid(fs->pid, NULL, WNOHANG);
      if (r == fs->pid || (r < 0 && errno == ECHILD)) {
        fs->pid = 0;
        break;
      }
      usleep(1000);
    }
  }
  down(fs);
  fs->tried = false;
}
