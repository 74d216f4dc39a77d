/*
 * strategy.c: the exploration strategies. See strategy.h for what each does.
 *
 * Choices at a point are always taken from the same ordering of the
 * candidates: the default first (the thread that ran last, if it can go on,
 * else the next one after it in (process, routine) order), then the others
 * in order. The program is deterministic under a fixed schedule, so a choice
 * index at a given prefix names the same thread in every execution; that is
 * what lets dfs and pb resume a prefix.
 */
#include "sched/strategy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/region.h"
#include "sched/cli.h"
#include "sched/covfuzz.h"
#include "sched/dpor.h"
#include "sched/event.h"
#include "sched/faults.h"

enum kind { S_DFS, S_RANDOM, S_PCT, S_PB, S_MIX, S_RR, S_DPOR, S_COV };

struct level {
  uint32_t n;      /* options at this point */
  uint32_t choice; /* option taken */
};

#define MAX_LEVELS (1u << 20)
#define NTHREADS (DARA_MAX_PROCS * DARA_MAX_ROUTINES)

struct strategy {
  enum kind kind;
  uint64_t seed;
  unsigned depth, pct_depth;
  unsigned dpor_bound; /* dpor's preemption bound, UINT_MAX: none */
  uint64_t executions;
  char desc[64];

  /* dfs and pb: the choice stack of the current prefix */
  struct level *levels;
  uint32_t nlevels, cap;
  uint32_t pos; /* choice points passed in this execution */
  bool exhausted;
  unsigned bound;     /* pb: current preemption bound */
  unsigned preempted; /* pb: preemptions in this execution */

  /* random and pct */
  struct rng rng;
  enum kind current;    /* mix: what this execution uses */
  unsigned d;           /* pct depth of this execution */
  uint64_t step;        /* pct: steps in this execution */
  uint64_t change[8];   /* pct: the d-1 change points */
  uint64_t calibration; /* pct: the steps of execution 0, to spread change points
                           over (0: not known yet) */
  uint64_t *prio;       /* pct: priority per thread, 0 = not seen yet */

  /* dpor: the explorer; any other with traces: an observer (dpor.h) */
  struct dpor *dpor;
  FILE *traces;               /* each execution's trace in Foata normal form, or NULL */
  bool muted;                 /* the current execution writes no trace */
  struct dpor_claims *claims; /* dpor's workers' shared claims (strategy_share) */

  /* cov: the fuzzer, and what the current execution reached first */
  struct covfuzz *fuzz;
  uint64_t reward;

  /* faults (strategy.h) */
  unsigned faults, max_faults;
  struct rng fault_rng;                  /* random, pct, mix: the draws of faults */
  uint64_t fault_after[16];              /* ... the steps before each planned fault, ascending */
  unsigned nplanned, next_fault;         /* planned for this execution, injected so far */
  uint64_t recover_at[DARA_FAULT_COUNT]; /* ... the steps before the next recovery of
                                               each kind (restart, heal, deliver) */
  uint32_t fault_passed; /* dfs, pb: 1 + the thread choice the fault hook took at this
                            point (a level), for choose; 0: none */

  /* dfs with branch snapshots (strategy_set_branching): the levels below
   * floor are another process's to vary (this one runs the subtree under
   * them); branch is 1 + the choice the session gave the next new level
   * (policy.branch_taken), 0: none */
  bool branching;
  uint32_t floor;
  uint32_t branch;

  /* dfs and pb as shard `shard` of `shards` (strategy_set_shard) */
  uint64_t shard, shards;
  bool foreign; /* the last execution is another shard's */
};

/* The choice points whose choices say which shard owns an execution. */
#define SPLIT_LEVELS 3

/* ---- the default ordering ---- */

/* The candidate index of option k in the default-first ordering. */
static size_t option(size_t k, size_t def) {
  if (k == 0)
    return def;
  return k <= def ? k - 1 : k;
}

/* ---- dfs and pb: a resumable choice stack ---- */

