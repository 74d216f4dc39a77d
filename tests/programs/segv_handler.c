/*
 * segv_handler.c: installs its own SIGSEGV handler (prints, then _exit(3)),
 * then a thread dereferences NULL after a few mutex operations. The process
 * ends with exit status 3, not a signal: dara has to report that status.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void on_segv(int sig) {
  static const char msg[] = "segv_handler: caught SIGSEGV, exiting with status 3\n";
  (void)sig;
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
  (void)ignored;
  _exit(3);
}

static void *crasher(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  *(volatile int *)NULL = counter;
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_segv;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  pthread_t t;
  pthread_create(&t, NULL, crasher, NULL);
  pthread_join(t, NULL);
  puts("not reached");
  return 0;
}
