/*
 * infile: a program that reads files it opens itself, for tests/e2e/files.sh.
 *
 *   infile threads PATH   reads a count N from PATH with fopen and fscanf
 *                         (libc's own read, which no wrapper sees), starts N
 *                         threads that add to a counter under a mutex, then
 *                         reads PATH again with open and read, and exits 3
 *                         if the two reads differ. Prints "N threads".
 *   infile counter PATH   reads a number with open and read, exits 4 unless
 *                         it is 0, writes it plus one with fopen "w", reads
 *                         the file again and exits 5 unless it says 1: each
 *                         run must start from the file as it was, and see
 *                         its own write.
 *   infile bump PATH      the same without reading the file back: under
 *                         explore --jobs, runs of two workers write it at
 *                         the same time.
 *   infile replace PATH   reads 0 from PATH (else exits 4), writes 1 to
 *                         PATH.new and renames it over PATH, then reads
 *                         PATH again and exits 8 unless it says 1.
 *   infile own PATH       writes a line to PATH (the run's own file), reads
 *                         it back with fopen, and exits 6 if it differs.
 *   infile fd N           reads descriptor N to its end (inherited from
 *                         outside), prints its bytes and the number of
 *                         lines; two threads take turns under a mutex.
 *   infile ask            reads standard input line by line with fgets
 *                         (libc's read: the thread waits in the kernel),
 *                         a thread for each line, and prints each line
 *                         and their number at the end.
 *   infile askraw         the same with read(2) on descriptor 0 (the
 *                         shim's read: a wait dara sees).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *adder(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  total++;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static ssize_t read_all(int fd, char *buf, size_t cap) {
  size_t got = 0;
  for (;;) {
    ssize_t k = read(fd, buf + got, cap - 1 - got);
    if (k < 0)
      return -1;
    if (k == 0)
      break;
    got += (size_t)k;
    if (got == cap - 1)
      break;
  }
  buf[got] = '\0';
  return (ssize_t)got;
}

static int threads(const char *path) {
  FILE *f = fopen(path, "r");
  int n = 0;
  if (!f || fscanf(f, "%d", &n) != 1 || n < 0 || n > 16) {
    fprintf(stderr, "infile: %s: no count\n", path);
    return 2;
  }
  char first[256] = {0};
  rewind(f);
  size_t flen = fread(first, 1, sizeof(first) - 1, f);
  fclose(f);
  pthread_t t[16];
  for (int i = 0; i < n; i++)
    pthread_create(&t[i], NULL, adder, NULL);
  for (int i = 0; i < n; i++)
    pthread_join(t[i], NULL);
  int fd = open(path, O_RDONLY);
  char again[256];
  ssize_t alen = fd >= 0 ? read_all(fd, again, sizeof(again)) : -1;
  if (fd >= 0)
    close(fd);
  if (alen != (ssize_t)flen || memcmp(first, again, flen) != 0) {
    fprintf(stderr, "infile: %s changed between two reads\n", path);
    return 3;
  }
  printf("%d threads\n", n);
  return total == n ? 0 : 7;
}

static int counter(const char *path, bool check) {
  char buf[64];
  int fd = open(path, O_RDONLY);
  if (fd < 0 || read_all(fd, buf, sizeof(buf)) < 0)
    return 2;
  close(fd);
  int v = atoi(buf);
  pthread_t t;
  pthread_create(&t, NULL, adder, NULL);
  pthread_join(t, NULL);
  if (v != 0) {
    fprintf(stderr, "infile: %s says %d, not 0: an earlier run's write\n", path, v);
    return 4;
  }
  FILE *f = fopen(path, "w");
  if (!f)
    return 2;
  fprintf(f, "%d\n", v + 1);
  fclose(f);
  if (!check)
    return 0;
  f = fopen(path, "r");
  int w = -1;
  if (!f || fscanf(f, "%d", &w) != 1 || w != v + 1) {
    fprintf(stderr, "infile: %s does not say %d after this run wrote it\n", path, v + 1);
    return 5;
  }
  fclose(f);
  return 0;
}

static int replace(const char *path) {
  char buf[64], tmp[512];
  FILE *f = fopen(path, "r");
  if (!f || !fgets(buf, sizeof(buf), f))
    return 2;
  fclose(f);
  if (atoi(buf) != 0)
    return 4;
  snprintf(tmp, sizeof(tmp), "%s.new", path);
  if (!(f = fopen(tmp, "w")))
    return 2;
  fputs("1\n", f);
  fclose(f);
  if (rename(tmp, path) != 0)
    return 2;
  pthread_t t;
  pthread_create(&t, NULL, adder, NULL);
  pthread_join(t, NULL);
  f = fopen(path, "r");
  if (!f || !fgets(buf, sizeof(buf), f) || atoi(buf) != 1) {
    fprintf(stderr, "infile: %s was replaced, but reads %s", path, f ? buf : "nothing\n");
    return 8;
  }
  fclose(f);
  return 0;
}

static int own(const char *path) {
  FILE *f = fopen(path, "w");
  if (!f)
    return 2;
  fprintf(f, "written by %d\n", (int)getpid());
  fclose(f);
  char line[64], want[64];
  snprintf(want, sizeof(want), "written by %d\n", (int)getpid());
  f = fopen(path, "r");
  if (!f || !fgets(line, sizeof(line), f) || strcmp(line, want) != 0) {
    fprintf(stderr, "infile: %s does not hold what this run wrote\n", path);
    return 6;
  }
  fclose(f);
  pthread_t t;
  pthread_create(&t, NULL, adder, NULL);
  pthread_join(t, NULL);
  return 0;
}

static int from_fd(int fd) {
  char buf[4096];
  ssize_t n = read_all(fd, buf, sizeof(buf));
  if (n < 0) {
    perror("infile: read");
    return 2;
  }
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, adder, NULL);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  int lines = 0;
  for (ssize_t i = 0; i < n; i++)
    lines += buf[i] == '\n';
  printf("%s%d lines\n", buf, lines);
  return 0;
}

static int ask(bool raw) {
  char line[256];
  int n = 0;
  for (;;) {
    if (raw) {
      ssize_t k = read(0, line, sizeof(line) - 1);
      if (k <= 0)
        break;
      line[k] = '\0';
    } else if (!fgets(line, sizeof(line), stdin)) {
      break;
    }
    pthread_t t;
    pthread_create(&t, NULL, adder, NULL);
    pthread_join(t, NULL);
    printf("got: %s", line);
    fflush(stdout);
    n++;
  }
  printf("%d lines\n", n);
  return total == n ? 0 : 7;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "ask") == 0)
    return ask(false);
  if (argc == 2 && strcmp(argv[1], "askraw") == 0)
    return ask(true);
  if (argc == 3 && strcmp(argv[1], "threads") == 0)
    return threads(argv[2]);
  if (argc == 3 && strcmp(argv[1], "counter") == 0)
    return counter(argv[2], true);
  if (argc == 3 && strcmp(argv[1], "bump") == 0)
    return counter(argv[2], false);
  if (argc == 3 && strcmp(argv[1], "replace") == 0)
    return replace(argv[2]);
  if (argc == 3 && strcmp(argv[1], "own") == 0)
    return own(argv[2]);
  if (argc == 3 && strcmp(argv[1], "fd") == 0)
    return from_fd(atoi(argv[2]));
  fprintf(
      stderr,
      "usage: infile threads|counter|bump|replace|own PATH | infile fd N | infile ask|askraw\n");
  return 2;
}
