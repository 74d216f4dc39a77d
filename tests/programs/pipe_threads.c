/*
 * pipe_threads: the main thread reads a pipe before the thread that writes
 * it has run. Under dara only one thread runs at a time, so the read must
 * wait as a scheduling point (and let the writer run), not block holding
 * the turn.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fds[2];

static void *writer(void *arg) {
  (void)arg;
  const char msg[] = "through the pipe\n";
  if (write(fds[1], msg, strlen(msg)) != (ssize_t)strlen(msg))
    perror("write");
  return NULL;
}

int main(void) {
  if (pipe(fds) != 0) {
    perror("pipe");
    return 1;
  }
  pthread_t t;
  if (pthread_create(&t, NULL, writer, NULL) != 0)
    return 1;
  char buf[64];
  ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
  if (n <= 0) {
    perror("read");
    return 1;
  }
  buf[n] = '\0';
  fputs(buf, stdout);
  pthread_join(t, NULL);
  return 0;
}
