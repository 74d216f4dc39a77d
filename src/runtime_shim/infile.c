/*
 * infile.c: files read from outside the run, read from a copy that every
 * run and every replay shares (abi/region.h, struct dara_files; the
 * scheduler's side is src/sched/infiles.c).
 *
 * A read-only open of a regular file goes through shim_infile_open, from the
 * open wrappers (files.c) and from fopen, which libc would otherwise open
 * behind the shim's back. The first open of a path in a session opens the
 * file, copies it into a sealed memory file, and puts a descriptor onto
 * that copy at the number the program got: it reads the copy from then on,
 * whatever happens to the file. The copy waits at a descriptor of the
 * shim's own (INFILE_FD_BASE and up) until the scheduler takes it at the
 * end of the turn. Every later open of the path opens dara's copy through
 * /proc/PID/fd, so it gets the descriptor number the file would have had,
 * and a file offset of its own.
 *
 * Left as they are: files changed since the session began (the programs'
 * own output, read back), files over DARA_FILE_MAX_BYTES, anything that is
 * not a regular file, paths in /proc, /sys and /dev, and every open once a
 * process of the run opened the path to write, renamed or removed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime_shim/shim.h"

#define INFILE_FD_BASE 620

static struct dara_files *table(void) { return &shim.region->files; }

static void changed(void) { __atomic_add_fetch(&table()->changes, 1, __ATOMIC_RELEASE); }

static bool outside_dir(const char *abs) {
  static const char *const pseudo[] = {"/proc/", "/sys/", "/dev/"};
  for (size_t i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
    if (strncmp(abs, pseudo[i], strlen(pseudo[i])) == 0)
      return false;
  return true;
}

/* path, relative to dirfd, as an absolute path into abs; false when it
 * does not fit (the file is then read as it is). The same spelling gives
 * the same name: a replay runs in the recording's directory. */
static bool absolute(int dirfd, const char *path, char abs[DARA_PATH_LEN]) {
  char base[DARA_PATH_LEN];
  if (path[0] == '/')
    return snprintf(abs, DARA_PATH_LEN, "%s", path) < DARA_PATH_LEN;
  if (dirfd == AT_FDCWD) {
    if (!getcwd(base, sizeof(base)))
      return false;
  } else {
    char link[48];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, base, sizeof(base) - 1);
    if (n <= 0 || base[0] != '/')
      return false;
    base[n] = '\0';
  }
  const char *sep = strcmp(base, "/") == 0 ? "" : "/";
  return snprintf(abs, DARA_PATH_LEN, "%s%s%s", base, sep, path) < DARA_PATH_LEN;
}

/* The entry for abs: one that is in use and names it, or NULL. */
static struct dara_file *find(const char *abs) {
  for (int i = 0; i < DARA_MAX_FILES; i++) {
    struct dara_file *e = &table()->files[i];
    uint32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    if (st >= DARA_FILE_PENDING && st <= DARA_FILE_LIVE &&
        strncmp(e->path, abs, DARA_PATH_LEN) == 0)
      return e;
  }
  return NULL;
}

static struct dara_file *claim(const char *abs) {
  for (int i = 0; i < DARA_MAX_FILES; i++) {
    struct dara_file *e = &table()->files[i];
    uint32_t free_state = DARA_FILE_FREE;
    if (__atomic_compare_exchange_n(&e->state, &free_state, DARA_FILE_CLAIMED, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      snprintf(e->path, sizeof(e->path), "%s", abs);
      e->written = e->opened = 0;
      e->pid = e->fd = -1;
      e->size = 0;
      return e;
    }
  }
  return NULL;
}

static void publish(struct dara_file *e, uint32_t state) {
  __atomic_store_n(&e->state, state, __ATOMIC_RELEASE);
  changed();
}

/* A descriptor of the caller's onto descriptor fd of process pid (a
 * copy), with its own offset; -1 when it cannot be opened. */
static int open_copy(pid_t pid, int fd, int flags) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
  return REAL(openat)(AT_FDCWD, path, O_RDONLY | (flags & (O_CLOEXEC | O_NONBLOCK)));
}

/* A sealed copy of the open file fd (st: its status) at a descriptor of
 * the shim's own, or -1. */
