/*
 * holders.c: deadlocks whose holders only the scheduler's own bookkeeping
 * knows (src/sched/holders.h), the same in every schedule.
 *
 * Usage: holders readers|self|sem|never
 *   readers  main locks m, starts two readers that each take rw for
 *            reading (and say so on a semaphore) and then lock m; once both
 *            hold rw, main asks for it for writing: main waits for the two
 *            readers, they wait for main.
 *   self     main takes rw for reading, then for writing: it waits for
 *            itself.
 *   sem      a thread posts s once and exits; main waits on s twice: the
 *            second wait blocks for ever, the last post having been the
 *            thread's.
 *   never    main waits on s, which no thread posts.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static sem_t held, s;

static void *reader(void *arg) {
  (void)arg;
  pthread_rwlock_rdlock(&rw);
  sem_post(&held);
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  pthread_rwlock_unlock(&rw);
  return NULL;
}

static void *poster(void *arg) {
  (void)arg;
  sem_post(&s);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: holders readers|self|sem|never\n");
    return 2;
  }
  sem_init(&held, 0, 0);
  sem_init(&s, 0, 0);
  pthread_t t[2];
  if (strcmp(argv[1], "readers") == 0) {
    pthread_mutex_lock(&m);
    for (int i = 0; i < 2; i++)
      pthread_create(&t[i], NULL, reader, NULL);
    sem_wait(&held);
    sem_wait(&held);
    pthread_rwlock_wrlock(&rw);
    pthread_rwlock_unlock(&rw);
    pthread_mutex_unlock(&m);
    for (int i = 0; i < 2; i++)
      pthread_join(t[i], NULL);
  } else if (strcmp(argv[1], "self") == 0) {
    pthread_rwlock_rdlock(&rw);
    pthread_rwlock_wrlock(&rw);
  } else if (strcmp(argv[1], "never") == 0) {
    sem_wait(&s);
  } else if (strcmp(argv[1], "sem") == 0) {
    pthread_create(&t[0], NULL, poster, NULL);
    pthread_join(t[0], NULL);
    sem_wait(&s);
    sem_wait(&s);
  } else {
    fprintf(stderr, "usage: holders readers|self|sem|never\n");
    return 2;
  }
  puts("no deadlock");
  return 0;
}
