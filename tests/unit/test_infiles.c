/*
 * test_infiles.c: the store of files read from outside (src/sched/infiles.c):
 * a recording's files published for the shims, copies taken from a
 * process (this one stands in for a program), and entries the program
 * damaged.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/infiles.h"

struct seen {
  int pidfd;
  unsigned told, big;
  char last[DARA_PATH_LEN];
  uint64_t big_size;
};

static int pidfd_of(void *ctx, pid_t pid) {
  struct seen *s = ctx;
  return pid == getpid() ? s->pidfd : -1;
}

static void tell(void *ctx, const struct infile *f) {
  struct seen *s = ctx;
  s->told++;
  snprintf(s->last, sizeof(s->last), "%s", f->path);
}

static void too_big(void *ctx, const char *path, uint64_t size) {
  struct seen *s = ctx;
  (void)path;
  s->big++;
  s->big_size = size;
}

/* A memory file holding text, sealed as the shim seals its copies when
 * sealed is true. */
static int memory_file(const char *text, bool sealed) {
  int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  if (sealed)
    assert_int_equal(
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL), 0);
  return fd;
}

static void pending(struct dara_files *t, int i, const char *path, int fd) {
  struct dara_file *e = &t->files[i];
  memset(e, 0, sizeof(*e));
  snprintf(e->path, sizeof(e->path), "%s", path);
  e->pid = getpid();
  e->fd = fd;
  e->opened = 1;
  e->state = DARA_FILE_PENDING;
  t->changes++;
}

static void test_recorded_files_published(void **state) {
  (void)state;
  char err[256] = "";
  struct infiles *st = infiles_new();
  assert_non_null(st);
  const uint8_t data[] = "3\n";
  assert_int_equal(infiles_add(st, "/data/n.txt", 0100644, data, 2, err, sizeof err), 0);
  assert_int_equal(infiles_add(st, "/data/n.txt", 0100644, data, 2, err, sizeof err), 0);
  assert_int_equal(infiles_count(st), 1);
  const struct infile *f = infiles_at(st, 0);
  assert_int_equal(f->len, 2);
  assert_memory_equal(f->data, "3\n", 2);
  /* The copy cannot be changed, and reads back as the recording had it. */
  assert_int_equal(write(f->fd, "x", 1), -1);
  char buf[4] = {0};
  assert_int_equal(pread(f->fd, buf, sizeof buf, 0), 2);
  assert_string_equal(buf, "3\n");

  struct dara_files *t = calloc(1, sizeof(*t));
  t->files[5].state = DARA_FILE_LIVE; /* a last run's entry: cleared */
  struct infiles_run r;
  infiles_publish(st, t, &r);
  assert_int_equal(t->files[0].state, DARA_FILE_KEPT);
  assert_int_equal(t->files[0].pid, getpid());
  assert_int_equal(t->files[0].fd, f->fd);
  assert_string_equal(t->files[0].path, "/data/n.txt");
  assert_int_equal(t->files[5].state, DARA_FILE_FREE);
  assert_true(t->since_ns > 0);

  /* A kept file is told once a run, when a process opened it. */
  struct seen s = {.pidfd = -1};
  struct infiles_hooks h = {.pidfd_of = pidfd_of, .tell = tell, .too_big = too_big, .ctx = &s};
  infiles_look(st, t, &r, &h);
  assert_int_equal(s.told, 0); /* nothing changed */
  t->files[0].opened = 1;
  t->changes++;
  infiles_look(st, t, &r, &h);
  t->changes++;
  infiles_look(st, t, &r, &h);
  assert_int_equal(s.told, 1);
  infiles_publish(st, t, &r); /* the next run tells it again */
  t->files[0].opened = 1;
  t->changes++;
  infiles_look(st, t, &r, &h);
  assert_int_equal(s.told, 2);

  /* No store: since 0, so that the shims copy nothing. */
  infiles_publish(NULL, t, &r);
  assert_int_equal(t->since_ns, 0);
  assert_int_equal(t->files[0].state, DARA_FILE_FREE);
  free(t);
  infiles_free(st);
}

