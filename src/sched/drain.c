/*
 * drain.c: turning a process's event log into events.
 *
 * The shim appends to its process's log (struct dara_log_entry) whatever the
 * scheduler cannot see in the routine table: thread creations, results of
 * try and timed operations, new objects, notes, logged variables and
 * assertions (dara/dara.h), recorded calls, and forced steps. The session
 * drains the log whenever the turn comes back, and here each entry is
 * checked (the log is untrusted, like everything in the region) and becomes
 * events for the sink, definitions, and property checks. The socket table
 * that pairs the two ends of a connection (PEER events) is kept here too,
 * fed by the recorded calls (it belongs to the run: struct session).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <bsd/string.h>

#include "sched/fair.h"
#include "sched/io.h"
#include "sched/names.h"
#include "sched/session_priv.h"
#include "sched/srcloc.h"
#include "sched/symbols.h"
#include "sched/world.h"
#include "shm/region.h"

/* ---- the event log ---- */

/* Ends the run: an entry of proc's event log says what cannot be right. */
static void bad_entry(struct session *s, unsigned proc, const char *what, unsigned long value) {
  session_damage(s, proc, "its event log: %s = %lu cannot be right", what, value);
}

static void note(struct session *s, unsigned proc, const struct dara_log_entry *e) {
  switch (e->a) {
  case DARA_NOTE_FORK_UNCONTROLLED:
    session_detail(s, "warning: process %u forked child %u, which runs uncontrolled", proc, e->b);
    session_watch_outsider(s, proc, (pid_t)e->b);
    break;
  case DARA_NOTE_TOO_MANY_THREADS:
    /* dara's limit, not a bug of the program: the run ends with an error,
     * before the shim's exit could be taken for the program's. */
    session_emit_simple(s, DARA_EV_NOTE, proc, e->routine, e->a, e->b);
    session_finish(
        s, SCHED_OUT_ERROR, 0, proc,
        "dara supports at most %d threads alive at once in a process (a thread that "
        "exited counts until it is joined or detached); process %u (%s) created one more",
        DARA_MAX_ROUTINES, proc, session_prog(s, proc));
    return;
  case DARA_NOTE_TOO_MANY_OBJECTS:
    session_emit_simple(s, DARA_EV_NOTE, proc, e->routine, e->a, e->b);
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "dara supports at most %u synchronization objects in a process; process %u "
                   "(%s) used one more",
                   e->b, proc, session_prog(s, proc));
    return;
  case DARA_NOTE_TOO_MANY_MODULES:
    session_emit_simple(s, DARA_EV_NOTE, proc, e->routine, e->a, e->b);
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "dara supports at most %d modules (the program and its shared objects) with "
                   "threads, synchronization objects or instrumented code in a process "
                   "(DARA_MAX_MODULES); process %u (%s) used one more",
                   DARA_MAX_MODULES, proc, session_prog(s, proc));
    return;
  case DARA_NOTE_EXEC_UNCONTROLLED: /* warned of once the exec is confirmed (await_exec) */
    break;
  case DARA_NOTE_TOO_MANY_LOCATIONS:
    session_detail(s,
                   "warning: process %u accessed more than %u memory locations; accesses to "
                   "new ones are not scheduling points",
                   proc, e->b);
    break;
  default:
    bad_entry(s, proc, "note", e->a);
    return;
  }
  session_emit_simple(s, DARA_EV_NOTE, proc, e->routine, e->a, e->b);
}

/* ---- definitions: threads and objects ---- */

/* Object ids are handed out by the shim in first-seen order; more than this
 * cannot be a real run's. */
#define OBJECTS_MAX (1u << 16)

/* The basename (into base) and path (into path) of module index m, both
 * optional. Returns -1, leaving them empty, when m names no module. */
static int module_name(const struct dara_proc *p, uint32_t m, char *base, size_t base_len,
                       char *path, size_t path_len) {
  char full[DARA_PATH_LEN];
  if (base_len)
    base[0] = '\0';
  if (path_len)
    path[0] = '\0';
  uint32_t n = p->nmodules;
  if (m >= n || m >= DARA_MAX_MODULES)
    return -1;
  region_copy_name(full, sizeof(full), p->modules[m].path, DARA_PATH_LEN);
  const char *slash = strrchr(full, '/');
  if (base_len)
    strlcpy(base, slash ? slash + 1 : full, base_len);
  if (path_len)
    strlcpy(path, full, path_len);
  return 0;
}

