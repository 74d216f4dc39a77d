/*
 * merge.c: `dara merge -o OUT [--json] DIR...`, one exploration from the
 * directories of its shards (shard.h).
 *
 * Each DIR holds what `dara explore --shard K/N -o DIR` left: its bug
 * schedule files and summary.json, the --json document. The shards must
 * be parts of one exploration (the same seed, strategy, budget and N, each
 * K once). A bug is one signature: it keeps the first schedule that showed
 * it in the whole exploration (the lowest number, which is the one a
 * single run saves), the hits of all shards, and that schedule's file,
 * copied into OUT as bug-NNN-KIND.sched in order of schedule. The counts
 * add up; a dara_sometimes held if it held in any shard. OUT gets the
 * merged document as summary.json (and on stdout with --json).
 *
 * The summaries are parsed with jansson: each is a file that another
 * machine wrote, read as untrusted input: every field is checked for its
 * type, and a bug file is copied only when it is a regular file in its
 * shard's directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/cli.h"
#include "sched/options.h"

static const char synopsis[] =
    "usage: dara merge -o OUT [--json] DIR...\n"
    "\n"
    "Combine the bug directories of the shards of one exploration ('dara explore\n"
    "--shard K/N -o DIR') into OUT: each distinct bug once, with its first schedule\n"
    "in the whole exploration and the hits of every shard, and one summary\n"
    "(OUT/summary.json). The shards must share the seed, strategy and budget.\n"
    "\n"
    "options:\n";

static const char epilog[] =
    "\n"
    "exit status: 0 no bug, 1 a bug was found, 2 usage error or a shard that does\n"
    "not fit. docs/shards.md has recipes for GNU parallel, Slurm and Kubernetes.\n";

#define MAX_SHARDS 4096

struct merged_bug {
  json_t *bug;     /* the first shard's object (borrowed), with the lowest schedule */
  const char *dir; /* its shard's directory */
  long long hits;  /* summed */
  long long schedule;
};

struct merge {
  const char *out;
  json_t *docs[MAX_SHARDS];
  const char *dirs[MAX_SHARDS];
  size_t n;
  struct merged_bug *bugs;
  size_t nbugs;
};

static bool int_field(json_t *o, const char *key, long long *v) {
  json_t *f = json_object_get(o, key);
  if (!json_is_integer(f))
    return false;
  *v = json_integer_value(f);
  return true;
}

static const char *str_field(json_t *o, const char *key) {
  json_t *f = json_object_get(o, key);
  return json_is_string(f) ? json_string_value(f) : NULL;
}

/* Loads DIR/summary.json; -1 (said) when it is missing or not one. */
static int load(struct merge *m, const char *dir) {
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/summary.json", dir);
  json_error_t e;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
  if (!doc) {
    cli_error("merge: %s: %s (line %d)", path, e.text, e.line);
    return -1;
  }
  long long version, count, index, schedules;
  json_t *shard = json_object_get(doc, "shard");
  if (!json_is_object(doc) || !int_field(doc, "version", &version) || version != 1 ||
      !int_field(doc, "schedules", &schedules) || !json_is_array(json_object_get(doc, "bugs")) ||
      !str_field(doc, "strategy")) {
    cli_error("merge: %s: not the summary of a dara exploration (version 1)", path);
    json_decref(doc);
    return -1;
  }
  if (!json_is_object(shard) || !int_field(shard, "index", &index) ||
      !int_field(shard, "count", &count) || count < 1 || index < 1 || index > count) {
    cli_error("merge: %s: the summary of no shard: run 'dara explore --shard K/N -o %s'", path,
              dir);
    json_decref(doc);
    return -1;
  }
  m->docs[m->n] = doc;
  m->dirs[m->n] = dir;
  m->n++;
  return 0;
}