static void test_copies_taken(void **state) {
  (void)state;
  struct infiles *st = infiles_new();
  struct dara_files *t = calloc(1, sizeof(*t));
  struct infiles_run r;
  infiles_publish(st, t, &r);
  struct seen s = {.pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0)};
  assert_true(s.pidfd >= 0);
  struct infiles_hooks h = {.pidfd_of = pidfd_of, .tell = tell, .too_big = too_big, .ctx = &s};

  int good = memory_file("hello\n", true);
  int loose = memory_file("changeable\n", false);
  pending(t, 0, "/in/good", good);
  pending(t, 1, "/in/loose", loose); /* not sealed: cannot be kept */
  pending(t, 2, "/in/gone", 999);    /* no such descriptor */
  pending(t, 3, "relative", good);   /* damaged: not absolute */
  memset(t->files[4].path, 'a', sizeof(t->files[4].path));
  t->files[4].state = DARA_FILE_PENDING; /* damaged: no end to its path */
  t->files[6].state = 77;                /* damaged: no such state */
  t->files[7].state = DARA_FILE_LIVE;
  snprintf(t->files[7].path, sizeof(t->files[7].path), "/in/big");
  t->files[7].size = (uint64_t)DARA_FILE_MAX_BYTES * 2;
  infiles_look(st, t, &r, &h);

  assert_int_equal(t->files[0].state, DARA_FILE_KEPT);
  assert_int_equal(t->files[0].pid, getpid());
  assert_int_equal(infiles_count(st), 1);
  const struct infile *f = infiles_at(st, 0);
  assert_int_equal(t->files[0].fd, f->fd);
  assert_string_equal(f->path, "/in/good");
  assert_int_equal(f->len, 6);
  assert_memory_equal(f->data, "hello\n", 6);
  assert_int_equal(s.told, 1);
  assert_string_equal(s.last, "/in/good");
  for (int i = 1; i <= 4; i++)
    assert_int_equal(t->files[i].state, DARA_FILE_LIVE);
  assert_int_equal(t->files[6].state, DARA_FILE_LIVE);
  assert_int_equal(s.big, 1);
  assert_int_equal(s.big_size, (uint64_t)DARA_FILE_MAX_BYTES * 2);
  /* Said once a session. */
  t->changes++;
  infiles_look(st, t, &r, &h);
  assert_int_equal(s.big, 1);

  /* A second copy of a kept path (two processes in one turn): dara's is
   * the first. */
  int again = memory_file("other\n", true);
  pending(t, 8, "/in/good", again);
  infiles_look(st, t, &r, &h);
  assert_int_equal(infiles_count(st), 1);
  assert_int_equal(t->files[8].state, DARA_FILE_KEPT);
  assert_int_equal(t->files[8].fd, f->fd);
  assert_int_equal(s.told, 1);

  close(good);
  close(loose);
  close(again);
  close(s.pidfd);
  free(t);
  infiles_free(st);
}

static void test_limits(void **state) {
  (void)state;
  char err[256] = "";
  struct infiles *st = infiles_new();
  char big_path[DARA_PATH_LEN + 8];
  memset(big_path, 'p', sizeof(big_path));
  big_path[0] = '/';
  big_path[sizeof(big_path) - 1] = '\0';
  assert_int_equal(infiles_add(st, big_path, 0100644, (const uint8_t *)"x", 1, err, sizeof err),
                   -1);
  assert_non_null(strstr(err, "cannot be right"));
  for (int i = 0; i < DARA_MAX_FILES; i++) {
    char p[32];
    snprintf(p, sizeof(p), "/f/%d", i);
    assert_int_equal(infiles_add(st, p, 0100644, (const uint8_t *)"x", 1, err, sizeof err), 0);
  }
  assert_int_equal(
      infiles_add(st, "/f/one-more", 0100644, (const uint8_t *)"x", 1, err, sizeof err), -1);
  assert_non_null(strstr(err, "more than 64 files"));
  infiles_free(st);
}

/* Two processes from one store (explore --jobs workers): the one that
 * runs first keeps a copy; the other waits for that run to be over, then
 * takes the copy in from it. */
static void test_shared_by_workers(void **state) {
  (void)state;
  struct infiles *st = infiles_new();
  int go[2], back[2];
  assert_int_equal(pipe(go), 0);
  assert_int_equal(pipe(back), 0);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    struct dara_files *t = calloc(1, sizeof(*t));
    struct infiles_run r;
    infiles_publish(st, t, &r); /* the first run */
    struct seen s = {.pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0)};
    struct infiles_hooks h = {.pidfd_of = pidfd_of, .tell = tell, .ctx = &s};
    int copy = memory_file("first\n", true);
    pending(t, 0, "/in/shared", copy);
    char c = 0;
    if (write(back[1], "s", 1) != 1 || read(go[0], &c, 1) != 1) /* started; wait */
      _exit(2);
    infiles_look(st, t, &r, &h);
    infiles_run_over(st);
    if (read(go[0], &c, 1) != 1) /* kept: hold it until the other has it */
      _exit(3);
    _exit(infiles_count(st) == 1 ? 0 : 4);
  }
  char c = 0;
  assert_int_equal(read(back[0], &c, 1), 1); /* its run began first */
  assert_int_equal(write(go[1], "g", 1), 1);
  struct dara_files *t = calloc(1, sizeof(*t));
  struct infiles_run r;
  infiles_publish(st, t, &r); /* waits for the first run to be over */
  assert_int_equal(infiles_count(st), 1);
  const struct infile *f = infiles_at(st, 0);
  assert_string_equal(f->path, "/in/shared");
  assert_int_equal(f->len, 6);
  assert_memory_equal(f->data, "first\n", 6);
  assert_int_equal(t->files[0].state, DARA_FILE_KEPT);
  assert_int_equal(t->files[0].pid, getpid());
  assert_int_equal(write(go[1], "g", 1), 1);
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  free(t);
  infiles_free(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recorded_files_published),
      cmocka_unit_test(test_copies_taken),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_shared_by_workers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
