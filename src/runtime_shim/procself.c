/*
 * procself.c: reading the process's own /proc entries, with the real
 * system calls (nothing the shim wraps, no allocation): its mappings
 * line by line, and the numbered entries of a directory such as
 * /proc/self/fd.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

bool procself_each_mapping(bool (*fn)(const char *line, void *arg), void *arg) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[8192], line[512];
  size_t used = 0;
  bool stop = false;
  ssize_t n;
  while (!stop && (n = REAL(read)(fd, buf, sizeof(buf))) > 0) {
    for (ssize_t i = 0; i < n && !stop; i++) {
      if (buf[i] != '\n') {
        if (used < sizeof(line) - 1)
          line[used++] = buf[i];
        continue;
      }
      line[used] = '\0';
      used = 0;
      stop = fn(line, arg);
    }
  }
  REAL(close)(fd);
  return true;
}

bool procself_each_number(const char *path, void (*fn)(long n, void *arg), void *arg) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    if (n <= 0) {
      REAL(close)(fd);
      return n == 0;
    }
    for (long off = 0; off < n;) {
      struct dirent64 *d = (struct dirent64 *)(buf + off);
      off += d->d_reclen;
      char *end;
      long v = strtol(d->d_name, &end, 10);
      if (end != d->d_name && *end == '\0')
        fn(v, arg);
    }
  }
}
