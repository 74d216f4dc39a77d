/*
 * shim.c: start-up, the scheduling point, and the routine table.
 *
 * Start-up (shim_init, a constructor): a process started without DARA_SLOT in
 * its environment runs natively. Otherwise the shim maps the region from
 * descriptor DARA_FD, checks it, closes the descriptor (the program may reuse
 * 666 as it likes), registers the main thread as routine 0 and parks it at
 * THREAD_START, so the scheduler is in control before main() runs.
 */
#include "runtime_shim/shim.h"

#include <dlfcn.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime_shim/respawn.h"
#include "shm/handoff.h"
#include "shm/region.h"

struct shim_state shim = {.region_fd = -1};
static SHIM_TLS int tls_routine = -1;
/* Inside shim_point or drain_now (shim_busy). */
static SHIM_TLS bool tls_in_shim;

int shim_self(void) { return tls_routine; }

int shim_unbind(void) {
  int me = tls_routine;
  tls_routine = -1;
  return me;
}

void shim_rebind(int routine) { tls_routine = routine; }

bool shim_busy(void) { return tls_in_shim; }

void shim_die(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  if (n > (int)sizeof(buf) - 2)
    n = (int)sizeof(buf) - 2;
  buf[n++] = '\n';
  static const char prefix[] = "dara-shim: ";
  /* Raw system calls: the write wrapper may be what failed. */
  syscall(SYS_write, STDERR_FILENO, prefix, sizeof(prefix) - 1);
  syscall(SYS_write, STDERR_FILENO, buf, (size_t)n);
  _exit(125);
}

/* ---- event log ---- */

void shim_log(unsigned kind, uint32_t a, uint32_t b, uint64_t c) {
  shim_log_text(kind, a, b, c, NULL);
}

/* How long to spin on a gate: as the scheduler says (region.h). */
static int gate_spins(void) {
  uint32_t n = shim.region->hdr.spins;
  return n > HANDOFF_SPINS ? HANDOFF_SPINS : (int)n;
}

/* The log is full and this thread holds the turn: hand the turn to the
 * scheduler just long enough for it to drain the log (syscall_lock says so),
 * without a scheduling decision, so schedules do not depend on log size. */
static void drain_now(void) {
  struct dara_proc *p = shim.proc;
  struct dara_routine *r = &p->routines[tls_routine];
  bool was_in_shim = tls_in_shim;
  tls_in_shim = true;
  __atomic_store_n(&p->syscall_lock, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&r->gate, DARA_GATE_PARK, __ATOMIC_RELEASE);
  handoff_give(&p->lock, DARA_TURN_SCHED);
  handoff_wait_ex(&r->gate, DARA_GATE_GO, -1, gate_spins(), 0);
  tls_in_shim = was_in_shim;
}

/* The next free log entry, draining the log first when it is full and the
 * calling thread holds the turn; NULL (and the loss counted) when it is
 * full and cannot be drained. */
static struct dara_log_entry *log_slot_holding(bool holds_turn) {
  struct dara_proc *p = shim.proc;
  uint32_t head = p->log_head;
  uint32_t tail = __atomic_load_n(&p->log_tail, __ATOMIC_ACQUIRE);
  if (head - tail >= DARA_LOG_LEN && holds_turn) {
    drain_now();
    tail = __atomic_load_n(&p->log_tail, __ATOMIC_ACQUIRE);
  }
  if (head - tail >= DARA_LOG_LEN) {
    /* Only this side writes it; atomic so an asynchronous reader stays exact. */
    __atomic_store_n(&p->log_lost, p->log_lost + 1, __ATOMIC_RELEASE);
    return NULL;
  }
  /* Not cleared: each kind's writer sets the fields the scheduler reads
   * for that kind (region.h), and nothing else is read. */
  struct dara_log_entry *e = &p->log[head % DARA_LOG_LEN];
  e->routine = tls_routine < 0 ? 0 : (uint32_t)tls_routine;
  return e;
}

static struct dara_log_entry *log_slot(void) {
  return log_slot_holding(shim.active && tls_routine >= 0 &&
                          shim.proc->routines[tls_routine].status == DARA_RS_RUNNING);
}

static void log_commit(void) {
  struct dara_proc *p = shim.proc;
  __atomic_store_n(&p->log_head, p->log_head + 1, __ATOMIC_RELEASE);
}

/* A logged variable or assertion must be seen by the scheduler before the
 * next step (properties are checked after every step): it ends a lease. */
static bool lease_broken;

void shim_log_text(unsigned kind, uint32_t a, uint32_t b, uint64_t c,
                   const char (*text)[DARA_TEXT_LEN]) {
  if (kind == DARA_LOG_VAR || kind == DARA_LOG_ASSERT)
    lease_broken = true;
  struct dara_log_entry *e = log_slot();
  if (!e)
    return;
  e->kind = kind;
  e->a = a;
  e->b = b;
  e->c = c;
  if (text)
    memcpy(e->text, text, sizeof(e->text));
  else
    e->text[0][0] = e->text[1][0] = '\0';
  log_commit();
}

