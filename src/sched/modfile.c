/*
 * modfile.c: snapshots of module files. See modfile.h.
 */
#include "sched/modfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int modfile_snapshot(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > MODFILE_MAX) {
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