static uint32_t level_choice(struct strategy *s, uint32_t n) {
  if (s->pos < s->nlevels) {
    struct level *l = &s->levels[s->pos++];
    if (l->choice >= n) /* the program did not behave as before */
      l->choice = n - 1;
    l->n = n;
    return l->choice;
  }
  if (s->nlevels == s->cap) {
    uint32_t cap = s->cap ? s->cap * 2 : 256;
    if (cap > MAX_LEVELS)
      return 0;
    struct level *l = realloc(s->levels, cap * sizeof(*l));
    if (!l)
      return 0;
    s->levels = l;
    s->cap = cap;
  }
  s->levels[s->nlevels++] = (struct level){.n = n, .choice = 0};
  s->pos++;
  return 0;
}

/* ---- dfs and pb in shards ----
 * An execution is owned by one shard, by its choices at the first
 * SPLIT_LEVELS choice points (all of them when it has fewer): every shard
 * walks the same tree in the same order and counts the executions it
 * owns. Once the stack fixes the first SPLIT_LEVELS choices, the whole
 * subtree under them is another shard's or this one's, and another's is
 * skipped without running it; only executions whose first choices are not
 * fixed yet are run to find out (and, another's, not counted). */

static unsigned split_levels(const struct strategy *s) {
  return s->kind == S_DFS && s->depth < SPLIT_LEVELS ? s->depth : SPLIT_LEVELS;
}