/* The shards are parts of one exploration, each once. */
static int check_fit(struct merge *m, bool *seen) {
  json_t *a = m->docs[0];
  long long count = json_integer_value(json_object_get(json_object_get(a, "shard"), "count"));
  for (size_t i = 0; i < m->n; i++) {
    json_t *d = m->docs[i];
    long long c = json_integer_value(json_object_get(json_object_get(d, "shard"), "count"));
    long long k = json_integer_value(json_object_get(json_object_get(d, "shard"), "index"));
    /* faults: absent from both, or the same settings. */
    static const char *const same[] = {"seed", "strategy", "max_schedules", "max_steps", "faults"};
    for (size_t f = 0; f < sizeof(same) / sizeof(same[0]); f++) {
      json_t *x = json_object_get(a, same[f]), *y = json_object_get(d, same[f]);
      if ((x || y) && !json_equal(x, y)) {
        cli_error("merge: %s and %s are not parts of one exploration: their %s differ", m->dirs[0],
                  m->dirs[i], same[f]);
        return -1;
      }
    }
    if (c != count) {
      cli_error("merge: %s is shard %lld of %lld, %s one of %lld", m->dirs[i], k, c, m->dirs[0],
                count);
      return -1;
    }
    if (count > MAX_SHARDS) {
      cli_error("merge: %lld shards: at most %d are merged", count, MAX_SHARDS);
      return -1;
    }
    if (seen[k - 1]) {
      cli_error("merge: shard %lld of %lld is given twice (%s)", k, count, m->dirs[i]);
      return -1;
    }
    seen[k - 1] = true;
  }
  return 0;
}

static int add_bug(struct merge *m, json_t *bug, const char *dir) {
  const char *sig = str_field(bug, "signature");
  long long schedule, hits;
  if (!sig || !str_field(bug, "kind") || !str_field(bug, "file") || !str_field(bug, "replay") ||
      !int_field(bug, "schedule", &schedule) || !int_field(bug, "hits", &hits)) {
    cli_error("merge: %s/summary.json: a bug without its signature, kind, file, schedule or hits",
              dir);
    return -1;
  }
  for (size_t i = 0; i < m->nbugs; i++) {
    struct merged_bug *b = &m->bugs[i];
    if (strcmp(str_field(b->bug, "signature"), sig) != 0)
      continue;
    b->hits += hits;
    if (schedule < b->schedule) {
      b->bug = bug;
      b->dir = dir;
      b->schedule = schedule;
    }
    return 0;
  }
  struct merged_bug *nb = realloc(m->bugs, (m->nbugs + 1) * sizeof(*nb));
  if (!nb) {
    cli_error("out of memory");
    return -1;
  }
  m->bugs = nb;
  m->bugs[m->nbugs++] =
      (struct merged_bug){.bug = bug, .dir = dir, .hits = hits, .schedule = schedule};
  return 0;
}

static int by_schedule(const void *a, const void *b) {
  const struct merged_bug *x = a, *y = b;
  return (x->schedule > y->schedule) - (x->schedule < y->schedule);
}

/* Copies the bug's schedule file from its shard into OUT as name. */
static int copy_bug(const struct merge *m, const struct merged_bug *b, const char *name) {
  const char *file = str_field(b->bug, "file");
  const char *base = strrchr(file, '/');
  base = base ? base + 1 : file;
  char from[PATH_MAX], to[PATH_MAX];
  snprintf(from, sizeof(from), "%s/%s", b->dir, base);
  snprintf(to, sizeof(to), "%s/%s", m->out, name);
  int in = open(from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat st;
  if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    cli_error("merge: %s: %s", from, in < 0 ? strerror(errno) : "not a regular file");
    if (in >= 0)
      close(in);
    return -1;
  }
  int outfd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (outfd < 0) {
    cli_error("merge: cannot create %s: %s", to, strerror(errno));
    close(in);
    return -1;
  }
  char buf[65536];
  ssize_t got;
  int rc = 0;
  while ((got = read(in, buf, sizeof(buf))) > 0)
    if (write(outfd, buf, (size_t)got) != got) {
      rc = -1;
      break;
    }
  if (got < 0 || close(outfd) != 0)
    rc = -1;
  close(in);
  if (rc != 0)
    cli_error("merge: cannot copy %s to %s: %s", from, to, strerror(errno));
  return rc;
}

