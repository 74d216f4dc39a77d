/*
 * unix_echo.c: a server and its clients over a UNIX-domain stream socket,
 * for tests/e2e/net.sh.
 *
 *   unix_echo PATH server N     accepts N clients one after another; reads
 *                               a line from each and sends it back after
 *                               "echo: "
 *   unix_echo PATH client NAME  connects (retrying while the server is not
 *                               listening yet), sends "NAME\n", prints the
 *                               reply
 *
 * The clients' sockets are unnamed, so both have the same two addresses
 * (unnamed, PATH): which client an accepted connection is cannot be told
 * from addresses, as it can over TCP. Errors end the process with perror
 * and exit status 1; bad arguments with exit status 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CONNECT_TRIES 500
#define CONNECT_WAIT_US 10000

_Noreturn static void die(const char *what) {
  perror(what);
  exit(1);
}

_Noreturn static void usage(void) {
  fputs("usage: unix_echo PATH server N | unix_echo PATH client NAME\n", stderr);
  exit(2);
}

static struct sockaddr_un address(const char *path) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof a.sun_path)
    usage();
  strcpy(a.sun_path, path);
  return a;
}

/* Reads up to a newline (included) or len - 1 bytes; the count. */
static size_t read_line(int fd, char *buf, size_t len) {
  size_t n = 0;
  while (n + 1 < len && (n == 0 || buf[n - 1] != '\n')) {
    ssize_t got = recv(fd, buf + n, len - 1 - n, 0);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      die("recv");
    if (got == 0)
      break;
    n += (size_t)got;
  }
  buf[n] = '\0';
  return n;
}

static void send_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t sent = send(fd, buf, len, 0);
    if (sent < 0 && errno == EINTR)
      continue;
    if (sent < 0)
      die("send");
    buf += sent;
    len -= (size_t)sent;
  }
}

static int server(const char *path, long clients) {
  struct sockaddr_un a = address(path);
  int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (lfd < 0)
    die("server: socket");
  unlink(path);
  if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0)
    die("server: bind");
  if (listen(lfd, (int)clients) != 0)
    die("server: listen");
  for (long i = 0; i < clients; i++) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
      die("server: accept");
    char line[128], reply[160];
    read_line(fd, line, sizeof line);
    int n = snprintf(reply, sizeof reply, "echo: %s", line);
    send_all(fd, reply, (size_t)n);
    close(fd);
  }
  close(lfd);
  unlink(path);
  return 0;
}

static int client(const char *path, const char *name) {
  struct sockaddr_un a = address(path);
  int fd = -1;
  for (int tries = 1;; tries++) {
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
      die("client: socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
      break;
    if (errno != ENOENT && errno != ECONNREFUSED && errno != EINTR)
      die("client: connect");
    if (tries == CONNECT_TRIES) {
      fprintf(stderr, "client: no server at %s after %d tries\n", path, tries);
      return 1;
    }
    close(fd);
    usleep(CONNECT_WAIT_US);
  }
  char line[128], reply[160];
  int n = snprintf(line, sizeof line, "%s\n", name);
  send_all(fd, line, (size_t)n);
  read_line(fd, reply, sizeof reply);
  printf("%s", reply);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4)
    usage();
  if (strcmp(argv[2], "server") == 0) {
    long n = strtol(argv[3], NULL, 10);
    if (n < 1 || n > 64)
      usage();
    return server(argv[1], n);
  }
  if (strcmp(argv[2], "client") == 0)
    return client(argv[1], argv[3]);
  usage();
}
