/*
 * sales_report.c: a bug that shows only in the output.
 *
 * BUGGY, without a crash. Two branch threads add their day's sales to the
 * company total. Each reads the total under the lock, works out the new
 * figure, and writes it back under the lock again: no data race, no failed
 * assertion, and the program always exits 0. But when the other branch's
 * update falls between our read and our write it is lost, and the report
 * prints the wrong total. Only a check of the output sees it:
 *
 *   dara explore --check 'diff - examples/sales_report.expected' -- \
 *       build/examples/sales_report
 *
 * (the check runs in the directory dara was started in, with the report on
 * its standard input).
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total = 1000;

struct branch {
  const char *name;
  long sales;
};

static void *add_sales(void *arg) {
  const struct branch *b = arg;
  pthread_mutex_lock(&lock);
  long seen = total;
  pthread_mutex_unlock(&lock);

  /* The bug: the total may change here; we write back from a stale read. */

  pthread_mutex_lock(&lock);
  total = seen + b->sales;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  struct branch branches[] = {{"north", 250}, {"south", 125}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, add_sales, &branches[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  printf("branches: %s, %s\n", branches[0].name, branches[1].name);
  printf("total: %ld\n", total);
  return 0;
}
