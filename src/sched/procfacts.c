/*
 * procfacts.c: what the kernel says about a controlled process. See
 * procfacts.h.
 */
#include "sched/procfacts.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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

pid_t procfacts_parent(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* "pid (comm) state ppid ...": comm may hold anything, ')' included, so
   * read from the last ')'. */
  const char *p = strrchr(buf, ')');
  char state;
  int ppid;
  if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
    return -1;
  return (pid_t)ppid;
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
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -1;
  /* "start-end perms offset MAJ:MIN inode path" */
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof(line), f)) {
    unsigned maj, min;
    uintmax_t inode;
    if (sscanf(line, "%*s %*s %*s %x:%x %ju", &maj, &min, &inode) == 3 && maj == major(dev) &&
        min == minor(dev) && inode == (uintmax_t)ino)
      found = 1;
    /* A line longer than the buffer: skip the rest of it. */
    while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
      ;
  }
  bool failed = ferror(f);
  fclose(f);
  return failed ? -1 : found;
}
