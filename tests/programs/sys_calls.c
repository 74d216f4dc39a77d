/*
 * sys_calls.c: every recorded system call group, once, in one thread.
 *
 * Usage: sys_calls DIR, where DIR is an existing, writable directory; the
 * program creates and removes its files inside it and leaves it as it was.
 *
 * In order: files (open, write, fsync, ftruncate, close; open, read, lseek,
 * pread, fstat, close; stat, lstat, rename, mkdir, rmdir, unlink; open,
 * pwrite, close, unlink), processes (getpid, getppid, kill with signal 0, fork
 * with waitpid, fork with wait), the environment (setenv, getenv, unsetenv,
 * getenv), clocks (time, clock_gettime), a socketpair (send, recv, close) and
 * a pipe (write, read, close). Each call is made directly (no stdio for the
 * files) and prints one line with its result. Nothing run-specific is printed
 * (no pid, descriptor number, time or DIR), so the output is the same in
 * every run. Exits 0; 1, with a message, when a call fails (a DIR that does
 * not exist makes the first open fail) or returns something unexpected; 2
 * for bad arguments.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

_Noreturn static void fail(const char *what) {
  perror(what);
  exit(1);
}

/* Exits with a message unless ok. */
static void expect(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "sys_calls: unexpected result from %s\n", what);
    exit(1);
  }
}

/* DIR/name, in a static buffer per slot (slot 0 or 1). */
static const char *in_dir(int slot, const char *name) {
  static char paths[2][4096];
  int n = snprintf(paths[slot], sizeof paths[slot], "%s/%s", dir, name);

  if (n < 0 || (size_t)n >= sizeof paths[slot]) {
    fprintf(stderr, "sys_calls: path too long: %s/%s\n", dir, name);
    exit(2);
  }
  return paths[slot];
}

static void files(void) {
  static const char text[] = "hello dara\n";
  const char *path = in_dir(0, "sys_calls.txt");
  char buf[64];
  struct stat st;
  ssize_t n;
  off_t off;
  int fd, r;

  fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0)
    fail("open O_CREAT|O_WRONLY|O_TRUNC");
  printf("open sys_calls.txt O_CREAT|O_WRONLY|O_TRUNC: ok\n");
  n = write(fd, text, sizeof text - 1);
  if (n < 0)
    fail("write");
  expect(n == (ssize_t)(sizeof text - 1), "write");
  printf("write: %zd\n", n);
  if ((r = fsync(fd)) != 0)
    fail("fsync");
  printf("fsync: %d\n", r);
  if ((r = ftruncate(fd, 5)) != 0)
    fail("ftruncate");
  printf("ftruncate 5: %d\n", r);
  if ((r = close(fd)) != 0)
    fail("close");
  printf("close: %d\n", r);

  fd = open(path, O_RDONLY);
  if (fd < 0)
    fail("open O_RDONLY");
  printf("open sys_calls.txt O_RDONLY: ok\n");
  n = read(fd, buf, sizeof buf - 1);
  if (n < 0)
    fail("read");
  expect(n == 5 && memcmp(buf, "hello", 5) == 0, "read");
  buf[n] = '\0';
  printf("read: %zd \"%s\"\n", n, buf);
  off = lseek(fd, 1, SEEK_SET);
  if (off < 0)
    fail("lseek");
  expect(off == 1, "lseek");
  printf("lseek 1 SEEK_SET: %lld\n", (long long)off);
  n = pread(fd, buf, 3, 0);
  if (n < 0)
    fail("pread");
  expect(n == 3 && memcmp(buf, "hel", 3) == 0, "pread");
  buf[n] = '\0';
  printf("pread 3 at 0: %zd \"%s\"\n", n, buf);
  if ((r = fstat(fd, &st)) != 0)
    fail("fstat");
  expect(st.st_size == 5 && S_ISREG(st.st_mode), "fstat");
  printf("fstat: %d, size %lld, regular file\n", r, (long long)st.st_size);
  if ((r = close(fd)) != 0)
    fail("close");
  printf("close: %d\n", r);

  if ((r = stat(path, &st)) != 0)
    fail("stat");
  expect(st.st_size == 5 && S_ISREG(st.st_mode), "stat");
  printf("stat: %d, size %lld, regular file\n", r, (long long)st.st_size);
  if ((r = lstat(path, &st)) != 0)
    fail("lstat");
  expect(st.st_size == 5 && S_ISREG(st.st_mode), "lstat");
  printf("lstat: %d, size %lld, regular file\n", r, (long long)st.st_size);

  const char *renamed = in_dir(1, "sys_calls.renamed");
  if ((r = rename(path, renamed)) != 0)
    fail("rename");
  printf("rename sys_calls.txt sys_calls.renamed: %d\n", r);
  const char *sub = in_dir(0, "sys_calls.dir");
  if ((r = mkdir(sub, 0755)) != 0)
    fail("mkdir");
  printf("mkdir sys_calls.dir: %d\n", r);
  if ((r = rmdir(sub)) != 0)
    fail("rmdir");
  printf("rmdir sys_calls.dir: %d\n", r);
  if ((r = unlink(renamed)) != 0)
    fail("unlink");
  printf("unlink sys_calls.renamed: %d\n", r);

  path = in_dir(0, "sys_calls.rw");
  fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
  if (fd < 0)
    fail("open O_CREAT|O_RDWR|O_TRUNC");
  printf("open sys_calls.rw O_CREAT|O_RDWR|O_TRUNC: ok\n");
  n = pwrite(fd, "xy", 2, 2);
  if (n < 0)
    fail("pwrite");
  expect(n == 2, "pwrite");
  printf("pwrite \"xy\" at 2: %zd\n", n);
  if ((r = close(fd)) != 0)
    fail("close");
  printf("close: %d\n", r);
  if ((r = unlink(path)) != 0)
    fail("unlink");
  printf("unlink sys_calls.rw: %d\n", r);
}