static uint64_t owner(const struct strategy *s, uint32_t levels) {
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (uint32_t i = 0; i < levels; i++) {
    h = (h ^ (s->levels[i].choice + 1)) * 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return h % s->shards;
}

/* Moves the stack to the next prefix; false when there is none. */
static bool backtrack(struct strategy *s) {
  while (s->nlevels > s->floor &&
         s->levels[s->nlevels - 1].choice + 1 >= s->levels[s->nlevels - 1].n)
    s->nlevels--;
  if (s->nlevels <= s->floor)
    return false;
  s->levels[s->nlevels - 1].choice++;
  return true;
}

/* backtrack, then past the subtrees of other shards. */
static bool next_prefix(struct strategy *s) {
  if (!backtrack(s))
    return false;
  unsigned m = split_levels(s);
  while (s->shards > 1 && m > 0 && s->nlevels >= m && owner(s, m) != s->shard) {
    s->nlevels = m;
    if (!backtrack(s))
      return false;
  }
  return true;
}

/* dfs and pb at a new level of n options whose branch the session chose
 * (branch snapshots): recorded as that level's choice; the branches after
 * it are another process's, so this one does not backtrack above it. */
static uint32_t take_branch(struct strategy *s, uint32_t n) {
  uint32_t k = s->branch - 1 < n ? s->branch - 1 : 0;
  s->branch = 0;
  (void)level_choice(s, n);
  s->levels[s->pos - 1].choice = k;
  if (k + 1 < n)
    s->floor = s->pos;
  return k;
}

static int choose_dfs(struct strategy *s, const struct candidate *c, size_t n, unsigned lp,
                      unsigned lr) {
  size_t def = policy_default_index(c, n, lp, lr);
  if (s->fault_passed) { /* the fault hook took this point's level: no fault */
    uint32_t k = s->fault_passed - 1;
    s->fault_passed = 0;
    return (int)option(k < n ? k : 0, def);
  }
  if (n == 1 || s->pos >= s->depth)
    return (int)def;
  if (s->branch)
    return (int)option(take_branch(s, (uint32_t)n), def);
  return (int)option(level_choice(s, (uint32_t)n), def);
}

/* pb: the threads that may run at this point (all n, or only the default
 * when switching away from the last thread would exceed the bound). */
static size_t pb_options(const struct strategy *s, const struct candidate *c, size_t n, unsigned lp,
                         unsigned lr, size_t def) {
  bool last_can_go_on = c[def].proc == lp && c[def].routine == lr;
  /* Switching away from a thread that could go on costs a preemption. */
  return last_can_go_on && s->preempted >= s->bound ? 1 : n;
}

/* Branch snapshots: dfs at a new level within the depth, pb at a new
 * level with more than one option; dpor where dpor_branch_point says. */
static unsigned branches(struct policy *p, const struct candidate *c, size_t n, unsigned lp,
                         unsigned lr) {
  struct strategy *s = p->ctx;
  if (s->current == S_PB) {
    if (n < 2 || s->pos < s->nlevels || s->fault_passed || s->nlevels >= MAX_LEVELS)
      return 0;
    size_t options = pb_options(s, c, n, lp, lr, policy_default_index(c, n, lp, lr));
    return options > 1 ? (unsigned)options : 0;
  }
  if (s->current == S_DPOR)
    return n > 1 && dpor_branch_point(s->dpor, p->branch_soon) ? POLICY_BRANCHES_OPEN : 0;
  return s->current == S_DFS && n > 1 && s->pos < s->depth && s->pos >= s->nlevels &&
                 !s->fault_passed && s->nlevels < MAX_LEVELS
             ? (unsigned)n
             : 0;
}

static void branch_taken(struct policy *p, int k, unsigned n) {
  struct strategy *s = p->ctx;
  if (s->current == S_DPOR) {
    if (k == POLICY_BRANCH_DONE)
      dpor_branch_done(s->dpor);
    else if (k >= 0)
      dpor_branch_child(s->dpor, (unsigned)k);
    return;
  }
  s->branch = k >= 0 && (unsigned)k < n ? (uint32_t)k + 1 : 0;
}

static bool branch_more(struct policy *p) {
  struct strategy *s = p->ctx;
  return s->current == S_DPOR && dpor_branch_more(s->dpor);
}

static int choose_pb(struct strategy *s, const struct candidate *c, size_t n, unsigned lp,
                     unsigned lr) {
  size_t def = policy_default_index(c, n, lp, lr);
  bool last_can_go_on = c[def].proc == lp && c[def].routine == lr;
  size_t options = pb_options(s, c, n, lp, lr, def);
  uint32_t k;
  if (s->fault_passed) { /* the fault hook took this point's level: no fault */
    k = s->fault_passed - 1 < options ? s->fault_passed - 1 : 0;
    s->fault_passed = 0;
  } else if (options == 1) {
    return (int)def;
  } else if (s->branch) {
    k = take_branch(s, (uint32_t)options);
  } else {
    k = level_choice(s, (uint32_t)options);
  }
  if (k > 0 && last_can_go_on)
    s->preempted++;
  return (int)option(k, def);
}

/* ---- rr ---- */

/* The thread that ran last if it can go on, else the next one after it in
 * (process, routine) order. Unlike policy_default_index it looks for the last
 * thread among all candidates: with timers that may fire early, those come
 * after the runnable ones, out of order. */
static int choose_rr(const struct candidate *c, size_t n, unsigned last_proc,
                     unsigned last_routine) {
  unsigned last = last_proc << 16 | last_routine;
  int next = -1;
  for (size_t i = 0; i < n; i++) {
    unsigned key = (unsigned)c[i].proc << 16 | c[i].routine;
    if (key == last)
      return (int)i;
    if (key > last && next < 0)
      next = (int)i;
  }
  return next >= 0 ? next : 0;
}

/* ---- random and pct ---- */

static int choose_random(struct strategy *s, const struct candidate *c, size_t n, unsigned lp,
                         unsigned lr) {
  (void)c;
  (void)lp;
  (void)lr;
  return (int)rng_below(&s->rng, n);
}

static uint64_t *prio_of(struct strategy *s, const struct candidate *c) {
  return &s->prio[(size_t)c->proc * DARA_MAX_ROUTINES + c->routine];
}

static size_t highest(struct strategy *s, const struct candidate *c, size_t n) {
  size_t best = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t *p = prio_of(s, &c[i]);
    if (*p == 0) /* first sight: a random priority above every lowered one */
      *p = ((uint64_t)(s->d + 1) << 40) | (rng_next(&s->rng) & ((1ull << 40) - 1));
    if (*p > *prio_of(s, &c[best]))
      best = i;
  }
  return best;
}

static int choose_pct(struct strategy *s, const struct candidate *c, size_t n, unsigned lp,
                      unsigned lr) {
  (void)lp;
  (void)lr;
  s->step++;
  size_t best = highest(s, c, n);
  for (unsigned j = 0; j + 1 < s->d && j < 8; j++) {
    if (s->change[j] == s->step) {
      *prio_of(s, &c[best]) = s->d - 1 - j; /* drop below every initial priority */
      best = highest(s, c, n);
    }
  }
  return (int)best;
}

/* ---- faults (strategy.h) ---- */

/* dfs and pb: the point's level has the thread choices (n, or pb's
 * options), then one per fault; a fault costs pb no preemption. */
