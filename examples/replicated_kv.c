/*
 * replicated_kv.c: a primary/backup key-value store that loses an
 * acknowledged write when the primary crashes.
 *
 * BUGGY unless started with --fixed. One program, three roles, each a
 * process, over TCP on 127.0.0.1:
 *
 *   replicated_kv backup  BPORT              serves the copy
 *   replicated_kv primary PPORT BPORT [--fixed]
 *   replicated_kv client  PPORT BPORT        the test: writes, then checks
 *
 * The protocol is one text line per request, one line per reply:
 *
 *   PUT key n  ->  OK        GET key  ->  VALUE n (0 when absent)
 *   QUIT       ->  (none: the server exits)
 *
 * The primary copies every PUT to the backup (the same PUT, answered OK)
 * over a connection it opens at start. The client puts x = 1; once the
 * primary has said OK, the write is acknowledged and must survive the
 * primary: if the primary then fails, the client fails over to the backup
 * and reads x there, asserting it is 1. The client ends both servers
 * with QUIT.
 *
 * The bug: the primary answers OK before it copies the write to the
 * backup. Without a fault no schedule shows it (the primary never fails,
 * and the client never reads the backup); a crash of the primary between
 * its OK and the copy loses the acknowledged write:
 *
 *   dara explore --faults crash --fault-procs 0,1 -- \
 *     ./replicated_kv backup 7411 : ./replicated_kv primary 7412 7411 : \
 *     ./replicated_kv client 7412 7411
 *
 * With --fixed the primary copies first and answers after, and no crash
 * loses a write. Every role gives up on a peer it cannot reach after a
 * bounded number of tries, so that a crash anywhere ends in a finished run,
 * not a wait for ever.
 */
#undef NDEBUG /* the assert is the point: keep it in release builds */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_LEN 128
#define CONNECT_TRIES 200
#define CONNECT_WAIT_US 10000
#define MAX_KEYS 16

struct entry {
  char key[32];
  long value;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry table[MAX_KEYS]; /* under lock */
static int nkeys;                    /* under lock */

/* A connection with the bytes received and not yet returned as a line. */
struct conn {
  int fd;
  char buf[LINE_LEN];
  size_t len;
};

_Noreturn static void die(const char *what) {
  perror(what);
  exit(1);
}

_Noreturn static void usage(void) {
  fprintf(stderr, "usage: replicated_kv backup BPORT\n"
                  "       replicated_kv primary PPORT BPORT [--fixed]\n"
                  "       replicated_kv client PPORT BPORT\n");
  exit(2);
}

static int parse_port(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 1 || v > 65535)
    usage();
  return (int)v;
}