static int copy_file(int fd, const struct stat *st) {
  int m = memfd_create("dara-file", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (m < 0)
    return -1;
  off_t off = 0;
  bool ok = true;
  for (;;) {
    ssize_t n = sendfile(m, fd, &off, DARA_FILE_MAX_BYTES + 1 - (size_t)off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    if (off > (off_t)DARA_FILE_MAX_BYTES) {
      ok = false;
      break;
    }
  }
  int high = -1;
  if (ok && fchmod(m, st->st_mode & 07777) == 0 &&
      fcntl(m, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0)
    high = fcntl(m, F_DUPFD_CLOEXEC, INFILE_FD_BASE);
  REAL(close)(m);
  return high;
}

static uint64_t ns(struct timespec t) {
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The first open of abs in the session, made: fd is the file. Puts the
 * program's descriptor onto a copy when the file is input from outside. */
static void take_copy(int fd, int flags, const char *abs) {
  struct stat st;
  if (REAL(fstat)(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return;
  uint64_t since = __atomic_load_n(&table()->since_ns, __ATOMIC_RELAXED);
  if (ns(st.st_mtim) >= since)
    return; /* written since the session began: its own output */
  struct dara_file *e = claim(abs);
  if (!e)
    return; /* the table is full: read as it is */
  if ((uint64_t)st.st_size > DARA_FILE_MAX_BYTES) {
    e->size = (uint64_t)st.st_size;
    publish(e, DARA_FILE_LIVE);
    return;
  }
  int copy = copy_file(fd, &st);
  int mine = copy >= 0 ? open_copy((pid_t)syscall(SYS_getpid), copy, flags) : -1;
  if (mine < 0 || dup3(mine, fd, flags & O_CLOEXEC) != fd) {
    if (mine >= 0)
      REAL(close)(mine);
    if (copy >= 0)
      REAL(close)(copy);
    publish(e, DARA_FILE_LIVE);
    return;
  }
  REAL(close)(mine);
  e->pid = (int32_t)syscall(SYS_getpid);
  e->fd = copy;
  e->opened = 1;
  publish(e, DARA_FILE_PENDING);
}

/* The run changes path: its later opens read what is there. */
static void mark_written(const char *abs) {
  struct dara_file *e = find(abs);
  if (e && !e->written) {
    e->written = 1;
    changed();
  }
}

/* The same for path as the program named it. */
static void mark_path_written(const char *path) {
  char abs[DARA_PATH_LEN];
  if (path && absolute(AT_FDCWD, path, abs))
    mark_written(abs);
}

void shim_infile_changed(const char *path) {
  if (shim_controlled())
    mark_path_written(path);
}

int shim_infile_open(int dirfd, const char *path, int flags, mode_t mode) {
  char abs[DARA_PATH_LEN];
  if (!shim_controlled() || !path || !absolute(dirfd, path, abs) || !outside_dir(abs))
    return REAL(openat)(dirfd, path, flags, mode);
  bool reading = (flags & O_ACCMODE) == O_RDONLY &&
                 !(flags & (O_CREAT | O_TRUNC | __O_TMPFILE | O_PATH | O_DIRECTORY | O_DIRECT));
  if (!reading) {
    if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
      mark_written(abs);
    return REAL(openat)(dirfd, path, flags, mode);
  }
  struct dara_file *e = find(abs);
  if (e) {
    uint32_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    if ((st == DARA_FILE_KEPT || st == DARA_FILE_PENDING) && !e->written) {
      int fd = open_copy(e->pid, e->fd, flags);
      if (fd >= 0) {
        if (!e->opened) {
          e->opened = 1;
          changed();
        }
        return fd;
      }
    }
    return REAL(openat)(dirfd, path, flags, mode);
  }
  int fd = REAL(openat)(dirfd, path, flags, mode);
  if (fd >= 0) {
    int saved = errno;
    take_copy(fd, flags, abs);
    errno = saved;
  }
  return fd;
}

/* fopen's mode as open's flags, for a read-only mode ("r", "rb", "re",
 * "rm", ...); -1 for one that writes ("w", "a", "r+"), and for one with a
 * character set (",ccs="), which only fopen itself understands. */
static int read_only_flags(const char *mode) {
  if (!mode || mode[0] != 'r' || strchr(mode, '+') || strchr(mode, ','))
    return -1;
  return O_RDONLY | (strchr(mode, 'e') ? O_CLOEXEC : 0);
}

SHIM_EXPORT FILE *fopen(const char *restrict path, const char *restrict mode) {
  int flags = read_only_flags(mode);
  if (!shim_controlled() || flags < 0 || !path) {
    /* A writing fopen changes the file: what infile_open would mark. */
    if (shim_controlled() && mode && (mode[0] != 'r' || strchr(mode, '+')))
      mark_path_written(path);
    return REAL(fopen)(path, mode);
  }
  int fd = shim_infile_open(AT_FDCWD, path, flags, 0);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen(fd, mode);
  if (!f) {
    int saved = errno;
    REAL(close)(fd);
    errno = saved;
  }
  return f;
}

SHIM_EXPORT FILE *fopen64(const char *restrict path, const char *restrict mode) {
  return fopen(path, mode);
}
