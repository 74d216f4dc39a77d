/*
 * launcher.c: fork, set up, exec. See launcher.h.
 */
#include "sched/launcher.h"
#include "sched/schedfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/region.h"
#include "sched/program.h"

#ifndef DARA_INSTALL_LIBDIR
#define DARA_INSTALL_LIBDIR "lib"
#endif

int launcher_find_shim(char *out, size_t out_len, char *err, size_t err_len) {
  const char *env = getenv(DARA_ENV_SHIM);
  if (env && *env) {
    if (!realpath(env, out) || access(out, R_OK) != 0) {
      snprintf(err, err_len, "%s=%s: %s", DARA_ENV_SHIM, env, strerror(errno));
      return -1;
    }
    return 0;
  }
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) {
    snprintf(err, err_len, "cannot find dara's own executable: %s", strerror(errno));
    return -1;
  }
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash)
    *slash = '\0';
  const char *tries[] = {"../lib", "../" DARA_INSTALL_LIBDIR};
  for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s/libdara_shim.so", exe, tries[i]);
    if (realpath(path, out) && access(out, R_OK) == 0 && strlen(out) < out_len)
      return 0;
  }
  snprintf(err, err_len, "cannot find libdara_shim.so in %s/../lib; set %s to its path", exe,
           DARA_ENV_SHIM);
  return -1;
}

/* ASAN_OPTIONS with AddressSanitizer's link-order check off: the shim comes
 * before its runtime in the initial library list, which it otherwise
 * refuses. Derived from the user's ASAN_OPTIONS and the program alone, so a
 * replay gets the same. */
static int asan_link_order_off(void) {
  const char *opts = getenv("ASAN_OPTIONS");
  char buf[1024];
  snprintf(buf, sizeof(buf), "%s%sverify_asan_link_order=0", opts ? opts : "",
           opts && *opts ? ":" : "");
  return setenv("ASAN_OPTIONS", buf, 1);
}

#ifndef DARA_SANITIZER_RUNTIME
/* For AddressSanitizer linked into the program (clang's default): its
 * leak check at exit yields in a loop as long as real time makes it, from
 * code the shim cannot tell from the program's, so each yield would be a
 * scheduling point and no replay would match. Off, unless the user's
 * ASAN_OPTIONS says otherwise (-shared-libsan keeps it on). */
static int asan_leaks_off(void) {
  const char *opts = getenv("ASAN_OPTIONS");
  if (opts && strstr(opts, "detect_leaks="))
    return 0;
  char buf[1024];
  snprintf(buf, sizeof(buf), "%s%sdetect_leaks=0", opts ? opts : "", opts && *opts ? ":" : "");
  return setenv("ASAN_OPTIONS", buf, 1);
}
#endif

/* LD_PRELOAD for the child: shim[:sanitizer runtime][:what the user had].
 *
 * In a sanitizer build the shim needs the sanitizer's runtime, which normally
 * insists on coming first. It goes second here, with its link-order check off:
 * the shim must see the program's pthread_create before the sanitizer's
 * interceptor does, or every thread's start routine would be the sanitizer's
 * trampoline. The sanitizer still intercepts everything the shim does not.
 * A program built with a shared AddressSanitizer runtime (gcc's default)
 * gets the same order and the same option (program.c reads its DT_NEEDED;
 * docs/design.md, Sanitizers). */
static int set_preload(const char *shim, const char *program) {
  const char *old = getenv("LD_PRELOAD");
  const char *runtime = "";
#ifdef DARA_SANITIZER_RUNTIME
  runtime = ":" DARA_SANITIZER_RUNTIME;
  (void)program;
  if (asan_link_order_off() != 0)
    return -1;
#else
  unsigned sanitizers = program_sanitizers(program, NULL);
  if ((sanitizers & PROGRAM_SAN_ASAN) && asan_link_order_off() != 0)
    return -1;
  if ((sanitizers & PROGRAM_SAN_ASAN_STATIC) && asan_leaks_off() != 0)
    return -1;
#endif
  size_t len = strlen(shim) + strlen(runtime) + (old ? strlen(old) + 1 : 0) + 1;
  char *v = malloc(len);
  if (!v)
    return -1;
  snprintf(v, len, "%s%s%s%s", shim, runtime, old && *old ? ":" : "", old ? old : "");
  int rc = setenv("LD_PRELOAD", v, 1);
  free(v);
  return rc;
}

