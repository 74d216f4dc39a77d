/*
 * oracle.c: --ok-exit and --check. See oracle.h.
 */
#include "sched/oracle.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sched/cli.h"
#include "sched/options.h"

int oracle_parse_ok_exit(const struct cli_option *o, const char *arg) {
  struct sched_oracle * or = o->dst;
  uint64_t v;
  if (cli_u64(o, arg, &v, 1, 255) != 0) /* an exit status other than 0 */
    return -1;
  if (or->nok_exit == SCHED_OK_EXIT_MAX) {
    cli_option_error(o, "at most %d statuses", SCHED_OK_EXIT_MAX);
    return -1;
  }
  or->ok_exit[or->nok_exit++] = (int32_t)v;
  return 0;
}

int oracle_capture(const struct sched_oracle *o, struct session_config *cfg) {
  if (!o->check)
    return 0;
  int fd = memfd_create("dara-output", MFD_CLOEXEC);
  /* Appended to: emptied before each run while the programs (and a fork
   * server) keep the same open file, each write still goes to its end. */
  if (fd < 0 || fcntl(fd, F_SETFL, O_APPEND) != 0) {
    cli_error("cannot make a file for the programs' output: %s", strerror(errno));
    if (fd >= 0)
      close(fd);
    return -1;
  }
  cfg->capture = true;
  cfg->output_fd = fd;
  return 0;
}

void oracle_begin(const struct session_config *cfg) {
  if (cfg->capture && ftruncate(cfg->output_fd, 0) != 0)
    cli_error("cannot empty the programs' output: %s", strerror(errno));
}

static bool ok_status(const struct sched_oracle *o, int code) {
  for (uint32_t i = 0; i < o->nok_exit; i++)
    if (o->ok_exit[i] == code)
      return true;
  return false;
}

/* Runs the check: its wait status, or -1 when it could not be started. */
static int run_check(const char *check, const struct session_config *cfg, int code, bool quiet) {
  char path[64], status[16];
  snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), cfg->output_fd);
  snprintf(status, sizeof(status), "%d", code);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    /* In the run's directory (a replay's is the recording's), with its own
     * reading position in the output, from the start. */
    if (cfg->cwd && chdir(cfg->cwd) != 0)
      _exit(127);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    int out = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : STDERR_FILENO;
    if (in < 0 || out < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(out, STDERR_FILENO) < 0 || setenv("DARA_OUTPUT", path, 1) != 0 ||
        setenv("DARA_EXIT_STATUS", status, 1) != 0)
      _exit(127);
    signal(SIGPIPE, SIG_DFL);
    execl("/bin/sh", "sh", "-c", check, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return st;
}

void oracle_judge(const struct sched_oracle *o, const struct session_config *cfg, bool quiet,
                  struct session_result *res) {
  struct sched_outcome *out = &res->outcome;
  if (out->kind == SCHED_OUT_EXIT && ok_status(o, out->code)) {
    out->kind = SCHED_OUT_OK; /* the code stays: the check sees it */
    snprintf(res->message, sizeof(res->message), "exited %d, which --ok-exit allows",
             (int)out->code);
    out->message = res->message;
  }
  if (!o->check || !cfg->capture || out->kind != SCHED_OUT_OK)
    return;
  int st = run_check(o->check, cfg, out->code, quiet);
  if (st == 0)
    return;
  char how[64];
  if (st < 0)
    snprintf(how, sizeof(how), "could not be run (%s)", strerror(errno));
  else if (WIFSIGNALED(st))
    snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(st));
  else
    snprintf(how, sizeof(how), "exited %d", WEXITSTATUS(st));
  out->kind = SCHED_OUT_CHECK;
  out->proc = 0;
  snprintf(res->message, sizeof(res->message), "the check failed: '%s' %s", o->check, how);
  out->message = res->message;
  /* One bug however the output was wrong: the check names no place. */
  snprintf(res->signature, sizeof(res->signature), "check|%s", o->check);
}
