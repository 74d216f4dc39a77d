/*
 * replay.c: `dara replay`. Runs the recorded command again with a policy
 * that takes every decision from the file, and checks every event the run
 * produces (steps, creations, results, objects, exits) against the
 * recording. The first difference stops the run: it is reported with its
 * event index, what was recorded and what happened, and dara exits 3.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/cli.h"
#include "sched/evtext.h"
#include "sched/coverage.h"
#include "sched/frontend.h"
#include "sched/names.h"
#include "sched/oracle.h"
#include "sched/report.h"
#include "sched/session.h"
#include "sched/srcloc.h"

/* Where record and explore write by default (record.c, explore.c). */
#define DEFAULT_RECORDING "sched.bin"
#define DEFAULT_BUGS "dara-bugs"

static const char synopsis[] =
    "usage: dara replay [--watchdog SEC] [--props FILE] [FILE]\n"
    "\n"
    "Runs the program recorded in FILE again, wherever replay is started (same\n"
    "program file, command line, working directory, environment and standard\n"
    "input, same --max-steps), and forces the recorded schedule. Every event\n"
    "is checked against the recording; at the first one that differs, dara\n"
    "stops and reports it. A recorded failure fails the same way on every\n"
    "replay.\n"
    "Without FILE, replays the newest of ./" DEFAULT_RECORDING " (where record writes)\n"
    "and ./" DEFAULT_BUGS "/*.sched (where explore saves bugs), and says which.\n"
    "\n";

static const char epilog[] =
    "\n"
    "exit status: 0 the run ended as recorded without a bug (or reached the\n"
    "step limit as recorded), 1 it ended as recorded with a bug, 2 usage error\n"
    "or unreadable file, 3 the run diverged\n";

struct replayer {
  const struct sched_file *f;
  size_t next; /* index of the next recorded event */
  bool diverged;
  char why[2600];
  const struct names *names; /* the run's (session_ctx_names) */
};

static void describe(const struct names *names, char *buf, size_t len,
                     const struct dara_event *ev) {
  evtext_sentence(names, ev, buf, len);
}

static int diverge(struct replayer *r, const char *fmt, const char *a, const char *b) {
  r->diverged = true;
  snprintf(r->why, sizeof(r->why), fmt, r->next, a, b);
  return 1;
}

/* Whether a call only asks what a standard stream is connected to (its
 * size, mode, whether it can seek): a replay's output may go elsewhere
 * than the recording's, and its input is the recording's copy either way
 * (outside.h), so only the descriptor is compared. */
static bool stream_metadata(const struct dara_event *a) {
  return (a->op == DARA_CALL_fstat || a->op == DARA_CALL_lseek) && a->sys->args[0] <= 2;
}

/* A call's arguments, errno and data, and its result unless that is a
 * process id (dara/calls.h), which differs from run to run. */
static bool same_syscall(const struct dara_event *a, const struct dara_event *b) {
  const struct dara_sys *x = a->sys, *y = b->sys;
  if (!x || !y)
    return x == y;
  if (stream_metadata(a))
    return x->args[0] == y->args[0];
  if (memcmp(x->args, y->args, sizeof(x->args)) != 0 || x->err != y->err || x->len != y->len ||
      x->len > DARA_SYS_DATA || memcmp(x->data, y->data, x->len) != 0)
    return false;
  return dara_call_result(a->op) == DARA_RESULT_PID || a->arg == b->arg;
}

static bool same_event(const struct dara_event *a, const struct dara_event *b) {
  if (a->kind != b->kind || a->proc != b->proc || a->routine != b->routine || a->op != b->op ||
      a->obj != b->obj || a->obj2 != b->obj2)
    return false;
  if (a->kind == DARA_EV_SYSCALL)
    return same_syscall(a, b);
  /* How long a hang lasted depends on the watchdog, not on the schedule,
   * and a forked child's process id on the system. */
  if (a->kind == DARA_EV_HANG || (a->kind == DARA_EV_NOTE && a->op == DARA_NOTE_FORK_UNCONTROLLED))
    return true;
  return a->arg == b->arg;
}

