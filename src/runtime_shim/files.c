/*
 * files.c: the file calls, recorded as SYSCALL events (abi/calls.h).
 *
 * Each wrapper makes the real call and records its arguments (never
 * pointers), result, errno and an excerpt: the data read or written, or the
 * path named. They are not scheduling points: a file call does not wait for
 * another thread. Two exceptions go through the I/O waits of net.c: read and
 * write on a socket (a send or receive like any other), and a read from a
 * pipe that has nothing to read yet (it waits for its writer, which must be
 * allowed to run).
 *
 * The 64-bit names (open64, pread64, ...) are the same functions on x86_64
 * and aarch64; programs built with _FILE_OFFSET_BITS=64 call them.
 *
 * Calls libc makes internally (fread, printf) do not go through these
 * wrappers: LD_PRELOAD sees only calls between shared objects. Opens go
 * through shim_infile_open (infile.c), so that a file read from outside
 * is read from the run's copy; fopen too, for that reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

/* name as a second exported name of target, with the same attributes. */
#ifdef __clang__
#define ALIAS(target, name) \
  extern __typeof(target) name __attribute__((alias(#target), visibility("default")))
#else
#define ALIAS(target, name) \
  extern __typeof(target) name __attribute__((alias(#target), copy(target), visibility("default")))
#endif

static size_t moved(ssize_t n) { return n > 0 ? (size_t)n : 0; }

/* The mode argument of open, present only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, last, mode)        \
  mode_t mode = 0;                         \
  if ((flags) & (O_CREAT | __O_TMPFILE)) { \
    va_list ap;                            \
    va_start(ap, last);                    \
    mode = (mode_t)va_arg(ap, int);        \
    va_end(ap);                            \
  }

SHIM_EXPORT int open(const char *path, int flags, ...) {
  MODE_ARG(flags, flags, mode);
  RECORDED(int, open, flags, mode, 0, shim_infile_open(AT_FDCWD, path, flags, mode), path,
           shim_text_len(path));
}
ALIAS(open, open64);

SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...) {
  MODE_ARG(flags, flags, mode);
  RECORDED(int, openat, dirfd, flags, mode, shim_infile_open(dirfd, path, flags, mode), path,
           shim_text_len(path));
}
ALIAS(openat, openat64);

SHIM_EXPORT int creat(const char *path, mode_t mode) {
  RECORDED(int, creat, mode, 0, 0,
           shim_infile_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode), path,
           shim_text_len(path));
}
ALIAS(creat, creat64);

SHIM_EXPORT ssize_t read(int fd, void *buf, size_t count) {
  if (!shim_sys_enter())
    return REAL(read)(fd, buf, count);
  switch (shim_fd_kind(fd)) {
  case SHIM_FD_SOCKET:
    return shim_net_read(fd, buf, count);
  case SHIM_FD_PIPE:
    shim_pipe_wait(fd);
    break;
  default:
    break;
  }
  RECORDED(ssize_t, read, fd, count, 0, REAL(read)(fd, buf, count), buf, moved(r_));
}

SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t count) {
  if (!shim_sys_enter())
    return REAL(write)(fd, buf, count);
  if (shim_fd_kind(fd) == SHIM_FD_SOCKET)
    return shim_net_write(fd, buf, count);
  RECORDED(ssize_t, write, fd, count, 0, REAL(write)(fd, buf, count), buf, moved(r_));
}

SHIM_EXPORT int close(int fd) { RECORDED(int, close, fd, 0, 0, REAL(close)(fd), NULL, 0); }

/* stat and friends record the size and mode they found; inode numbers and
 * times differ from run to run and are left out. */
static int stat_record(unsigned call, int fd, const char *path, int ret, const struct stat *st) {
  int err = ret < 0 ? errno : 0;
  struct shim_sys s;
  uint64_t size = ret == 0 ? (uint64_t)st->st_size : 0;
  uint64_t mode = ret == 0 ? (uint64_t)st->st_mode : 0;
  if (call == DARA_CALL_fstat)
    shim_sys_begin(&s, call, (uint64_t)fd, size, mode);
  else
    shim_sys_begin(&s, call, size, mode, 0);
  shim_sys_end(&s, ret, err, path, shim_text_len(path));
  return ret;
}

/* The 64-bit variants take struct stat64, the same layout on the 64-bit
 * targets dara supports. */
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "stat64 is stat");

SHIM_EXPORT int stat(const char *restrict path, struct stat *restrict st) {
  if (!shim_sys_enter())
    return REAL(stat)(path, st);
  return stat_record(DARA_CALL_stat, -1, path, REAL(stat)(path, st), st);
}

SHIM_EXPORT int stat64(const char *restrict path, struct stat64 *restrict st) {
  return stat(path, (struct stat *)st);
}

SHIM_EXPORT int lstat(const char *restrict path, struct stat *restrict st) {
  if (!shim_sys_enter())
    return REAL(lstat)(path, st);
  return stat_record(DARA_CALL_lstat, -1, path, REAL(lstat)(path, st), st);
}

SHIM_EXPORT int lstat64(const char *restrict path, struct stat64 *restrict st) {
  return lstat(path, (struct stat *)st);
}

SHIM_EXPORT int fstat(int fd, struct stat *st) {
  if (!shim_sys_enter())
    return REAL(fstat)(fd, st);
  return stat_record(DARA_CALL_fstat, fd, NULL, REAL(fstat)(fd, st), st);
}

SHIM_EXPORT int fstat64(int fd, struct stat64 *st) { return fstat(fd, (struct stat *)st); }

SHIM_EXPORT off_t lseek(int fd, off_t offset, int whence) {
  RECORDED(off_t, lseek, fd, offset, whence, REAL(lseek)(fd, offset, whence), NULL, 0);
}
ALIAS(lseek, lseek64);

SHIM_EXPORT ssize_t pread(int fd, void *buf, size_t count, off_t offset) {
  RECORDED(ssize_t, pread, fd, count, offset, REAL(pread)(fd, buf, count, offset), buf, moved(r_));
}
ALIAS(pread, pread64);

SHIM_EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
  RECORDED(ssize_t, pwrite, fd, count, offset, REAL(pwrite)(fd, buf, count, offset), buf,
           moved(r_));
}
ALIAS(pwrite, pwrite64);

SHIM_EXPORT int rename(const char *from, const char *to) {
  shim_infile_changed(from);
  shim_infile_changed(to);
  if (!shim_sys_enter())
    return REAL(rename)(from, to);
  char both[DARA_SYS_DATA + 1];
  int n = snprintf(both, sizeof(both), "%s -> %s", from ? from : "", to ? to : "");
  RECORDED(int, rename, 0, 0, 0, REAL(rename)(from, to), both,
           n < 0                      ? 0
           : (size_t)n < sizeof(both) ? (size_t)n
                                      : sizeof(both) - 1);
}

SHIM_EXPORT int unlink(const char *path) {
  shim_infile_changed(path);
  RECORDED(int, unlink, 0, 0, 0, REAL(unlink)(path), path, shim_text_len(path));
}

SHIM_EXPORT int mkdir(const char *path, mode_t mode) {
  RECORDED(int, mkdir, mode, 0, 0, REAL(mkdir)(path, mode), path, shim_text_len(path));
}

SHIM_EXPORT int rmdir(const char *path) {
  RECORDED(int, rmdir, 0, 0, 0, REAL(rmdir)(path), path, shim_text_len(path));
}

SHIM_EXPORT int fsync(int fd) { RECORDED(int, fsync, fd, 0, 0, REAL(fsync)(fd), NULL, 0); }

SHIM_EXPORT int ftruncate(int fd, off_t length) {
  RECORDED(int, ftruncate, fd, length, 0, REAL(ftruncate)(fd, length), NULL, 0);
}
ALIAS(ftruncate, ftruncate64);

/* The two descriptors a pipe gave are its data (8 bytes): `show` pairs
 * what is written at one end with what is read at the other. */
#define PIPE_FDS_LEN (r_ == 0 ? 2 * sizeof(int) : 0)

SHIM_EXPORT int pipe(int fds[2]) {
  RECORDED(int, pipe, 0, 0, 0, REAL(pipe)(fds), fds, PIPE_FDS_LEN);
}

SHIM_EXPORT int pipe2(int fds[2], int flags) {
  RECORDED(int, pipe, flags, 0, 0, REAL(pipe2)(fds, flags), fds, PIPE_FDS_LEN);
}