static int fault_tree(struct strategy *s, size_t nopts, const struct candidate *c, size_t n,
                      unsigned lp, unsigned lr) {
  if (s->kind == S_DFS && s->pos >= s->depth)
    return n == 0 ? 0 : -1; /* nothing else can run: the first restart */
  if (s->kind == S_PB && n > 0)
    n = pb_options(s, c, n, lp, lr, policy_default_index(c, n, lp, lr));
  uint32_t k = level_choice(s, (uint32_t)(n + nopts));
  if (k < n) {
    s->fault_passed = k + 1;
    return -1;
  }
  return (int)(k - n);
}

/* random, pct, mix: the faults planned in strategy_begin (each a crash, a
 * reset, a partition, a drop or a delay, drawn among those offered then).
 * Each is followed by its recovery when there is one (a crash by a
 * restart, a partition by the heal, a delay by the delivery), after a
 * number of steps drawn up to half of execution 0's length, so that some
 * come before the others notice and some too late; at once when nothing
 * else can run (n == 0). */
static int fault_planned(struct strategy *s, const struct fault_option *opts, size_t nopts,
                         size_t n, uint64_t steps) {
  for (size_t i = 0; i < nopts; i++) {
    unsigned kind = opts[i].kind;
    if (!(FAULTS_COUNTED >> kind & 1) && (steps >= s->recover_at[kind] || n == 0)) {
      s->recover_at[kind] = UINT64_MAX;
      return (int)i;
    }
  }
  if (s->next_fault >= s->nplanned || steps < s->fault_after[s->next_fault])
    return -1;
  s->next_fault++;
  size_t ncounted = 0; /* crashes, resets, partitions */
  for (size_t i = 0; i < nopts; i++)
    ncounted += FAULTS_COUNTED >> opts[i].kind & 1;
  if (ncounted == 0)
    return -1; /* nothing to fault now: this one is not injected */
  uint64_t k = rng_below(&s->fault_rng, ncounted);
  uint64_t len = s->calibration ? s->calibration : 100;
  for (size_t i = 0; i < nopts; i++)
    if ((FAULTS_COUNTED >> opts[i].kind & 1) && k-- == 0) {
      unsigned recovery = faults_recovery(opts[i].kind);
      if (recovery)
        s->recover_at[recovery] = steps + 1 + rng_below(&s->fault_rng, len / 2 + 1);
      return (int)i;
    }
  return -1;
}

static int fault(struct policy *p, const struct fault_option *opts, size_t nopts,
                 const struct candidate *c, size_t n, unsigned lp, unsigned lr, uint64_t steps) {
  struct strategy *s = p->ctx;
  if (s->kind == S_DFS || s->kind == S_PB)
    return fault_tree(s, nopts, c, n, lp, lr);
  return fault_planned(s, opts, nopts, n, steps);
}

static void plan_faults(struct strategy *s) {
  s->nplanned = s->next_fault = 0;
  s->fault_passed = 0;
  for (unsigned k = 0; k < DARA_FAULT_COUNT; k++)
    s->recover_at[k] = UINT64_MAX;
  if (!s->faults || s->kind == S_DFS || s->kind == S_PB || s->executions == 0)
    return; /* execution 0 runs without: it calibrates */
  rng_seed(&s->fault_rng,
           (s->seed ^ 0xFA17FA17FA17FA17ull) + s->executions * 0xD1B54A32D192ED03ull);
  unsigned max = s->max_faults < 16 ? s->max_faults : 16;
  s->nplanned = 1 + (unsigned)rng_below(&s->fault_rng, max);
  uint64_t len = s->calibration ? s->calibration : 100;
  for (unsigned i = 0; i < s->nplanned; i++) {
    uint64_t at = rng_below(&s->fault_rng, len), *f = s->fault_after;
    unsigned j = i;
    for (; j > 0 && f[j - 1] > at; j--)
      f[j] = f[j - 1];
    f[j] = at;
  }
}

/* ---- the policy seen by the session ---- */