/* Whether module index m (of a site or an object, UINT32_MAX or `none`:
 * none) can be right in p: one the process registered. Ends the run if
 * not, naming what (of which) said so. */
static bool module_ok(struct session *s, unsigned proc, uint32_t m, uint32_t none, const char *what,
                      unsigned of) {
  uint32_t n = s->region->procs[proc].nmodules;
  if (n > DARA_MAX_MODULES) { /* as candidates() says it */
    session_corrupt(s, proc, "nmodules", n);
    return false;
  }
  if (m == none || m < n)
    return true;
  session_damage(s, proc, "%s %u is in module %u, of the %u it registered", what, of, m, n);
  return false;
}

void drain_define_thread(struct session *s, unsigned proc, unsigned routine) {
  const struct dara_proc *p = &s->region->procs[proc];
  const struct dara_routine *r = &p->routines[routine];
  if (!module_ok(s, proc, r->site.module, UINT32_MAX,
                 "its control block: the creation site of routine", routine) ||
      !module_ok(s, proc, r->start.module, UINT32_MAX,
                 "its control block: the start routine of routine", routine))
    return;
  char module[DARA_NAME_LEN], func[DARA_NAME_LEN];
  module_name(p, r->site.module, module, sizeof(module), NULL, 0);
  region_copy_name(func, sizeof(func), r->func, DARA_NAME_LEN);
  char path[DARA_PATH_LEN];
  struct dara_site start = r->start;
  /* A start routine of the C or C++ runtime (std::thread's) names nothing
   * of the program's. */
  bool runtime_start =
      module_name(p, start.module, NULL, 0, path, sizeof(path)) == 0 && srcloc_is_runtime(path);
  if (runtime_start)
    func[0] = '\0';
  else if (!func[0] && module_name(p, start.module, NULL, 0, path, sizeof(path)) == 0)
    symbols_lookup(path, start.offset, false, func, sizeof(func));
  /* Else the first function of its creation stack that is the program's
   * (region.h, dara_routine.origin). */
  for (int k = 0; !func[0] && k < DARA_ORIGIN_FRAMES; k++) {
    uint64_t pc = r->origin[k];
    struct srcloc loc;
    if (pc && module_name(p, (uint32_t)(pc & 31), NULL, 0, path, sizeof(path)) == 0 &&
        srcloc_lookup_user(path, pc >> 5, &loc) == 0)
      strlcpy(func, loc.func, sizeof(func));
  }
  struct sched_thread st = {.proc = (uint8_t)proc,
                            .routine = (uint16_t)routine,
                            .module = module,
                            .offset = r->site.offset,
                            .ordinal = r->site.ordinal,
                            .func = func};
  if (names_add_thread(s->names, &st) != 0) {
    session_finish(s, SCHED_OUT_ERROR, 0, proc, "out of memory");
    return;
  }
  if (s->cfg->sink.thread && s->cfg->sink.thread(s->cfg->sink.ctx, &st) != 0) {
    s->res->stopped = true;
    s->done = true;
  }
}

static void define_object(struct session *s, unsigned proc, const struct dara_log_entry *e) {
  uint32_t id = e->a;
  unsigned kind = e->b & 0xff;
  uint32_t module = e->b >> 8;
  if (id == 0 || id >= OBJECTS_MAX) {
    bad_entry(s, proc, "object id", id);
    return;
  }
  if (kind == 0 || kind >= DARA_OBJ_COUNT) {
    bad_entry(s, proc, "object kind", kind);
    return;
  }
  if (!module_ok(s, proc, module, 0xffffffu, "its event log: object", id))
    return;
  const struct dara_proc *p = &s->region->procs[proc];
  char mod[DARA_NAME_LEN], symbol[DARA_NAME_LEN] = "", path[DARA_PATH_LEN];
  uint64_t offset = 0, within = 0;
  if (module_name(p, module, mod, sizeof(mod), path, sizeof(path)) == 0) {
    offset = e->c;
    symbols_lookup_at(path, offset, true, symbol, sizeof(symbol), &within);
  }
  struct sched_object so = {
      .proc = (uint8_t)proc, .id = id, .kind = (uint8_t)kind, .module = mod, .offset = offset};
  if (names_add_object(s->names, &so, symbol) != 0) {
    session_finish(s, SCHED_OUT_ERROR, 0, proc, "out of memory");
    return;
  }
  names_set_within(s->names, proc, id, within); /* for race reports: "counter+0" */
  if (s->cfg->sink.object && s->cfg->sink.object(s->cfg->sink.ctx, &so, symbol) != 0) {
    s->res->stopped = true;
    s->done = true;
  }
}

