/*
 * exec_after.c fail|true|slow: a few mutex operations in two threads, then
 * exec.
 *   fail: exec /bin/sh -c 'exit 3'           (dara has to report status 3)
 *   true: exec /bin/true                     (dara has to exit 0)
 *   slow: exec /bin/sh -c 'sleep 2; exit 3'  (status 3 again: the new
 *         program runs natively, for longer than a 1 s watchdog, and must
 *         not be taken for a thread that holds the turn)
 * The exec'd program runs natively; dara judges its exit status.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
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

int main(int argc, char **argv) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  worker(NULL);
  pthread_join(t, NULL);
  fflush(NULL);
  if (argc > 1 && strcmp(argv[1], "true") == 0)
    execl("/bin/true", "true", (char *)NULL);
  else if (argc > 1 && strcmp(argv[1], "slow") == 0)
    execl("/bin/sh", "sh", "-c", "sleep 2; exit 3", (char *)NULL);
  else
    execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
  perror("exec");
  return 127;
}
