/*
 * outside.c: the world a run takes from outside. See outside.h.
 */
#include "sched/outside.h"

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
#include "sched/program.h"

extern char **environ;

/* dara's own variables: those the launcher sets for each process, and
 * the knobs that configure dara rather than the program (read by dara
 * alone, so a replay's are its own): not kept. */
static bool launcher_own(const char *var) {
  static const char *const own[] = {
      DARA_ENV_SLOT "=",    DARA_ENV_FORKSERVER "=", DARA_ENV_SHIM "=", "DARA_SCHED_YIELDS=",
      "DARA_FORCED_STEPS=", "DARA_MEMORY_LEASE=",    "DARA_CPU="};
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

/* Reads fd to its end into w->input. Says once on stderr that dara waits,
 * if the input has not ended after a couple of seconds. */
#define WAIT_NOTE_MS 2000
static int take_input(struct sched_world *w, int fd, char *err, size_t err_len) {
  w->has_input = true;
  struct stat st;
  if (fstat(fd, &st) != 0 || isatty(fd))
    return 0; /* closed, or a terminal: no input */
  size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= SCHED_INPUT_MAX
                   ? (size_t)st.st_size + 1
                   : 64u << 10;
  bool noted = false;
  for (;;) {
    if (w->input_len + 1 >= cap) {
      if (cap > SCHED_INPUT_MAX) {
        snprintf(err, err_len,
                 "standard input is longer than %u MiB: dara keeps a copy of it for every run "
                 "and replay; give the program a file to open instead",
                 SCHED_INPUT_MAX >> 20);
        return -1;
      }
      cap *= 2;
      uint8_t *p = realloc(w->input, cap);
      if (!p) {
        snprintf(err, err_len, "out of memory");
        return -1;
      }
      w->input = p;
    }
    if (!w->input && !(w->input = malloc(cap))) {
      snprintf(err, err_len, "out of memory");
      return -1;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int k = poll(&p, 1, noted ? -1 : WAIT_NOTE_MS);
    if (k == 0) {
      fprintf(stderr,
              "dara: waiting for standard input to end (%llu byte%s so far): the programs get a "
              "copy of all of it; give '< /dev/null' if they read none\n",
              (unsigned long long)w->input_len, plural(w->input_len));
      noted = true;
      continue;
    }
    if (k < 0 && errno != EINTR) {
      snprintf(err, err_len, "standard input: poll: %s", strerror(errno));
      return -1;
    }
    if (k < 0)
      continue;
    ssize_t got = read(fd, w->input + w->input_len, cap - 1 - (size_t)w->input_len);
    if (got == 0)
      return 0;
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      snprintf(err, err_len, "standard input: read: %s", strerror(errno));
      return -1;
    }
    w->input_len += (uint64_t)got;
  }
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
  if (take_env(w, err, err_len) != 0 || take_input(w, in_fd, err, err_len) != 0)
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
  *w = (struct sched_world){0};
}

int outside_input_fd(const struct sched_world *w, char *err, size_t err_len) {
  int fd = memfd_create("dara-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    snprintf(err, err_len, "memfd_create: %s", strerror(errno));
    return -1;
  }
  size_t done = 0;
  while (done < w->input_len) {
    ssize_t k = write(fd, w->input + done, (size_t)w->input_len - done);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0) {
      snprintf(err, err_len, "standard input's copy: write: %s", strerror(errno));
      close(fd);
      return -1;
    }
    done += (size_t)k;
  }
  /* The same bytes for every run: no process may change them. */
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    snprintf(err, err_len, "standard input's copy: seal: %s", strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

int outside_reopen(int fd) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  return open(path, O_RDONLY | O_CLOEXEC);
}
