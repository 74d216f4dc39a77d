/* dpor_rules MODE: one small program per dependency rule of dpor
 * (src/sched/deps.h), each ending with an exit status that says how its
 * threads' operations were ordered, so that every distinct behaviour is a
 * distinct outcome. tests/e2e/dpor.sh checks, for each, that dpor runs
 * exactly the traces and the outcomes that brute force (dfs over every
 * interleaving) finds.
 *
 *   trylock  a trylock succeeds or fails depending on the lock's holder
 *   cond     a signal sent before or after the waiter waits (timed wait,
 *            so a lost signal ends in a timeout, not a deadlock)
 *   sem      a waiter and a trywait race for a posted token
 *   rwlock   two readers and a writer: readers commute, the writer does not
 *   barrier  which of two threads completes the barrier
 *   join     a thread's result seen only through join
 *   pipe     two threads write a byte each into one pipe
 *   sleep    a sleeping thread and a polling one meet under a mutex
 *   once     which thread runs the once routine
 *   yield    two threads yield, then note themselves under a mutex, yield
 *            and note again: fairness holds a thread that yielded back
 *            until the other ran, so who may run depends on the yields
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_barrier_t barrier;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static sem_t sem;
static int fds[2];
static int order[8], norder, flag, who_once;

/* Notes that thread `id` got somewhere (under lock). */
static void note(int id) {
  pthread_mutex_lock(&lock);
  order[norder++] = id;
  pthread_mutex_unlock(&lock);
}

/* ---- trylock ---- */
static void *try_holder(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}
static void *try_taker(void *arg) {
  (void)arg;
  if (pthread_mutex_trylock(&lock) == 0) {
    flag = 1;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

/* ---- cond ---- */
static void *cond_waiter(void *arg) {
  (void)arg;
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_sec += 1;
  pthread_mutex_lock(&lock);
  int rc = flag ? 0 : pthread_cond_timedwait(&cond, &lock, &t);
  order[norder++] = flag ? 1 : rc == ETIMEDOUT ? 2 : 3;
  pthread_mutex_unlock(&lock);
  return NULL;
}
static void *cond_signaller(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
  pthread_cond_signal(&cond); /* outside the lock: may come before the wait */
  return NULL;
}

/* ---- sem ---- */
static void *sem_waiter(void *arg) {
  (void)arg;
  sem_wait(&sem);
  note(1);
  return NULL;
}

/* ---- rwlock ---- */
static void *rw_reader(void *arg) {
  (void)arg;
  pthread_rwlock_rdlock(&rw);
  order[norder++] = flag ? 1 : 2;
  pthread_rwlock_unlock(&rw);
  return NULL;
}

/* ---- barrier ---- */
static void *barrier_party(void *arg) {
  if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
    note((int)(long)arg);
  return NULL;
}

/* ---- join ---- */
static void *join_child(void *arg) {
  (void)arg;
  note(1);
  return (void *)7L;
}

/* ---- pipe ---- */
static void *pipe_writer(void *arg) {
  char c = (char)('0' + (long)arg);
  if (write(fds[1], &c, 1) != 1)
    return NULL;
  return NULL;
}

/* ---- sleep ---- */
static void *sleeper(void *arg) {
  (void)arg;
  usleep(1000);
  pthread_mutex_lock(&lock);
  flag = 1;
  pthread_mutex_unlock(&lock);
  return NULL;
}

/* ---- once ---- */
static __thread int my_id;
static void init_once(void) { who_once = my_id; }
static void *once_caller(void *arg) {
  my_id = (int)(long)arg;
  pthread_once(&once, init_once);
  return NULL;
}

static void run(void *(*a)(void *), void *(*b)(void *), void *(*c)(void *)) {
  pthread_t t[3];
  void *(*f[3])(void *) = {a, b, c};
  int n = 0;
  for (int i = 0; i < 3; i++)
    if (f[i])
      pthread_create(&t[n++], NULL, f[i], (void *)(long)(i + 1));
  for (int i = 0; i < n; i++)
    pthread_join(t[i], NULL);
}

/* ---- yield ---- */
static void *yielder(void *arg) {
  int id = (int)(long)arg;
  sched_yield();
  note(id);
  sched_yield();
  note(id);
  return NULL;
}

/* The order of notes as a number: 1, 2 -> 12. */
static int order_code(void) {
  int code = 0;
  for (int i = 0; i < norder; i++)
    code = code * 10 + order[i];
  return code;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "trylock") == 0) {
    run(try_holder, try_taker, NULL);
    return flag;
  }
  if (strcmp(mode, "cond") == 0) {
    run(cond_waiter, cond_signaller, NULL);
    return order_code();
  }
  if (strcmp(mode, "sem") == 0) { /* main posts a token, then tries to take it back */
    pthread_t t;
    sem_init(&sem, 0, 0);
    pthread_create(&t, NULL, sem_waiter, NULL);
    note(2);
    sem_post(&sem);
    if (sem_trywait(&sem) == 0) {
      note(3);
      sem_post(&sem);
    }
    pthread_join(t, NULL);
    return order_code();
  }
  if (strcmp(mode, "rwlock") == 0) { /* main reads too, then writes */
    pthread_t t;
    pthread_create(&t, NULL, rw_reader, NULL);
    pthread_rwlock_rdlock(&rw);
    pthread_rwlock_unlock(&rw);
    pthread_rwlock_wrlock(&rw);
    flag = 1;
    pthread_rwlock_unlock(&rw);
    pthread_join(t, NULL);
    return order_code();
  }
  if (strcmp(mode, "barrier") == 0) {
    pthread_t t;
    pthread_barrier_init(&barrier, NULL, 2);
    pthread_create(&t, NULL, barrier_party, (void *)1L);
    barrier_party((void *)2L);
    pthread_join(t, NULL);
    return order_code();
  }
  if (strcmp(mode, "join") == 0) {
    pthread_t t;
    void *result;
    pthread_create(&t, NULL, join_child, NULL);
    note(2);
    pthread_join(t, &result);
    return order_code() + (result == (void *)7L ? 0 : 100);
  }
  if (strcmp(mode, "pipe") == 0) {
    if (pipe(fds) != 0)
      return 255;
    run(pipe_writer, pipe_writer, NULL);
    char got[2];
    if (read(fds[0], got, 2) != 2)
      return 254;
    return (got[0] - '0') * 10 + (got[1] - '0');
  }
  if (strcmp(mode, "sleep") == 0) { /* main checks, under the lock, if the sleeper woke */
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    pthread_mutex_lock(&lock);
    int woke = flag;
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    return woke ? 1 : 2;
  }
  if (strcmp(mode, "once") == 0) {
    run(once_caller, once_caller, NULL);
    return who_once;
  }
  if (strcmp(mode, "yield") == 0) {
    run(yielder, yielder, NULL);
    return order_code() % 256;
  }
  fprintf(stderr, "usage: dpor_rules trylock|cond|sem|rwlock|barrier|join|pipe|sleep|once|yield\n");
  return 255;
}
