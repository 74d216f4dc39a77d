/*
 * prefork_server.c: a pre-fork server, the way Apache's prefork or many
 * small daemons are built. The parent listens, then forks two workers;
 * they share a page (MAP_SHARED) with a process-shared accept mutex, so
 * that one worker at a time waits in accept, and a count of requests
 * served. Each worker serves one request (it echoes it) and exits; the
 * parent waits for both and checks the count.
 *
 *   prefork_server server PORT [--fixed]
 *   prefork_server client PORT           (sends one request, reads the echo)
 *
 * The bug: a worker adds to the count after it let go of the accept
 * mutex, with a plain read and write. When two requests come in at once,
 * both workers can read the count before either writes it, and one
 * request is lost from the count. Only the memory accesses make it
 * visible, so dara finds it in a dara-cc build (--points all): the two
 * workers are processes, and their accesses to the shared page are
 * scheduling points like those of two threads. --fixed counts while it
 * still holds the mutex.
 *
 *   dara-cc -g -o prefork_server examples/prefork_server.c -pthread
 *   dara explore --points all -- ./prefork_server server 7000 : \
 *       ./prefork_server client 7000 : ./prefork_server client 7000
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 2

struct shared {
  pthread_mutex_t accept_lock;
  int served;
};

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

static void worker(int ls, struct shared *sh, bool fixed) {
  pthread_mutex_lock(&sh->accept_lock);
  int c = accept(ls, NULL, NULL);
  if (fixed)
    sh->served++;
  pthread_mutex_unlock(&sh->accept_lock);
  if (c < 0)
    _exit(1);
  char buf[64];
  ssize_t n = read(c, buf, sizeof(buf));
  if (!fixed)
    sh->served++; /* the bug: outside the mutex */
  if (n > 0 && write(c, buf, (size_t)n) != n)
    _exit(1);
  close(c);
  _exit(0);
}

static int server(int port, bool fixed) {
  struct shared *sh =
      mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED)
    return 1;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&sh->accept_lock, &attr);
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in sa = loopback(port);
  if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 8) != 0) {
    perror("prefork_server: listen");
    return 1;
  }
  pid_t pids[WORKERS];
  for (int i = 0; i < WORKERS; i++)
    if ((pids[i] = fork()) == 0)
      worker(ls, sh, fixed);
  int failed = 0;
  for (int i = 0; i < WORKERS; i++) {
    int st;
    if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
      failed++;
  }
  printf("served %d requests\n", sh->served);
  if (failed == 0 && sh->served != WORKERS) {
    fprintf(stderr, "prefork_server: %d requests served, %d counted\n", WORKERS, sh->served);
    abort();
  }
  return failed ? 1 : 0;
}

static int client(int port) {
  struct sockaddr_in sa = loopback(port);
  int s;
  /* The server may not listen yet: try again, as a client would. */
  while ((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
         connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(s);
    usleep(1000);
  }
  char buf[64];
  ssize_t n = write(s, "hello", 5) == 5 ? read(s, buf, sizeof(buf)) : -1;
  close(s);
  return n == 5 && memcmp(buf, "hello", 5) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "server") == 0)
    return server(atoi(argv[2]), argc > 3 && strcmp(argv[3], "--fixed") == 0);
  if (argc >= 3 && strcmp(argv[1], "client") == 0)
    return client(atoi(argv[2]));
  fprintf(stderr, "usage: prefork_server server PORT [--fixed] | client PORT\n");
  return 2;
}
