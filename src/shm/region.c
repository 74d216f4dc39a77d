/*
 * region.c: the shared control region's life cycle and validators.
 *
 * The region is a memfd, never a file in the working directory. Its size is
 * sealed (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) so a program under test
 * cannot truncate it under the scheduler and make it fault.
 */
#include "shm/region.h"

#include "shm/handoff.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const op_names[] = {
#define DARA_OP_NAME(name, str) str,
    DARA_OPS(DARA_OP_NAME)
#undef DARA_OP_NAME
};

static const char *const obj_kind_names[] = {
    "none", "thread", "mutex", "cond", "rwlock", "sem", "barrier", "spin", "once", "fd", "memory",
};
_Static_assert(sizeof(obj_kind_names) / sizeof(obj_kind_names[0]) == DARA_OBJ_COUNT,
               "a name for every object kind");

static const char *const points_names[DARA_POINTS_COUNT] = {"sync", "atomics", "all", "racy"};

const char *dara_op_name(unsigned op) { return op < DARA_OP_COUNT ? op_names[op] : "?"; }

const char *dara_obj_kind_name(unsigned kind) {
  return kind < DARA_OBJ_COUNT ? obj_kind_names[kind] : "?";
}

const char *dara_points_name(unsigned points) {
  return points < DARA_POINTS_COUNT ? points_names[points] : "?";
}

int dara_points_parse(const char *name) {
  for (int i = 0; i < DARA_POINTS_COUNT; i++)
    if (name && strcmp(name, points_names[i]) == 0)
      return i;
  return -1;
}

int dara_racy_has(const struct dara_racy *r, const char *module, uint64_t offset) {
  uint32_t nm = r->nmodules, np = r->nplaces;
  if (nm > DARA_RACY_MODULES)
    nm = DARA_RACY_MODULES;
  if (np > DARA_RACY_PLACES)
    np = DARA_RACY_PLACES;
  uint32_t m = 0;
  while (m < nm && strncmp(r->modules[m], module, DARA_PATH_LEN) != 0)
    m++;
  if (m == nm)
    return 0;
  for (uint32_t i = 0; i < np; i++)
    if (r->places[i].module == m && r->places[i].offset == offset)
      return 1;
  return 0;
}

static void init_header(struct dara_region *r) {
  r->hdr.magic = DARA_MAGIC;
  r->hdr.abi_version = DARA_ABI_VERSION;
  r->hdr.header_size = (uint32_t)sizeof(r->hdr);
  r->hdr.proc_size = (uint32_t)sizeof(struct dara_proc);
  r->hdr.nprocs = DARA_MAX_PROCS;
  r->hdr.max_routines = DARA_MAX_ROUTINES;
  r->hdr.region_size = sizeof(*r);
  r->hdr.spins = HANDOFF_SPINS;
  r->hdr.points = DARA_POINTS_SYNC;
  r->hdr.coverage = 0;
  r->racy.nmodules = 0;
  r->racy.nplaces = 0;
}

void region_reset_proc(struct dara_proc *p) {
  /* The control fields, up to the tables. Table entries past the counts
   * (modules, routines) and outside the log window are never read, and
   * the shim clears each entry as it takes it into use. */
  memset(p, 0, offsetof(struct dara_proc, modules));
  p->log_head = p->log_tail = p->log_lost = 0;
  p->syscall = -1;
}

void region_clear_cov(struct dara_cov *c, bool always) {
  /* blocks[] past `used` are never read: only the index must be empty. */
  if (always || c->used || c->nmodules || c->lost)
    memset(c->index, 0, sizeof(c->index));
  c->nmodules = c->used = c->lost = 0;
}

void region_recycle(struct dara_region *r) {
  init_header(r);
  memset(&r->clock, 0, sizeof(r->clock));
  /* An entry without a key is free, and cleared when taken (shared.c). */
  for (int i = 0; i < DARA_SHARED_CONDS; i++) {
    struct dara_shared_cond *c = &r->shared_conds[i];
    if (c->dev || c->ino || c->off)
      memset(c, 0, sizeof(*c));
  }
  for (unsigned i = 0; i < DARA_MAX_PROCS; i++) {
    region_reset_proc(&r->procs[i]);
    region_clear_cov(&r->cov[i], false);
  }
}

void region_reset(struct dara_region *r) {
  /* The last program may have written anything anywhere: start over. */
  init_header(r);
  memset(&r->clock, 0, sizeof(r->clock));
  memset(r->procs, 0, sizeof(r->procs));
  memset(r->shared_conds, 0, sizeof(r->shared_conds));
  memset(&r->files, 0, sizeof(r->files));
  for (int i = 0; i < DARA_MAX_PROCS; i++) {
    r->procs[i].syscall = -1;
    region_clear_cov(&r->cov[i], true);
  }
}

