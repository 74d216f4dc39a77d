/*
 * modfile.c: snapshots of module files. See modfile.h.
 */
#include "sched/modfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sched/procfacts.h"

/* The files admitted: (device, inode) of what controlled processes map. */
#define MODFILE_FILES 4096
static struct {
  dev_t dev;
  ino_t ino;
} admitted[MODFILE_FILES];
static unsigned nadmitted;
static bool any;

static bool is_admitted(dev_t dev, ino_t ino) {
  if (any)
    return true;
  for (unsigned i = 0; i < nadmitted; i++)
    if (admitted[i].dev == dev && admitted[i].ino == ino)
      return true;
  return false;
}

void modfile_admit_any(void) { any = true; }

static bool admit_mapping(const struct procfacts_map *m, void *arg) {
  (void)arg;
  if (!is_admitted(m->dev, m->ino) && nadmitted < MODFILE_FILES) {
    admitted[nadmitted].dev = m->dev;
    admitted[nadmitted].ino = m->ino;
    nadmitted++;
  }
  return true;
}

void modfile_admit_process(pid_t pid) { procfacts_each_mapping(pid, admit_mapping, NULL); }

bool modfile_admitted(const char *path, dev_t *dev, ino_t *ino) {
  struct stat named;
  if (stat(path, &named) != 0 || !S_ISREG(named.st_mode) ||
      !is_admitted(named.st_dev, named.st_ino))
    return false;
  *dev = named.st_dev;
  *ino = named.st_ino;
  return true;
}

void modfile_admit(dev_t dev, ino_t ino) {
  struct procfacts_map m = {.dev = dev, .ino = ino};
  admit_mapping(&m, NULL);
}

int modfile_snapshot(const char *path) {
  /* stat first: it opens nothing, so a FIFO cannot block it. */
  struct stat named;
  if (stat(path, &named) != 0 || !S_ISREG(named.st_mode) ||
      !is_admitted(named.st_dev, named.st_ino))
    return -1;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != named.st_dev ||
      st.st_ino != named.st_ino || st.st_size <= 0 || st.st_size > MODFILE_MAX) {
    close(fd);
    return -1;
  }
  int snap = memfd_create("dara-module", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (snap < 0) {
    close(fd);
    return -1;
  }
  /* The file may change while it is copied: the copy is whatever was
   * read, never more than the size seen. */
  off_t done = 0;
  while (done < st.st_size) {
    ssize_t n = sendfile(snap, fd, NULL, (size_t)(st.st_size - done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += n;
  }
  close(fd);
  if (done == 0 ||
      fcntl(snap, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0 ||
      lseek(snap, 0, SEEK_SET) != 0) {
    close(snap);
    return -1;
  }
  return snap;
}