/* ---- what the program told dara (dara/dara.h) ---- */

/* The label id of text, announcing it to the sink the first time. */
static uint32_t label_of(struct session *s, unsigned proc, const char *raw) {
  char text[DARA_TEXT_LEN];
  region_copy_name(text, sizeof(text), raw, DARA_TEXT_LEN);
  bool is_new;
  uint32_t id = world_label(s->world, text, &is_new);
  if (id == 0) {
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "process %u used more than %d distinct names and "
                   "strings in dara_log and dara_always calls",
                   proc, WORLD_MAX_LABELS);
    return 0;
  }
  if (is_new && s->cfg->sink.label) {
    struct sched_label l = {.id = id, .text = text};
    if (s->cfg->sink.label(s->cfg->sink.ctx, &l) != 0) {
      s->res->stopped = true;
      s->done = true;
    }
  }
  return id;
}

static void logged_var(struct session *s, unsigned proc, const struct dara_log_entry *e) {
  if (e->a > 2) {
    bad_entry(s, proc, "variable type", e->a);
    return;
  }
  uint32_t name = label_of(s, proc, e->text[0]);
  uint64_t value = e->c;
  if (e->a == 2)
    value = label_of(s, proc, e->text[1]);
  if (s->done)
    return;
  /* A restarted program's variables are its command line's (props.h). */
  if (world_set(s->world, (int)s->procs[proc].cmd, name, e->a, value) != 0) {
    session_finish(s, SCHED_OUT_ERROR, 0, proc, "more than %d logged variables", WORLD_MAX_VARS);
    return;
  }
  s->vars_changed = true;
  struct dara_event ev = {.kind = DARA_EV_LOG,
                          .proc = (uint8_t)proc,
                          .routine = (uint16_t)e->routine,
                          .op = (uint16_t)e->a,
                          .obj = name,
                          .arg = (int64_t)value,
                          .time = session_time(s)};
  session_emit(s, &ev);
}

static void sometimes_seen(struct session *s, const char *name, bool held) {
  struct session_result *res = s->res;
  for (unsigned i = 0; i < res->nsometimes; i++)
    if (strcmp(res->sometimes[i].name, name) == 0) {
      res->sometimes[i].held |= held;
      return;
    }
  if (res->nsometimes == SESSION_MAX_SOMETIMES)
    return;
  snprintf(res->sometimes[res->nsometimes].name, DARA_TEXT_LEN, "%s", name);
  res->sometimes[res->nsometimes++].held = held;
}

