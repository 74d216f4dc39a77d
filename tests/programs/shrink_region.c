/*
 * shrink_region.c: tries to shrink dara's region under the scheduler: opens
 * its own mapping of it through /proc/self/map_files and calls
 * ftruncate(fd, 0). The region's memfd is sealed against shrinking, so this
 * has to fail (EPERM); had it worked, the scheduler would fault on its next
 * access.
 *
 * Exit status: 0 the truncate failed, 1 it succeeded, 4 the mapping could
 * not be opened (no way to try: the test is skipped), 5 no region.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "region_finder.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  unsigned long end, start = region_find(&end);
  if (!start) {
    fprintf(stderr, "shrink_region: no dara region mapped\n");
    return 5;
  }
  char path[128];
  snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", start, end);
  int fd = open(path, O_RDWR);
  if (fd < 0) {
    fprintf(stderr, "shrink_region: open %s: %s\n", path, strerror(errno));
    return 4;
  }
  int rc = ftruncate(fd, 0);
  int e = errno;
  printf("shrink_region: ftruncate(%s, 0) = %d (%s)\n", path, rc, rc ? strerror(e) : "success");
  close(fd);
  pthread_mutex_lock(&lock); /* a scheduling point after the attempt */
  pthread_mutex_unlock(&lock);
  return rc == 0 ? 1 : 0;
}
