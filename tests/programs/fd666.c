/*
 * fd666.c: at the start of main, closes descriptor 666 (where dara passed
 * its region) and puts a pipe there, then uses threads and mutexes normally
 * and checks that the pipe at 666 works. dara must not need descriptor 666
 * once the program runs: exit 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  int p[2];
  close(666);
  if (pipe(p) != 0 || dup2(p[1], 666) != 666) {
    perror("pipe/dup2");
    return 1;
  }
  close(p[1]);
  pthread_t a, b;
  pthread_create(&a, NULL, worker, NULL);
  pthread_create(&b, NULL, worker, NULL);
  if (write(666, "x", 1) != 1) {
    perror("write 666");
    return 1;
  }
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  char c = 0;
  if (read(p[0], &c, 1) != 1 || c != 'x') {
    fprintf(stderr, "fd666: the pipe at 666 does not work\n");
    return 1;
  }
  printf("fd666: counter %d, pipe ok\n", counter);
  return counter == 6 ? 0 : 1;
}