void shim_log_sys(const struct shim_sys *call, int64_t ret, int err, const void *data, size_t len) {
  struct dara_log_entry *e = log_slot();
  if (!e)
    return;
  e->kind = DARA_LOG_SYSCALL;
  e->a = call->call;
  e->b = err > 0 ? (uint32_t)err : 0;
  e->c = (uint64_t)ret;
  memcpy(e->args, call->args, sizeof(e->args));
  e->start = call->start;
  e->end = shim.region->clock.now;
  e->len = data ? (uint32_t)(len < DARA_SYS_DATA ? len : DARA_SYS_DATA) : 0;
  if (e->len)
    memcpy(e->data, data, e->len);
  log_commit();
}

/* ---- modules: where creation sites and static objects live ---- */

bool shim_object_of(const void *addr, struct shim_object *o) {
  /* _dl_find_object (glibc 2.35) is a lock-free search of the loaded
   * objects' ranges. dladdr also searches the object's symbol table for the
   * nearest symbol, which dara does not use here: it was the largest part
   * of binding each execution's process. */
  struct dl_find_object found;
  if (addr && _dl_find_object((void *)addr, &found) == 0 && found.dlfo_map_start) {
    o->base = found.dlfo_map_start;
    o->name = found.dlfo_link_map ? found.dlfo_link_map->l_name : "";
    return true;
  }
  Dl_info info; /* the vDSO, which has no link map the search knows */
  if (!addr || !dladdr(addr, &info) || !info.dli_fbase)
    return false;
  o->base = info.dli_fbase;
  o->name = info.dli_fname ? info.dli_fname : "";
  return true;
}

/* Where the main program is loaded (found from its entry point). */
static const void *main_base(void) {
  static const void *base;
  static bool known;
  if (!known) {
    struct shim_object o;
    base = shim_object_of((const void *)getauxval(AT_ENTRY), &o) ? o.base : NULL;
    known = true;
  }
  return base;
}

/* The main program's absolute path: the loader names it by argv[0], which
 * is relative to the directory it started in ("./prog"), or only a name
 * when it was found through PATH, or not at all; the kernel's
 * /proc/self/exe is where it is. Read with the system call, not through
 * anything the shim wraps; once. */
static const char *main_path(const char *fallback) {
  static char exe[DARA_PATH_LEN];
  if (!exe[0]) {
    long n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 && (size_t)n < sizeof(exe) ? n : 0] = '\0';
  }
  return exe[0] ? exe : fallback;
}

void shim_module_path(const struct shim_object *o, char *path, size_t len) {
  const char *name = o->name && o->name[0] ? o->name : "main";
  if (o->base == main_base()) /* its path as dara and its tools can open it */
    name = main_path(name);
  snprintf(path, len, "%s", name);
}

void shim_warm(void) {
  (void)main_base();
  (void)main_path("main");
  thread_warm();
}

/* shim_module_of, or with may_die false UINT32_MAX (and the offset from
 * the module) when the table is full. */
static uint32_t module_index(const void *addr, uint64_t *offset, bool may_die) {
  struct shim_object o;
  *offset = (uint64_t)(uintptr_t)addr;
  if (!shim_object_of(addr, &o))
    return UINT32_MAX;
  *offset = (uint64_t)((uintptr_t)addr - (uintptr_t)o.base);
  char path[DARA_PATH_LEN];
  shim_module_path(&o, path, sizeof(path));
  struct dara_proc *p = shim.proc;
  uint32_t n = shim_nmodules();
  for (uint32_t i = 0; i < n; i++)
    if (strncmp(p->modules[i].path, path, DARA_PATH_LEN - 1) == 0)
      return i;
  if (n >= DARA_MAX_MODULES && !may_die)
    return UINT32_MAX;
  if (n >= DARA_MAX_MODULES) {
    /* dara's limit, not the program's fault: the scheduler ends the run
     * with an error when it reads the note. Going on would name this
     * module's threads and objects as nothing, and drop its places from
     * the racy points. */
    shim_log(DARA_LOG_NOTE, DARA_NOTE_TOO_MANY_MODULES, DARA_MAX_MODULES, 0);
    shim_die("dara supports at most %d modules with threads, synchronization objects or "
             "instrumented code in a process",
             DARA_MAX_MODULES);
  }
  snprintf(p->modules[n].path, DARA_PATH_LEN, "%s", path);
  p->nmodules = n + 1;
  return n;
}

uint32_t shim_module_of(const void *addr, uint64_t *offset) {
  return module_index(addr, offset, true);
}

uint64_t shim_place(const void *addr) {
  uint64_t offset;
  uint32_t module = addr ? module_index(addr, &offset, false) : UINT32_MAX;
  return module < DARA_MAX_MODULES && offset < (UINT64_C(1) << 58) ? offset << 5 | module : 0;
}

/* True for addresses inside the shim or a sanitizer runtime, whose
 * interceptors may sit between the program and the shim. */
