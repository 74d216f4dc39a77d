/*
 * scribble.c VARIANT: a program that writes garbage into dara's shared
 * region, to check that the scheduler treats the region as untrusted input.
 *
 * Every variant first does a few ordinary mutex operations in two threads
 * (the worker stays parked: it ends by waiting for a mutex main holds), then:
 *   a   fills its whole control block with pseudo-random bytes
 *   b   sets nroutines to 0xffffffff
 *   c   sets the worker's routine status to 77
 *   d   sets log_head to log_tail + 100000
 *   e   sets the worker's pending operation to 9999
 *   f   fills ANOTHER process's control block with pseudo-random bytes
 *   g   creates a thread, then fills every module path with 'A' (no NUL)
 *       and the new thread's function name with 'B' (no NUL)
 *   h   zeroes the region header (magic included)
 *   i   logs a forced step (region.h) for the worker, which holds no lease
 *   j   sets log_lost to 637027726 (the log is nowhere near full)
 *   k   sets log_head 3 entries behind log_tail
 *   l   asks for its log to be drained (syscall_lock) with chosen set to 5
 *   m   sets nmodules to 1000
 *   n   makes the worker wait on 50 descriptors (op io_poll, nio 50)
 *   o   reads the clock a few times, then sets virtual time back to 0 (caught
 *       as the clock going back, or, when its steps were forced and the
 *       scheduler drains its log only now, as recorded calls that ended
 *       after the clock's time)
 *   p   logs a new object in module 20 (it registered far fewer)
 *   q   creates a thread, then sets its creation site's module to 25
 *   r   says it left control to call exec (state DETACHED), hands the turn
 *       back, and never calls exec
 *   s   (under explore's fork server) writes to the server's reply pipe,
 *       reopened through /proc, that it was killed by SIGSEGV, then goes on
 *       and exits 0
 *   t   (under explore's fork server) leaves a process of its own behind,
 *       in a session of its own, that waits for the execution to end, then
 *       writes to the server's reply pipe, for up to 2 s, that it is a new
 *       execution (read as the end of this one, or as the start of the
 *       next, whichever comes first)
 *   u   holding the turn, never reaches another point: wakes the futex of
 *       its lock word and rewrites the word (clearing dara's sleeper bit)
 *       in a loop, for ever
 *   v   sets the header's spin count to 0x7fffffff, reaches one more point,
 *       then never reaches another (a loop)
 *   w   registers a module whose path is a FIFO of its own (opening it
 *       would block), then creates a thread whose start routine it moves
 *       into that module: dara names the thread from the module's file
 *   x   the same with a copy of its own executable as the module, which it
 *       maps (dara reads only files a process maps): creates a thread
 *       there (dara reads the copy), truncates the copy to nothing, and
 *       creates another at another offset of it
 *   y   sets nroutines to 0xffffffff and reaches its next point through the
 *       shim, which reads the count first (b hands the turn straight back)
 *   z   sets its state back to STARTING, as before its shim took control,
 *       and ends with _exit(3)
 *   sleep    holding the turn, parks its own gate and sleeps on it (a
 *       futex wait on the region), without giving the lock back
 *   exiting  says it is exiting (state EXITING), hands the turn back, and
 *       sleeps on its own gate for ever
 *   plan     (under record --policy rr) creates a thread, which waits to
 *       start, then writes a plan (region.h, "Plans") that hands the next
 *       step to it, where rr goes on with main, and yields
 *   stopped  (under explore's fork server) writes to the server's reply
 *       pipe that it was killed by SIGSEGV, stops the server (SIGSTOP, so
 *       it cannot reap), and ends with _exit(0)
 *   victim  does nothing hostile: loops over mutex operations in two threads
 *       for a long time (the partner of variant f)
 *
 * a and b then hand the turn straight back to the scheduler, the way the
 * shim parks (gate PARK, lock word SCHED, futex wake), and wait forever: the
 * scheduler, not the shim, is the first to read the garbage. The other
 * variants reach their next scheduling point through the shim (sched_yield).
 * g and h are harmless to a scheduler that does not trust the region: the
 * program then finishes normally and exits 0.
 *
 * Exit status 5: the region or the control block was not found (for s and
 * t: no fork server).
 */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdbool.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "region_finder.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t late = PTHREAD_MUTEX_INITIALIZER;
