/*
 * infiles.c: the files the programs read from outside the run. See
 * infiles.h; the shim's side is runtime_shim/infile.c.
 */
#include "sched/infiles.h"
#include "sched/outside.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
#define MAX_WARNED 16
#define FIRST_WAIT_MS 60000

/* What the processes made from one store by fork (explore --jobs workers)
 * share: each copy any of them kept, named by the process that holds it,
 * and who ran the session's first run. */
enum { FIRST_NONE = 0, FIRST_RUNNING = 1, FIRST_DONE = 2 };
struct shared_copy {
  uint32_t ready;
  int32_t pid, fd;
  uint32_t mode;
  char path[DARA_PATH_LEN];
};
struct infiles_shared {
  uint32_t first;
  uint32_t n; /* entries claimed (may pass DARA_MAX_FILES: those were not kept) */
  struct shared_copy copies[DARA_MAX_FILES];
};

struct infiles {
  struct infiles_shared *sh; /* MAP_SHARED: the same in every process forked from here */
  bool ran;                  /* this process has begun a run */
  bool first;                /* ... and it was the session's first */
  uint64_t since_ns;
  size_t n;
  uint64_t bytes;
  struct infile files[DARA_MAX_FILES];
  char *warned[MAX_WARNED]; /* too big: said once */
  size_t nwarned;
};

/* Whether fd is a sealed copy, as every kept one must be (nothing may
 * change it after it is taken), with its status into sb. */
static bool sealed_file(int fd, struct stat *sb) {
  int seals = fd >= 0 ? fcntl(fd, F_GET_SEALS) : -1;
  return seals >= 0 && (seals & SEALS) == SEALS && fstat(fd, sb) == 0 && S_ISREG(sb->st_mode) &&
         sb->st_size >= 0;
}