bool shim_in_runtime(const void *pc) {
  static const void *self_base;
  struct shim_object o, self;
  if (!shim_object_of(pc, &o))
    return false;
  if (!self_base && shim_object_of((const void *)&shim_in_runtime, &self))
    self_base = self.base;
  if (o.base == self_base)
    return true;
  const char *base = strrchr(o.name, '/');
  base = base ? base + 1 : o.name;
  return strncmp(base, "libasan", 7) == 0 || strncmp(base, "libubsan", 8) == 0 ||
         strncmp(base, "libtsan", 7) == 0 || strncmp(base, "liblsan", 7) == 0;
}

const void *shim_caller(const void *return_address) {
  if (!shim_in_runtime(return_address))
    return return_address;
  void *frames[16];
  int me = shim_unbind(); /* libgcc's pthread_once in backtrace is no point */
  int n = backtrace(frames, 16);
  shim_rebind(me);
  for (int i = 1; i < n; i++)
    if (!shim_in_runtime(frames[i]))
      return frames[i];
  return return_address;
}

/* The C and C++ runtime's own modules, by file name: a thread created
 * from inside them (std::thread) is named after the program's frames of
 * its creation stack. */
static bool runtime_module(const char *path) {
  static const char *const prefixes[] = {"libc.so",  "libstdc++", "libgcc_s",  "libc++",
                                         "ld-linux", "libm.so",   "libpthread"};
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
    if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
      return true;
  return false;
}

/* Up to max places of the calling thread's stack past the shim, the
 * sanitizers' and the C and C++ runtime's (only the first frame must be
 * outside the runtime: what the program's function called next may be
 * anywhere), into out; their number. A backtrace: only where the program
 * reaches dara through the runtime (std::thread). */
static int program_frames(uint64_t *out, int max) {
  void *frames[32];
  int me = shim_unbind(); /* libgcc's pthread_once in backtrace is no point */
  int n = backtrace(frames, 32);
  shim_rebind(me);
  int k = 0;
  for (int i = 1; i < n && k < max; i++) {
    Dl_info info;
    if (shim_in_runtime(frames[i]) || !dladdr(frames[i], &info))
      continue;
    if (k == 0 && info.dli_fname && runtime_module(info.dli_fname))
      continue;
    out[k++] = shim_place((const char *)frames[i] - 1);
  }
  return k;
}

/* ---- call sites ---- */

/* The shim's own code: a return address inside it is not the program's. */
static uintptr_t shim_text_lo, shim_text_hi;

static int find_self(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t self = (uintptr_t)data;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
      continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    if (start < lo)
      lo = start;
    if (start + ph->p_memsz > hi)
      hi = start + ph->p_memsz;
  }
  if (self < lo || self >= hi)
    return 0;
  shim_text_lo = lo;
  shim_text_hi = hi;
  return 1;
}

void shim_text_range(uintptr_t *lo, uintptr_t *hi) {
  *lo = shim_text_lo;
  *hi = shim_text_hi;
}

bool shim_own(const void *pc) {
  return (uintptr_t)pc >= shim_text_lo && (uintptr_t)pc < shim_text_hi;
}

/* The call sites already placed: the return address and its code, or
 * that it is in the C or C++ runtime (through_runtime), whose caller is
 * found each time. Reset when the process binds to its slot (modules are
 * numbered afresh). */
#define SITE_CACHE 512
static struct {
  uintptr_t ret;
  uint64_t code;
  bool through_runtime;
} site_cache[SITE_CACHE];

/* A call from inside libstdc++ or libc (std::thread::join) is placed at the program's frame that led there; at
 * the call itself when no such frame is found. */
static uint64_t site_through_runtime(uintptr_t ret) {
  uint64_t code;
  return program_frames(&code, 1) == 1 ? code : shim_place((const char *)ret - 1);
}

static uint64_t site_code(uintptr_t ret) {
  uint32_t slot = (uint32_t)((ret * 0x9E3779B97F4A7C15ull) >> 40) & (SITE_CACHE - 1);
  if (site_cache[slot].ret == ret)
    return site_cache[slot].through_runtime ? site_through_runtime(ret) : site_cache[slot].code;
  /* Behind a sanitizer's interceptor the program is further up, at a depth
   * that depends on the call: found each time, never cached. */
  if (shim_in_runtime((const void *)ret))
    return shim_place((const char *)shim_caller((const void *)ret) - 1);
  struct shim_object o;
  bool through = shim_object_of((const void *)ret, &o) && runtime_module(o.name);
  uint64_t code = through ? site_through_runtime(ret) : shim_place((const char *)ret - 1);
  site_cache[slot].ret = ret;
  site_cache[slot].code = code;
  site_cache[slot].through_runtime = through;
  return code;
}

/* The program's call of the interposed function that led here: the first
 * return address, walking up the frames from this one, that is not in the
 * shim. The shim is built with frame pointers, and only its own frames are
 * walked (the first return address outside it ends the walk), so a
 * program built without them costs nothing and misleads nothing. One pc
 * per scheduling point, and cached: no unwinding. */
