/*
 * lazy_init.c: a configuration initialized on first use, by whichever
 * thread asks first, with no lock: the pointer is published before the
 * fields it points to are filled in.
 *
 * BUGGY. Two request threads call get_config(). When one has stored the
 * pointer but not yet the port, the other takes the pointer and reads port
 * 0: the assertion fails. There is no lock, atomic or system call between
 * the two stores, so dara can only run the other thread between them in a
 * build made with dara-cc (scripts/demo shows both builds).
 */
#undef NDEBUG
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

struct config {
  int port;
  int workers;
};

static struct config storage;
static struct config *config; /* NULL until initialized */

static struct config *get_config(void) {
  if (!config) {
    config = &storage; /* published too early */
    storage.port = 8080;
    storage.workers = 4;
  }
  return config;
}

static void *request(void *arg) {
  const struct config *c = get_config();
  assert(c->port == 8080);
  printf("request %ld served on port %d\n", (long)arg, c->port);
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, request, (void *)1L);
  pthread_create(&b, NULL, request, (void *)2L);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  return 0;
}
