/*
 * memory.c: memory accesses and atomic operations of instrumented programs
 * (built with dara-cc) as scheduling points.
 *
 * The runtime linked into such a program (src/rt/rt.c) calls dara__access
 * before every access the compiler instrumented, through a weak reference
 * that only the shim defines (abi/access.h). Whether the access becomes a
 * point is the policy the scheduler wrote into the region (--points, copied
 * into shim.points when the process bound to its slot): sync, none;
 * atomics, every atomic operation and fence; all, plain loads and stores
 * too; racy, atomics and the plain accesses made at a place (module and
 * offset of the pc) of the set the scheduler wrote with it (region.h,
 * dara_racy), whose answer is cached with the place. A point is a
 * MEM_READ, MEM_WRITE, ATOMIC_LOAD, ATOMIC_STORE, ATOMIC_RMW, ATOMIC_CAS
 * or FENCE operation, always enabled, whose object is
 * the location: an id in first-seen order, from the same sequence as the
 * synchronization objects' (objects.c), announced with its module and
 * offset when it is a global so reports name it (`counter`). The size goes
 * in obj2, and where the access is (module and offset of the pc) in the
 * routine's pc field, which the scheduler carries into the STEP event.
 *
 * Accesses that are never points: those of a process or thread dara does
 * not control (before the shim attached, a fork child, a thread past its
 * exit), those made while the thread is inside the shim itself (a signal
 * handler run during a point or a recorded call) or while it does not hold
 * the turn, and, once the location table is full, those to new locations
 * (a note says so; it happens at the same access in every run that makes
 * the same choices). The shim's and libc's own accesses never come here:
 * they are not instrumented.
 */
#include <dlfcn.h>
#include <string.h>
#include <sys/mman.h>

#include "runtime_shim/shim.h"

/* The definition the program's weak reference binds to (abi/access.h has
 * the same prototype, weak). */
SHIM_EXPORT void dara__access(unsigned op, const volatile void *addr, unsigned long size,
                              const void *pc);

/* ---- locations ---- */

#define LOC_MAX \
  (1u << 15)                /* locations per process; with OBJ_MAX objects,
                               well below OBJ_ID_MAX ids */
#define LOC_HASH (1u << 16) /* power of two, > LOC_MAX */

#define PC_CACHE 1024 /* power of two */

/* The tables are mapped when a process first makes a memory point, not
 * kept in the shim's data: an uninstrumented program never pays for them,
 * not even in a sanitizer build, whose leak checker would scan them at
 * every exit. */
struct tables {
  struct {
    uintptr_t addr;
    uint32_t id;
  } locs[LOC_MAX];
  uint32_t loc_hash[LOC_HASH]; /* 0: empty, else 1 + index into locs */
  struct {
    uintptr_t pc;
    uint64_t code;
    bool racy; /* the place is in shim.racy */
  } pc_cache[PC_CACHE];
};
static struct tables *tab;
static uint32_t nlocs;
static bool locs_full; /* said so in a note */

static bool map_tables(void) {
  if (tab)
    return true;
  void *m = mmap(NULL, sizeof(*tab), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED)
    return false;
  tab = m;
  return true;
}

static uint32_t hash_addr(uintptr_t a) {
  uint64_t x = (uint64_t)a * 0x9E3779B97F4A7C15ull;
  return (uint32_t)(x >> 40) & (LOC_HASH - 1);
}

/* The id of the location at addr, created and announced on first sight; 0
 * when the table is full. */
static uint32_t location(uintptr_t a) {
  uint32_t h = hash_addr(a);
  for (;; h = (h + 1) & (LOC_HASH - 1)) {
    uint32_t k = tab->loc_hash[h];
    if (k == 0)
      break;
    if (tab->locs[k - 1].addr == a)
      return tab->locs[k - 1].id;
  }
  uint32_t id = nlocs < LOC_MAX ? obj_new_id() : 0;
  if (id == 0) {
    if (!locs_full)
      shim_log(DARA_LOG_NOTE, DARA_NOTE_TOO_MANY_LOCATIONS, LOC_MAX, 0);
    locs_full = true;
    return 0;
  }
  tab->locs[nlocs].addr = a;
  tab->locs[nlocs].id = id;
  tab->loc_hash[h] = ++nlocs;
  /* As objects are announced (objects.c): a global by module and offset,
   * the heap and stacks by nothing, their addresses differ from run to run. */
  uint64_t offset;
  uint32_t module = shim_module_of((const void *)a, &offset);
  if (module == UINT32_MAX)
    offset = 0;
  shim_log(DARA_LOG_OBJECT, id, DARA_OBJ_MEMORY | (module & 0xffffffu) << 8, offset);
  return id;
}

/* ---- where the access is ---- */

/* pc as region.h encodes it: offset << 5 | module, the offset that of the
 * return address minus one (inside the call instruction, where a symbolizer
 * finds the access's line), and into *racy whether the place is one of
 * shim.racy. dladdr is slow next to a hash: the answers are cached by pc. */
static uint64_t pc_code(const void *pc, bool *racy) {
  uintptr_t key = (uintptr_t)pc;
  uint32_t slot = (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 52) & (PC_CACHE - 1);
  if (key && tab->pc_cache[slot].pc == key) {
    *racy = tab->pc_cache[slot].racy;
    return tab->pc_cache[slot].code;
  }
  uint64_t offset, code = 0;
  uint32_t module = key ? shim_module_of((const char *)pc - 1, &offset) : UINT32_MAX;
  if (module < 32 && offset < (UINT64_C(1) << 58))
    code = offset << 5 | module;
  *racy = code && shim.points == DARA_POINTS_RACY &&
          dara_racy_has(&shim.racy, shim.proc->modules[module].path, offset);
  tab->pc_cache[slot].pc = key;
  tab->pc_cache[slot].code = code;
  tab->pc_cache[slot].racy = *racy;
  return code;
}

/* ---- the hook ---- */

SHIM_EXPORT void dara__access(unsigned op, const volatile void *addr, unsigned long size,
                              const void *pc) {
  /* An instrumented program's first access is a point (a step of the
   * main thread): a fork server's prefix ends before it (prefix.c). */
  if (__builtin_expect(shim.prefix, 0))
    shim_prefix_end();
  unsigned points = shim.points;
  if (points == DARA_POINTS_SYNC || !dara_op_is_memory(op))
    return;
  bool plain = !dara_op_is_atomic(op);
  if (points == DARA_POINTS_ATOMICS && plain)
    return;
  /* Only a controlled thread outside the shim's own calls, holding the turn
   * (not one parked, whose signal handler runs). */
  if (shim_busy() || !shim_sys_enter())
    return;
  int me = shim_self();
  if (shim.proc->routines[me].status != DARA_RS_RUNNING || !map_tables())
    return;
  /* Under racy, a plain access elsewhere is not even a location. Otherwise
   * the place comes after the location, as it always did: the order in
   * which a process meets its modules numbers them. */
  bool filter = points == DARA_POINTS_RACY && plain, racy = false;
  uint64_t code = filter ? pc_code(pc, &racy) : 0;
  if (filter && !racy)
    return;
  uint32_t id = 0;
  if (op != DARA_OP_FENCE && (id = location((uintptr_t)addr)) == 0)
    return;
  if (!filter)
    code = pc_code(pc, &racy);
  uint32_t bytes = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
  shim_point_at(op, id, bytes, code);
}
