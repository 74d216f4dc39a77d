/*
 * cov_rare: a line that only a rare interleaving reaches (coverage.sh).
 *
 * The writer stores 1, 2, 3 into `stage`; the reader looks once. It sees 2
 * only when it runs between the writer's second and third stores, and only
 * then runs the line marked RARE. With the argument "strict" that line
 * fails an assertion: a bug only that interleaving shows. never_called()
 * is there to be reported as lines that did not run.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int stage, seen, strict;

static void *writer(void *arg) {
  (void)arg;
  for (int i = 0; i < 3; i++)
    stage = i + 1;
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  if (stage == 2) { /* IF */
    seen = 1;       /* RARE */
    assert(!strict && "the reader saw the update half done");
  }
  return NULL;
}

int never_called(int x);
int never_called(int x) {
  int y = x * 2; /* NEVER */
  return y + 1;
}

int main(int argc, char **argv) {
  strict = argc > 1 && strcmp(argv[1], "strict") == 0;
  pthread_t a, b;
  pthread_create(&a, NULL, writer, NULL);
  pthread_create(&b, NULL, reader, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("seen %d\n", seen);
  return 0;
}