static __attribute__((noinline)) uint64_t call_site(void) {
  void *const *fp = __builtin_frame_address(0);
  for (int depth = 0; depth < 32 && fp; depth++) {
    uintptr_t ret = (uintptr_t)fp[1];
    if (ret < shim_text_lo || ret >= shim_text_hi)
      return site_code(ret);
    void *const *next = fp[0];
    if ((uintptr_t)next <= (uintptr_t)fp || (uintptr_t)next - (uintptr_t)fp > (1u << 20))
      break;
    fp = next;
  }
  return 0;
}

/* ---- enabled rules ---- */

static int routine_status(int idx, const struct dara_routine *r, int *waits_for) {
  *waits_for = -1;
  switch (r->op) {
  case DARA_OP_THREAD_START:
  case DARA_OP_THREAD_CREATE:
  case DARA_OP_THREAD_JOIN:
  case DARA_OP_THREAD_DETACH:
  case DARA_OP_THREAD_EXIT:
    return thread_status(idx, r, waits_for);
  case DARA_OP_MUTEX_LOCK:
  case DARA_OP_MUTEX_TRYLOCK:
  case DARA_OP_MUTEX_TIMEDLOCK:
  case DARA_OP_MUTEX_UNLOCK:
    return mutex_status(idx, r, waits_for);
  case DARA_OP_COND_WAIT:
  case DARA_OP_COND_TIMEDWAIT:
  case DARA_OP_COND_SIGNAL:
  case DARA_OP_COND_BROADCAST:
  case DARA_OP_COND_REACQUIRE:
    return cond_status(idx, r, waits_for);
  case DARA_OP_RW_RDLOCK:
  case DARA_OP_RW_WRLOCK:
  case DARA_OP_RW_TRYRDLOCK:
  case DARA_OP_RW_TRYWRLOCK:
  case DARA_OP_RW_TIMEDRDLOCK:
  case DARA_OP_RW_TIMEDWRLOCK:
  case DARA_OP_RW_UNLOCK:
    return rwlock_status(idx, r, waits_for);
  case DARA_OP_SEM_WAIT:
  case DARA_OP_SEM_TRYWAIT:
  case DARA_OP_SEM_TIMEDWAIT:
  case DARA_OP_SEM_POST:
    return sem_status(idx, r, waits_for);
  case DARA_OP_BARRIER_WAIT:
    return barrier_status(idx, r, waits_for);
  case DARA_OP_SPIN_LOCK:
  case DARA_OP_SPIN_TRYLOCK:
  case DARA_OP_SPIN_UNLOCK:
    return spin_status(idx, r, waits_for);
  case DARA_OP_ONCE:
    return once_status(idx, r, waits_for);
  case DARA_OP_SLEEP:
    return sleep_status(idx, r, waits_for);
  case DARA_OP_IO_ACCEPT:
  case DARA_OP_IO_CONNECT:
  case DARA_OP_IO_SEND:
  case DARA_OP_IO_RECV:
  case DARA_OP_IO_POLL:
  case DARA_OP_IO_WAITPID:
    return io_status(idx, r, waits_for);
  default: /* YIELD, PROC_EXIT */
    return DARA_RS_ENABLED;
  }
}

void shim_refresh(void) {
  struct dara_proc *p = shim.proc;
  for (uint32_t i = 0, n = shim_nroutines(); i < n; i++) {
    struct dara_routine *r = &p->routines[i];
    if (!shim_is_parked(r->status))
      continue;
    int waits_for;
    r->status = (uint32_t)routine_status((int)i, r, &waits_for);
    r->waits_for = waits_for;
  }
}

/* ---- the scheduling point ---- */

/* The calling routine's stack into the region (DARA_CMD_STACK): the
 * frames past the shim's. */
static void take_stack(int me) {
  struct dara_stack *st = &shim.proc->stack;
  void *frames[DARA_CRASH_FRAMES + 16];
  int was = shim_unbind(); /* libgcc's pthread_once in backtrace is no point */
  int n = backtrace(frames, DARA_CRASH_FRAMES + 16);
  shim_rebind(was);
  uint32_t k = 0;
  int i = 0;
  while (i < n && shim_in_runtime(frames[i]))
    i++;
  for (; i < n && k < DARA_CRASH_FRAMES; i++)
    if (!shim_own(frames[i])) /* the shim's thread trampoline is no news */
      st->frames[k++] = shim_place((const char *)frames[i] - 1);
  st->nframes = k;
  st->routine = (uint32_t)me;
}

/* Waits at a point for the turn. A GO that comes with DARA_CMD_STACK only
 * asks for the stack, one with DARA_CMD_REFRESH for fresh statuses:
 * done, then parked again. */