static int choose_one(struct strategy *s, const struct candidate *c, size_t n, unsigned lp,
                      unsigned lr) {
  switch (s->current) {
  case S_DPOR:
    return dpor_choose(s->dpor, c, n, lp, lr);
  case S_DFS:
    return choose_dfs(s, c, n, lp, lr);
  case S_PB:
    return choose_pb(s, c, n, lp, lr);
  case S_PCT:
    return choose_pct(s, c, n, lp, lr);
  case S_RR:
    return choose_rr(c, n, lp, lr);
  case S_COV: {
    size_t def = policy_default_index(c, n, lp, lr);
    return n == 1 ? (int)def : (int)option(covfuzz_choose(s->fuzz, &s->rng, (uint32_t)n), def);
  }
  default:
    return choose_random(s, c, n, lp, lr);
  }
}

static int choose(struct policy *p, const struct candidate *c, size_t n, unsigned lp, unsigned lr) {
  struct strategy *s = p->ctx;
  int k = choose_one(s, c, n, lp, lr);
  if (s->dpor && s->kind != S_DPOR && k >= 0 && (size_t)k < n)
    dpor_chosen(s->dpor, &c[k]);
  return k;
}

static void event(struct policy *p, const struct dara_event *ev) {
  struct strategy *s = p->ctx;
  dpor_event(s->dpor, ev);
}

/* A recycled slot is a new thread: it gets a priority of its own at first
 * sight, not its predecessor's. */
static void thread_new(struct policy *p, unsigned proc, unsigned routine) {
  struct strategy *s = p->ctx;
  if (s->prio && proc < DARA_MAX_PROCS && routine < DARA_MAX_ROUTINES)
    s->prio[(size_t)proc * DARA_MAX_ROUTINES + routine] = 0;
}

/* ---- leases: the choices already known (policy.h) ---- */

/* dfs and pb from choice point pos on: each level either replays a choice
 * of the prefix (0 is the default, the thread that ran last) or is new,
 * and a new one takes option 0. */
static uint32_t lease_levels(const struct strategy *s, uint32_t pos, uint32_t limit, uint32_t max) {
  uint32_t k = 0;
  for (; k < max; k++, pos++) {
    if (pos >= limit)
      return max;
    if (pos < s->nlevels && s->levels[pos].choice != 0)
      break;
    if (s->branching && pos >= s->nlevels)
      break; /* a new level branches: the session must see it */
  }
  return k;
}

/* PCT: the highest-priority thread keeps running until the next change
 * point lowers it; random: the generator's next draws, on a copy. */
static uint32_t lease_pct(const struct strategy *s, uint32_t max) {
  uint64_t k = max;
  for (unsigned j = 0; j + 1 < s->d && j < 8; j++)
    if (s->change[j] > s->step && s->change[j] - s->step - 1 < k)
      k = s->change[j] - s->step - 1;
  return (uint32_t)k;
}

static uint32_t lease_random(const struct strategy *s, size_t n, size_t chosen, uint32_t max) {
  struct rng copy = s->rng;
  uint32_t k = 0;
  while (k < max && rng_below(&copy, n) == chosen)
    k++;
  return k;
}

/* With the chosen thread last to run, policy_default_index is the chosen one. */
static uint32_t lease(struct policy *p, const struct candidate *c, size_t n, size_t chosen,
                      uint32_t max) {
  struct strategy *s = p->ctx;
  (void)c;
  if (n == 0 || chosen >= n)
    return 0;
  switch (s->current) {
  case S_DFS:
    return n == 1 ? max : lease_levels(s, s->pos, s->depth, max);
  case S_PB:
    return n == 1 || s->preempted >= s->bound ? max : lease_levels(s, s->pos, UINT32_MAX, max);
  case S_PCT:
    return lease_pct(s, max);
  case S_RR:
    return max;
  case S_DPOR:
    return dpor_lease(s->dpor, max, p->branch_soon);
  case S_COV:
    return n == 1 ? max : covfuzz_lease(s->fuzz, max);
  default:
    return lease_random(s, n, chosen, max);
  }
}

/* Plans (policy.h): rr and dfs and pb past their prefix's choices take the
 * default; random its generator's next draws; pct its highest priority
 * until the next change point (a step counts whatever the candidates);
 * dpor the threads of its replayed prefix. The shim counts a choice at
 * every step with several candidates; dfs and pb take a level at fewer of
 * them (dfs past its depth, pb where the last thread goes on at its
 * bound), so the plan ends no later than their default choices do. pb at
 * its bound still takes a level where the last thread cannot go on. */