static void assertion(struct session *s, unsigned proc, const struct dara_log_entry *e) {
  if (e->a < DARA_ASSERT_ALWAYS || e->a > DARA_ASSERT_UNREACHABLE || e->b > 1) {
    bad_entry(s, proc, "assertion kind", e->a);
    return;
  }
  uint32_t name = label_of(s, proc, e->text[0]);
  if (s->done)
    return;
  struct dara_event ev = {.kind = DARA_EV_ASSERT,
                          .proc = (uint8_t)proc,
                          .routine = (uint16_t)e->routine,
                          .op = (uint16_t)e->a,
                          .obj = name,
                          .obj2 = (uint32_t)e->c,
                          .arg = e->b,
                          .time = session_time(s)};
  session_emit(s, &ev);
  const char *text = world_label_text(s->world, name);
  char file[DARA_TEXT_LEN];
  region_copy_name(file, sizeof(file), e->text[1], DARA_TEXT_LEN);
  if (e->a == DARA_ASSERT_SOMETIMES) {
    sometimes_seen(s, text, e->b);
    return;
  }
  if (e->a == DARA_ASSERT_ALWAYS && e->b)
    return;
  char who[96];
  names_thread_text(s->names, proc, e->routine, who, sizeof(who));
  snprintf(s->res->signature, sizeof(s->res->signature), "property %s %s:%llu", text, file,
           (unsigned long long)e->c);
  session_finish(s, SCHED_OUT_PROPERTY, 0, proc, "%s \"%s\" %s at %s:%llu in thread %s",
                 e->a == DARA_ASSERT_ALWAYS ? "dara_always" : "dara_unreachable", text,
                 e->a == DARA_ASSERT_ALWAYS ? "failed" : "reached", file[0] ? file : "?",
                 (unsigned long long)e->c, who);
}

/* Checks the global properties when a variable changed. */
void drain_check_properties(struct session *s) {
  if (!s->cfg->props || !s->vars_changed || s->done)
    return;
  s->vars_changed = false;
  const char *failed = props_check(s->cfg->props, s->world);
  if (!failed)
    return;
  char vars[768];
  world_describe(s->world, vars, sizeof(vars));
  uint32_t name = label_of(s, 0, failed);
  if (s->done)
    return;
  struct dara_event ev = {.kind = DARA_EV_PROPERTY, .obj = name, .time = session_time(s)};
  session_emit(s, &ev);
  session_detail(s, "variables: %s", vars);
  snprintf(s->res->signature, sizeof(s->res->signature), "property %s", failed);
  session_finish(s, SCHED_OUT_PROPERTY, 0, 0, "property \"%s\" failed", failed);
}

/* ---- who is connected to whom ---- */

/* The sockets of the run (struct session) are those its socket calls made
 * and its closes did not close. */
static void socket_opened(struct session *s, unsigned proc, int64_t fd, uint64_t type) {
  if (fd >= 0 && fd <= INT32_MAX && s->nsockets < SESSION_MAX_SOCKETS)
    s->sockets[s->nsockets++] = (struct known_socket){
        .proc = (uint8_t)proc, .peer = -1, .dgram = (type & 0xf) == SOCK_DGRAM, .fd = (int32_t)fd};
}

static void socket_closed(struct session *s, unsigned proc, uint64_t fd) {
  for (unsigned i = 0; i < s->nsockets; i++)
    if (s->sockets[i].proc == proc && (uint64_t)s->sockets[i].fd == fd)
      s->sockets[i--] = s->sockets[--s->nsockets];
  session_conn_gone(s, proc, fd);
}

/* An accepted connection: finds the socket of a controlled process at its
 * other end (same two addresses, swapped) and says so in a PEER event, so
 * that `show` can pair what one end sent with what the other received.
 * Over a UNIX-domain socket every client's end reads the same (unnamed,
 * connected to the server's path): the kernel's record of the process
 * that connected (SO_PEERCRED) tells them apart. */
static void accepted(struct session *s, unsigned proc, unsigned routine, int64_t fd) {
  char local[96], peer[96], l2[96], p2[96];
  if (fd < 0 || fd > INT32_MAX ||
      io_names(s->procs[proc].pidfd, (int)fd, local, peer, sizeof(local)) != IO_KIND_SOCKET ||
      !peer[0])
    return;
  pid_t connector = io_peer_pid(s->procs[proc].pidfd, (int)fd);
  for (unsigned i = 0; i < s->nsockets; i++) {
    const struct known_socket *k = &s->sockets[i];
    unsigned p = k->proc;
    if (p >= s->nslots || !s->procs[p].alive || (p == proc && k->fd == fd))
      continue;
    if (connector > 0 && s->procs[p].pid != connector)
      continue;
    if (io_names(s->procs[p].pidfd, k->fd, l2, p2, sizeof(l2)) == IO_KIND_SOCKET &&
        strcmp(l2, peer) == 0 && strcmp(p2, local) == 0) {
      session_conn_gone(s, p, (uint64_t)k->fd); /* the accepted end stands for it */
      session_conn_made(s, proc, (int)fd, (int)p);
      struct dara_event ev = {.kind = DARA_EV_PEER,
                              .proc = (uint8_t)proc,
                              .routine = (uint16_t)routine,
                              .op = (uint16_t)p,
                              .obj = (uint32_t)fd,
                              .obj2 = (uint32_t)k->fd,
                              .time = session_time(s)};
      session_emit(s, &ev);
      return;
    }
  }
}