static unsigned long victim_rounds = 1000000;
static int counter;

static void some_ops(unsigned long n) {
  for (unsigned long i = 0; i < n; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
}

static void *worker(void *arg) {
  (void)arg;
  some_ops(3);
  pthread_mutex_lock(&held); /* parked until main lets go */
  pthread_mutex_unlock(&held);
  return NULL;
}

static void *latecomer(void *arg) {
  (void)arg;
  pthread_mutex_lock(&late);
  counter++;
  pthread_mutex_unlock(&late);
  return NULL;
}

static void *victim_worker(void *arg) {
  (void)arg;
  some_ops(victim_rounds);
  return NULL;
}

static void fill_random(void *p, size_t n, uint64_t seed) {
  uint64_t x = seed | 1;
  unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b[i] = (unsigned char)(x >> 24);
  }
}

/* The write end of the fork server's reply pipe, reopened through /proc;
 * exits with status 5 when the parent is not a fork server. */
static int server_reply_pipe(void) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getppid(), DARA_FS_REPLY_FD);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "scribble: no fork server\n");
    exit(5);
  }
  return fd;
}

static void forge(int fd, int kind, pid_t pid, int status) {
  struct dara_fs_msg m = {.kind = kind, .pid = pid, .status = status};
  if (write(fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
    _exit(0); /* dara is gone */
}

/* Registers one more module, at path, as the shim would; returns its
 * index, or -1 when the table is full. */
static int add_module(struct dara_proc *me, const char *path) {
  uint32_t k = me->nmodules;
  if (k >= DARA_MAX_MODULES)
    return -1;
  snprintf(me->modules[k].path, DARA_PATH_LEN, "%s", path);
  __atomic_store_n(&me->nmodules, k + 1, __ATOMIC_RELEASE);
  return (int)k;
}

/* Creates a latecomer thread and moves its start routine to module m at
 * offset, before the scheduler reads it; joins it. */
static void thread_in(struct dara_proc *me, int m, uint64_t offset) {
  pthread_t t;
  pthread_create(&t, NULL, latecomer, NULL);
  uint32_t n = me->nroutines;
  if (n >= 1 && n <= DARA_MAX_ROUTINES) {
    /* Its start routine, with no name given: dara looks it up there. */
    me->routines[n - 1].start.module = (uint32_t)m;
    me->routines[n - 1].start.offset = offset;
    memset(me->routines[n - 1].func, 0, DARA_NAME_LEN);
  }
  sched_yield();
  pthread_join(t, NULL);
}

/* Copies the running executable to path. */
static int copy_self(const char *path) {
  int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  char buf[65536];
  ssize_t n;
  while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
    if (write(out, buf, (size_t)n) != n)
      break;
  int ok = in >= 0 && out >= 0;
  if (in >= 0)
    close(in);
  if (out >= 0)
    close(out);
  return ok ? 0 : -1;
}

/* Parks the calling thread (routine me) the way the shim does and hands the
 * turn to the scheduler, then never runs again. */
static void give_back(struct dara_proc *p, unsigned me) {
  if (!me && p->chosen == 5) /* variant l: a drain request, as the shim's */
    __atomic_store_n(&p->syscall_lock, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&p->routines[me].gate, DARA_GATE_PARK, __ATOMIC_SEQ_CST);
  __atomic_exchange_n(&p->lock, DARA_TURN_SCHED, __ATOMIC_SEQ_CST);
  syscall(SYS_futex, &p->lock, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
  for (;;)
    pause();
}

int main(int argc, char **argv) {
  const char *v = argc > 1 ? argv[1] : "";
  if (strcmp(v, "victim") == 0) {
    pthread_t a, b;
    pthread_create(&a, NULL, victim_worker, NULL);
    pthread_create(&b, NULL, victim_worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
  }
  if (strcmp(v, "stopped") == 0) {
    int fd = server_reply_pipe();
    forge(fd, DARA_FS_EXITED, getpid(), SIGSEGV);
    kill(getppid(), SIGSTOP);
    _exit(0);
  }
  bool word = strcmp(v, "sleep") == 0 || strcmp(v, "exiting") == 0;
  bool plan = strcmp(v, "plan") == 0;
  if (!word && !plan && (strlen(v) != 1 || v[0] < 'a' || v[0] > 'z')) {
    fprintf(stderr, "usage: scribble a|b|...|z|sleep|exiting|plan|stopped|victim\n");
    return 2;
  }
  pthread_t w, w2;
  pthread_mutex_lock(&held);
  pthread_create(&w, NULL, worker, NULL);
  some_ops(3);

  struct dara_region *r = (struct dara_region *)region_find(NULL);
  struct dara_proc *me = r ? region_own_block(r) : NULL;
  if (!me) {
    fprintf(stderr, "scribble: no dara region or no control block of mine\n");
    return 5;
  }
  fprintf(stderr, "scribble: variant %s on the region at %p\n", v, (void *)r);
  if (word) {
    uint32_t *gate = &me->routines[0].gate;
    __atomic_store_n(gate, DARA_GATE_PARK, __ATOMIC_SEQ_CST);
    if (v[0] == 'e') {
      me->state = DARA_PROC_EXITING;
      __atomic_exchange_n(&me->lock, DARA_TURN_SCHED, __ATOMIC_SEQ_CST);
      syscall(SYS_futex, &me->lock, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
    for (;;)
      syscall(SYS_futex, gate, FUTEX_WAIT, DARA_GATE_PARK, NULL, NULL, 0);
  }
  if (plan) {
    pthread_create(&w2, NULL, latecomer, NULL); /* routine 2, enabled at its start */
    me->plan = DARA_PLAN_LIST;
    me->plan_list[0] = 2;
    me->plan_pos = 0;
    me->plan_len = 1;
    me->lease = 5;
    sched_yield();
    pthread_join(w2, NULL);
  }
  switch (plan ? 0 : v[0]) {
  case 'a':
    fill_random(me, sizeof(*me), 0x5eed1234abcdull);
    give_back(me, 0);
    break;
  case 'b':
    me->nroutines = 0xffffffffu;
    give_back(me, 0);
    break;
  case 'z':
    me->state = DARA_PROC_STARTING;
    _exit(3);
  case 'y':
    me->nroutines = 0xffffffffu;
    sched_yield();
    break;
  case 'c':
    me->routines[1].status = 77;
    sched_yield();
    break;
  case 'd':
    me->log_head = me->log_tail + 100000;
    sched_yield();
    break;
  case 'e':
    me->routines[1].op = 9999;
    sched_yield();
    break;
  case 'f': {
    struct dara_proc *other = NULL;
    for (int i = 0; i < DARA_MAX_PROCS; i++)
      if (&r->procs[i] != me && r->procs[i].state == DARA_PROC_RUNNING)
        other = &r->procs[i];
    if (!other) {
      fprintf(stderr, "scribble: no other running process\n");
      return 5;
    }
    fill_random(other, sizeof(*other), 0xfeedface77ull);
    sched_yield();
    break;
  }
  case 'g': {
    pthread_create(&w2, NULL, latecomer, NULL);
    /* Before the scheduler has read the new thread's names. */
    for (int i = 0; i < DARA_MAX_MODULES; i++)
      memset(me->modules[i].path, 'A', DARA_PATH_LEN);
    uint32_t n = me->nroutines;
    if (n >= 1 && n <= DARA_MAX_ROUTINES)
      memset(me->routines[n - 1].func, 'B', DARA_NAME_LEN);
    sched_yield();
    pthread_join(w2, NULL);
    break;
  }
  case 'i': {
    struct dara_log_entry *e = &me->log[me->log_head % DARA_LOG_LEN];
    memset(e, 0, sizeof(*e));
    e->kind = DARA_LOG_STEP;
    e->routine = 1;
    e->a = DARA_OP_YIELD;
    __atomic_store_n(&me->log_head, me->log_head + 1, __ATOMIC_RELEASE);
    sched_yield();
    break;
  }
  case 'j':
    me->log_lost = 637027726u;
    sched_yield();
    break;
  case 'k':
    me->log_head = me->log_tail - 3;
    sched_yield();
    break;
  case 'l':
    me->chosen = 5;
    give_back(me, 0);
    break;
  case 'm':
    me->nmodules = 1000;
    sched_yield();
    break;
  case 'n':
    me->routines[1].op = DARA_OP_IO_POLL;
    me->routines[1].nio = 50;
    sched_yield();
    break;
  case 'o': {
    struct timespec ts;
    for (int i = 0; i < 5; i++)
      clock_gettime(CLOCK_MONOTONIC, &ts);
    sched_yield();
    r->clock.now = 0;
    sched_yield();
    break;
  }
  case 'p': {
    struct dara_log_entry *e = &me->log[me->log_head % DARA_LOG_LEN];
    memset(e, 0, sizeof(*e));
    e->kind = DARA_LOG_OBJECT;
    e->a = 4000;
    e->b = DARA_OBJ_MUTEX | 20u << 8;
    __atomic_store_n(&me->log_head, me->log_head + 1, __ATOMIC_RELEASE);
    sched_yield();
    break;
  }
  case 'q': {
    pthread_create(&w2, NULL, latecomer, NULL);
    uint32_t n = me->nroutines;
    if (n >= 1 && n <= DARA_MAX_ROUTINES)
      me->routines[n - 1].site.module = 25;
    sched_yield();
    pthread_join(w2, NULL);
    break;
  }
  case 'r':
    me->state = DARA_PROC_DETACHED;
    give_back(me, 0);
    break;
  case 's': {
    int fd = server_reply_pipe();
    forge(fd, DARA_FS_EXITED, getpid(), SIGSEGV);
    close(fd);
    break;
  }
  case 't': {
    int fd = server_reply_pipe();
    int parent = (int)syscall(SYS_pidfd_open, getpid(), 0);
    pid_t g = fork();
    if (g == 0) {
      setsid();
      struct pollfd pp = {.fd = parent, .events = POLLIN};
      poll(&pp, 1, 5000);
      signal(SIGPIPE, SIG_DFL);
      for (int i = 0; i < 2000; i++) {
        forge(fd, DARA_FS_STARTED, getpid(), 0);
        usleep(1000);
      }
      _exit(0);
    }
    close(fd);
    break;
  }
  case 'u':
    for (;;) {
      __atomic_store_n(&me->lock, DARA_TURN_PROC, __ATOMIC_SEQ_CST);
      syscall(SYS_futex, &me->lock, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
  case 'v': {
    r->hdr.spins = 0x7fffffffu;
    sched_yield();
    volatile unsigned long n = 0;
    for (;;)
      n++;
  }
  case 'w': {
    char fifo[64];
    snprintf(fifo, sizeof(fifo), "scribble-fifo.%d", (int)getpid());
    char abs[DARA_PATH_LEN];
    if (mkfifo(fifo, 0600) != 0 || !realpath(fifo, abs)) {
      perror("scribble: mkfifo");
      return 5;
    }
    int m = add_module(me, abs);
    if (m < 0)
      return 5;
    thread_in(me, m, 0x1000);
    unlink(fifo);
    break;
  }
  case 'x': {
    char copy[64], abs[DARA_PATH_LEN];
    snprintf(copy, sizeof(copy), "scribble-copy.%d", (int)getpid());
    if (copy_self(copy) != 0 || !realpath(copy, abs)) {
      perror("scribble: copy");
      return 5;
    }
    int cfd = open(copy, O_RDONLY | O_CLOEXEC);
    struct stat cst;
    if (cfd < 0 || fstat(cfd, &cst) != 0 ||
        mmap(NULL, (size_t)cst.st_size, PROT_READ, MAP_PRIVATE, cfd, 0) == MAP_FAILED) {
      perror("scribble: map the copy");
      return 5;
    }
    close(cfd);
    int m = add_module(me, abs);
    if (m < 0)
      return 5;
    thread_in(me, m, 0x1000);
    if (truncate(copy, 0) != 0)
      perror("scribble: truncate");
    thread_in(me, m, 0x1100);
    unlink(copy);
    break;
  }
  case 'h':
    memset(&r->hdr, 0, sizeof(r->hdr));
    sched_yield();
    pthread_create(&w2, NULL, latecomer, NULL);
    pthread_join(w2, NULL);
    break;
  }
  /* Only the harmless variants (and a scheduler that let garbage pass) get
   * here. */
  some_ops(3);
  pthread_mutex_unlock(&held);
  pthread_join(w, NULL);
  fprintf(stderr, "scribble: variant %s finished\n", v);
  return 0;
}