static struct sockaddr_in loopback(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  if (fd < 0)
    die("replicated_kv: socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = loopback(port);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
    die("replicated_kv: bind");
  if (listen(fd, 8) != 0)
    die("replicated_kv: listen");
  return fd;
}

/* Connects to 127.0.0.1:port, retrying while nobody listens there; -1
 * when nobody does after CONNECT_TRIES tries (the peer is gone). */
static int connect_to(int port) {
  struct sockaddr_in a = loopback(port);
  for (int tries = 0; tries < CONNECT_TRIES; tries++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      die("replicated_kv: socket");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
      return fd;
    int err = errno;
    close(fd);
    if (err != ECONNREFUSED && err != EINTR)
      return -1;
    usleep(CONNECT_WAIT_US);
  }
  return -1;
}

/* Sends the line s; 0 when the peer is gone. */
static int send_line(int fd, const char *s) {
  size_t len = strlen(s), done = 0;
  while (done < len) {
    ssize_t n = send(fd, s + done, len - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return 0;
    done += (size_t)n;
  }
  return 1;
}

/* The next line of c, without its '\n'; 0 when the peer closed the
 * connection or it failed (a crashed peer resets it). */
static int read_line(struct conn *c, char *line, size_t size) {
  for (;;) {
    char *nl = memchr(c->buf, '\n', c->len);
    if (nl) {
      size_t n = (size_t)(nl - c->buf);
      if (n >= size)
        return 0;
      memcpy(line, c->buf, n);
      line[n] = '\0';
      c->len -= n + 1;
      memmove(c->buf, nl + 1, c->len);
      return 1;
    }
    if (c->len == sizeof c->buf)
      return 0;
    ssize_t got = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      return 0;
    c->len += (size_t)got;
  }
}

/* A request and its reply line; 0 when the peer is gone. */
static int call(struct conn *c, const char *request, char *reply, size_t size) {
  return send_line(c->fd, request) && read_line(c, reply, size);
}

static long *slot(const char *key) {
  for (int i = 0; i < nkeys; i++)
    if (strcmp(table[i].key, key) == 0)
      return &table[i].value;
  if (nkeys == MAX_KEYS)
    return NULL;
  snprintf(table[nkeys].key, sizeof table[nkeys].key, "%s", key);
  table[nkeys].value = 0;
  return &table[nkeys++].value;
}

/* The primary's copy of its writes, or NULL once the backup is gone. */
static struct conn *backup_link;

static void copy_to_backup(const char *request) {
  char reply[LINE_LEN];
  if (backup_link && !call(backup_link, request, reply, sizeof reply)) {
    close(backup_link->fd); /* the backup is gone: go on alone */
    backup_link = NULL;
  }
}

/* Serves c's requests until QUIT (the process exits) or the peer leaves. */
static void serve(struct conn *c, int fixed) {
  char line[LINE_LEN], key[32], reply[LINE_LEN];
  long value;
  while (read_line(c, line, sizeof line)) {
    pthread_mutex_lock(&lock);
    if (strcmp(line, "QUIT") == 0)
      exit(0);
    if (sscanf(line, "PUT %31s %ld", key, &value) == 2) {
      long *v = slot(key);
      if (v)
        *v = value;
      snprintf(reply, sizeof reply, "%s\n", v ? "OK" : "FULL");
      char request[LINE_LEN];
      snprintf(request, sizeof request, "PUT %s %ld\n", key, value);
      if (fixed) /* copied before it is acknowledged */
        copy_to_backup(request);
      int sent = send_line(c->fd, reply);
      if (!fixed) /* BUG: acknowledged before it is copied */
        copy_to_backup(request);
      pthread_mutex_unlock(&lock);
      if (!sent)
        break;
      continue;
    }
    if (sscanf(line, "GET %31s", key) == 1) {
      long *v = slot(key);
      snprintf(reply, sizeof reply, "VALUE %ld\n", v ? *v : 0);
    } else {
      snprintf(reply, sizeof reply, "ERROR\n");
    }
    pthread_mutex_unlock(&lock);
    if (!send_line(c->fd, reply))
      break;
  }
  close(c->fd);
}

static void *serve_thread(void *arg) {
  struct conn *c = arg;
  serve(c, 1);
  free(c);
  return NULL;
}

/* The backup: serves every connection (the primary's copy, the client
 * after a failover) in a thread of its own, until one says QUIT. */
static int backup(int port) {
  int lfd = listen_on(port);
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      die("replicated_kv: accept");
    }
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
      die("replicated_kv: calloc");
    c->fd = fd;
    pthread_t t;
    if (pthread_create(&t, NULL, serve_thread, c) != 0)
      die("replicated_kv: pthread_create");
    pthread_detach(t);
  }
}

/* The primary: opens its copy to the backup, then serves one client. */
static int primary(int port, int backup_port, int fixed) {
  int lfd = listen_on(port);
  static struct conn link;
  link.fd = connect_to(backup_port);
  backup_link = link.fd >= 0 ? &link : NULL;
  int fd = accept(lfd, NULL, NULL);
  if (fd < 0)
    die("replicated_kv: accept");
  struct conn c = {.fd = fd};
  serve(&c, fixed);
  return 0; /* the client left without QUIT */
}

/* The client: x = 1 through the primary; once acknowledged, x must read 1
 * from the primary, or, if the primary fails, from the backup. */
static int client(int port, int backup_port) {
  char reply[LINE_LEN];
  int acknowledged = 0, primary_failed = 1;
  struct conn p = {.fd = connect_to(port)};
  if (p.fd >= 0) {
    if (call(&p, "PUT x 1\n", reply, sizeof reply) && strcmp(reply, "OK") == 0) {
      acknowledged = 1;
      if (call(&p, "GET x\n", reply, sizeof reply)) {
        primary_failed = 0;
        assert(strcmp(reply, "VALUE 1") == 0);
        send_line(p.fd, "QUIT\n");
      }
    }
    close(p.fd);
  }
  /* The backup: read there if the primary failed after acknowledging,
   * and end it either way (a QUIT the primary took before it crashed
   * would have ended nothing else). */
  struct conn b = {.fd = connect_to(backup_port)};
  if (b.fd < 0)
    return 0; /* gone too: nothing to check */
  if (acknowledged && primary_failed && call(&b, "GET x\n", reply, sizeof reply)) {
    if (strcmp(reply, "VALUE 1") != 0)
      fprintf(stderr, "replicated_kv: the acknowledged write x = 1 is lost: the backup says %s\n",
              reply);
    assert(strcmp(reply, "VALUE 1") == 0 && "an acknowledged write was lost");
  }
  send_line(b.fd, "QUIT\n");
  close(b.fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "backup") == 0)
    return backup(parse_port(argv[2]));
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "primary") == 0) {
    if (argc == 5 && strcmp(argv[4], "--fixed") != 0)
      usage();
    return primary(parse_port(argv[2]), parse_port(argv[3]), argc == 5);
  }
  if (argc == 4 && strcmp(argv[1], "client") == 0)
    return client(parse_port(argv[2]), parse_port(argv[3]));
  usage();
}