/* In version 6 a call made inside the C or C++ runtime (std::thread's
 * join) was placed there; version 7 places it at the program's frame that
 * led to it. Such a recorded place is not compared. */
static bool placed_in_runtime(const struct sched_file *f, const struct dara_event *rec) {
  if (rec->kind != DARA_EV_STEP || rec->proc >= DARA_MAX_PROCS)
    return false;
  uint32_t module = (uint32_t)((uint64_t)rec->arg & 31);
  return module < f->nmodules[rec->proc] && f->modules[rec->proc][module] &&
         srcloc_is_runtime(f->modules[rec->proc][module]);
}

static int on_event(void *ctx, const struct dara_event *ev) {
  struct replayer *r = ctx;
  char got[1200], want[1200];
  describe(r->names, got, sizeof(got), ev);
  if (r->next >= r->f->nevents)
    return diverge(r, "event %zu: the recording has ended, but the run goes on: %s%s", got, "");
  const struct dara_event *rec = &r->f->events[r->next];
  /* Before version 6 a step other than a memory access kept no place: its
   * call site is not compared. */
  struct dara_event now = *ev;
  if (r->f->version < 6 && ev->kind == DARA_EV_STEP && !dara_op_is_memory(ev->op))
    now.arg = 0;
  if (r->f->version == 6 && ev->kind == DARA_EV_STEP && placed_in_runtime(r->f, rec))
    now.arg = rec->arg;
  /* Before version 7 a pipe's call kept no data (now its two descriptors). */
  struct dara_sys sys_now;
  if (r->f->version < 7 && ev->kind == DARA_EV_SYSCALL && ev->op == DARA_CALL_pipe && ev->sys) {
    sys_now = *ev->sys;
    sys_now.len = 0;
    now.sys = &sys_now;
  }
  if (!same_event(rec, &now)) {
    describe(r->names, want, sizeof(want), rec);
    return diverge(r, "event %zu: recorded: %s; now: %s", want, got);
  }
  r->next++;
  return 0;
}

static int on_thread(void *ctx, const struct sched_thread *t) {
  struct replayer *r = ctx;
  /* A recycled slot is defined again (the CREATE that follows names it): the
   * definition to compare is the one in force at the next recorded event. */
  const struct sched_thread *rec = schedfile_thread_at(r->f, t->proc, t->routine, r->next);
  char now[200], then[200] = "no such thread";
  snprintf(now, sizeof(now), "thread %u:%u %s created at %s+%#llx#%u", t->proc, t->routine, t->func,
           t->module, (unsigned long long)t->offset, t->ordinal);
  if (rec)
    snprintf(then, sizeof(then), "thread %u:%u %s created at %s+%#llx#%u", rec->proc, rec->routine,
             rec->func, rec->module, (unsigned long long)rec->offset, rec->ordinal);
  /* Before version 6 a thread created from the C++ runtime (std::thread)
   * had no name; it now has its creator's. */
  bool unnamed = r->f->version < 6 && rec && !rec->func[0];
  if (!rec || strcmp(rec->module, t->module) != 0 || rec->offset != t->offset ||
      rec->ordinal != t->ordinal || (!unnamed && strcmp(rec->func, t->func) != 0))
    return diverge(r, "event %zu: recorded: %s; now: %s", then, now);
  return 0;
}

static int on_object(void *ctx, const struct sched_object *o, const char *symbol) {
  (void)symbol; /* compared through the location's module and offset */
  struct replayer *r = ctx;
  const struct sched_object *rec = schedfile_object(r->f, o->proc, o->id);
  char now[200], then[200] = "no such object";
  snprintf(now, sizeof(now), "%s#%u at %s+%#llx", dara_obj_kind_name(o->kind), o->id,
           o->module[0] ? o->module : "heap", (unsigned long long)o->offset);
  if (rec)
    snprintf(then, sizeof(then), "%s#%u at %s+%#llx", dara_obj_kind_name(rec->kind), rec->id,
             rec->module[0] ? rec->module : "heap", (unsigned long long)rec->offset);
  if (!rec || rec->kind != o->kind || strcmp(rec->module, o->module) != 0 ||
      rec->offset != o->offset)
    return diverge(r, "event %zu: recorded: %s; now: %s", then, now);
  return 0;
}

