/* env_threads.c: starts as many threads as $THREADS says (1 by default),
 * or as the file named by its argument says, each taking a lock once: a
 * program that behaves as its world says. A replay restores the
 * environment (outside.h) and the files a program opens to read
 * (infiles.h), but this one opens its file to read and write ("r+"),
 * which dara leaves as it is: a replay after the file changed diverges. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *work(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char **argv) {
  const char *env = getenv("THREADS");
  int n = env ? atoi(env) : 1;
  if (argc > 1) {
    FILE *f = fopen(argv[1], "r+");
    if (!f || fscanf(f, "%d", &n) != 1)
      return 2;
    fclose(f);
  }
  pthread_t t[8];
  for (int i = 0; i < n && i < 8; i++)
    pthread_create(&t[i], NULL, work, NULL);
  for (int i = 0; i < n && i < 8; i++)
    pthread_join(t[i], NULL);
  return 0;
}
