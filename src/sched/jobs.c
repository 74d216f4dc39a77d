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
#define TASK_MAX (64u << 20)       /* a task or figures, at most */

/* Every message, either way, is a header and len bytes. */
enum job_type {
  JOB_RESULT = 1, /* worker: struct job_result, then the recording */
  JOB_FIGURES,    /* worker (tree): its figures (hooks.figures) */
  JOB_IDLE,       /* worker (tree): it has nothing left to run */
  JOB_TASK,       /* worker (tree): a task it gives away; parent: one to run */
};

struct job_hdr {
  uint32_t type;
  uint32_t len;
};

struct job_result {
  uint64_t idx;
  struct session_result res; /* res.outcome.message is re-pointed on receipt */
};

/* What the parent and the workers share. */
struct shared {
  volatile int stop; /* set by the parent: no more executions */
  int want;          /* tree: tasks the parent would hand out now */
};

struct worker {
  pid_t pid;
  int fd;    /* the parent's end of the worker's socket, -1 once it is done */
  bool idle; /* tree: it said so, and was given nothing since */
};

/* Every descriptor here is a socket: a peer gone is an error, no SIGPIPE. */
static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
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

static int send_msg(int fd, uint32_t type, const void *payload, size_t len) {
  struct job_hdr h = {.type = type, .len = (uint32_t)len};
  if (len > TASK_MAX || write_all(fd, &h, sizeof(h)) != 0)
    return -1;
  return len ? write_all(fd, payload, len) : 0;
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

/* Sends a result, with the recording in memory_fd when asked. */
static int send_result(int fd, int memory_fd, uint64_t idx, const struct session_result *res,
                       bool with_recording) {
  static struct job_result m;
  memset(&m, 0, sizeof(m));
  m.idx = idx;
  m.res = *res;
  off_t size = with_recording ? lseek(memory_fd, 0, SEEK_END) : 0;
  if (size < 0 || (uint64_t)size > RECORDING_MAX)
    size = 0;
  struct job_hdr h = {.type = JOB_RESULT, .len = (uint32_t)(sizeof(m) + (size_t)size)};
  if (write_all(fd, &h, sizeof(h)) != 0 || write_all(fd, &m, sizeof(m)) != 0)
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

/* The signatures a worker already sent with their recording: the parent
 * has one, and needs no other. */
struct sent {
  char sig[64][512];
  unsigned n;
};

static bool recording_wanted(struct sent *sent, const struct session_result *res) {
  if (!sched_outcome_bug(res->outcome.kind))
    return false;
  for (unsigned i = 0; i < sent->n; i++)
    if (strcmp(sent->sig[i], res->signature) == 0)
      return false;
  if (sent->n < 64)
    snprintf(sent->sig[sent->n++], sizeof(sent->sig[0]), "%s", res->signature);
  return true;
}

/* A worker's start: dies with the parent, one CPU each (session.c pins to
 * DARA_CPU) unless the user chose, a memory file of its own. */
static int worker_setup(unsigned k, const struct jobs_hooks *h) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (!getenv("DARA_CPU")) {
    int cpu = nth_cpu(k);
    char v[16];
    snprintf(v, sizeof(v), "%d", cpu);
    if (cpu >= 0)
      setenv("DARA_CPU", v, 1);
  }
  return h->worker_start(h->ctx);
}

static void worker_indexed(unsigned k, unsigned jobs, uint64_t max, int fd, struct shared *sh,
                           const struct jobs_hooks *h) {
  int memory_fd = worker_setup(k, h);
  if (memory_fd < 0)
    _exit(1);
  static struct sent sent;
  static struct session_result res;
  int status = 0;
  /* A context of its own, made after the fork: nothing of it is shared. */
  struct session_ctx *session = session_ctx_new();
  for (uint64_t idx = k; idx < max && !sh->stop; idx += jobs) {
    if (h->execute(h->ctx, session, idx, &res) != 0) {
      status = 1;
      break;
    }
    if (session_interrupted())
      break; /* the execution was cut short: not one to count */
    if (send_result(fd, memory_fd, idx, &res, recording_wanted(&sent, &res)) != 0)
      break; /* the parent stopped listening */
    if (res.outcome.kind == SCHED_OUT_ERROR)
      break;
  }
  session_ctx_free(session);
  _exit(status);
}

/* Sends the worker's figures, then, when asked, IDLE. */
static int send_figures(int fd, const struct jobs_hooks *h, bool idle) {
  char buf[512];
  size_t n = h->figures(h->ctx, buf, sizeof(buf));
  if (send_msg(fd, JOB_FIGURES, buf, n > sizeof(buf) ? sizeof(buf) : n) != 0)
    return -1;
  return idle ? send_msg(fd, JOB_IDLE, NULL, 0) : 0;
}

/* Waits for a task from the parent and takes it. 1, 0 at the end (the
 * parent closed its side: stop), -1 on error. */
static int receive_task(int fd, const struct jobs_hooks *h) {
  struct job_hdr hd;
  int got = read_all(fd, &hd, sizeof(hd));
  if (got != 1)
    return got;
  if (hd.type != JOB_TASK || hd.len > TASK_MAX)
    return -1;
  void *task = malloc(hd.len ? hd.len : 1);
  if (!task)
    return -1;
  int rc = read_all(fd, task, hd.len) == 1 && h->adopt(h->ctx, task, hd.len) ? 1 : -1;
  free(task);
  return rc;
}

/* Gives away as many tasks as the parent wants now, and this worker has. */
static int give_tasks(int fd, struct shared *sh, const struct jobs_hooks *h) {
  for (;;) {
    int want = __atomic_load_n(&sh->want, __ATOMIC_ACQUIRE);
    if (want <= 0 || sh->stop)
      return 0;
    if (!__atomic_compare_exchange_n(&sh->want, &want, want - 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
      continue;
    void *task;
    size_t len;
    if (!h->split(h->ctx, &task, &len)) {
      __atomic_fetch_add(&sh->want, 1, __ATOMIC_ACQ_REL);
      return 0;
    }
    int rc = send_msg(fd, JOB_TASK, task, len);
    free(task);
    if (rc != 0)
      return -1;
  }
}

/* The parent is the programs' subreaper (session_catch_signals): a process
 * orphaned in a worker's tree comes to it (a snapshot server whose
 * execution was killed: sched/branch.c) and is reaped here as it ends;
 * the workers are left to reap(). */
static void reap_strays(const struct worker *w, unsigned n) {
  for (;;) {
    siginfo_t info = {0};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0)
      return;
    for (unsigned k = 0; k < n; k++)
      if (w[k].pid == info.si_pid)
        return; /* a worker: reap() takes it */
    while (waitpid(info.si_pid, NULL, 0) < 0 && errno == EINTR)
      ;
  }
}

/* A worker's view of the parent's word (jobs_stopping). */
static struct shared *worker_shared;

bool jobs_stopping(void) {
  return worker_shared && __atomic_load_n(&worker_shared->stop, __ATOMIC_ACQUIRE);
}

static void worker_tree(unsigned k, int fd, struct shared *sh, const struct jobs_hooks *h) {
  worker_shared = sh;
  int memory_fd = worker_setup(k, h);
  if (memory_fd < 0)
    _exit(1);
  static struct sent sent;
  static struct session_result res;
  int status = 0;
  struct session_ctx *session = session_ctx_new();
  bool busy = k == 0; /* the root is worker 0's */
  bool said = busy || send_figures(fd, h, true) == 0;
  while (said && !sh->stop) {
    if (!busy) {
      int got = receive_task(fd, h);
      if (got < 0)
        status = 1;
      if (got <= 0)
        break;
      busy = true;
    }
    bool counted = true;
    int ran = h->execute_next(h->ctx, session, &res, &counted);
    if (ran < 0) {
      status = 1;
      break;
    }
    if (session_interrupted())
      break;
    if (ran == 0) {
      busy = false;
      if (send_figures(fd, h, true) != 0)
        break;
      continue;
    }
    if (counted && send_result(fd, memory_fd, 0, &res, recording_wanted(&sent, &res)) != 0)
      break;
    if (send_figures(fd, h, false) != 0 || res.outcome.kind == SCHED_OUT_ERROR)
      break;
    if (give_tasks(fd, sh, h) != 0)
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

/* Reads a result's body (hd.len bytes) into m, its recording into the
 * memory file. */
static int receive_result(int fd, const struct jobs_hooks *h, const struct job_hdr *hd,
                          struct job_result *m) {
  if (hd->len < sizeof(*m) || hd->len - sizeof(*m) > RECORDING_MAX)
    return -1;
  uint32_t rec_len = (uint32_t)(hd->len - sizeof(*m));
  if (read_all(fd, m, sizeof(*m)) != 1)
    return -1;
  if (rec_len > 0 && restore_recording(fd, h, rec_len) != 0)
    return -1;
  m->res.outcome.message = m->res.message;
  m->res.message[sizeof(m->res.message) - 1] = '\0';
  m->res.signature[sizeof(m->res.signature) - 1] = '\0';
  m->res.details[sizeof(m->res.details) - 1] = '\0';
  return 0;
}

/* Forks the workers, each running body(k, ...). Returns how many started;
 * on a failure, says so and sets *rc. */
static unsigned spawn(unsigned jobs, uint64_t max, struct shared *sh, const struct jobs_hooks *h,
                      bool tree, struct worker *w, int *rc) {
  unsigned started = 0;
  fflush(NULL);
  for (unsigned k = 0; k < jobs; k++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      cli_error("socketpair: %s", strerror(errno));
      *rc = -1;
      break;
    }
    pid_t pid = fork();
    if (pid < 0) {
      cli_error("fork: %s", strerror(errno));
      close(sv[0]);
      close(sv[1]);
      *rc = -1;
      break;
    }
    if (pid == 0) {
      close(sv[0]);
      for (unsigned j = 0; j < started; j++)
        close(w[j].fd);
      if (tree)
        worker_tree(k, sv[1], sh, h);
      worker_indexed(k, jobs, max, sv[1], sh, h);
    }
    close(sv[1]);
    w[started++] = (struct worker){.pid = pid, .fd = sv[0]};
  }
  if (*rc < 0)
    sh->stop = 1;
  return started;
}

/* Reaps the workers; a failed one makes rc -1. */
static int reap(struct worker *w, unsigned started, int rc) {
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
  return rc;
}

static struct shared *shared_new(void) {
  struct shared *sh =
      mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) {
    cli_error("mmap: %s", strerror(errno));
    return NULL;
  }
  memset(sh, 0, sizeof(*sh));
  return sh;
}

/* Waits for input from the workers still open; the number ready, or -1. */
static int wait_workers(struct worker *w, unsigned started, struct pollfd *p) {
  for (unsigned k = 0; k < started; k++)
    p[k] = (struct pollfd){.fd = w[k].fd, .events = POLLIN};
  int n = poll(p, started, 250);
  if (n < 0 && errno != EINTR) {
    cli_error("poll: %s", strerror(errno));
    return -1;
  }
  return n < 0 ? 0 : n;
}

static void worker_done(struct worker *w, unsigned *open_fds) {
  close(w->fd);
  w->fd = -1;
  (*open_fds)--;
}

int jobs_run(unsigned jobs, uint64_t max, const struct jobs_hooks *h) {
  if (jobs > JOBS_MAX)
    jobs = JOBS_MAX;
  struct shared *sh = shared_new();
  if (!sh)
    return -1;
  struct worker w[JOBS_MAX];
  int rc = 1;
  unsigned started = spawn(jobs, max, sh, h, false, w, &rc);
  static struct job_result m;
  unsigned open_fds = started;
  while (open_fds > 0) {
    struct pollfd p[JOBS_MAX];
    if (!sh->stop && (h->time_up(h->ctx) || session_interrupted()))
      sh->stop = 1;
    int n = wait_workers(w, started, p);
    if (n < 0) {
      sh->stop = 1;
      rc = -1;
      break;
    }
    for (unsigned k = 0; k < started && n > 0; k++) {
      if (w[k].fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      struct job_hdr hd;
      int got = read_all(w[k].fd, &hd, sizeof(hd));
      if (got == 1 && (hd.type != JOB_RESULT || receive_result(w[k].fd, h, &hd, &m) != 0))
        got = -1;
      if (got != 1) { /* the worker is done (or broke its stream) */
        worker_done(&w[k], &open_fds);
        continue;
      }
      /* After the stop, results still count, but nothing more is saved. */
      if (sh->stop && m.res.outcome.kind != SCHED_OUT_OK &&
          m.res.outcome.kind != SCHED_OUT_STEP_LIMIT)
        m.res.outcome.kind = SCHED_OUT_OK;
      int t = h->take(h->ctx, &m.res, m.idx);
      if (t <= 0 && !sh->stop) {
        sh->stop = 1;
        rc = t;
      }
    }
  }
  rc = reap(w, started, rc);
  munmap(sh, sizeof(*sh));
  return rc;
}

/* ---- a shared tree ---- */

struct task {
  void *data;
  uint32_t len;
};

struct tree_parent {
  struct worker *w;
  unsigned started, open_fds;
  struct task *queue; /* tasks given and not yet handed out */
  unsigned nqueue, capqueue;
  uint64_t taken; /* results counted */
  struct shared *sh;
};

/* Hands a task to worker k (idle). */
static int hand_out(struct tree_parent *t, unsigned k, struct task *task) {
  int rc = send_msg(t->w[k].fd, JOB_TASK, task->data, task->len);
  free(task->data);
  t->w[k].idle = false;
  return rc;
}

/* Stops: every worker's input ends, so an idle one returns. */
static void tree_stop(struct tree_parent *t) {
  t->sh->stop = 1;
  for (unsigned k = 0; k < t->started; k++)
    if (t->w[k].fd >= 0)
      shutdown(t->w[k].fd, SHUT_WR);
}

/* One message from worker k. Returns 1, 0 when the worker is done, -1 on
 * a broken stream or an error. */
static int tree_message(struct tree_parent *t, unsigned k, const struct jobs_hooks *h, uint64_t max,
                        int *rc) {
  static struct job_result m;
  struct job_hdr hd;
  int got = read_all(t->w[k].fd, &hd, sizeof(hd));
  if (got != 1)
    return got;
  switch (hd.type) {
  case JOB_RESULT:
    if (receive_result(t->w[k].fd, h, &hd, &m) != 0)
      return -1;
    if (t->taken >= max || (t->sh->stop && h->serial))
      return 1; /* past the limit, or the end: in flight when it stopped */
    if (t->sh->stop && m.res.outcome.kind != SCHED_OUT_OK &&
        m.res.outcome.kind != SCHED_OUT_STEP_LIMIT)
      m.res.outcome.kind = SCHED_OUT_OK;
    int r = h->take(h->ctx, &m.res, t->taken++);
    if (r <= 0 && !t->sh->stop) {
      *rc = r;
      tree_stop(t);
    }
    if (t->taken >= max && !t->sh->stop)
      tree_stop(t);
    return 1;
  case JOB_FIGURES:
  case JOB_TASK: {
    if (hd.len > TASK_MAX)
      return -1;
    struct task task = {.data = malloc(hd.len ? hd.len : 1), .len = hd.len};
    if (!task.data || read_all(t->w[k].fd, task.data, hd.len) != 1) {
      free(task.data);
      return -1;
    }
    if (hd.type == JOB_FIGURES) {
      h->take_figures(h->ctx, k, task.data, task.len);
      free(task.data);
      return 1;
    }
    for (unsigned i = 0; i < t->started; i++)
      if (t->w[i].fd >= 0 && t->w[i].idle && !t->sh->stop)
        return hand_out(t, i, &task) == 0 ? 1 : -1;
    if (t->nqueue == t->capqueue) {
      unsigned cap = t->capqueue ? t->capqueue * 2 : 16;
      struct task *q = reallocarray(t->queue, cap, sizeof(*q));
      if (!q) {
        free(task.data);
        return -1;
      }
      t->queue = q;
      t->capqueue = cap;
    }
    t->queue[t->nqueue++] = task;
    return 1;
  }
  case JOB_IDLE:
    t->w[k].idle = true;
    if (t->nqueue > 0 && !t->sh->stop)
      return hand_out(t, k, &t->queue[--t->nqueue]) == 0 ? 1 : -1;
    return 1;
  default:
    return -1;
  }
}

int jobs_run_tree(unsigned jobs, uint64_t max, const struct jobs_hooks *h) {
  if (jobs > JOBS_MAX)
    jobs = JOBS_MAX;
  struct shared *sh = shared_new();
  if (!sh)
    return -1;
  struct worker w[JOBS_MAX];
  int rc = 1;
  struct tree_parent t = {.w = w, .sh = sh};
  t.started = spawn(jobs, max, sh, h, true, w, &rc);
  t.open_fds = t.started;
  unsigned last_idle = 0;
  if (rc < 0)
    tree_stop(&t);
  while (t.open_fds > 0) {
    struct pollfd p[JOBS_MAX];
    reap_strays(w, t.started);
    if (!sh->stop && (h->time_up(h->ctx) || session_interrupted()))
      tree_stop(&t);
    int n = wait_workers(w, t.started, p);
    if (n < 0) {
      rc = -1;
      tree_stop(&t);
      break;
    }
    for (unsigned k = 0; k < t.started && n > 0; k++) {
      if (w[k].fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      int got = tree_message(&t, k, h, max, &rc);
      if (got == 1)
        continue;
      if (!sh->stop && !session_interrupted()) { /* its part of the tree is lost */
        if (rc > 0)
          cli_error("explore worker %u ended early", k);
        rc = -1;
        tree_stop(&t);
      }
      worker_done(&w[k], &t.open_fds);
    }
    /* Idle workers: ask the busy ones for work (anew only when their
     * number changed, not to count twice a task on its way). */
    unsigned idle = 0, live = 0;
    for (unsigned k = 0; k < t.started; k++)
      if (w[k].fd >= 0) {
        live++;
        idle += w[k].idle;
      }
    if (idle != last_idle)
      __atomic_store_n(&sh->want, (int)idle, __ATOMIC_RELEASE);
    last_idle = idle;
    if (!sh->stop && live > 0 && idle == live && t.nqueue == 0) {
      rc = rc > 0 ? 2 : rc; /* the whole tree was run */
      tree_stop(&t);
    }
  }
  while (t.nqueue > 0)
    free(t.queue[--t.nqueue].data);
  free(t.queue);
  rc = reap(w, t.started, rc);
  munmap(sh, sizeof(*sh));
  return rc;
}