static void wait_go(struct dara_proc *p, struct dara_routine *r, int me, int spins) {
  for (;;) {
    handoff_wait_ex(&r->gate, DARA_GATE_GO, -1, spins, 0);
    uint32_t command = __atomic_load_n(&p->command, __ATOMIC_ACQUIRE);
    if (command == DARA_CMD_REFRESH)
      shim_refresh();
    else if (command == DARA_CMD_STACK)
      take_stack(me);
    else if (command == DARA_CMD_SNAPSHOT)
      shim_snapshot(me);
    else
      return;
    __atomic_store_n(&r->gate, DARA_GATE_PARK, __ATOMIC_RELEASE);
    /* A copy of the process made from here on (snapshot.c) starts this
     * thread at the wait: saved before the turn goes, as at a point. */
    if (shim.snapshots && shim_snap_saved(me, respawn_save(shim_snap_ctx(me))))
      continue; /* in a copy: the turn is dara's already */
    handoff_give(&p->lock, DARA_TURN_SCHED);
  }
}

/* After the turn arrives: account the step. (A run ends with SIGKILL: no
 * word in the region, which the program could write, ends a process.) */
static void on_turn(struct dara_routine *r) { r->steps++; }

/* Whether routine me, just refreshed at its point, may take a forced step
 * under its lease: it can go on, and no other routine of this process can
 * run, time out or wait on a descriptor. */
static bool forced_step(struct dara_proc *p, int me, const struct dara_routine *r) {
  if (lease_broken || r->status != DARA_RS_ENABLED || r->deadline != 0 || dara_op_is_io(r->op) ||
      r->op == DARA_OP_THREAD_EXIT || r->op == DARA_OP_PROC_EXIT || r->op == DARA_OP_PROC_EXEC ||
      r->op == DARA_OP_PROC_FORK)
    return false;
  for (uint32_t i = 0, n = shim_nroutines(); i < n; i++) {
    const struct dara_routine *o = &p->routines[i];
    if ((int)i == me || o->status == DARA_RS_EXITED || o->status == DARA_RS_FREE)
      continue;
    if (o->status != DARA_RS_BLOCKED || dara_op_is_io(o->op))
      return false;
  }
  return true;
}

/* A step taken under the lease: logged, not handed over. The routine
 * holds the turn (RUNNING), so a full log drains. */
static int leased_step(struct dara_proc *p, struct dara_routine *r, unsigned op, uint32_t obj,
                       uint32_t obj2, uint64_t pc) {
  p->lease--;
  r->status = DARA_RS_RUNNING;
  struct dara_log_entry *e = log_slot();
  if (e) {
    e->kind = DARA_LOG_STEP;
    e->a = op;
    e->b = obj;
    e->args[0] = obj2;
    e->args[1] = pc;
    e->c = shim.region->clock.now;
    log_commit();
  }
  r->steps++;
  return DARA_RS_ENABLED;
}

/* A step chosen under the plan (region.h, "Plans"): logged with the
 * candidates it was chosen from and the point routine me waits at. Me is
 * at its point with the turn, so a full log drains first. */
static void plan_log(struct dara_proc *p, int me, int next, uint64_t enabled) {
  struct dara_log_entry *e = log_slot_holding(true);
  if (!e)
    return;
  const struct dara_routine *c = &p->routines[next], *r = &p->routines[me];
  e->kind = DARA_LOG_PLAN;
  e->routine = (uint32_t)next;
  e->a = c->op;
  e->b = c->obj;
  e->args[0] = c->obj2;
  e->args[1] = c->pc;
  e->c = shim.region->clock.now;
  e->plan.enabled = enabled;
  e->plan.giver = (uint32_t)me;
  e->plan.op = r->op;
  e->plan.obj = r->obj;
  e->plan.obj2 = r->obj2;
  e->plan.pc = r->pc;
  log_commit();
}

/* Under a plan, the next step by its rule: -1 when the plan ends here (the
 * point goes to the scheduler), else the routine chosen, with the step
 * logged and, when it is another, the turn handed to it. */
static int plan_step(struct dara_proc *p, int me) {
  uint64_t enabled;
  int next = lease_broken ? -1 : shim_plan_choose(p, shim_nroutines(), me, &enabled);
  if (next < 0) {
    p->lease = 0;
    p->plan = DARA_PLAN_NONE;
    return -1;
  }
  plan_log(p, me, next, enabled);
  p->lease--;
  if (next != me) {
    /* Own gate parked before the next one may run (tests/model/handoff.pml,
     * BUG_DIRECT_GIVE_FIRST); the next one is parked at its point, enabled,
     * so its gate reads PARK and only this GO moves it. */
    p->chosen = (uint32_t)next;
    __atomic_store_n(&p->routines[me].gate, DARA_GATE_PARK, __ATOMIC_RELEASE);
    handoff_give(&p->routines[next].gate, DARA_GATE_GO);
  }
  return next;
}

