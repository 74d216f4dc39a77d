/*
 * session.c: a session state machine driven by two event-handling threads
 * that poll it, each handling the events of its own side under the
 * session's mutex: the client side opens, authenticates, sends and
 * acknowledges; the server side accepts, checks the credentials, replies
 * and closes. Every transition is made
 * under the lock; an event whose state has not come yet is ignored (the
 * poll finds nothing to do).
 *
 * BUG: a protocol bug, not a locking one. The server's close frees the
 * session's buffer (ACKED -> CLOSED), and the client's handler for the
 * closed state still flushes the buffer: assert(s->buf != NULL) fails.
 * It is reachable only when the two threads alternate exactly through the
 * states IDLE -> OPEN (client) -> ACCEPTED (server) -> AUTH (client) ->
 * AUTHED (server) -> SENT (client) -> REPLIED (server) -> ACKED (client)
 * -> CLOSED (server) and the client still has a poll left after that:
 * eight handoffs between the threads within their few polls (client 6,
 * server 5: one spare poll each), each a different branch of the handlers.
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { IDLE, OPEN, ACCEPTED, AUTH, AUTHED, SENT, REPLIED, ACKED, CLOSED };

struct session {
  pthread_mutex_t lock;
  int state;
  char *buf;
  int sent, received;
};

static struct session s = {PTHREAD_MUTEX_INITIALIZER, IDLE, NULL, 0, 0};
static char storage[64];

static void *client(void *arg) {
  (void)arg;
  for (int poll = 0; poll < 6; poll++) {
    pthread_mutex_lock(&s.lock);
    switch (s.state) {
    case IDLE:
      s.buf = storage;
      s.state = OPEN;
      break;
    case ACCEPTED:
      s.buf[0] = 'u';
      s.state = AUTH;
      break;
    case AUTHED:
      s.buf[0] = 'q';
      s.sent++;
      s.state = SENT;
      break;
    case REPLIED:
      s.received++;
      s.state = ACKED;
      break;
    case CLOSED:
      assert(s.buf != NULL);
      s.buf[1] = 0;
      break; /* flush */
    default:
      break; /* nothing to do yet */
    }
    pthread_mutex_unlock(&s.lock);
  }
  return NULL;
}

static void *server(void *arg) {
  (void)arg;
  for (int poll = 0; poll < 5; poll++) {
    pthread_mutex_lock(&s.lock);
    switch (s.state) {
    case OPEN:
      s.state = ACCEPTED;
      break;
    case AUTH:
      assert(s.buf[0] == 'u');
      s.state = AUTHED;
      break;
    case SENT:
      s.buf[0] = 'r';
      s.state = REPLIED;
      break;
    case ACKED:
      s.buf = NULL;
      s.state = CLOSED;
      break; /* frees the buffer */
    default:
      break;
    }
    pthread_mutex_unlock(&s.lock);
  }
  return NULL;
}

int main(void) {
  pthread_t c, v;
  pthread_create(&c, NULL, client, NULL);
  pthread_create(&v, NULL, server, NULL);
  pthread_join(c, NULL);
  pthread_join(v, NULL);
  printf("session ended in state %d after %d/%d\n", s.state, s.sent, s.received);
  return 0;
}
