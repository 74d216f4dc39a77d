/*
 * branches: how often each way of a conditional jump was taken, told from
 * the counts of the blocks of a dara-cc build (coverage.h) and the
 * function's machine code, for lcov's BRDA records (lcov.c).
 *
 * The block counts are counts of blocks, not of edges. An edge's count is
 * known exactly when the block it leads to has no other way in: then it is
 * that block's count. So the function's code is disassembled (x86-64, with
 * capstone) into its control-flow graph: blocks start at the entry, at
 * jump targets and after jumps and returns; each block's count is that of
 * the first coverage call in it. For a conditional jump, each way whose
 * block has one predecessor has that block's count; when only one way is
 * known, the other is the jump's block count less it. A jump where neither
 * way is known (both lead to blocks with other ways in: gcc does not split
 * such edges, clang with no-prune does) is left out, and so is every jump
 * of a function with an indirect jump (a switch table: its edges are not
 * in the code) or whose bytes do not disassemble. Nothing is estimated.
 */
#ifndef DARA_SCHED_BRANCHES_H
#define DARA_SCHED_BRANCHES_H

#include <stddef.h>
#include <stdint.h>

/* A coverage call of the function: its address and how often it ran. */
struct branch_site {
  uint64_t call;
  uint64_t hits;
};

/* A conditional jump whose two ways are known. */
struct branch_count {
  uint64_t addr;  /* the jump instruction */
  uint64_t ran;   /* times the jump was reached */
  uint64_t taken; /* ... and jumped */
  uint64_t not_taken;
};

/* Reads the x86-64 code of a function, code[0..hi-lo) at address lo, whose
 * coverage calls (calls of `callback`) are sites[0..nsites), sorted by
 * address, and calls out once per conditional jump whose ways it can
 * count, in address order. Returns 0, or -1 when out of memory. */
int branches_of_function(const uint8_t *code, uint64_t lo, uint64_t hi, uint64_t callback,
                         const struct branch_site *sites, size_t nsites,
                         void (*out)(void *ctx, const struct branch_count *b), void *ctx);

#endif
