/* exit_dtors.c MODE: a lost update in the code a thread runs on its way out,
 * after its start routine: each worker's pthread key destructor adds one to
 * a count in two critical sections (read, then write), and the last
 * destructor asserts that the count is the number of threads. It fails only
 * when two destructors interleave, so only a schedule that controls them
 * finds it. MODE:
 *   join       two workers, joined
 *   detach     two detached workers; main waits until both destructors ran
 *   main-exit  two workers, and main's own destructor: main leaves with
 *              pthread_exit, and the last thread ends the process
 *   locked     as join, with the update in one critical section: no bug;
 *              main checks after the joins that both destructors ran
 */
#undef NDEBUG /* the assertions are the test, in every build type */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_done = PTHREAD_COND_INITIALIZER;
static pthread_key_t key;
static int count, done, threads = 2;
static int locked;

static void destructor(void *value) {
  (void)value;
  pthread_mutex_lock(&lock);
  int seen = count;
  if (!locked) {
    pthread_mutex_unlock(&lock);
    pthread_mutex_lock(&lock);
  }
  count = seen + 1;
  if (++done == threads) {
    assert(count == threads);
    pthread_cond_broadcast(&all_done);
  }
  pthread_mutex_unlock(&lock);
}

static void *worker(void *arg) {
  pthread_setspecific(key, arg);
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "join";
  locked = strcmp(mode, "locked") == 0;
  int detach = strcmp(mode, "detach") == 0, main_exit = strcmp(mode, "main-exit") == 0;
  if (main_exit)
    threads = 3;
  pthread_key_create(&key, destructor);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  if (detach)
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], &attr, worker, &key); /* any value but NULL */
  if (main_exit) {
    pthread_setspecific(key, &key);
    pthread_exit(NULL);
  }
  if (detach) {
    pthread_mutex_lock(&lock);
    while (done < threads)
      pthread_cond_wait(&all_done, &lock);
    pthread_mutex_unlock(&lock);
  } else {
    for (int i = 0; i < 2; i++)
      pthread_join(t[i], NULL);
    /* a joined thread has run its destructors */
    pthread_mutex_lock(&lock);
    assert(done == threads);
    pthread_mutex_unlock(&lock);
  }
  printf("count %d\n", count);
  return 0;
}