static void syscall_event(struct session *s, unsigned proc, const struct dara_log_entry *e) {
  uint64_t now = s->region->clock.now;
  if (e->a >= DARA_CALL_COUNT) {
    bad_entry(s, proc, "syscall", e->a);
    return;
  }
  if (e->len > DARA_SYS_DATA) {
    bad_entry(s, proc, "syscall data length", e->len);
    return;
  }
  if (e->start > e->end) {
    session_damage(s, proc, "its event log: a call that began at %llu ns and ended at %llu ns",
                   (unsigned long long)e->start, (unsigned long long)e->end);
    return;
  }
  if (e->end > now) {
    session_damage(s, proc,
                   "its event log: a call that ended at %llu ns, later than the virtual clock "
                   "(%llu ns)",
                   (unsigned long long)e->end, (unsigned long long)now);
    return;
  }
  struct dara_sys sys = {.start = e->start, .err = e->b, .len = e->len};
  memcpy(sys.args, e->args, sizeof(sys.args));
  memcpy(sys.data, e->data, e->len);
  struct dara_event ev = {.kind = DARA_EV_SYSCALL,
                          .proc = (uint8_t)proc,
                          .routine = (uint16_t)e->routine,
                          .op = (uint16_t)e->a,
                          .arg = (int64_t)e->c,
                          .time = e->end,
                          .sys = &sys};
  session_emit(s, &ev);
  int64_t ret = (int64_t)e->c;
  if (e->a == DARA_CALL_socket)
    socket_opened(s, proc, ret, e->args[1]);
  else if (e->a == DARA_CALL_close && ret == 0)
    socket_closed(s, proc, e->args[0]);
  else if (e->a == DARA_CALL_connect && ret == 0 && e->args[0] <= INT32_MAX)
    session_conn_made(s, proc, (int)e->args[0], -1);
  if (e->a == DARA_CALL_accept && ret >= 0 && ret <= INT32_MAX) {
    session_conn_made(s, proc, (int)ret, -1);
    accepted(s, proc, e->routine, ret);
  }
}

/* The STEP event of a step a thread took on its own (a lease, a plan), as
 * the scheduler would have emitted it: entry e's routine, operation,
 * objects, virtual time and place (pc). False when the place is refused. */
static bool delegated_step(struct session *s, unsigned proc, const struct dara_log_entry *e,
                           uint64_t pc) {
  struct dara_event ev = {.kind = DARA_EV_STEP,
                          .proc = (uint8_t)proc,
                          .routine = (uint16_t)e->routine,
                          .op = (uint16_t)e->a,
                          .obj = e->b,
                          .obj2 = (uint32_t)e->args[0],
                          .time = e->c};
  if (!session_place(s, proc, pc))
    return false;
  ev.arg = (int64_t)pc;
  session_emit(s, &ev);
  s->steps++;
  s->delegated++;
  return true;
}

/* A step the running routine took under its lease (region.h, "Forced
 * steps" and "Memory leases"): the same STEP event the scheduler would
 * have made. */
