/* stdin_lines.c: reads its standard input with stdio (fgets, which the
 * shim does not see), then two threads add up the lines' lengths under a
 * lock. Prints the total; with an argument, exits 1 when the total is not
 * that number. Every run of explore, and every replay, must read the same
 * input (outside.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 64
static char lines[MAX_LINES][128];
static int nlines;
static long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *add(void *arg) {
  int start = (int)(long)arg;
  for (int i = start; i < nlines; i += 2) {
    pthread_mutex_lock(&lock);
    total += (long)strcspn(lines[i], "\n");
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  while (nlines < MAX_LINES && fgets(lines[nlines], sizeof(lines[0]), stdin))
    nlines++;
  pthread_t t[2];
  for (long i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, add, (void *)i);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  printf("%d lines, %ld bytes\n", nlines, total);
  return argc > 1 && total != atol(argv[1]) ? 1 : 0;
}