static unsigned plan(struct policy *p, unsigned proc, uint32_t max, struct policy_plan *out) {
  struct strategy *s = p->ctx;
  switch (s->current) {
  case S_PCT: /* the priorities stay until the next change point */
    if (proc >= DARA_MAX_PROCS)
      return DARA_PLAN_NONE;
    out->choices = lease_pct(s, max);
    memcpy(out->prio, &s->prio[(size_t)proc * DARA_MAX_ROUTINES], sizeof(out->prio));
    return out->choices ? DARA_PLAN_PRIORITY : DARA_PLAN_NONE;
  case S_RR:
    out->choices = max;
    return DARA_PLAN_DEFAULT;
  case S_DFS:
    out->choices = lease_levels(s, s->pos, s->depth, max);
    return DARA_PLAN_DEFAULT;
  case S_PB:
    out->choices = lease_levels(s, s->pos, UINT32_MAX, max);
    return DARA_PLAN_DEFAULT;
  case S_RANDOM:
    memcpy(out->rng, s->rng.s, sizeof(s->rng.s));
    out->choices = max;
    return DARA_PLAN_RANDOM;
  case S_DPOR: /* its replayed prefix; past it, its sleep sets decide */
    out->len = dpor_plan(s->dpor, proc, out->list,
                         max < DARA_PLAN_LIST_LEN ? max : DARA_PLAN_LIST_LEN, p->branch_soon);
    return out->len ? DARA_PLAN_LIST : DARA_PLAN_NONE;
  default: /* cov's mutations: its own */
    return DARA_PLAN_NONE;
  }
}

static void start_pct(struct strategy *s, unsigned d) {
  s->d = d;
  s->step = 0;
  memset(s->prio, 0, NTHREADS * sizeof(*s->prio));
  uint64_t k = s->calibration > 0 ? s->calibration : 100;
  for (unsigned j = 0; j + 1 < d && j < 8; j++)
    s->change[j] = 1 + rng_below(&s->rng, k);
}

bool strategy_begin(struct strategy *s, struct policy *p) {
  if (s->exhausted)
    return false;
  if (s->dpor && !dpor_begin(s->dpor)) {
    s->exhausted = true;
    return false;
  }
  /* Every execution gets its own generator state from (seed, index). */
  rng_seed(&s->rng, s->seed ^ (s->executions * 0x9E3779B97F4A7C15ull));
  s->pos = 0;
  s->preempted = 0;
  s->current = s->kind;
  if (s->kind == S_MIX) {
    unsigned turn = (unsigned)(s->executions % 4);
    s->current = turn == 3 ? S_RANDOM : S_PCT;
    if (s->current == S_PCT)
      start_pct(s, turn + 1);
  } else if (s->kind == S_PCT) {
    start_pct(s, s->pct_depth);
  } else if (s->kind == S_COV) {
    s->reward = 0;
    covfuzz_begin(s->fuzz, &s->rng);
  }
  plan_faults(s);
  memset(p, 0, sizeof(*p));
  p->name = strategy_describe(s);
  p->choose = choose;
  p->thread_new = thread_new;
  p->lease = lease;
  p->plan = plan;
  p->event = s->dpor ? event : NULL;
  p->fault = s->faults ? fault : NULL;
  if (s->branching) {
    p->branches = branches;
    p->branch_taken = branch_taken;
    p->branch_more = branch_more;
  }
  p->ctx = s;
  return true;
}

bool strategy_seekable(const struct strategy *s) {
  return s->kind != S_DFS && s->kind != S_PB && s->kind != S_DPOR && s->kind != S_COV;
}

bool strategy_redundant(const struct strategy *s) {
  return s->kind == S_DPOR && dpor_redundant(s->dpor);
}

bool strategy_proves(const struct strategy *s) { return s->kind == S_DPOR; }

unsigned strategy_bound(const struct strategy *s) {
  return s->kind == S_DPOR ? s->dpor_bound : UINT_MAX;
}

const struct dpor_stats *strategy_dpor_stats(const struct strategy *s) {
  return s->kind == S_DPOR ? dpor_stats(s->dpor) : NULL;
}

void strategy_seek(struct strategy *s, uint64_t idx) { s->executions = idx; }

bool strategy_splits(const struct strategy *s) { return s->kind == S_DPOR; }