static void forced_step(struct session *s, unsigned proc, const struct dara_log_entry *e) {
  if (s->lease == 0 || s->plan || proc != s->last_proc || e->routine != s->last_routine ||
      (s->lease_memory && (proc != s->lease_proc || !dara_op_is_memory(e->a)))) {
    bad_entry(s, proc, "forced step of routine", e->routine);
    return;
  }
  if (e->a >= DARA_OP_COUNT || e->c > s->region->clock.now) {
    bad_entry(s, proc, "forced step", e->a);
    return;
  }
  uint64_t pc = e->args[1];
  if (pc != 0 && (pc & 31) >= s->region->procs[proc].nmodules) {
    bad_entry(s, proc, "forced step's module", (unsigned long)(pc & 31));
    return;
  }
  s->lease--;
  /* Fairness counts it as any step. One that yields would take the routine
   * out of the candidates a memory lease was granted for: the shim ends the
   * lease before such a step (abi/spin.h), so a logged one is damage. */
  bool yields = fair_step(s->fair, proc, e->routine, e->a, e->b,
                          dara_op_is_memory(e->a) ? e->args[1] : 0, s->steps + 1) &
                FAIR_YIELD;
  s->res->yields += yields;
  if (yields && s->lease_memory) {
    bad_entry(s, proc, "memory lease step that yields, op", e->a);
    return;
  }
  /* The policy sees the step as if it had been asked, with the candidates
   * it would have had (the only one, or for a memory lease those it was
   * granted for, the routine's op updated), so its state (a random
   * generator, PCT's step count and priorities, dfs's choice stack,
   * replay's place in the recording) moves exactly as without the lease,
   * and so does every later choice. It must pick the routine again. */
  struct candidate one = {.proc = (uint8_t)proc,
                          .routine = (uint16_t)e->routine,
                          .status = DARA_RS_ENABLED,
                          .op = (uint16_t)e->a,
                          .obj = e->b,
                          .obj2 = (uint32_t)e->args[0]};
  struct candidate *cands = &one;
  size_t n = 1, k = 0;
  if (s->lease_memory) {
    cands = s->lease_cands;
    n = s->lease_n;
    k = s->lease_chosen;
    if (cands[k].proc != proc || cands[k].routine != e->routine) {
      bad_entry(s, proc, "forced step of routine", e->routine);
      return;
    }
    cands[k].op = one.op;
    cands[k].obj = one.obj;
    cands[k].obj2 = one.obj2;
  }
  int got = s->cfg->policy->choose(s->cfg->policy, cands, n, proc, e->routine);
  if (got < 0) {
    s->res->stopped = true;
    s->done = true;
    return;
  }
  if ((size_t)got != k) { /* the policy broke its own lease: dara's bug */
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "internal error: the %s policy leased steps to thread %u:%u, then chose "
                   "another",
                   s->cfg->policy->name ? s->cfg->policy->name : "?", proc, e->routine);
    return;
  }
  delegated_step(s, proc, e, pc);
}

/* A step the shim chose under a plan (abi/region.h, "Plans"): checked as
 * the scheduler would have taken it. The candidates are those the entry
 * names, at the points dara knows they wait at; fairness must keep them
 * all and the policy must pick the same routine, which then takes the
 * same STEP event as without the plan. */
