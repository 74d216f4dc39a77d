/*
 * outside.c: the world a run takes from outside. See outside.h.
 */
#include "sched/outside.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/region.h"
#include "sched/cli.h"
#include "sched/launcher.h"
#include "sched/program.h"

extern char **environ;

/* dara's own variables: those the launcher sets for each process, and
 * the knobs that configure dara rather than the program (read by dara
 * alone, so a replay's are its own): not kept. */
static bool launcher_own(const char *var) {
  static const char *const own[] = {
      DARA_ENV_SLOT "=",        DARA_ENV_FORKSERVER "=", DARA_ENV_SHIM "=", "DARA_SCHED_YIELDS=",
      "DARA_FORCED_STEPS=",     "DARA_MEMORY_LEASE=",    "DARA_CPU=",       "DARA_SNAPSHOT=",
      "DARA_BRANCH_SNAPSHOTS=", "DARA_BRANCH_MIN_MS=",   "DARA_PLANS="};
  for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
    if (strncmp(var, own[i], strlen(own[i])) == 0)
      return true;
  return false;
}

static int take_env(struct sched_world *w, char *err, size_t err_len) {
  size_t n = 0;
  for (char **e = environ; e && *e; e++)
    n++;
  if (n > SCHED_ENV_MAX) {
    snprintf(err, err_len, "the environment has %zu variables; dara keeps at most %u", n,
             SCHED_ENV_MAX);
    return -1;
  }
  w->env = calloc(n ? n : 1, sizeof(char *));
  if (!w->env)
    goto oom;
  for (char **e = environ; e && *e; e++) {
    if (launcher_own(*e) || !strchr(*e, '='))
      continue;
    if (!(w->env[w->nenv] = strdup(*e)))
      goto oom;
    w->nenv++;
  }
  return 0;
oom:
  snprintf(err, err_len, "out of memory");
  return -1;
}

/* Reads fd to its end into *buf (*len bytes; what), at most
 * SCHED_INPUT_MAX. Says once on stderr that dara waits, if the input has
 * not ended after a couple of seconds. */
#define WAIT_NOTE_MS 2000
static int read_to_end(int fd, const char *what, const char *how_not, uint8_t **buf, uint64_t *len,
                       char *err, size_t err_len) {
  struct stat st;
  if (fstat(fd, &st) != 0)
    return 0;
  size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= SCHED_INPUT_MAX
                   ? (size_t)st.st_size + 1
                   : 64u << 10;
  bool noted = false;
  for (;;) {
    if (*len + 1 >= cap) {
      if (cap > SCHED_INPUT_MAX) {
        snprintf(err, err_len,
                 "%s is longer than %u MiB: dara keeps a copy of it for every run and replay; "
                 "give the program a file to open instead",
                 what, SCHED_INPUT_MAX >> 20);
        return -1;
      }
      cap *= 2;
      uint8_t *p = realloc(*buf, cap);
      if (!p) {
        snprintf(err, err_len, "out of memory");
        return -1;
      }
      *buf = p;
    }
    if (!*buf && !(*buf = malloc(cap))) {
      snprintf(err, err_len, "out of memory");
      return -1;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int k = poll(&p, 1, noted ? -1 : WAIT_NOTE_MS);
    if (k == 0) {
      fprintf(stderr,
              "dara: waiting for %s to end (%llu byte%s so far): the programs get a copy of all "
              "of it; %s\n",
              what, (unsigned long long)*len, plural(*len), how_not);
      noted = true;
      continue;
    }
    if (k < 0 && errno != EINTR) {
      snprintf(err, err_len, "%s: poll: %s", what, strerror(errno));
      return -1;
    }
    if (k < 0)
      continue;
    ssize_t got = read(fd, *buf + *len, cap - 1 - (size_t)*len);
    if (got == 0)
      return 0;
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      snprintf(err, err_len, "%s: read: %s", what, strerror(errno));
      return -1;
    }
    *len += (uint64_t)got;
  }
}

static int take_input(struct sched_world *w, int fd, char *err, size_t err_len) {
  w->has_input = true;
  struct stat st;
  if (fstat(fd, &st) != 0 || isatty(fd))
    return 0; /* closed, or a terminal: no input */
  return read_to_end(fd, "standard input", "give '< /dev/null' if they read none", &w->input,
                     &w->input_len, err, err_len);
}

/* The descriptors above 2 that dara was given (outside_note_inherited). */
static int inherited[SCHED_FDS_MAX];
static unsigned ninherited;
static bool inherited_more;
/* ... and those it cannot pass on, at dara's own numbers or near them
 * (SCHED_FD_LIMIT on: the region at 666, the fork server's pipes): the
 * first few, and how many. */
#define DROPPED_NAMED 4
static int dropped[DROPPED_NAMED];
static unsigned ndropped;

void outside_note_inherited(void) {
  ninherited = 0;
  ndropped = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d)
    return;
  int own = dirfd(d);
  bool seen[SCHED_FD_LIMIT] = {0};
  for (struct dirent *e; (e = readdir(d));) {
    char *end;
    long fd = strtol(e->d_name, &end, 10);
    /* Those at dara's own numbers (the region's) are not passed on. */
    if (*end || end == e->d_name || fd < 3 || fd == own)
      continue;
    if (fd >= SCHED_FD_LIMIT) {
      if (ndropped < DROPPED_NAMED)
        dropped[ndropped] = (int)fd;
      ndropped++;
      continue;
    }
    seen[fd] = true;
  }
  closedir(d);
  for (int fd = 3; fd < SCHED_FD_LIMIT; fd++)
    if (seen[fd] && fcntl(fd, F_GETFD) >= 0) {
      if (ninherited == SCHED_FDS_MAX) {
        inherited_more = true;
        break;
      }
      inherited[ninherited++] = fd;
    }
}

