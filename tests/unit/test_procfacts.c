/*
 * test_procfacts.c: what the kernel says about a process (procfacts.h), on
 * real processes: a child's parent, its end and wait status, and whether
 * it maps a file.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sched/procfacts.h"

/* A child that waits to be killed, with a pidfd for it. */
static pid_t sleeper(int *pidfd) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    for (;;)
      pause();
  }
  *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  assert_true(*pidfd >= 0);
  return pid;
}

static void test_parent_and_end(void **state) {
  (void)state;
  int pidfd;
  pid_t pid = sleeper(&pidfd);
  assert_int_equal(procfacts_parent(pid), getpid());
  assert_int_equal(procfacts_parent(getpid()), getppid());
  assert_int_equal(procfacts_ended(pidfd), 0);
  kill(pid, SIGKILL);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  assert_int_equal(procfacts_ended(pidfd), 1);
  /* Reaped: /proc has nothing left to say. */
  assert_int_equal(procfacts_parent(pid), -1);
  /* The kernel kept its wait status where it keeps one (Linux 6.15). */
  int kernel = -1;
  if (procfacts_exit_status(pidfd, &kernel))
    assert_int_equal(kernel, status);
  else
    print_message("# this kernel does not keep wait statuses for pidfds\n");
  close(pidfd);
  assert_int_equal(procfacts_ended(-1), -1);
  assert_int_equal(procfacts_exit_status(-1, &kernel), 0);
}

static void test_exit_status(void **state) {
  (void)state;
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(7);
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0); /* alive or a zombie: not reaped */
  assert_true(pidfd >= 0);
  int status, kernel = -1;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(procfacts_ended(pidfd), 1);
  if (procfacts_exit_status(pidfd, &kernel))
    assert_int_equal(kernel, 7 << 8);
  close(pidfd);
}

static void test_maps_file(void **state) {
  (void)state;
  int fd = memfd_create("procfacts-test", MFD_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, 4096), 0);
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  assert_int_equal(procfacts_maps_file(getpid(), st.st_dev, st.st_ino), 0);
  void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  assert_true(m != MAP_FAILED);
  assert_int_equal(procfacts_maps_file(getpid(), st.st_dev, st.st_ino), 1);
  /* Another file on the same device is not it. */
  int other = memfd_create("procfacts-other", MFD_CLOEXEC);
  struct stat ost;
  assert_int_equal(fstat(other, &ost), 0);
  assert_int_equal(procfacts_maps_file(getpid(), ost.st_dev, ost.st_ino), 0);
  munmap(m, 4096);
  assert_int_equal(procfacts_maps_file(getpid(), st.st_dev, st.st_ino), 0);
  assert_int_equal(procfacts_maps_file(0, st.st_dev, st.st_ino), -1);
  close(other);
  close(fd);
}

/* Counts the mappings seen, and keeps where the file of (dev, ino) is. */
struct seen {
  dev_t dev;
  ino_t ino;
  unsigned files, of_it;
  uintptr_t lo, hi, last_lo;
  bool ordered;
  unsigned stop_after; /* 0: never stop */
};

static bool see(const struct procfacts_map *m, void *arg) {
  struct seen *s = arg;
  assert_true(m->ino != 0);
  assert_true(m->lo < m->hi);
  if (m->lo < s->last_lo)
    s->ordered = false;
  s->last_lo = m->lo;
  s->files++;
  if (m->dev == s->dev && m->ino == s->ino) {
    s->of_it++;
    s->lo = m->lo;
    s->hi = m->hi;
  }
  return s->stop_after == 0 || s->files < s->stop_after;
}

static void test_each_mapping(void **state) {
  (void)state;
  int fd = memfd_create("procfacts-each", MFD_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, 2 * 4096), 0);
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  char *m = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 0);
  assert_true(m != MAP_FAILED);
  struct seen s = {.dev = st.st_dev, .ino = st.st_ino, .ordered = true};
  assert_int_equal(procfacts_each_mapping(getpid(), see, &s), 0);
  /* This test's own executable and libc are files mapped too. */
  assert_true(s.files >= 3);
  assert_true(s.ordered);
  assert_int_equal(s.of_it, 1);
  assert_true(s.lo == (uintptr_t)m && s.hi == (uintptr_t)m + 2 * 4096);
  uintptr_t lo = 0, hi = 0;
  assert_int_equal(procfacts_mapping(getpid(), st.st_dev, st.st_ino, &lo, &hi), 1);
  assert_true(lo == (uintptr_t)m && hi == (uintptr_t)m + 2 * 4096);
  /* The walk stops when told to. */
  struct seen first = {.dev = st.st_dev, .ino = st.st_ino, .ordered = true, .stop_after = 1};
  assert_int_equal(procfacts_each_mapping(getpid(), see, &first), 0);
  assert_int_equal(first.files, 1);
  assert_int_equal(procfacts_each_mapping(0, see, &first), -1);
  munmap(m, 2 * 4096);
  close(fd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_mapping),
      cmocka_unit_test(test_parent_and_end),
      cmocka_unit_test(test_exit_status),
      cmocka_unit_test(test_maps_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