/* Every descriptor above 2 close-on-exec but the region, the fork
 * server's pipes and s->fds, which go where they belong. */
#define FD_PARK 900
static int place_fds(const struct launch_spec *s) {
  int parked[SCHED_FDS_MAX];
  unsigned n = s->nfds < SCHED_FDS_MAX ? s->nfds : SCHED_FDS_MAX;
  /* Out of the way first: a source may sit at another's number. */
  for (unsigned i = 0; i < n; i++) {
    parked[i] = -1;
    int src = s->fds[i].source;
    if (src < 0)
      src = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (src >= 0 && (parked[i] = fcntl(src, F_DUPFD_CLOEXEC, FD_PARK)) < 0)
      return -1;
  }
  if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) != 0)
    for (int fd = 3; fd < SCHED_FD_LIMIT; fd++)
      (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  if (fcntl(DARA_FD, F_SETFD, 0) != 0)
    return -1;
  if (s->fs_cmd_fd >= 0 &&
      (fcntl(DARA_FS_CMD_FD, F_SETFD, 0) != 0 || fcntl(DARA_FS_REPLY_FD, F_SETFD, 0) != 0))
    return -1;
  for (unsigned i = 0; i < n; i++)
    if (parked[i] < 0 || dup2(parked[i], s->fds[i].fd) < 0) /* dup2 clears close-on-exec */
      return -1;
  return 0;
}

static void child(const struct launch_spec *s, pid_t parent, int err_fd) {
  int e;
  setpgid(0, s->pgid);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
    _exit(127);
  /* Start the program with the signal state a shell would give it. */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal(sig, SIG_DFL);
  /* The run's environment, in place of dara's, before the variables
   * dara adds to it. */
  if (s->env) {
    if (clearenv() != 0)
      goto fail;
    for (char *const *v = s->env; *v; v++)
      if (putenv(*v) != 0)
        goto fail;
  }
  if (s->cwd && chdir(s->cwd) != 0)
    goto fail;
  if (dup2(s->region_fd, DARA_FD) < 0) /* dup2 clears close-on-exec */
    goto fail;
  if (s->fs_cmd_fd >= 0 &&
      (dup2(s->fs_cmd_fd, DARA_FS_CMD_FD) < 0 || dup2(s->fs_reply_fd, DARA_FS_REPLY_FD) < 0 ||
       setenv(DARA_ENV_FORKSERVER, s->fs_after_prefix ? DARA_FS_AFTER_PREFIX : "1", 1) != 0))
    goto fail;
  if (s->capture) {
    if (dup2(s->output_fd, STDOUT_FILENO) < 0 || dup2(s->output_fd, STDERR_FILENO) < 0)
      goto fail;
  } else if (s->quiet) {
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
      goto fail;
  }
  if (s->stdin_fd >= 0 && dup2(s->stdin_fd, STDIN_FILENO) < 0)
    goto fail;
  if (s->only_fds && place_fds(s) != 0)
    goto fail;
  char slot[16];
  snprintf(slot, sizeof(slot), "%u", s->slot);
  if (setenv(DARA_ENV_SLOT, slot, 1) != 0 ||
      set_preload(s->shim, s->exec_path ? s->exec_path : s->argv[0]) != 0)
    goto fail;
  if (s->exec_path)
    execv(s->exec_path, s->argv);
  else
    execvp(s->argv[0], s->argv);
fail:
  e = errno;
  if (write(err_fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
    _exit(127);
  _exit(127);
}

pid_t launcher_start(const struct launch_spec *spec, char *err, size_t err_len) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    snprintf(err, err_len, "pipe: %s", strerror(errno));
    return -1;
  }
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, err_len, "fork: %s", strerror(errno));
    close(pipefd[0]);
    close(pipefd[1]);
    return -1;
  }
  if (pid == 0) {
    close(pipefd[0]);
    child(spec, parent, pipefd[1]);
  }
  close(pipefd[1]);
  setpgid(pid, spec->pgid ? spec->pgid : pid); /* either side may win the race */
  int child_errno = 0;
  ssize_t n;
  do
    n = read(pipefd[0], &child_errno, sizeof(child_errno));
  while (n < 0 && errno == EINTR);
  close(pipefd[0]);
  if (n == (ssize_t)sizeof(child_errno)) {
    snprintf(err, err_len, "cannot run %s: %s", spec->argv[0], strerror(child_errno));
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    return -1;
  }
  return pid;
}
