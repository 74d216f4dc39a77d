/*
 * racy_counter.c: one racy counter among many accesses that are not racy
 * (for tests/e2e/racy.sh, built with dara-cc).
 *
 * Two threads each fill and sum a row of their own in a global table (a
 * few hundred plain loads and stores that race with nothing: each row has
 * one writer, and main reads it after the join), then do `counter++` on a
 * plain global without a lock, the one data race. main exits 1 when an
 * update was lost (counter is not 2) or a sum is wrong.
 */
#include <pthread.h>
#include <stdio.h>

#define ROW 200

int counter;
static int table[2][ROW];
static long sums[2];

static void *work(void *arg) {
  int me = *(const int *)arg;
  for (int i = 0; i < ROW; i++)
    table[me][i] = i + me;
  long sum = 0;
  for (int i = 0; i < ROW; i++)
    sum += table[me][i];
  sums[me] = sum;
  counter++;
  return NULL;
}

int main(void) {
  static const int ids[2] = {0, 1};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, work, (void *)&ids[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  for (int me = 0; me < 2; me++)
    if (sums[me] != (long)ROW * (ROW - 1) / 2 + (long)ROW * me) {
      printf("row %d sums to %ld\n", me, sums[me]);
      return 1;
    }
  if (counter != 2) {
    printf("lost update: counter %d\n", counter);
    return 1;
  }
  printf("counter %d\n", counter);
  return 0;
}