struct infiles *infiles_new(void) {
  struct infiles *st = calloc(1, sizeof(*st));
  if (!st)
    return NULL;
  /* The clock the kernel stamps files with: a file changed in this tick
   * or later counts as the session's own. */
  struct timespec now;
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  st->since_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
  st->sh = mmap(NULL, sizeof(*st->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (st->sh == MAP_FAILED)
    st->sh = NULL; /* shared with no other process: only a loss for --jobs */
  return st;
}

static void drop(struct infile *f) {
  if (f->data && f->len)
    munmap((void *)f->data, (size_t)f->len);
  if (f->fd >= 0)
    close(f->fd);
  free(f->path);
}

void infiles_free(struct infiles *st) {
  if (!st)
    return;
  for (size_t i = 0; i < st->n; i++)
    drop(&st->files[i]);
  for (size_t i = 0; i < st->nwarned; i++)
    free(st->warned[i]);
  if (st->sh)
    munmap(st->sh, sizeof(*st->sh));
  free(st);
}

size_t infiles_count(const struct infiles *st) { return st ? st->n : 0; }

const struct infile *infiles_at(const struct infiles *st, size_t i) {
  return st && i < st->n ? &st->files[i] : NULL;
}

static ssize_t find(const struct infiles *st, const char *path) {
  for (size_t i = 0; i < st->n; i++)
    if (strcmp(st->files[i].path, path) == 0)
      return (ssize_t)i;
  return -1;
}

/* Keeps the sealed memory file fd (len bytes) as path's copy; takes fd
 * either way. The index, or -1 with a reason in err. */
static ssize_t keep(struct infiles *st, const char *path, uint32_t mode, int fd, uint64_t len,
                    char *err, size_t err_len) {
  if (st->n == DARA_MAX_FILES || len > DARA_FILE_MAX_BYTES || st->bytes + len > INFILES_MAX_BYTES) {
    snprintf(err, err_len, "more than %u files or %u MiB of files read from outside",
             DARA_MAX_FILES, INFILES_MAX_BYTES >> 20);
    close(fd);
    return -1;
  }
  void *data = NULL;
  if (len && (data = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED) {
    snprintf(err, err_len, "cannot map the copy of %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  char *p = strdup(path);
  if (!p) {
    snprintf(err, err_len, "out of memory");
    if (len)
      munmap(data, (size_t)len);
    close(fd);
    return -1;
  }
  st->files[st->n] = (struct infile){.path = p, .mode = mode, .len = len, .data = data, .fd = fd};
  st->bytes += len;
  return (ssize_t)st->n++;
}

int infiles_add(struct infiles *st, const char *path, uint32_t mode, const uint8_t *data,
                uint64_t len, char *err, size_t err_len) {
  if (find(st, path) >= 0)
    return 0;
  if (strlen(path) >= DARA_PATH_LEN || len > DARA_FILE_MAX_BYTES) {
    snprintf(err, err_len, "a kept file that cannot be right: %.60s, %llu bytes", path,
             (unsigned long long)len);
    return -1;
  }
  int fd = outside_sealed_copy(data, len, path, err, err_len);
  if (fd < 0)
    return -1;
  /* Sealing fixes the bytes, not the mode: a program's fstat sees it. */
  if (fchmod(fd, mode & 07777) != 0) {
    snprintf(err, err_len, "the copy of %s: chmod: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return keep(st, path, mode, fd, len, err, err_len) < 0 ? -1 : 0;
}

/* Takes in the copies the other processes of the session kept. */
static void import(struct infiles *st) {
  uint32_t n = __atomic_load_n(&st->sh->n, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n && i < DARA_MAX_FILES; i++) {
    const struct shared_copy *c = &st->sh->copies[i];
    if (!__atomic_load_n(&c->ready, __ATOMIC_ACQUIRE) || c->pid == (int32_t)getpid() ||
        find(st, c->path) >= 0)
      continue;
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)c->pid, c->fd);
    int fd = open(proc, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (!sealed_file(fd, &sb)) {
      if (fd >= 0)
        close(fd);
      continue; /* its process is gone: this one copies it again when read */
    }
    char err[160];
    (void)keep(st, c->path, c->mode, fd, (uint64_t)sb.st_size, err, sizeof(err));
  }
}

/* The session's processes (explore's workers) begin one at a time: the
 * first run's copies are taken before any other run reads a file that the
 * first may rewrite (it would then be the session's own by its time). */
static void first_run(struct infiles *st) {
  st->ran = true;
  uint32_t none = FIRST_NONE;
  if (__atomic_compare_exchange_n(&st->sh->first, &none, FIRST_RUNNING, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    st->first = true;
    return;
  }
  for (int waited = 0;
       waited < FIRST_WAIT_MS && __atomic_load_n(&st->sh->first, __ATOMIC_ACQUIRE) != FIRST_DONE;
       waited++)
    usleep(1000);
}

void infiles_run_over(struct infiles *st) {
  if (st && st->sh && st->first)
    __atomic_store_n(&st->sh->first, FIRST_DONE, __ATOMIC_RELEASE);
}

void infiles_publish(struct infiles *st, struct dara_files *t, struct infiles_run *r) {
  *r = (struct infiles_run){0};
  if (st && st->sh) {
    if (!st->ran)
      first_run(st);
    import(st);
  }
  int pid = (int)getpid();
  size_t n = st ? st->n : 0;
  for (size_t i = 0; i < DARA_MAX_FILES; i++) {
    struct dara_file *e = &t->files[i];
    if (i >= n) {
      if (__atomic_load_n(&e->state, __ATOMIC_RELAXED) != DARA_FILE_FREE)
        memset(e, 0, sizeof(*e));
      continue;
    }
    *e = (struct dara_file){.pid = pid, .fd = st->files[i].fd};
    snprintf(e->path, sizeof(e->path), "%s", st->files[i].path);
    __atomic_store_n(&e->state, DARA_FILE_KEPT, __ATOMIC_RELEASE);
  }
  /* No store: since 0 makes every file the session's own, none copied. */
  t->since_ns = st ? st->since_ns : 0;
  t->changes = 0;
}

/* Takes the copy a shim left PENDING in e: its index in the store, or -1
 * (the entry is then read as it is). */
static ssize_t take(struct infiles *st, struct dara_file *e, const char *path,
                    const struct infiles_hooks *h) {
  ssize_t have = find(st, path);
  if (have >= 0)
    return have; /* two processes copied it in one turn: dara's is the first */
  int pidfd = h->pidfd_of(h->ctx, (pid_t)e->pid);
  int fd = pidfd >= 0 && e->fd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, e->fd, 0) : -1;
  if (fd < 0)
    return -1;
  (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  struct stat sb;
  if (!sealed_file(fd, &sb)) {
    close(fd);
    return -1;
  }
  char err[160];
  ssize_t k = keep(st, path, (uint32_t)sb.st_mode, fd, (uint64_t)sb.st_size, err, sizeof(err));
  if (k >= 0 && st->sh) { /* for the other workers (import) */
    uint32_t i = __atomic_fetch_add(&st->sh->n, 1, __ATOMIC_ACQ_REL);
    if (i < DARA_MAX_FILES) {
      struct shared_copy *c = &st->sh->copies[i];
      c->pid = (int32_t)getpid();
      c->fd = st->files[k].fd;
      c->mode = st->files[k].mode;
      snprintf(c->path, sizeof(c->path), "%s", path);
      __atomic_store_n(&c->ready, 1, __ATOMIC_RELEASE);
    }
  }
  return k;
}

static void warn_big(struct infiles *st, const char *path, uint64_t size,
                     const struct infiles_hooks *h) {
  for (size_t i = 0; i < st->nwarned; i++)
    if (strcmp(st->warned[i], path) == 0)
      return;
  if (st->nwarned == MAX_WARNED || !(st->warned[st->nwarned] = strdup(path)))
    return;
  st->nwarned++;
  if (h->too_big)
    h->too_big(h->ctx, path, size);
}

void infiles_look(struct infiles *st, struct dara_files *t, struct infiles_run *r,
                  const struct infiles_hooks *h) {
  uint32_t changes = __atomic_load_n(&t->changes, __ATOMIC_ACQUIRE);
  if (!st || changes == r->changes_seen)
    return;
  r->changes_seen = changes;
  for (size_t i = 0; i < DARA_MAX_FILES; i++) {
    struct dara_file *e = &t->files[i];
    uint32_t state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
    if (state < DARA_FILE_PENDING)
      continue;
    char path[DARA_PATH_LEN];
    memcpy(path, e->path, sizeof(path));
    if (memchr(path, '\0', sizeof(path)) == NULL || path[0] != '/') {
      __atomic_store_n(&e->state, DARA_FILE_LIVE, __ATOMIC_RELEASE);
      continue;
    }
    ssize_t k = -1;
    switch (state) {
    case DARA_FILE_PENDING:
      k = take(st, e, path, h);
      if (k < 0) {
        e->size = 0;
        __atomic_store_n(&e->state, DARA_FILE_LIVE, __ATOMIC_RELEASE);
        continue;
      }
      /* From now on the shims open dara's copy. */
      e->pid = (int32_t)getpid();
      e->fd = st->files[k].fd;
      __atomic_store_n(&e->state, DARA_FILE_KEPT, __ATOMIC_RELEASE);
      break;
    case DARA_FILE_KEPT:
      if (__atomic_load_n(&e->opened, __ATOMIC_RELAXED))
        k = find(st, path);
      break;
    case DARA_FILE_LIVE: {
      uint64_t size = e->size;
      if (size > DARA_FILE_MAX_BYTES)
        warn_big(st, path, size, h);
      break;
    }
    default:
      __atomic_store_n(&e->state, DARA_FILE_LIVE, __ATOMIC_RELEASE);
      break;
    }
    if (k >= 0 && !(r->told & (1ull << k))) {
      r->told |= 1ull << k;
      if (h->tell)
        h->tell(h->ctx, &st->files[k]);
    }
  }
}