static long long sum(const struct merge *m, const char *key) {
  long long total = 0, v;
  for (size_t i = 0; i < m->n; i++)
    if (int_field(m->docs[i], key, &v))
      total += v;
  return total;
}

static bool any(const struct merge *m, const char *key) {
  for (size_t i = 0; i < m->n; i++)
    if (json_is_true(json_object_get(m->docs[i], key)))
      return true;
  return false;
}

/* The races of every shard, each (location and both places) once, with
 * the lowest schedule. */
static json_t *merged_races(const struct merge *m) {
  json_t *out = json_array();
  for (size_t i = 0; i < m->n; i++) {
    size_t k;
    json_t *r;
    json_array_foreach(json_object_get(m->docs[i], "races"), k, r) {
      if (!json_is_object(r))
        continue;
      json_t *key = json_pack("[OOO]", json_object_get(r, "location"),
                              json_object_get(json_object_get(r, "access"), "at"),
                              json_object_get(json_object_get(r, "previous"), "at"));
      size_t j;
      json_t *have;
      bool found = false;
      json_array_foreach(out, j, have) {
        json_t *hk = json_pack("[OOO]", json_object_get(have, "location"),
                               json_object_get(json_object_get(have, "access"), "at"),
                               json_object_get(json_object_get(have, "previous"), "at"));
        if (json_equal(key, hk)) {
          found = true;
          long long a, b;
          if (int_field(r, "schedule", &a) && int_field(have, "schedule", &b) && a < b)
            json_array_set(out, j, r);
        }
        json_decref(hk);
      }
      if (!found)
        json_array_append(out, r);
      json_decref(key);
    }
  }
  return out;
}

/* sometimes_held: every name that held in a shard; never held: the names
 * some shard reached that held in none. */
static void merged_sometimes(const struct merge *m, json_t **held, json_t **never) {
  *held = json_array();
  *never = json_array();
  for (size_t i = 0; i < m->n; i++) {
    size_t k;
    json_t *s;
    json_array_foreach(json_object_get(m->docs[i], "sometimes_held"), k, s) {
      size_t j;
      json_t *h;
      bool found = false;
      json_array_foreach(*held, j, h) found |= json_equal(h, s);
      if (!found && json_is_string(s))
        json_array_append(*held, s);
    }
  }
  for (size_t i = 0; i < m->n; i++) {
    size_t k;
    json_t *s;
    json_array_foreach(json_object_get(m->docs[i], "sometimes_never_held"), k, s) {
      size_t j;
      json_t *h;
      bool found = false;
      json_array_foreach(*held, j, h) found |= json_equal(h, s);
      json_array_foreach(*never, j, h) found |= json_equal(h, s);
      if (!found && json_is_string(s))
        json_array_append(*never, s);
    }
  }
}

