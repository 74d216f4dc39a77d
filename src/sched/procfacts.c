/*
 * procfacts.c: what the kernel says about a controlled process. See
 * procfacts.h.
 */
#include "sched/procfacts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* include/uapi/linux/pidfd.h of Linux 6.15, which Debian 12's headers
 * predate: the first version of struct pidfd_info (64 bytes). The kernel
 * takes the size from the request number and fills what both know. */
struct procfacts_pidfd_info {
  uint64_t mask;
  uint64_t cgroupid;
  uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  int32_t exit_code;
};
#define PROCFACTS_PIDFD_GET_INFO _IOWR(0xFF, 11, struct procfacts_pidfd_info)
#define PROCFACTS_PIDFD_INFO_EXIT (1ull << 3)

/* Reads a small /proc file into buf; false when it cannot. */
static bool read_small(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  return true;
}

pid_t procfacts_parent(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  if (!read_small(path, buf, sizeof(buf)))
    return -1;
  /* "pid (comm) state ppid ...": comm may hold anything, ')' included, so
   * read from the last ')'. */
  const char *p = strrchr(buf, ')');
  char state;
  int ppid;
  if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
    return -1;
  return (pid_t)ppid;
}

int procfacts_zombie_status(pid_t pid, int *status) {
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  if (!read_small(path, buf, sizeof(buf)))
    return 0;
  const char *p = strrchr(buf, ')');
  if (!p || p[1] != ' ' || p[2] != 'Z')
    return 0;
  /* Fields from 3 (state) on, space-separated; exit_code is field 52. */
  int field = 3;
  for (p += 2; *p && field < 52; p++)
    if (*p == ' ')
      field++;
  int code;
  if (field != 52 || sscanf(p, "%d", &code) != 1)
    return 0;
  *status = code;
  return 1;
}

int procfacts_ended(int pidfd) {
  if (pidfd < 0)
    return -1;
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  int r;
  do
    r = poll(&p, 1, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return -1;
  return r > 0 && (p.revents & (POLLIN | POLLHUP)) ? 1 : 0;
}

int procfacts_exit_status(int pidfd, int *status) {
  if (pidfd < 0)
    return 0;
  struct procfacts_pidfd_info info;
  memset(&info, 0, sizeof(info));
  info.mask = PROCFACTS_PIDFD_INFO_EXIT;
  if (ioctl(pidfd, PROCFACTS_PIDFD_GET_INFO, &info) != 0 ||
      !(info.mask & PROCFACTS_PIDFD_INFO_EXIT))
    return 0;
  *status = info.exit_code;
  return 1;
}

int procfacts_maps_file(pid_t pid, dev_t dev, ino_t ino) {
  uintptr_t lo, hi;
  return procfacts_mapping(pid, dev, ino, &lo, &hi);
}

int procfacts_each_mapping(pid_t pid, bool (*fn)(const struct procfacts_map *m, void *arg),
                           void *arg) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  /* "start-end perms offset MAJ:MIN inode path" */
  char line[4096];
  bool more = true;
  while (more && fgets(line, sizeof(line), f)) {
    unsigned maj, min;
    uintmax_t inode, start, end;
    if (sscanf(line, "%jx-%jx %*s %*s %x:%x %ju", &start, &end, &maj, &min, &inode) == 5 &&
        inode != 0) {
      struct procfacts_map m = {.lo = (uintptr_t)start,
                                .hi = (uintptr_t)end,
                                .dev = makedev(maj, min),
                                .ino = (ino_t)inode};
      more = fn(&m, arg);
    }
    /* A line longer than the buffer: skip the rest of it. */
    while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
      ;
  }
  bool failed = ferror(f);
  fclose(f);
  return failed ? -1 : 0;
}

struct find_mapping {
  dev_t dev;
  ino_t ino;
  bool found;
  struct procfacts_map at; /* the first mapping of the file, once found */
};

static bool find_mapping(const struct procfacts_map *m, void *arg) {
  struct find_mapping *want = arg;
  if (m->dev != want->dev || m->ino != want->ino)
    return true;
  want->at = *m;
  want->found = true;
  return false;
}

int procfacts_mapping(pid_t pid, dev_t dev, ino_t ino, uintptr_t *lo, uintptr_t *hi) {
  struct find_mapping want = {.dev = dev, .ino = ino};
  if (procfacts_each_mapping(pid, find_mapping, &want) != 0)
    return -1;
  if (!want.found)
    return 0;
  *lo = want.at.lo;
  *hi = want.at.hi;
  return 1;
}

int procfacts_all_waiting_in(pid_t pid, uintptr_t lo, uintptr_t hi) {
  char path[96];
  snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d)
    return -1;
  int answer = 1, threads = 0;
  struct dirent *e;
  while (answer == 1 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    char buf[512];
    snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
    if (!read_small(path, buf, sizeof(buf)))
      continue; /* gone meanwhile */
    const char *p = strrchr(buf, ')');
    char state = p && p[1] == ' ' ? p[2] : '?';
    if (state == 'Z' || state == 'X' || state == 'x')
      continue; /* a thread that has ended waits for nothing */
    if (state != 'S') {
      answer = 0; /* running, or asleep where a signal cannot wake it */
      break;
    }
    snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", (int)pid, e->d_name);
    long nr;
    uintmax_t word;
    if (!read_small(path, buf, sizeof(buf))) {
      answer = -1;
      break;
    }
    if (sscanf(buf, "%ld %jx", &nr, &word) != 2 || nr != SYS_futex || word < lo || word >= hi)
      answer = 0;
    threads++;
  }
  closedir(d);
  return answer == 1 && threads == 0 ? -1 : answer;
}

int procfacts_reading(pid_t pid, int fd) {
  char path[96];
  snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d)
    return -1;
  int answer = 0;
  struct dirent *e;
  while (answer == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    char buf[512];
    snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", (int)pid, e->d_name);
    long nr;
    uintmax_t arg;
    if (read_small(path, buf, sizeof(buf)) && sscanf(buf, "%ld %jx", &nr, &arg) == 2 &&
        nr == SYS_read && arg == (uintmax_t)fd)
      answer = 1;
  }
  closedir(d);
  return answer;
}