static int point(unsigned op, uint32_t obj, uint32_t obj2, uint64_t pc) {
  struct dara_proc *p = shim.proc;
  int me = tls_routine;
  struct dara_routine *r = &p->routines[me];
  r->op = op;
  r->obj = obj;
  r->obj2 = obj2;
  r->pc = pc;
  uint32_t lease = p->lease;
  if (lease & DARA_LEASE_MEMORY) {
    /* Nothing but memory operations since the scheduler chose: every
     * status is as it saw it, no refresh needed (region.h). A step that
     * yields (a spin-read, abi/spin.h) goes to the scheduler, which gives
     * the others their turn as fairness wants. */
    if (lease != DARA_LEASE_MEMORY && dara_op_is_memory(op) && !lease_broken &&
        !(dara_spin_step(&p->spin, op, obj, pc) & DARA_SPIN_YIELD))
      return leased_step(p, r, op, obj, obj2, pc);
    p->lease = lease = 0;
  }
  r->status = DARA_RS_ENABLED; /* parked: let refresh evaluate it */
  shim_refresh();
  /* Blocked, it cannot be chosen next: sleep at once (handoff.h). Read
   * before a plan hands the turn on: the next thread refreshes it. */
  bool blocked = r->status == DARA_RS_BLOCKED;
  /* Where a copy of the process starts this thread again (snapshot.c): at
   * the wait below, the turn already given. Saved before the turn leaves
   * the thread (a plan's handoff or the give), since dara may copy the
   * process from then on. */
  bool copy = shim.snapshots && shim_snap_saved(me, respawn_save(shim_snap_ctx(me)));
  if (!copy) {
    bool handed = false;
    lease = p->lease; /* as above (nothing else writes it now): read after the save */
    if (lease > 0 && p->plan != DARA_PLAN_NONE) {
      int next = plan_step(p, me);
      if (next == me) {
        shim_snap_unsaved(me);
        r->status = DARA_RS_RUNNING;
        r->steps++;
        return DARA_RS_ENABLED;
      }
      handed = next >= 0;
    } else if (lease > 0) {
      if (forced_step(p, me, r)) {
        shim_snap_unsaved(me);
        return leased_step(p, r, op, obj, obj2, pc);
      }
      p->lease = 0;
    }
    if (!handed) {
      lease_broken = false;
      /* The gate must read PARK before the scheduler can see the turn, or its
       * GO could be overwritten (tests/model/handoff.pml, BUG_PARK_AFTER_GIVE). */
      __atomic_store_n(&r->gate, DARA_GATE_PARK, __ATOMIC_RELEASE);
      handoff_give(&p->lock, DARA_TURN_SCHED);
    }
  }
  wait_go(p, r, me, blocked ? 0 : gate_spins());
  shim_snap_unsaved(me);
  on_turn(r);
  /* Nothing changed since the refresh that the scheduler chose from, so the
   * status tells whether the operation completes or times out. */
  int waits_for;
  int status = routine_status(me, r, &waits_for);
  /* Readiness of a descriptor is the scheduler's call, made by polling it
   * from outside; should the shim see it otherwise, the I/O wait parks again. */
  if (status == DARA_RS_BLOCKED && dara_op_is_io(op)) {
    r->status = DARA_RS_RUNNING;
    return status;
  }
  if (status == DARA_RS_BLOCKED)
    shim_die("scheduler chose thread %d:%d, which is blocked in %s", shim.slot, me,
             dara_op_name(op));
  r->status = DARA_RS_RUNNING;
  return status;
}

int shim_point(unsigned op, uint32_t obj, uint32_t obj2) {
  bool was_in_shim = tls_in_shim;
  tls_in_shim = true;
  /* A thread's start and end and the process's exit are made by libc and
   * the loader, not called by the program: no call site (region.h). */
  bool sited = op != DARA_OP_THREAD_START && op != DARA_OP_THREAD_EXIT && op != DARA_OP_PROC_EXIT;
  int status = point(op, obj, obj2, sited ? call_site() : 0);
  tls_in_shim = was_in_shim;
  return status;
}

int shim_point_at(unsigned op, uint32_t obj, uint32_t obj2, uint64_t pc) {
  bool was_in_shim = tls_in_shim;
  tls_in_shim = true;
  int status = point(op, obj, obj2, pc);
  tls_in_shim = was_in_shim;
  return status;
}

void shim_rejoin(void) {
  int saved = errno;
  bool was_in_shim = tls_in_shim;
  tls_in_shim = true;
  struct dara_proc *p = shim.proc;
  int me = tls_routine;
  struct dara_routine *r = &p->routines[me];
  /* Parked as at a point, before the state tells the scheduler so: it reads
   * the routine only after it sees RUNNING. */
  r->status = DARA_RS_ENABLED;
  __atomic_store_n(&r->gate, DARA_GATE_PARK, __ATOMIC_RELEASE);
  if (!(shim.snapshots && shim_snap_saved(me, respawn_save(shim_snap_ctx(me))))) {
    shim.active = true;
    __atomic_store_n(&p->state, DARA_PROC_RUNNING, __ATOMIC_RELEASE);
  }
  wait_go(p, r, me, gate_spins());
  shim_snap_unsaved(me);
  on_turn(r);
  r->status = DARA_RS_RUNNING;
  tls_in_shim = was_in_shim;
  errno = saved;
}

int shim_point_until(unsigned op, uint32_t obj, uint32_t obj2, uint64_t deadline) {
  struct dara_routine *r = &shim.proc->routines[tls_routine];
  r->deadline = deadline;
  int status = shim_point(op, obj, obj2);
  r->deadline = 0;
  return status;
}

/* ---- routines ---- */

