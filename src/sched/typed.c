/*
 * typed.c: standard input typed at a terminal. See typed.h.
 */
#include "sched/typed.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct typed {
  bool replay;
  int tty;      /* record: the terminal; -1 once it ended */
  int in;       /* dara's copy of the programs' end: to see it empty */
  int out;      /* the end dara writes; -1 once closed */
  uint8_t *buf; /* record: typed, not yet forwarded */
  size_t len, cap;
  bool ended; /* record: the terminal said end of input */
  /* replay: the chunks, and the next one to write */
  const struct sched_input_chunk *chunks;
  size_t nchunks, next;
};

static struct typed *make(bool replay, int *prog_fd, char *err, size_t err_len) {
  int fds[2];
  struct typed *t = calloc(1, sizeof(*t));
  if (!t || pipe2(fds, O_CLOEXEC) != 0) {
    snprintf(err, err_len, "standard input's pipe: %s", t ? strerror(errno) : "out of memory");
    free(t);
    return NULL;
  }
  /* dara never waits on its end: the programs may not read for a while. */
  (void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
  t->replay = replay;
  t->tty = -1;
  t->out = fds[1];
  t->in = fcntl(fds[0], F_DUPFD_CLOEXEC, 3);
  *prog_fd = fds[0];
  if (t->in < 0) {
    snprintf(err, err_len, "standard input's pipe: %s", strerror(errno));
    close(fds[0]);
    typed_free(t);
    return NULL;
  }
  return t;
}

struct typed *typed_from_terminal(int tty, int *prog_fd, char *err, size_t err_len) {
  struct typed *t = make(false, prog_fd, err, err_len);
  if (t)
    t->tty = tty;
  return t;
}

struct typed *typed_from_chunks(const struct sched_input_chunk *c, size_t n, int *prog_fd,
                                char *err, size_t err_len) {
  struct typed *t = make(true, prog_fd, err, err_len);
  if (t) {
    t->chunks = c;
    t->nchunks = n;
  }
  return t;
}

void typed_free(struct typed *t) {
  if (!t)
    return;
  if (t->in >= 0)
    close(t->in);
  if (t->out >= 0)
    close(t->out);
  free(t->buf);
  free(t);
}

static bool pipe_empty(const struct typed *t) {
  int queued = 0;
  return ioctl(t->in, FIONREAD, &queued) == 0 && queued == 0;
}

/* Writes all of data into the (empty) pipe: a chunk is at most what the
 * terminal gave, far below the pipe's capacity. */
static bool put(struct typed *t, const uint8_t *data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t k = write(t->out, data + done, len - done);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0 && errno == EAGAIN) {
      struct pollfd p = {.fd = t->out, .events = POLLOUT};
      (void)poll(&p, 1, 100);
      continue;
    }
    if (k <= 0)
      return false; /* no reader left: the input goes nowhere */
    done += (size_t)k;
  }
  return true;
}

static void end_input(struct typed *t) {
  if (t->out >= 0)
    close(t->out);
  t->out = -1;
}

/* record: reads whatever the terminal has now, without waiting. */
static void read_terminal(struct typed *t) {
  while (t->tty >= 0 && !t->ended) {
    struct pollfd p = {.fd = t->tty, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
      return;
    if (t->len + 4096 > t->cap) {
      size_t cap = t->cap ? t->cap * 2 : 8192;
      uint8_t *b = realloc(t->buf, cap);
      if (!b)
        return;
      t->buf = b;
      t->cap = cap;
    }
    ssize_t k = read(t->tty, t->buf + t->len, 4096);
    if (k < 0 && (errno == EINTR || errno == EAGAIN))
      return;
    if (k <= 0) {
      t->ended = true; /* Ctrl-D, or the terminal went away */
      return;
    }
    t->len += (size_t)k;
  }
}

void typed_pump(struct typed *t, uint64_t steps,
                void (*chunk)(void *ctx, const struct sched_input_chunk *c), void *ctx) {
  if (!t || t->out < 0)
    return;
  if (t->replay) {
    while (t->next < t->nchunks && t->chunks[t->next].steps <= steps && pipe_empty(t)) {
      const struct sched_input_chunk *c = &t->chunks[t->next++];
      if (c->len)
        (void)put(t, c->data, (size_t)c->len);
      if (c->eof) {
        end_input(t);
        return;
      }
    }
    return;
  }
  read_terminal(t);
  if (!pipe_empty(t) || (t->len == 0 && !t->ended))
    return;
  struct sched_input_chunk c = {.steps = steps, .eof = t->ended, .len = t->len, .data = t->buf};
  if (t->len)
    (void)put(t, t->buf, t->len);
  if (chunk)
    chunk(ctx, &c);
  t->len = 0;
  if (t->ended)
    end_input(t);
}

bool typed_person(const struct typed *t) {
  return t && !t->replay && !t->ended && t->out >= 0 && pipe_empty(t);
}

bool typed_wait(const struct typed *t, int timeout_ms) {
  if (!t || t->replay || t->ended || t->tty < 0)
    return false;
  struct pollfd p = {.fd = t->tty, .events = POLLIN};
  return poll(&p, 1, timeout_ms) > 0;
}