static void plan_step(struct session *s, unsigned proc, const struct dara_log_entry *e) {
  const struct dara_proc *p = &s->region->procs[proc];
  uint32_t nr = p->nroutines, giver = e->plan.giver, chosen = e->routine;
  uint64_t enabled = e->plan.enabled;
  /* The process may have more routines by now (one made in a later step):
   * the entry's own routines must be within a plan's. */
  if (!s->plan || s->lease == 0 || proc != s->lease_proc || proc != s->last_proc ||
      giver != s->last_routine || chosen >= DARA_PLAN_ROUTINES || giver >= DARA_PLAN_ROUTINES ||
      !(enabled >> chosen & 1) || (nr < 64 && (enabled >> nr) != 0)) {
    bad_entry(s, proc, "plan step of routine", chosen);
    return;
  }
  if (e->a >= DARA_OP_COUNT || e->plan.op >= DARA_OP_COUNT || e->c > s->region->clock.now) {
    bad_entry(s, proc, "plan step", e->a);
    return;
  }
  uint64_t pc = e->args[1];
  if ((pc != 0 && (pc & 31) >= p->nmodules) ||
      (e->plan.pc != 0 && (e->plan.pc & 31) >= p->nmodules)) {
    bad_entry(s, proc, "plan step's module", (unsigned long)(pc & 31));
    return;
  }
  /* The giver ran the step before and now waits at its new point. */
  s->plan_points[giver] =
      (struct plan_point){.op = e->plan.op, .obj = e->plan.obj, .obj2 = e->plan.obj2};
  if (giver != chosen)
    session_plan_parked(s, proc, giver, e->plan.op, e->plan.obj, e->plan.obj2);
  const struct plan_point *at = &s->plan_points[chosen];
  if (at->op != e->a || at->obj != e->b || at->obj2 != (uint32_t)e->args[0]) {
    session_damage(s, proc,
                   "its event log: a plan step of routine %u at %s (object %u), which waits at "
                   "%s (object %u)",
                   chosen, dara_op_name(e->a), e->b, dara_op_name(at->op), at->obj);
    return;
  }
  struct candidate cands[DARA_PLAN_ROUTINES];
  size_t n = 0, k = 0;
  for (uint32_t j = 0; j < DARA_PLAN_ROUTINES; j++) {
    if (!(enabled >> j & 1))
      continue;
    if (j == chosen)
      k = n;
    cands[n++] = (struct candidate){.proc = (uint8_t)proc,
                                    .routine = (uint16_t)j,
                                    .status = DARA_RS_ENABLED,
                                    .op = (uint16_t)s->plan_points[j].op,
                                    .obj = s->plan_points[j].obj,
                                    .obj2 = s->plan_points[j].obj2};
  }
  /* plan_for granted it only where fairness holds nothing back, and the
   * shim takes no step that yields: anything else is dara's bug. */
  const char *broken = NULL;
  if (fair_filter(s->fair, cands, n, NULL, 0) != n)
    broken = "fairness would have held a candidate back";
  else if (fair_step(s->fair, proc, chosen, e->a, e->b, 0, s->steps + 1) & FAIR_YIELD)
    broken = "the step yields";
  if (broken) {
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "internal error: a plan step of thread %u:%u, where %s", proc, chosen, broken);
    return;
  }
  int got = s->cfg->policy->choose(s->cfg->policy, cands, n, proc, giver);
  if (got < 0) {
    s->res->stopped = true;
    s->done = true;
    return;
  }
  /* The shim applies the policy's own rule (tests/unit/test_plan.c) to
   * what the scheduler wrote in the region: another choice means the
   * program wrote there. */
  if ((size_t)got != k) {
    session_damage(s, proc,
                   "its control block: under the %s policy's plan thread %u:%u took a step, "
                   "where the policy chose thread %u:%u",
                   s->cfg->policy->name ? s->cfg->policy->name : "?", proc, chosen, proc,
                   cands[got].routine);
    return;
  }
  s->lease--;
  if (delegated_step(s, proc, e, pc))
    s->last_routine = chosen;
}

static bool step_entry(const struct dara_log_entry *e) {
  return e->kind == DARA_LOG_STEP || e->kind == DARA_LOG_PLAN;
}

/* The virtual time at the end of the step in which entry i (of the window
 * up to head) was logged: when the next step began, as the next step entry
 * says, or now when it was logged in the step still running. The time an
 * event takes is the same whether the log is drained after every step or
 * after a plan's many (*ahead caches the next step entry found). */
static uint64_t entry_time(const struct dara_proc *p, uint32_t i, uint32_t head, uint32_t *ahead,
                           uint64_t now) {
  if (step_entry(&p->log[i % DARA_LOG_LEN]))
    *ahead = i;
  else if (*ahead == i || (int32_t)(*ahead - i) < 0)
    for (*ahead = i + 1; *ahead != head && !step_entry(&p->log[*ahead % DARA_LOG_LEN]);)
      ++*ahead;
  if (*ahead == head)
    return now;
  uint64_t t = p->log[*ahead % DARA_LOG_LEN].c;
  return t < now ? t : now; /* a later time is damage, found at that entry */
}