static int on_label(void *ctx, const struct sched_label *l) {
  struct replayer *r = ctx;
  const struct sched_label *rec = schedfile_label(r->f, l->id);
  char now[128], then[128] = "no such name";
  snprintf(now, sizeof(now), "name #%u \"%s\"", l->id, l->text);
  if (rec)
    snprintf(then, sizeof(then), "name #%u \"%s\"", rec->id, rec->text);
  if (!rec || strcmp(rec->text, l->text) != 0)
    return diverge(r, "event %zu: recorded: %s; now: %s", then, now);
  return 0;
}

/* The replay policy: the next recorded event must be a step, and the thread
 * it names must be able to run now. */
static int choose(struct policy *p, const struct candidate *c, size_t n, unsigned last_proc,
                  unsigned last_routine) {
  (void)last_proc;
  (void)last_routine;
  struct replayer *r = p->ctx;
  if (r->next >= r->f->nevents) {
    diverge(r, "event %zu: the recording has ended, but %s%s", "threads can still run", "");
    return -1;
  }
  const struct dara_event *rec = &r->f->events[r->next];
  char want[512];
  describe(r->names, want, sizeof(want), rec);
  if (rec->kind != DARA_EV_STEP) {
    diverge(r, "event %zu: recorded: %s; now: a scheduling step%s", want, "");
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if (c[i].proc == rec->proc && c[i].routine == rec->routine)
      return (int)i;
  diverge(r, "event %zu: recorded: %s; now: that thread cannot run%s", want, "");
  return -1;
}

/* The recording says how many of the next steps are the chosen thread's
 * again: those that follow, with other events (its calls, results) between
 * them, up to the first step of another thread. */
static uint32_t lease(struct policy *p, const struct candidate *c, size_t n, size_t chosen,
                      uint32_t max) {
  struct replayer *r = p->ctx;
  if (chosen >= n || r->diverged)
    return 0;
  uint32_t k = 0;
  for (size_t i = r->next; i < r->f->nevents && k < max; i++) {
    const struct dara_event *rec = &r->f->events[i];
    if (rec->kind != DARA_EV_STEP)
      continue;
    if (rec->proc != c[chosen].proc || rec->routine != c[chosen].routine)
      break;
    k++;
  }
  return k;
}

/* A plan (policy.h): the routines of the recording's next steps, while
 * they are the chosen routine's process's and no fault comes between. */
static unsigned plan(struct policy *p, unsigned proc, uint32_t max, struct policy_plan *out) {
  struct replayer *r = p->ctx;
  if (r->diverged)
    return DARA_PLAN_NONE;
  out->len = 0;
  for (size_t i = r->next; i < r->f->nevents && out->len < max && out->len < DARA_PLAN_LIST_LEN;
       i++) {
    const struct dara_event *rec = &r->f->events[i];
    if (rec->kind == DARA_EV_FAULT)
      break;
    if (rec->kind != DARA_EV_STEP)
      continue;
    if (rec->proc != proc || rec->routine >= DARA_PLAN_ROUTINES)
      break;
    out->list[out->len++] = rec->routine;
  }
  return out->len ? DARA_PLAN_LIST : DARA_PLAN_NONE;
}

/* A recorded FAULT event comes next: the same fault now (explore
 * --faults); otherwise none. */
static int fault(struct policy *p, const struct fault_option *opts, size_t nopts,
                 const struct candidate *c, size_t n, unsigned last_proc, unsigned last_routine,
                 uint64_t steps) {
  (void)c;
  (void)n;
  (void)last_proc;
  (void)last_routine;
  (void)steps;
  struct replayer *r = p->ctx;
  if (r->diverged || r->next >= r->f->nevents || r->f->events[r->next].kind != DARA_EV_FAULT)
    return -1;
  const struct dara_event *rec = &r->f->events[r->next];
  for (size_t i = 0; i < nopts; i++)
    if (opts[i].kind == rec->op && opts[i].proc == rec->proc && opts[i].obj == rec->obj)
      return (int)i;
  char want[512];
  describe(r->names, want, sizeof(want), rec);
  diverge(r, "event %zu: recorded: %s; now: that process cannot take it%s", want, "");
  return (int)nopts;
}

/* The newest of the default recording and the default bug directory's
 * schedules, into out; -1 when there is none. */
static int newest_schedule(char *out, size_t len) {
  struct timespec best = {0};
  bool found = false;
  struct stat st;
  if (stat(DEFAULT_RECORDING, &st) == 0 && S_ISREG(st.st_mode)) {
    snprintf(out, len, "%s", DEFAULT_RECORDING);
    best = st.st_mtim;
    found = true;
  }
  DIR *d = opendir(DEFAULT_BUGS);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    char path[PATH_MAX];
    if (n < 7 || e->d_name[0] == '.' || strcmp(e->d_name + n - 6, ".sched") != 0)
      continue;
    snprintf(path, sizeof(path), "%s/%s", DEFAULT_BUGS, e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    /* The later one; of two as old, the one with the higher number. */
    bool newer = st.st_mtim.tv_sec != best.tv_sec     ? st.st_mtim.tv_sec > best.tv_sec
                 : st.st_mtim.tv_nsec != best.tv_nsec ? st.st_mtim.tv_nsec > best.tv_nsec
                                                      : strcmp(path, out) > 0;
    if (!found || newer) {
      snprintf(out, len, "%s", path);
      best = st.st_mtim;
      found = true;
    }
  }
  if (d)
    closedir(d);
  return found ? 0 : -1;
}

int cmd_replay(int argc, char **argv) {
  struct run_options ro;
  run_options_init(&ro);
  /* Offer every choice a recording could have made, early timers too. */
  ro.timers_race = true;
  const struct cli_option opts[] = {
      run_option(RUN_WATCHDOG, &ro, NULL),
      run_option(RUN_PROPS, &ro, "the global properties given to record or explore"),
      run_option(RUN_COVERAGE, &ro, NULL), run_option(RUN_HELP, &ro, NULL)};
  const struct cli_command cmd = {"replay", synopsis, epilog,
                                  22,       opts,     sizeof(opts) / sizeof(opts[0])};
  int first = cli_parse(&cmd, argc, argv);
  if (first < 0)
    return cli_parse_exit(first);
  if (argc - first > 1) {
    cli_error("replay takes one schedule file; see 'dara replay --help'");
    return DARA_EXIT_ERROR;
  }
  char newest[PATH_MAX];
  const char *path = argv[first];
  if (argc == first) {
    if (newest_schedule(newest, sizeof(newest)) != 0) {
      cli_error("replay: no file given, and there is neither ./" DEFAULT_RECORDING
                " (record's) nor ./" DEFAULT_BUGS "/*.sched (explore's) here to replay; "
                "see 'dara replay --help'");
      return DARA_EXIT_ERROR;
    }
    fprintf(stderr,
            "dara: replay: replaying %s, the newest of ./" DEFAULT_RECORDING " and ./" DEFAULT_BUGS
            "/*.sched\n",
            newest);
    path = newest;
  }
  struct sched_file f;
  char err[512];
  enum schedfile_status st = schedfile_load(path, &f, err, sizeof(err));
  if (st != SCHEDFILE_OK) {
    cli_error("%s%s", err,
              st == SCHEDFILE_TRUNCATED ? "; a truncated schedule is not replayed" : "");
    schedfile_free(&f);
    return DARA_EXIT_ERROR;
  }
  /* The run has the recording's step limit (run_config), kept in the header
   * since version 5: a run that reached it (cut, or a livelock) ends at the
   * same step again, and a livelock's window (session.c) is the same. An
   * older file does not say it: a run that ended there, as a livelock or a
   * hang at the limit (its last event a HANG with nothing in it), is given
   * its recorded steps as the limit, any other none. */
  const struct dara_event *last = f.nevents ? &f.events[f.nevents - 1] : NULL;
  if (f.version < 5 && (f.outcome.kind == SCHED_OUT_LIVELOCK ||
                        (f.outcome.kind == SCHED_OUT_HANG && last && last->kind == DARA_EV_HANG &&
                         last->op == 0 && last->arg == 0))) {
    for (size_t i = 0; i < f.nevents; i++)
      f.hdr.max_steps += f.events[i].kind == DARA_EV_STEP;
  }
  struct run run;
  run_recorded(&run, &f.hdr);
  struct coverage_output cov = {0};
  if (run_prepare(&run, &ro, err, sizeof(err)) != 0 ||
      coverage_output_open(&cov, ro.coverage, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    run_free(&run);
    schedfile_free(&f);
    return DARA_EXIT_ERROR;
  }
  struct session_ctx *session = session_ctx_new();
  struct replayer rep = {.f = &f, .names = session_ctx_names(session)};
  struct policy policy = {.name = "replay",
                          .choose = choose,
                          .lease = lease,
                          .plan = plan,
                          .fault = fault,
                          .ctx = &rep};
  struct session_config cfg;
  run_config(&run, &ro, &cfg);
  /* The recorded faults, each where it was injected (fault above). */
  for (size_t i = 0; i < f.nevents; i++)
    cfg.max_faults += f.events[i].kind == DARA_EV_FAULT;
  cfg.faults = cfg.max_faults ? ~0u : 0;
  /* A recorded race ends the run at the same access again. */
  if (f.outcome.kind == SCHED_OUT_RACE)
    cfg.races = SESSION_RACES_FAIL;
  cfg.policy = &policy;
  cfg.sink = (struct session_sink){
      .event = on_event, .thread = on_thread, .object = on_object, .label = on_label, .ctx = &rep};
  struct session_result res;
  cfg.coverage = cov.cv;
  if (oracle_capture(&f.hdr.oracle, &cfg) != 0) {
    coverage_output_drop(&cov);
    session_ctx_free(session);
    run_free(&run);
    schedfile_free(&f);
    return DARA_EXIT_ERROR;
  }
  session_run(session, &cfg, &res);
  /* Judged as the recording was (its ORACLE record). */
  oracle_judge(&f.hdr.oracle, &cfg, false, &res);
  if (cfg.capture)
    close(cfg.output_fd);

  int rc;
  if (!rep.diverged && res.outcome.kind != SCHED_OUT_ERROR && rep.next < f.nevents) {
    char want[512];
    describe(rep.names, want, sizeof(want), &f.events[rep.next]);
    diverge(&rep, "event %zu: the run ended (%s), but the recording goes on: %s", res.message,
            want);
  }
  if (!rep.diverged && res.outcome.kind != SCHED_OUT_ERROR &&
      (res.outcome.kind != f.outcome.kind || res.outcome.code != f.outcome.code)) {
    rep.diverged = true;
    snprintf(rep.why, sizeof(rep.why), "the run ended differently: recorded: %.480s; now: %.480s",
             f.outcome.message ? f.outcome.message : sched_outcome_name(f.outcome.kind),
             res.message);
  }
  if (rep.diverged) {
    fprintf(stderr, "dara: replay diverged at %s\n", rep.why);
    rc = DARA_EXIT_DIVERGED;
  } else {
    rc = outcome_exit(res.outcome.kind);
    outcome_details(res.details);
    outcome_line(rc, res.message, "replayed %llu step%s of %s as recorded",
                 (unsigned long long)res.steps, plural(res.steps), path);
  }
  if (coverage_output_finish(&cov, "replay", NULL) != 0 && rc == 0)
    rc = DARA_EXIT_ERROR;
  coverage_output_drop(&cov);
  session_ctx_free(session);
  run_free(&run);
  schedfile_free(&f);
  return rc;
}