/* The control blocks of the command line's programs are in every run:
 * their pages are made (and mapped) now, not in the middle of one. The
 * others (a forked child's, a restarted program's: 64 blocks are over 40
 * MB) cost nothing until used. A kernel without MADV_POPULATE_WRITE makes
 * them at first touch. */
static void populate_hot(struct dara_region *r) {
  size_t hot = offsetof(struct dara_region, procs) + DARA_MAX_CMDS * sizeof(struct dara_proc);
  (void)madvise(r, hot, MADV_POPULATE_WRITE);
}

struct dara_region *region_create(int *fd) {
  int mfd = memfd_create("dara-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return NULL;
  if (ftruncate(mfd, (off_t)sizeof(struct dara_region)) != 0 ||
      fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    int e = errno;
    close(mfd);
    errno = e;
    return NULL;
  }
  struct dara_region *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
  if (r == MAP_FAILED) {
    int e = errno;
    close(mfd);
    errno = e;
    return NULL;
  }
  populate_hot(r);
  /* A new memfd reads as zeros: only the fields that are not zero at
   * rest are written, one page per control block. */
  region_recycle(r);
  *fd = mfd;
  return r;
}

void region_destroy(struct dara_region *r, int fd) {
  if (r)
    munmap(r, sizeof(*r));
  if (fd >= 0)
    close(fd);
}

struct dara_region *region_attach(int fd, char *why, size_t why_len) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    snprintf(why, why_len, "descriptor %d is not open", fd);
    return NULL;
  }
  if ((size_t)st.st_size < sizeof(struct dara_region_header)) {
    snprintf(why, why_len, "descriptor %d is %lld bytes, too small for a dara region", fd,
             (long long)st.st_size);
    return NULL;
  }
  struct dara_region_header hdr;
  if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
    snprintf(why, why_len, "cannot read the region header at descriptor %d", fd);
    return NULL;
  }
  if (hdr.magic != DARA_MAGIC) {
    snprintf(why, why_len, "descriptor %d is not a dara region (magic %#x)", fd, hdr.magic);
    return NULL;
  }
  if (hdr.abi_version != DARA_ABI_VERSION || hdr.header_size != sizeof(hdr) ||
      hdr.proc_size != sizeof(struct dara_proc) || hdr.nprocs != DARA_MAX_PROCS ||
      hdr.max_routines != DARA_MAX_ROUTINES || hdr.region_size != sizeof(struct dara_region) ||
      (size_t)st.st_size != sizeof(struct dara_region)) {
    snprintf(why, why_len,
             "region ABI mismatch: scheduler has version %u (block %u bytes, %u slots), "
             "this shim has version %u (block %zu bytes, %d slots); use a dara and shim "
             "from the same build",
             hdr.abi_version, hdr.proc_size, hdr.nprocs, DARA_ABI_VERSION, sizeof(struct dara_proc),
             DARA_MAX_PROCS);
    return NULL;
  }
  struct dara_region *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (r == MAP_FAILED) {
    snprintf(why, why_len, "cannot map the region: %s", strerror(errno));
    return NULL;
  }
  populate_hot(r);
  return r;
}

bool region_routine_index_ok(unsigned idx) { return idx < DARA_MAX_ROUTINES; }

bool region_status_ok(unsigned status) { return status <= DARA_RS_EXITED; }

bool region_log_window_ok(uint32_t head, uint32_t tail, char *why, size_t why_len) {
  uint32_t used = head - tail;
  if (used <= DARA_LOG_LEN)
    return true;
  if ((int32_t)used < 0)
    snprintf(why, why_len, "tail %u is past head %u", tail, head);
  else
    snprintf(why, why_len, "head %u is %u entries past tail %u, and the log holds %d", head, used,
             tail, DARA_LOG_LEN);
  return false;
}

int region_log_lost_check(uint32_t lost, uint32_t seen, uint32_t head, uint32_t old_tail, char *why,
                          size_t why_len) {
  if (lost == seen)
    return 0;
  uint32_t used = head - old_tail;
  if (lost < seen)
    snprintf(why, why_len, "log_lost went down from %u to %u", seen, lost);
  else if (used < DARA_LOG_LEN || used > 2 * DARA_LOG_LEN)
    snprintf(why, why_len, "log_lost %u (up from %u), but the log was not full (head %u, tail %u)",
             lost, seen, head, old_tail);
  else
    return 1;
  return -1;
}

void region_copy_name(char *out, size_t out_len, const char *in, size_t in_len) {
  if (out_len == 0)
    return;
  size_t i = 0;
  for (; i + 1 < out_len && i < in_len; i++) {
    char c = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
    if (c == '\0')
      break;
    out[i] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  out[i] = '\0';
}