void drain_log(struct session *s, unsigned proc) {
  struct dara_proc *p = &s->region->procs[proc];
  struct proc_run *pr = &s->procs[proc];
  /* Virtual time only moves on (region.h, struct dara_clock), and entries
   * are checked against it. */
  uint64_t now = s->region->clock.now;
  if (now < s->clock_seen) {
    session_damage(s, proc, "the virtual clock went back from %llu ns to %llu ns",
                   (unsigned long long)s->clock_seen, (unsigned long long)now);
    return;
  }
  s->clock_seen = now;
  uint32_t head = __atomic_load_n(&p->log_head, __ATOMIC_ACQUIRE);
  /* Only dara moves the tail: its own copy is the one to trust. */
  uint32_t tail = pr->log_tail, old_tail = tail, region_tail = p->log_tail;
  char why[160];
  if (region_tail != tail) {
    session_damage(s, proc, "its event log: log_tail %u, where dara left it at %u", region_tail,
                   tail);
    return;
  }
  if (!region_log_window_ok(head, tail, why, sizeof(why))) {
    session_damage(s, proc, "its event log: %s", why);
    return;
  }
  uint32_t nroutines = p->nroutines, ahead = tail;
  s->draining = true;
  for (; tail != head && !s->done; tail++) {
    s->drain_time = entry_time(p, tail, head, &ahead, now);
    struct dara_log_entry e = p->log[tail % DARA_LOG_LEN];
    if (e.routine >= DARA_MAX_ROUTINES || e.routine >= nroutines) {
      session_damage(s, proc, "its event log: an entry of routine %u, and it has %u", e.routine,
                     nroutines);
      break;
    }
    switch (e.kind) {
    case DARA_LOG_CREATE:
      if (e.a >= nroutines || e.a >= DARA_MAX_ROUTINES || !session_routine_new(s, proc, e.a)) {
        bad_entry(s, proc, "created routine", e.a);
        break;
      }
      drain_define_thread(s, proc, e.a);
      fair_created(s->fair, proc, e.a, s->steps);
      if (s->plan && e.a < DARA_PLAN_ROUTINES) /* it waits to start (shim_routine_new) */
        s->plan_points[e.a] = (struct plan_point){.op = DARA_OP_THREAD_START};
      session_emit_simple(s, DARA_EV_CREATE, proc, e.routine, DARA_OP_THREAD_CREATE, e.a);
      break;
    case DARA_LOG_RESULT:
      if (e.a >= DARA_OP_COUNT) {
        bad_entry(s, proc, "result op", e.a);
        break;
      }
      session_emit_simple(s, DARA_EV_RESULT, proc, e.routine, e.a, (int32_t)e.b);
      break;
    case DARA_LOG_OBJECT:
      define_object(s, proc, &e);
      break;
    case DARA_LOG_NOTE:
      note(s, proc, &e);
      break;
    case DARA_LOG_VAR:
      logged_var(s, proc, &e);
      break;
    case DARA_LOG_ASSERT:
      assertion(s, proc, &e);
      break;
    case DARA_LOG_SYSCALL:
      syscall_event(s, proc, &e);
      break;
    case DARA_LOG_STEP:
      forced_step(s, proc, &e);
      break;
    case DARA_LOG_PLAN:
      plan_step(s, proc, &e);
      break;
    case DARA_LOG_FORK:
      session_fork_logged(s, proc, e.routine, e.a, e.b, e.c);
      break;
    default:
      bad_entry(s, proc, "log kind", e.kind);
      break;
    }
  }
  s->draining = false;
  /* Up to what was read: a run that ends mid-drain leaves the rest unread. */
  pr->log_tail = tail;
  __atomic_store_n(&p->log_tail, tail, __ATOMIC_RELEASE);
  /* Events are lost only when the log is full and cannot be drained (a
   * thread outside dara's control logging): dara's limit. A count that
   * could not have grown is damage. */
  uint32_t lost = __atomic_load_n(&p->log_lost, __ATOMIC_ACQUIRE);
  if (lost == pr->lost_seen || s->done)
    return;
  head = __atomic_load_n(&p->log_head, __ATOMIC_ACQUIRE);
  int verdict = region_log_lost_check(lost, pr->lost_seen, head, old_tail, why, sizeof(why));
  if (verdict < 0)
    session_damage(s, proc, "its event log: %s", why);
  else
    session_finish(s, SCHED_OUT_ERROR, 0, proc,
                   "dara's event log of %d entries (DARA_LOG_LEN) overflowed: process %u (%s) "
                   "lost %u events it logged while it could not be drained",
                   DARA_LOG_LEN, proc, session_prog(s, proc), lost - pr->lost_seen);
}
