/*
 * branches.c: the ways of conditional jumps, counted (branches.h).
 */
#include "sched/branches.h"

#include <capstone/capstone.h>
#include <stdbool.h>
#include <stdlib.h>

#define UNKNOWN UINT64_MAX

enum kind { PLAIN, COND, JUMP, END, INDIRECT };

struct insn {
  uint64_t addr, next; /* next: the address after it */
  uint64_t target;     /* COND, JUMP: where it jumps */
  enum kind kind;
  bool coverage; /* a call of the callback */
};

struct block {
  size_t first, last; /* its instructions */
  unsigned preds;     /* ways in: edges from blocks of the function, and the entry */
  uint64_t count;     /* UNKNOWN when it has no coverage call */
};

/* The index of the instruction at addr, or n. */
static size_t insn_at(const struct insn *in, size_t n, uint64_t addr) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (in[mid].addr < addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && in[lo].addr == addr ? lo : n;
}

static uint64_t site_hits(const struct branch_site *sites, size_t nsites, uint64_t call) {
  size_t lo = 0, hi = nsites;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sites[mid].call < call)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < nsites && sites[lo].call == call ? sites[lo].hits : UNKNOWN;
}

/* The function's instructions, classified; false when its bytes do not
 * all disassemble or it jumps indirectly (out of memory: *oom). */
static bool disassemble(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t callback,
                        struct insn **out, size_t *nout, bool *oom) {
  csh h;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
    return false;
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn *ci = NULL;
  size_t n = cs_disasm(h, code, hi - lo, lo, 0, &ci);
  bool ok = n > 0 && ci[n - 1].address + ci[n - 1].size == hi;
  struct insn *in = ok ? calloc(n, sizeof(*in)) : NULL;
  if (ok && !in)
    *oom = true;
  for (size_t i = 0; in && i < n; i++) {
    const cs_insn *c = &ci[i];
    const cs_x86 *x = &c->detail->x86;
    bool imm = x->op_count == 1 && x->operands[0].type == X86_OP_IMM;
    struct insn *d = &in[i];
    *d = (struct insn){.addr = c->address, .next = c->address + c->size, .kind = PLAIN};
    if (cs_insn_group(h, c, CS_GRP_JUMP)) {
      if (!imm) { /* through a register or memory: edges the code does not show */
        ok = false;
        break;
      }
      d->target = (uint64_t)x->operands[0].imm;
      d->kind = c->id == X86_INS_JMP ? JUMP : COND;
    } else if (cs_insn_group(h, c, CS_GRP_RET) || c->id == X86_INS_UD2 || c->id == X86_INS_HLT) {
      d->kind = END;
    } else if (cs_insn_group(h, c, CS_GRP_CALL) && imm &&
               (uint64_t)x->operands[0].imm == callback) {
      d->coverage = true;
    }
  }
  if (n)
    cs_free(ci, n);
  cs_close(&h);
  if (!ok) {
    free(in);
    return false;
  }
  *out = in;
  *nout = n;
  return true;
}

/* The blocks of the instructions, with their ways in and counts; *sound
 * false when a jump lands inside an instruction (the code is not what it
 * seems). */
static bool make_blocks(const struct insn *in, size_t n, uint64_t lo, uint64_t hi,
                        const struct branch_site *sites, size_t nsites, struct block **out,
                        size_t *nout, size_t **block_of, bool *sound) {
  bool *leader = calloc(n, sizeof(*leader));
  size_t *of = calloc(n, sizeof(*of));
  struct block *b = calloc(n, sizeof(*b));
  if (!leader || !of || !b) {
    free(leader);
    free(of);
    free(b);
    return false;
  }
  leader[0] = true;
  for (size_t i = 0; i < n; i++) {
    if (in[i].kind == PLAIN)
      continue;
    if (i + 1 < n)
      leader[i + 1] = true;
    if ((in[i].kind == COND || in[i].kind == JUMP) && in[i].target >= lo && in[i].target < hi) {
      size_t t = insn_at(in, n, in[i].target);
      if (t < n)
        leader[t] = true;
    }
  }
  size_t nb = 0;
  for (size_t i = 0; i < n; i++) {
    if (leader[i])
      b[nb++] = (struct block){.first = i, .count = UNKNOWN};
    b[nb - 1].last = i;
    of[i] = nb - 1;
    if (in[i].coverage && b[nb - 1].count == UNKNOWN)
      b[nb - 1].count = site_hits(sites, nsites, in[i].addr);
  }
  b[0].preds = 1; /* the function's callers */
  *sound = true;
  for (size_t k = 0; k < nb; k++) {
    const struct insn *last = &in[b[k].last];
    if ((last->kind == COND || last->kind == JUMP) && last->target >= lo && last->target < hi) {
      size_t t = insn_at(in, n, last->target);
      if (t < n)
        b[of[t]].preds++;
      else
        *sound = false;
    }
    if ((last->kind == PLAIN || last->kind == COND) && k + 1 < nb)
      b[k + 1].preds++;
  }
  free(leader);
  *out = b;
  *nout = nb;
  *block_of = of;
  return true;
}

/* The count of the way into the block at addr, when it is the block's only
 * way in; else UNKNOWN. */
static uint64_t way(const struct insn *in, size_t n, const struct block *b, const size_t *of,
                    uint64_t addr, uint64_t lo, uint64_t hi) {
  if (addr < lo || addr >= hi)
    return UNKNOWN;
  size_t i = insn_at(in, n, addr);
  if (i == n || b[of[i]].first != i || b[of[i]].preds != 1)
    return UNKNOWN;
  return b[of[i]].count;
}

int branches_of_function(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t callback,
                         const struct branch_site *sites, size_t nsites,
                         void (*out)(void *ctx, const struct branch_count *b), void *ctx) {
  struct insn *in = NULL;
  size_t n = 0, nb = 0, *of = NULL;
  struct block *b = NULL;
  bool oom = false, sound;
  if (hi <= lo || !disassemble(code, lo, hi, callback, &in, &n, &oom))
    return oom ? -1 : 0;
  if (!make_blocks(in, n, lo, hi, sites, nsites, &b, &nb, &of, &sound)) {
    free(in);
    return -1;
  }
  for (size_t k = 0; k < nb && sound; k++) {
    const struct insn *j = &in[b[k].last];
    if (j->kind != COND || j->target == j->next)
      continue;
    uint64_t taken = way(in, n, b, of, j->target, lo, hi);
    uint64_t not_taken = way(in, n, b, of, j->next, lo, hi);
    uint64_t ran = b[k].count;
    if (taken == UNKNOWN && not_taken == UNKNOWN)
      continue;
    if (ran == UNKNOWN) {
      if (taken == UNKNOWN || not_taken == UNKNOWN)
        continue;
      ran = taken + not_taken;
    } else if (taken == UNKNOWN) {
      if (not_taken > ran)
        continue;
      taken = ran - not_taken;
    } else if (not_taken == UNKNOWN) {
      if (taken > ran)
        continue;
      not_taken = ran - taken;
    }
    if (taken + not_taken != ran) /* the counts do not add up: say nothing */
      continue;
    out(ctx, &(struct branch_count){
                 .addr = j->addr, .ran = ran, .taken = taken, .not_taken = not_taken});
  }
  free(in);
  free(b);
  free(of);
  return 0;
}