bool strategy_share(struct strategy *s) {
  if (s->kind != S_DPOR)
    return false;
  if (!s->claims)
    s->claims = dpor_claims_new();
  dpor_set_claims(s->dpor, s->claims);
  return s->claims != NULL;
}

bool strategy_split(struct strategy *s, void **task, size_t *len) {
  return s->kind == S_DPOR && dpor_split(s->dpor, task, len);
}

bool strategy_adopt(struct strategy *s, const void *task, size_t len) {
  if (s->kind != S_DPOR || !dpor_adopt(s->dpor, task, len))
    return false;
  s->exhausted = false;
  return true;
}

/* pb's description names the bound it is at. */
static void describe_pb(struct strategy *s) {
  snprintf(s->desc, sizeof(s->desc), "pb bound %u of %u", s->bound, s->depth);
}

void strategy_end(struct strategy *s, uint64_t steps) {
  if (s->kind == S_DFS || s->kind == S_PB) {
    s->nlevels = s->pos < s->nlevels ? s->pos : s->nlevels;
    unsigned m = split_levels(s);
    s->foreign = s->shards > 1 && owner(s, s->nlevels < m ? s->nlevels : m) != s->shard;
  }
  if (s->dpor) {
    dpor_end(s->dpor);
    if (s->traces && !s->muted && !s->foreign && !dpor_redundant(s->dpor)) {
      dpor_write_foata(s->dpor, s->traces);
      fflush(s->traces); /* a line per write (explore's workers share the file) */
    }
  }
  if (s->kind == S_DPOR && dpor_redundant(s->dpor))
    return; /* not an execution of its own: the same trace as an earlier one */
  if (s->executions == 0)
    s->calibration = steps;
  s->executions++;
  if (s->kind == S_COV)
    covfuzz_end(s->fuzz, s->reward);
  if (s->kind == S_DFS) {
    if (!next_prefix(s))
      s->exhausted = true;
  } else if (s->kind == S_PB) {
    if (!next_prefix(s)) {
      /* A branch's process (branch snapshots) ran its subtree at this
       * bound; the process that holds the root goes on to the next. */
      if (s->bound >= s->depth || s->floor > 0) {
        s->exhausted = true;
      } else {
        s->bound++;
        s->nlevels = 0;
      }
    }
    describe_pb(s);
  }
}

void strategy_reward(struct strategy *s, uint64_t fresh) { s->reward += fresh; }

void strategy_mute(struct strategy *s, bool muted) { s->muted = muted; }

bool strategy_set_shard(struct strategy *s, uint64_t index, uint64_t count) {
  if (s->kind != S_DFS && s->kind != S_PB)
    return false;
  s->shard = index;
  s->shards = count;
  return true;
}

bool strategy_foreign(const struct strategy *s) { return s->foreign; }

bool strategy_set_branching(struct strategy *s) {
  if ((s->kind != S_DFS && s->kind != S_PB && s->kind != S_DPOR) || s->shards > 1 || s->faults)
    return false;
  s->branching = true;
  if (s->kind == S_DPOR)
    dpor_set_branching(s->dpor);
  return true;
}

unsigned strategy_pb_bound(const struct strategy *s) {
  return s->kind == S_PB ? s->bound : UINT_MAX;
}

void strategy_pb_follow(struct strategy *s, unsigned bound) {
  if (s->kind != S_PB || bound > s->depth)
    return;
  s->bound = bound;
  describe_pb(s);
}

bool strategy_report(const struct strategy *s, void **report, size_t *len) {
  return s->kind == S_DPOR && dpor_report(s->dpor, report, len);
}

bool strategy_take_report(struct strategy *s, const void *report, size_t len) {
  return s->kind == S_DPOR && dpor_take_report(s->dpor, report, len);
}

bool strategy_calibrated(const struct strategy *s) {
  bool needs =
      s->kind == S_PCT || s->kind == S_MIX || (s->faults && s->kind != S_DFS && s->kind != S_PB);
  return !needs || s->calibration > 0;
}

size_t strategy_corpus(const struct strategy *s) {
  return s->kind == S_COV ? covfuzz_corpus(s->fuzz) : 0;
}

const char *strategy_describe(const struct strategy *s) { return s->desc; }