/* Counts earlier creations at the same site over the process's life:
 * (site, ordinal) names a thread the same way in every run that makes the
 * same choices, and stays unique when routine slots are recycled. Sites
 * past the table's size fall back to counting the creations still in the
 * routine table. */
static uint32_t site_ordinal(uint32_t module, uint64_t offset) {
  for (uint32_t i = 0; i < shim.nsites; i++)
    if (shim.sites[i].module == module && shim.sites[i].offset == offset)
      return shim.sites[i].count++;
  if (shim.nsites < SHIM_MAX_SITES) {
    shim.sites[shim.nsites++] = (struct shim_site){.offset = offset, .module = module, .count = 1};
    return 0;
  }
  uint32_t n = 0;
  struct dara_proc *p = shim.proc;
  for (uint32_t i = 1, nr = shim_nroutines(); i < nr; i++)
    if (p->routines[i].site.module == module && p->routines[i].site.offset == offset)
      n++;
  return n;
}

/* A slot for a new routine: a fresh one while the table has room (so a
 * program with fewer threads than that over its life sees the indices it
 * always did), then the lowest slot whose thread is finished: it exited
 * and was joined, or exited detached, and holds nothing in the model. The
 * choice depends only on what the schedule made happen, so a replay names
 * the same slots. -1 when every slot is in use. */
static int free_slot(void) {
  struct dara_proc *p = shim.proc;
  uint32_t n = shim_nroutines();
  if (n < DARA_MAX_ROUTINES)
    return (int)n;
  for (int i = 1; i < DARA_MAX_ROUTINES; i++)
    if (p->routines[i].status == DARA_RS_EXITED &&
        (shim.routines[i].joined || shim.routines[i].detached) && !obj_held_by(i))
      return i;
  return -1;
}

int shim_routine_new(const void *creation_pc, const void *start_fn) {
  struct dara_proc *p = shim.proc;
  int idx = free_slot();
  if (idx < 0)
    return -1;
  struct dara_routine *r = &p->routines[idx];
  /* A recycled slot starts from nothing: its old thread touches it no more
   * (shim_routine_exit), and gate, status, op, io, deadline and pc are all
   * set afresh here. */
  memset(r, 0, sizeof(*r));
  uint64_t offset;
  uint32_t module = shim_module_of(creation_pc, &offset);
  r->site.ordinal = site_ordinal(module, offset);
  r->site.module = module;
  r->site.offset = offset;
  if (module < shim_nmodules() && runtime_module(p->modules[module].path))
    program_frames(r->origin, DARA_ORIGIN_FRAMES);
  /* Behind a sanitizer's pthread_create, start_fn is the sanitizer's own
   * trampoline: naming the thread after it would mislead, so leave it unnamed. */
  bool foreign = start_fn && shim_in_runtime(start_fn);
  r->start.module = foreign ? UINT32_MAX : shim_module_of(start_fn, &r->start.offset);
  Dl_info info;
  if (start_fn && !foreign && dladdr(start_fn, &info) && info.dli_sname)
    snprintf(r->func, sizeof(r->func), "%s", info.dli_sname);
  r->waits_for = -1;
  r->op = DARA_OP_THREAD_START;
  r->gate = DARA_GATE_PARK;
  r->status = DARA_RS_ENABLED;
  memset(&shim.routines[idx], 0, sizeof(shim.routines[idx]));
  if ((uint32_t)idx >= shim_nroutines())
    p->nroutines = (uint32_t)idx + 1;
  return idx;
}

void shim_routine_enter(int idx) {
  tls_routine = idx;
  struct dara_routine *r = &shim.proc->routines[idx];
  /* Known before it waits to start: a snapshot taken meanwhile reads the
   * thread's signal mask by it (snapshot.c). */
  r->tid = (uint32_t)syscall(SYS_gettid);
  if (shim.snapshots)
    (void)shim_snap_saved(idx, respawn_save(shim_snap_ctx(idx)));
  handoff_wait_ex(&r->gate, DARA_GATE_GO, -1, gate_spins(), 0);
  shim_snap_unsaved(idx);
  on_turn(r);
  r->tid = (uint32_t)syscall(SYS_gettid); /* a copy's thread has an id of its own */
  r->status = DARA_RS_RUNNING;
}

void shim_routine_exit(void) {
  int me = tls_routine;
  if (me < 0 || !shim.active)
    return;
  shim_point(DARA_OP_THREAD_EXIT, 0, 0);
  struct dara_proc *p = shim.proc;
  p->routines[me].status = DARA_RS_EXITED;
  tls_routine = -1;
  shim_refresh(); /* joiners may now go on */
  handoff_give(&p->lock, DARA_TURN_SCHED);
}

/* ---- start-up ---- */

/* Maps the region named by the environment. Returns false when the
 * process was not started by dara (it then runs natively). */