/* Forks a child that exits with code; returns its pid. */
static pid_t child(int code) {
  pid_t pid;

  fflush(stdout); /* nothing buffered may be written twice */
  pid = fork();
  if (pid < 0)
    fail("fork");
  if (pid == 0)
    _exit(code);
  return pid;
}

static void processes(void) {
  pid_t self, pid, got;
  int r, status;

  self = getpid();
  expect(self > 0, "getpid");
  printf("getpid: ok\n");
  pid = getppid();
  expect(pid > 0, "getppid");
  printf("getppid: ok\n");
  if ((r = kill(self, 0)) != 0)
    fail("kill");
  printf("kill self 0: %d\n", r);

  pid = child(7);
  do
    got = waitpid(pid, &status, 0);
  while (got < 0 && errno == EINTR);
  if (got < 0)
    fail("waitpid");
  expect(got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7, "waitpid");
  printf("fork, waitpid: child exited %d\n", WEXITSTATUS(status));

  pid = child(8);
  do
    got = wait(&status);
  while (got < 0 && errno == EINTR);
  if (got < 0)
    fail("wait");
  expect(got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 8, "wait");
  printf("fork, wait: child exited %d\n", WEXITSTATUS(status));
}

static void environment(void) {
  const char *v;
  int r;

  if ((r = setenv("DARA_SYS_TEST", "42", 1)) != 0)
    fail("setenv");
  printf("setenv DARA_SYS_TEST 42: %d\n", r);
  v = getenv("DARA_SYS_TEST");
  expect(v != NULL && strcmp(v, "42") == 0, "getenv");
  printf("getenv DARA_SYS_TEST: \"%s\"\n", v);
  if ((r = unsetenv("DARA_SYS_TEST")) != 0)
    fail("unsetenv");
  printf("unsetenv DARA_SYS_TEST: %d\n", r);
  v = getenv("DARA_SYS_TEST");
  expect(v == NULL, "getenv after unsetenv");
  printf("getenv DARA_SYS_TEST: NULL\n");
}

static void clocks(void) {
  struct timespec ts;
  int r;

  if (time(NULL) == (time_t)-1)
    fail("time");
  printf("time: ok\n");
  if ((r = clock_gettime(CLOCK_MONOTONIC, &ts)) != 0)
    fail("clock_gettime");
  printf("clock_gettime CLOCK_MONOTONIC: %d\n", r);
}

static void channels(void) {
  char buf[16];
  ssize_t n;
  int sv[2], pfd[2], r;

  if ((r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) != 0)
    fail("socketpair");
  printf("socketpair AF_UNIX SOCK_STREAM: %d\n", r);
  n = send(sv[0], "ping", 4, 0);
  if (n < 0)
    fail("send");
  expect(n == 4, "send");
  printf("send \"ping\": %zd\n", n);
  n = recv(sv[1], buf, sizeof buf - 1, 0);
  if (n < 0)
    fail("recv");
  expect(n == 4 && memcmp(buf, "ping", 4) == 0, "recv");
  buf[n] = '\0';
  printf("recv: %zd \"%s\"\n", n, buf);
  if ((r = close(sv[0])) != 0)
    fail("close");
  printf("close: %d\n", r);
  if ((r = close(sv[1])) != 0)
    fail("close");
  printf("close: %d\n", r);

  if ((r = pipe(pfd)) != 0)
    fail("pipe");
  printf("pipe: %d\n", r);
  n = write(pfd[1], "pong", 4);
  if (n < 0)
    fail("write");
  expect(n == 4, "write to the pipe");
  printf("write \"pong\": %zd\n", n);
  n = read(pfd[0], buf, sizeof buf - 1);
  if (n < 0)
    fail("read");
  expect(n == 4 && memcmp(buf, "pong", 4) == 0, "read from the pipe");
  buf[n] = '\0';
  printf("read: %zd \"%s\"\n", n, buf);
  if ((r = close(pfd[0])) != 0)
    fail("close");
  printf("close: %d\n", r);
  if ((r = close(pfd[1])) != 0)
    fail("close");
  printf("close: %d\n", r);
}

int main(int argc, char **argv) {
  /* DIR is not checked first: that would be one more call to record. */
  if (argc != 2 || argv[1][0] == '\0') {
    fprintf(stderr, "usage: sys_calls DIR\n");
    return 2;
  }
  dir = argv[1];
  setvbuf(stdout, NULL, _IOLBF, 0);
  files();
  processes();
  environment();
  clocks();
  channels();
  return 0;
}