double strategy_progress(const struct strategy *s) {
  if (s->kind != S_DFS && s->kind != S_PB)
    return -1;
  if (s->exhausted)
    return 1;
  /* The share of the tree left of the current prefix. */
  double done = 0, width = 1;
  for (uint32_t i = 0; i < s->nlevels; i++) {
    width /= s->levels[i].n ? s->levels[i].n : 1;
    done += s->levels[i].choice * width;
  }
  return done;
}

struct strategy *strategy_new(const struct strategy_options *o, char *err, size_t err_len) {
  static const struct {
    const char *name;
    enum kind kind;
    bool record; /* one of record's policies, else one of explore's strategies */
  } names[] = {{"dfs", S_DFS, false}, {"random", S_RANDOM, false}, {"pct", S_PCT, false},
               {"pb", S_PB, false},   {"mix", S_MIX, false},       {"dpor", S_DPOR, false},
               {"cov", S_COV, false}, {"random", S_RANDOM, true},  {"rr", S_RR, true}};
  struct strategy *s = NULL;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if (names[i].record != o->record || strcmp(o->name, names[i].name) != 0)
      continue;
    s = calloc(1, sizeof(*s));
    if (!s) {
      snprintf(err, err_len, "out of memory");
      return NULL;
    }
    s->kind = names[i].kind;
    break;
  }
  if (!s) {
    if (o->record)
      snprintf(err, err_len, "unknown policy '%s' (random, rr)", o->name);
    else
      snprintf(err, err_len, "unknown strategy '%s' (dfs, random, pct, pb, mix, dpor, cov)",
               o->name);
    return NULL;
  }
  if (o->faults && (s->kind == S_DPOR || s->kind == S_COV)) {
    snprintf(err, err_len,
             "--faults: %s cannot inject faults (random, pct, mix, dfs and pb can: "
             "docs/faults.md)",
             o->name);
    free(s);
    return NULL;
  }
  s->faults = o->faults;
  s->max_faults = o->max_faults ? o->max_faults : 1;
  s->seed = o->seed;
  s->depth = o->depth;
  s->pct_depth = o->pct_depth < 1 ? 1 : o->pct_depth > 9 ? 9 : o->pct_depth;
  s->prio = calloc(NTHREADS, sizeof(*s->prio));
  s->traces = o->traces;
  if (s->kind == S_DPOR || s->traces)
    s->dpor = dpor_new(s->kind != S_DPOR);
  s->dpor_bound = o->bound;
  if (s->kind == S_DPOR && s->dpor)
    dpor_set_bound(s->dpor, o->bound == UINT_MAX ? UINT32_MAX : o->bound);
  if (s->kind == S_COV)
    s->fuzz = covfuzz_new();
  if (!s->prio || ((s->kind == S_DPOR || s->traces) && !s->dpor) ||
      (s->kind == S_COV && !s->fuzz)) {
    covfuzz_free(s->fuzz);
    dpor_free(s->dpor);
    free(s->prio);
    free(s);
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  switch (s->kind) {
  case S_DFS:
    snprintf(s->desc, sizeof(s->desc), "dfs depth %u", s->depth);
    break;
  case S_PB:
    describe_pb(s); /* bound 0 */
    break;
  case S_PCT:
    snprintf(s->desc, sizeof(s->desc), "pct d=%u", s->pct_depth);
    break;
  case S_RANDOM:
    snprintf(s->desc, sizeof(s->desc), "random");
    break;
  case S_MIX:
    snprintf(s->desc, sizeof(s->desc), "mix of pct d=1..3 and random");
    break;
  case S_RR:
    snprintf(s->desc, sizeof(s->desc), "rr");
    break;
  case S_COV:
    snprintf(s->desc, sizeof(s->desc), "cov");
    break;
  case S_DPOR:
    if (s->dpor_bound == UINT_MAX)
      snprintf(s->desc, sizeof(s->desc), "dpor");
    else
      snprintf(s->desc, sizeof(s->desc), "dpor, at most %u preemption%s", s->dpor_bound,
               plural(s->dpor_bound));
    break;
  }
  return s;
}

void strategy_free(struct strategy *s) {
  if (!s)
    return;
  free(s->levels);
  free(s->prio);
  dpor_free(s->dpor);
  dpor_claims_free(s->claims);
  covfuzz_free(s->fuzz);
  free(s);
}
