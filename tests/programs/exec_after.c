/*
 * exec_after.c fail|true|missing|static PATH: a few mutex operations in
 * two threads, then exec.
 *   fail: exec /bin/sh -c 'exit 3'           (dara has to report status 3)
 *   true: exec /bin/true                     (dara has to exit 0)
 *   missing: a second thread is still running when the exec of a program
 *         that does not exist fails: the process stays under control, main
 *         joins the thread and exits with status 4, saying why.
 *   static PATH: exec PATH slow, a statically linked program that takes
 *         2 s and exits with status 3: it cannot load the shim, so it runs
 *         natively, for longer than a 1 s watchdog, and must not be taken
 *         for a thread that holds the turn.
 * A dynamically linked program exec'd stays under control (a process of
 * its own in the schedule); dara judges its exit status either way.
 */
#include <errno.h>
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
  if (argc > 1 && strcmp(argv[1], "missing") == 0) {
    pthread_create(&t, NULL, worker, NULL);
    execl("/nonexistent/dara-test", "dara-test", (char *)NULL);
    int e = errno;
    worker(NULL);
    pthread_join(t, NULL);
    fprintf(stderr, "exec failed: %s; counter %d\n", strerror(e), counter);
    return 4;
  }
  pthread_create(&t, NULL, worker, NULL);
  worker(NULL);
  pthread_join(t, NULL);
  fflush(NULL);
  if (argc > 1 && strcmp(argv[1], "true") == 0)
    execl("/bin/true", "true", (char *)NULL);
  else if (argc > 2 && strcmp(argv[1], "static") == 0)
    execl(argv[2], argv[2], "slow", (char *)NULL);
  else
    execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
  perror("exec");
  return 127;
}