static json_t *merged_document(struct merge *m, const bool *seen, long long count) {
  json_t *a = m->docs[0];
  double seconds = 0;
  for (size_t i = 0; i < m->n; i++) {
    json_t *s = json_object_get(m->docs[i], "seconds");
    if (json_is_number(s) && json_number_value(s) > seconds)
      seconds = json_number_value(s);
  }
  long long schedules = sum(m, "schedules");
  json_t *merged = json_array(), *missing = json_array();
  for (long long k = 0; k < count; k++)
    json_array_append_new(seen[k] ? merged : missing, json_integer(k + 1));
  json_t *bugs = json_array();
  for (size_t i = 0; i < m->nbugs; i++) {
    struct merged_bug *b = &m->bugs[i];
    json_t *bug = json_deep_copy(b->bug);
    char name[64], file[PATH_MAX], replay[2 * PATH_MAX];
    snprintf(name, sizeof(name), "bug-%03zu-%.16s.sched", i + 1, str_field(b->bug, "kind"));
    snprintf(file, sizeof(file), "%s/%s", m->out, name);
    /* The replay command ends with the file (docs/json.md): the rest
     * (--props) stays. */
    const char *old_replay = str_field(b->bug, "replay"), *old_file = str_field(b->bug, "file");
    size_t keep =
        strlen(old_replay) >= strlen(old_file) ? strlen(old_replay) - strlen(old_file) : 0;
    snprintf(replay, sizeof(replay), "%.*s%s", (int)keep, old_replay, file);
    json_object_set_new(bug, "file", json_string(file));
    json_object_set_new(bug, "replay", json_string(replay));
    json_object_set_new(bug, "hits", json_integer(b->hits));
    json_array_append_new(bugs, bug);
  }
  json_t *held, *never;
  merged_sometimes(m, &held, &never);
  json_t *doc = json_object();
  json_object_set_new(doc, "version", json_integer(1));
  json_object_set_new(doc, "schedules", json_integer(schedules));
  json_object_set_new(doc, "seconds", json_real(seconds));
  json_object_set_new(doc, "rate", json_real(seconds > 0 ? (double)schedules / seconds : 0));
  json_object_set(doc, "strategy", json_object_get(a, "strategy"));
  json_object_set_new(doc, "interrupted", json_boolean(any(m, "interrupted")));
  json_object_set(doc, "seed", json_object_get(a, "seed"));
  bool exhausted = true; /* dfs and pb shards each exhaust their part */
  for (size_t i = 0; i < m->n; i++)
    exhausted &= json_is_true(json_object_get(m->docs[i], "exhausted"));
  json_object_set_new(doc, "exhausted", json_boolean(exhausted && m->n == (size_t)count));
  json_object_set_new(doc, "complete", json_false());
  json_object_set_new(doc, "redundant", json_integer(sum(m, "redundant")));
  json_object_set_new(doc, "steps", json_integer(sum(m, "steps")));
  json_object_set_new(doc, "steps_delegated", json_integer(sum(m, "steps_delegated")));
  json_object_set_new(doc, "branch_snapshots", json_integer(sum(m, "branch_snapshots")));
  json_object_set(doc, "max_steps", json_object_get(a, "max_steps"));
  json_object_set_new(doc, "step_limit_reached", json_integer(sum(m, "step_limit_reached")));
  json_object_set(doc, "max_schedules", json_object_get(a, "max_schedules"));
  if (json_object_get(a, "faults"))
    json_object_set(doc, "faults", json_object_get(a, "faults"));
  json_object_set_new(doc, "shards",
                      json_pack("{s:I, s:o, s:o}", "count", (json_int_t)count, "merged", merged,
                                "missing", missing));
  json_object_set_new(doc, "coverage", json_null());
  json_object_set_new(doc, "bugs", bugs);
  json_object_set_new(doc, "races", merged_races(m));
  json_object_set_new(doc, "races_more", json_boolean(any(m, "races_more")));
  json_object_set_new(doc, "sometimes_never_held", never);
  json_object_set_new(doc, "sometimes_held", held);
  return doc;
}

/* OUT: made, or a directory that holds no summary yet (bug files are
 * created with O_EXCL: nothing there is replaced). */
static int prepare_out(const char *out) {
  if (mkdir(out, 0777) == 0)
    return 0;
  struct stat st;
  if (errno != EEXIST || lstat(out, &st) != 0 || !S_ISDIR(st.st_mode)) {
    cli_error("merge: -o %s: cannot make the directory: %s", out,
              errno == EEXIST ? "it is not a directory" : strerror(errno));
    return -1;
  }
  char probe[PATH_MAX];
  snprintf(probe, sizeof(probe), "%s/summary.json", out);
  if (access(probe, F_OK) == 0) {
    cli_error("merge: -o %s already holds a summary: merge into a new directory", out);
    return -1;
  }
  return 0;
}