static bool map_region(void) {
  const char *slot_env = getenv(DARA_ENV_SLOT);
  if (!slot_env)
    return false; /* not started by dara: run natively */
  char *end;
  errno = 0;
  unsigned long slot = strtoul(slot_env, &end, 10);
  if (errno || *end || slot >= DARA_MAX_PROCS)
    shim_die("%s=%s is not a process slot (0..%d)", DARA_ENV_SLOT, slot_env, DARA_MAX_PROCS - 1);
  /* Children we exec inherit the environment but are not ours to control. */
  unsetenv(DARA_ENV_SLOT);
  char why[256];
  struct dara_region *region = region_attach(DARA_FD, why, sizeof(why));
  if (!region)
    shim_die("%s", why);
  /* Out of the program's way, but kept for an exec (process.c). */
  shim.region_fd = fcntl(DARA_FD, F_DUPFD_CLOEXEC, 680);
  close(DARA_FD);
  real_resolve();
  shim.region = region;
  shim.slot = (unsigned)slot;
  shim.proc = &region->procs[slot];
  return true;
}

void shim_set_slot(unsigned slot) {
  shim.slot = slot;
  shim.proc = &shim.region->procs[slot];
}

/* Takes the process slot: this process is the one the scheduler waits for. */
static void bind_slot(void) {
  shim.pid = getpid();
  struct dara_proc *p = shim.proc;
  if (p->state != DARA_PROC_STARTING)
    shim_die("process slot %u is not waiting for a process (state %u)", shim.slot, p->state);
  p->pid = shim.pid;

  /* Routine 0 is the main thread. The program's entry point registers the
   * executable as module 0, so sites in it read "prog+0x...". */
  struct dara_routine *r = &p->routines[0];
  memset(r, 0, sizeof(*r));
  p->nmodules = 0;
  uint64_t offset;
  r->site.module = shim_module_of((const void *)getauxval(AT_ENTRY), &offset);
  r->site.offset = 0;
  r->site.ordinal = 0;
  snprintf(r->func, sizeof(r->func), "main");
  r->waits_for = -1;
  r->tid = (uint32_t)syscall(SYS_gettid);
  r->status = DARA_RS_RUNNING;
  p->nroutines = 1;
  shim.nsites = 0;
  memset(site_cache, 0, sizeof(site_cache));
  memset(&p->crash, 0, sizeof(p->crash));
  tls_routine = 0;
  /* The scheduler wrote it before starting the process, and does not
   * change it during the run: read once. */
  shim.points = shim.region->hdr.points;
  if (shim.points == DARA_POINTS_RACY)
    memcpy(&shim.racy, &shim.region->racy, sizeof(shim.racy));
  shim_cov_bind();
  shim.snapshots = shim.region->hdr.snapshots == 1;
  shim_snap_bind();
  shim.active = true;
  p->state = DARA_PROC_RUNNING;
}

void shim_bind_forked(unsigned slot, int me) {
  struct dara_proc *parent = shim.proc;
  struct dara_proc *p = &shim.region->procs[slot];
  if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != DARA_PROC_STARTING)
    shim_die("process slot %u is not waiting for a forked child (state %u)", slot, p->state);
  shim.slot = slot;
  shim.proc = p;
  shim.pid = getpid();
  p->pid = shim.pid;
  /* The same mappings as the parent: its module numbers stay right, and
   * with them every place and site the shim has cached. */
  uint32_t nm = parent->nmodules < DARA_MAX_MODULES ? parent->nmodules : DARA_MAX_MODULES;
  memcpy(p->modules, parent->modules, nm * sizeof(p->modules[0]));
  p->nmodules = nm;
  /* The thread that forked keeps its index, so the model of every object
   * (owners, waiters) reads the same; the parent's other threads are not
   * in the child, and their slots are free. */
  memset(p->routines, 0, (size_t)me * sizeof(p->routines[0]));
  struct dara_routine *r = &p->routines[me];
  *r = parent->routines[me];
  r->tid = (uint32_t)syscall(SYS_gettid);
  r->status = DARA_RS_RUNNING;
  r->waits_for = -1;
  r->nio = 0;
  p->nroutines = (uint32_t)me + 1;
  memset(&p->crash, 0, sizeof(p->crash));
  children_forget_all();
  shim_cov_bind();
  shim.active = true;
  __atomic_store_n(&p->state, DARA_PROC_RUNNING, __ATOMIC_RELEASE);
}

__attribute__((constructor(101))) static void shim_init(void) {
  if (!map_region())
    return;
  thread_exit_key_init();
  dl_iterate_phdr(find_self, (void *)(uintptr_t)&find_self);
  crash_install();
  int server = forkserver_requested();
  if (server == 2) {
    /* The exit hook goes in now, before the program's own (atexit runs
     * them last first), as it does when the process takes control here. */
    thread_exit_key_arm();
    process_install_hooks();
    if (prefix_begin())
      return; /* the program runs on to the end of its prefix (prefix.c) */
  }
  /* A fork server returns here only in a child, which runs one execution. */
  if (server)
    forkserver_serve(-2, NULL); /* no prefix */
  shim_take_control();
}

void shim_take_control(void) {
  bind_slot();
  thread_exit_key_arm();
  process_install_hooks();
  shim_point(DARA_OP_THREAD_START, 0, 0);
}
