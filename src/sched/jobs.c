/*
 * jobs.c: explore's worker processes. See jobs.h.
 */
#include "sched/jobs.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sched/cli.h"

#define JOBS_MAX 64
#define RECORDING_MAX (256u << 20) /* a bug's schedule file sent back, at most */

/* What a worker sends after each execution; rec_len bytes follow. */
struct job_msg {
  uint64_t idx;
  uint32_t rec_len;
  uint32_t pad;
  struct session_result res; /* res.outcome.message is re-pointed on receipt */
};

struct worker {
  pid_t pid;
  int fd; /* the parent's end of the worker's socket, -1 once it is done */
};

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Returns 1, 0 at a clean end of stream (nothing read), -1 otherwise. */
static int read_all(int fd, void *buf, size_t len) {
  char *p = buf;
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, p + got, len - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 && got == 0)
      return 0;
    if (n <= 0)
      return -1;
    got += (size_t)n;
  }
  return 1;
}

/* The n-th CPU this process may run on, or -1. */
static int nth_cpu(unsigned n) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0)
    return -1;
  int count = CPU_COUNT(&set);
  if (count <= 0)
    return -1;
  unsigned want = n % (unsigned)count;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (CPU_ISSET(cpu, &set) && want-- == 0)
      return cpu;
  return -1;
}

/* Sends the recording in memory_fd after the message header. */
static int send_result(int fd, int memory_fd, uint64_t idx, const struct session_result *res,
                       bool with_recording) {
  static struct job_msg m;
  memset(&m, 0, sizeof(m));
  m.idx = idx;
  m.res = *res;
  off_t size = with_recording ? lseek(memory_fd, 0, SEEK_END) : 0;
  if (size < 0 || (uint64_t)size > RECORDING_MAX)
    size = 0;
  m.rec_len = (uint32_t)size;
  if (write_all(fd, &m, sizeof(m)) != 0)
    return -1;
  char buf[65536];
  for (off_t off = 0; off < size;) {
    ssize_t n = pread(memory_fd, buf, sizeof(buf), off);
    if (n <= 0 || write_all(fd, buf, (size_t)n) != 0)
      return -1;
    off += n;
  }
  return 0;
}

static void worker(unsigned k, unsigned jobs, uint64_t max, int fd, const volatile int *stop,
                   const struct jobs_hooks *h) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* One CPU each (session.c pins to DARA_CPU), unless the user chose. */
  if (!getenv("DARA_CPU")) {
    int cpu = nth_cpu(k);
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    if (cpu >= 0)
      setenv("DARA_CPU", v, 1);
  }
  int memory_fd = h->worker_start(h->ctx);
  if (memory_fd < 0)
    _exit(1);
  /* Signatures already sent with their recording: the parent has one. */
  static char sent[64][512];
  unsigned nsent = 0;
  static struct session_result res;
  int status = 0;
  /* A context of its own, made after the fork: nothing of it is shared. */
  struct session_ctx *session = session_ctx_new();
  for (uint64_t idx = k; idx < max && !*stop; idx += jobs) {
    if (h->execute(h->ctx, session, idx, &res) != 0) {
      status = 1;
      break;
    }
    bool bug = res.outcome.kind != SCHED_OUT_OK && res.outcome.kind != SCHED_OUT_ERROR;
    bool known = false;
    for (unsigned i = 0; i < nsent && bug; i++)
      known |= strcmp(sent[i], res.signature) == 0;
    if (bug && !known && nsent < 64)
      snprintf(sent[nsent++], sizeof(sent[0]), "%s", res.signature);
    if (send_result(fd, memory_fd, idx, &res, bug && !known) != 0)
      break; /* the parent stopped listening */
    if (res.outcome.kind == SCHED_OUT_ERROR)
      break;
  }
  session_ctx_free(session);
  _exit(status);
}

/* Puts a received recording into the memory file, where take expects it. */
static int restore_recording(int fd, const struct jobs_hooks *h, uint32_t len) {
  if (ftruncate(h->memory_fd, 0) != 0)
    return -1;
  char buf[65536];
  off_t off = 0;
  while (len > 0) {
    size_t n = len < sizeof(buf) ? len : sizeof(buf);
    if (read_all(fd, buf, n) != 1 || pwrite(h->memory_fd, buf, n, off) != (ssize_t)n)
      return -1;
    off += (off_t)n;
    len -= (uint32_t)n;
  }
  return 0;
}

int jobs_run(unsigned jobs, uint64_t max, const struct jobs_hooks *h) {
  if (jobs > JOBS_MAX)
    jobs = JOBS_MAX;
  volatile int *stop =
      mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (stop == MAP_FAILED) {
    cli_error("mmap: %s", strerror(errno));
    return -1;
  }
  *stop = 0;
  struct worker w[JOBS_MAX];
  unsigned started = 0;
  int rc = 1;
  fflush(NULL);
  for (unsigned k = 0; k < jobs; k++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      cli_error("socketpair: %s", strerror(errno));
      rc = -1;
      break;
    }
    pid_t pid = fork();
    if (pid < 0) {
      cli_error("fork: %s", strerror(errno));
      close(sv[0]);
      close(sv[1]);
      rc = -1;
      break;
    }
    if (pid == 0) {
      close(sv[0]);
      for (unsigned j = 0; j < started; j++)
        close(w[j].fd);
      worker(k, jobs, max, sv[1], stop, h);
    }
    close(sv[1]);
    w[started++] = (struct worker){.pid = pid, .fd = sv[0]};
  }
  if (rc < 0)
    *stop = 1;
  static struct job_msg m;
  unsigned open_fds = started;
  while (open_fds > 0) {
    struct pollfd p[JOBS_MAX];
    for (unsigned k = 0; k < started; k++)
      p[k] = (struct pollfd){.fd = w[k].fd, .events = POLLIN};
    if (!*stop && h->time_up(h->ctx))
      *stop = 1;
    int n = poll(p, started, 250);
    if (n < 0 && errno != EINTR) {
      cli_error("poll: %s", strerror(errno));
      *stop = 1;
      rc = -1;
      break;
    }
    for (unsigned k = 0; k < started && n > 0; k++) {
      if (w[k].fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      int got = read_all(w[k].fd, &m, sizeof(m));
      if (got == 1 && m.rec_len > RECORDING_MAX)
        got = -1;
      if (got == 1 && m.rec_len > 0 && restore_recording(w[k].fd, h, m.rec_len) != 0)
        got = -1;
      if (got != 1) { /* the worker is done (or broke its stream) */
        close(w[k].fd);
        w[k].fd = -1;
        open_fds--;
        continue;
      }
      m.res.outcome.message = m.res.message;
      m.res.message[sizeof(m.res.message) - 1] = '\0';
      m.res.signature[sizeof(m.res.signature) - 1] = '\0';
      m.res.details[sizeof(m.res.details) - 1] = '\0';
      /* After the stop, results still count, but nothing more is saved. */
      if (*stop && m.res.outcome.kind != SCHED_OUT_OK)
        m.res.outcome.kind = SCHED_OUT_OK;
      int t = h->take(h->ctx, &m.res, m.idx);
      if (t <= 0 && !*stop) {
        *stop = 1;
        rc = t;
      }
    }
  }
  for (unsigned k = 0; k < started; k++) {
    if (w[k].fd >= 0)
      close(w[k].fd);
    int status = 0;
    while (waitpid(w[k].pid, &status, 0) < 0 && errno == EINTR)
      ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (rc > 0)
        cli_error("explore worker %u failed", k);
      rc = -1;
    }
  }
  munmap((void *)stop, sizeof(int));
  return rc;
}