int cmd_merge(int argc, char **argv) {
  struct merge m = {0};
  bool json = false;
  const struct cli_option opts[] = {
      {"output", 'o', "OUT", "the directory to merge into (made if missing)", cli_text, &m.out},
      {"json", 0, NULL, "print the merged summary on stdout (docs/json.md)", cli_true, &json},
      {"help", 'h', NULL, "this text", NULL, NULL}};
  const struct cli_command cmd = {"merge", synopsis, epilog,
                                  22,      opts,     sizeof(opts) / sizeof(opts[0])};
  int first = cli_parse(&cmd, argc, argv);
  if (first < 0)
    return cli_parse_exit(first);
  if (!m.out || first >= argc) {
    cli_error("merge: give -o OUT and the shards' directories; see 'dara merge --help'");
    return DARA_EXIT_ERROR;
  }
  if (argc - first > MAX_SHARDS) {
    cli_error("merge: at most %d directories", MAX_SHARDS);
    return DARA_EXIT_ERROR;
  }
  int rc = DARA_EXIT_ERROR;
  bool *seen = calloc(MAX_SHARDS, sizeof(*seen));
  json_t *doc = NULL;
  if (!seen)
    goto done;
  for (int i = first; i < argc; i++)
    if (load(&m, argv[i]) != 0)
      goto done;
  if (check_fit(&m, seen) != 0)
    goto done;
  for (size_t i = 0; i < m.n; i++) {
    size_t k;
    json_t *bug;
    json_array_foreach(json_object_get(m.docs[i], "bugs"), k, bug) {
      if (!json_is_object(bug) || add_bug(&m, bug, m.dirs[i]) != 0)
        goto done;
    }
  }
  if (m.nbugs) /* qsort may not be given NULL, even for no elements */
    qsort(m.bugs, m.nbugs, sizeof(*m.bugs), by_schedule);
  if (prepare_out(m.out) != 0)
    goto done;
  long long count =
      json_integer_value(json_object_get(json_object_get(m.docs[0], "shard"), "count"));
  doc = merged_document(&m, seen, count);
  for (size_t i = 0; i < m.nbugs; i++) {
    const char *file =
        json_string_value(json_object_get(json_array_get(json_object_get(doc, "bugs"), i), "file"));
    if (copy_bug(&m, &m.bugs[i], strrchr(file, '/') + 1) != 0)
      goto done;
  }
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/summary.json", m.out);
  if (json_dump_file(doc, path, JSON_PRESERVE_ORDER) != 0) {
    cli_error("merge: cannot write %s: %s", path, strerror(errno));
    goto done;
  }
  if (json) {
    json_dumpf(doc, stdout, JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
  }
  size_t nmissing = json_array_size(json_object_get(json_object_get(doc, "shards"), "missing"));
  fprintf(stderr, "dara: merge: %zu shard%s of %lld, %lld schedule%s of %lld; %zu bug%s found\n",
          m.n, plural(m.n), count, (long long)json_integer_value(json_object_get(doc, "schedules")),
          plural((unsigned long long)json_integer_value(json_object_get(doc, "schedules"))),
          (long long)json_integer_value(json_object_get(doc, "max_schedules")), m.nbugs,
          plural(m.nbugs));
  for (size_t i = 0; i < m.nbugs; i++) {
    json_t *bug = json_array_get(json_object_get(doc, "bugs"), i);
    fprintf(stderr, "dara: merge: bug %zu (%s) first in schedule %lld, in %lld schedule%s: %s\n",
            i + 1, str_field(bug, "kind"), m.bugs[i].schedule, m.bugs[i].hits,
            plural((unsigned long long)m.bugs[i].hits), str_field(bug, "file"));
  }
  if (nmissing)
    fprintf(stderr,
            "dara: merge: warning: %zu shard%s of %lld missing: the merge is not the "
            "whole exploration\n",
            nmissing, plural(nmissing), count);
  rc = m.nbugs ? DARA_EXIT_BUG : DARA_EXIT_OK;
done:
  json_decref(doc);
  for (size_t i = 0; i < m.n; i++)
    json_decref(m.docs[i]);
  free(m.bugs);
  free(seen);
  return rc;
}