static bool was_given(int fd) {
  for (unsigned i = 0; i < ninherited; i++)
    if (inherited[i] == fd)
      return fcntl(fd, F_GETFD) >= 0;
  return false;
}

/* Each descriptor dara was given, copied when it is a readable pipe or
 * file: input whose end is known. */
static int take_fds(struct sched_world *w, char *err, size_t err_len) {
  if (inherited_more) {
    snprintf(err, err_len,
             "dara was given more than %u descriptors above 2: it keeps at most %u (close the "
             "others: 'N<&-')",
             SCHED_FDS_MAX, SCHED_FDS_MAX);
    return -1;
  }
  if (ndropped) { /* the program would find them closed, or dara's there */
    char list[64] = "";
    for (unsigned i = 0; i < ndropped && i < DROPPED_NAMED; i++)
      snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i ? ", " : "", dropped[i]);
    fprintf(stderr,
            "dara: warning: descriptor%s %s%s given to dara %s not passed to the programs: "
            "descriptors from %d on are dara's own (give %s a lower number)\n",
            ndropped > 1 ? "s" : "", list, ndropped > DROPPED_NAMED ? ", ..." : "",
            ndropped > 1 ? "are" : "is", SCHED_FD_LIMIT, ndropped > 1 ? "them" : "it");
  }
  w->has_fds = true;
  if (ninherited && !(w->fds = calloc(ninherited, sizeof(*w->fds)))) {
    snprintf(err, err_len, "out of memory");
    return -1;
  }
  uint64_t total = w->input_len;
  for (unsigned i = 0; i < ninherited; i++) {
    int fd = inherited[i];
    struct sched_fd *f = &w->fds[w->nfds++];
    f->fd = fd;
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) != 0 || fl < 0 || (fl & O_ACCMODE) == O_WRONLY || isatty(fd) ||
        !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode)))
      continue; /* passed as it is */
    f->copied = true;
    char what[48], how_not[48];
    snprintf(what, sizeof(what), "descriptor %d", fd);
    snprintf(how_not, sizeof(how_not), "give '%d<&-' if they read none", fd);
    if (read_to_end(fd, what, how_not, &f->data, &f->len, err, err_len) != 0)
      return -1;
    if ((total += f->len) > SCHED_INPUT_MAX) {
      snprintf(err, err_len,
               "standard input and the descriptors dara was given hold more than %u MiB: dara "
               "keeps a copy of them for every run and replay",
               SCHED_INPUT_MAX >> 20);
      return -1;
    }
  }
  return 0;
}

int outside_take(struct sched_world *w, const struct sched_cmd *cmds, int n, const char *dir,
                 int in_fd, char *err, size_t err_len) {
  *w = (struct sched_world){0};
  for (int i = 0; i < n; i++) {
    char path[PATH_MAX], abs[PATH_MAX];
    const char *found = "";
    if (program_resolve(cmds[i].argv[0], dir, path) == 0 && realpath(path, abs))
      found = abs;
    if (!(w->paths[i] = strdup(found))) {
      snprintf(err, err_len, "out of memory");
      goto fail;
    }
  }
  if (take_env(w, err, err_len) != 0 || take_input(w, in_fd, err, err_len) != 0 ||
      take_fds(w, err, err_len) != 0)
    goto fail;
  return 0;
fail:
  outside_free(w);
  return -1;
}

void outside_free(struct sched_world *w) {
  for (int i = 0; i < DARA_MAX_CMDS; i++)
    free(w->paths[i]);
  for (uint32_t i = 0; i < w->nenv; i++)
    free(w->env[i]);
  free(w->env);
  free(w->input);
  for (uint32_t i = 0; i < w->nfds; i++)
    free(w->fds[i].data);
  free(w->fds);
  *w = (struct sched_world){0};
}

int outside_sealed_copy(const uint8_t *data, uint64_t len, const char *what, char *err,
                        size_t err_len) {
  int fd = memfd_create("dara-input", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    snprintf(err, err_len, "memfd_create: %s", strerror(errno));
    return -1;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t k = write(fd, data + done, (size_t)len - done);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      snprintf(err, err_len, "%s's copy: write: %s", what, strerror(errno));
      close(fd);
      return -1;
    }
    done += (size_t)k;
  }
  /* The same bytes for every run: no process may change them. */
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    snprintf(err, err_len, "%s's copy: seal: %s", what, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

int outside_input_fd(const struct sched_world *w, char *err, size_t err_len) {
  return outside_sealed_copy(w->input, w->input_len, "standard input", err, err_len);
}

int outside_fds(const struct sched_world *w, struct launch_fd *fds, char *err, size_t err_len) {
  int n = 0;
  for (uint32_t i = 0; i < w->nfds && i < SCHED_FDS_MAX; i++) {
    const struct sched_fd *f = &w->fds[i];
    int source = f->fd; /* passed as it is, if dara was given it */
    if (f->copied) {
      char what[32];
      snprintf(what, sizeof(what), "descriptor %d", f->fd);
      if ((source = outside_sealed_copy(f->data, f->len, what, err, err_len)) < 0) {
        for (int k = 0; k < n; k++)
          if (launch_fd_copy(&fds[k]))
            close(fds[k].source);
        return -1;
      }
    } else if (!was_given(f->fd)) {
      source = -1; /* a replay's dara was not: /dev/null keeps the number */
    }
    fds[n++] = (struct launch_fd){.fd = f->fd, .source = source};
  }
  return n;
}

int outside_reopen(int fd) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  return open(path, O_RDONLY | O_CLOEXEC);
}
