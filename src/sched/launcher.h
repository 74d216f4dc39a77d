/*
 * launcher: starting one program under control.
 *
 * The child joins the run's process group, asks the kernel to kill it when
 * dara dies (PR_SET_PDEATHSIG), gets the region at DARA_FD and the shim in
 * LD_PRELOAD, and execs the program. Exec failures come back through a
 * close-on-exec pipe, so "no such program" is an error, not an exit status.
 */
#ifndef DARA_SCHED_LAUNCHER_H
#define DARA_SCHED_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A descriptor above 2 that the program gets (outside.h): source placed at
 * fd; source == fd: dara's own, passed as it is; -1: /dev/null. */
struct launch_fd {
  int fd;
  int source;
};
/* Whether f's source is a descriptor of dara's own (a copy), not the one
 * passed as it is, nor /dev/null. */
static inline bool launch_fd_copy(const struct launch_fd *f) {
  return f->source >= 0 && f->source != f->fd;
}

struct launch_spec {
  char *const *argv; /* NULL-terminated */
  const char *cwd;   /* directory to run in, NULL: dara's own */
  const char *shim;  /* absolute path of libdara_shim.so */
  int region_fd;
  unsigned slot;
  pid_t pgid;   /* process group to join, 0: start a new one */
  bool quiet;   /* stdout and stderr to /dev/null */
  bool capture; /* stdout and stderr to output_fd instead (oracle.h) */
  int output_fd;
  int stdin_fd;          /* the programs' standard input (outside.h), -1: dara's own */
  char *const *env;      /* NULL-terminated environment (outside.h), NULL: dara's own */
  const char *exec_path; /* the file to exec, NULL: argv[0] looked up in PATH */
  /* A fork server (forkserver.h): its command and reply pipe ends, placed
   * at DARA_FS_CMD_FD and DARA_FS_REPLY_FD; -1 for a plain start. */
  int fs_cmd_fd;
  int fs_reply_fd;
  /* The server forks at the end of the program's prefix rather than in
   * its constructor (runtime_shim/prefix.c). */
  bool fs_after_prefix;
  /* With only_fds, the program gets these descriptors above 2 and no
   * others of dara's (but the region, and a fork server's pipes): those
   * the run was given (outside.h), at the numbers they had. Without, it
   * gets every one dara has open without close-on-exec (a replay of a
   * recording that did not keep them). */
  bool only_fds;
  const struct launch_fd *fds;
  unsigned nfds;
};

/* Returns the child's pid, or -1 with a one-line reason in err. */
pid_t launcher_start(const struct launch_spec *spec, char *err, size_t err_len);

/* Finds the shim: $DARA_SHIM, else next to the dara executable
 * (../lib/libdara_shim.so, in the build tree and after install). Returns 0
 * and the absolute path in out, or -1 with a reason in err. */
int launcher_find_shim(char *out, size_t out_len, char *err, size_t err_len);

#endif
