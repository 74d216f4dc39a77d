/*
 * lcov: an lcov tracefile (what genhtml reads) from block coverage.
 *
 * A program built with -fsanitize-coverage=trace-pc calls
 * __sanitizer_cov_trace_pc at the start of each basic block;
 * dara's runtime reports each block executed as its module and the call's
 * return address minus one, relative to the module's load base (dladdr's
 * dli_fbase), as srcloc.h takes offsets. Here those blocks become lines,
 * from the module's own ELF file and DWARF, read with elfutils (the module
 * as srcloc keeps it open):
 *
 *  - the blocks: every call to __sanitizer_cov_trace_pc in the executable
 *    sections (x86-64 `call rel32` whose target is that symbol, a byte
 *    scan: no disassembler), so blocks never executed are known too, and
 *    the blocks given (on other machines, or without the symbol, only
 *    those). A block's count is the sum of the hits given for it;
 *  - the functions: the DWARF subprograms' address ranges;
 *  - the lines: each row of the line tables belongs to the block whose call
 *    is the last at or before the row's address in the row's function (a
 *    row before the function's first call, the prologue, to its first
 *    block). Rows of functions without a call (not instrumented), of line
 *    0 and of the system's headers (/usr/include, /usr/lib,
 *    /usr/local/include) are not lines of the report.
 *
 * A line's count is the most of its rows' blocks within one function (one
 * copy of the code: a line split over blocks ran as often as its busiest
 * block), summed over the functions it has rows in (copies of it,
 * inlined or in several modules, run separately). A function's count
 * (FNDA) is its entry block's: calls, unless a loop goes back to that very
 * block. A file in several CUs or modules is one record.
 *
 * Counts are exact when every block starts with the call, as gcc's
 * blocks do; clang leaves out the calls of blocks whose execution others
 * imply unless built with -fsanitize-coverage=trace-pc,no-prune, and such
 * a block's lines would take the count of the block before it. With
 * optimization, a line is as exact as the line table: an instruction the
 * compiler moved into another block counts with that block.
 *
 * Branch records (BRDA): for each conditional jump of an instrumented
 * x86-64 function whose two ways branches.h can count exactly from the
 * blocks' counts and the function's control-flow graph (capstone reads
 * the machine code); a jump it cannot count is left out. The jump's
 * number on its line is BRDA's block, 0 its taken way, 1 the other.
 *
 * Module paths are untrusted (the program's shared memory): srcloc opens
 * them read-only through modfile.h (only files it admits), and a module it
 * cannot read or without DWARF is left out. The test name is written with
 * lcov's characters only: letters, digits, and _ for any other.
 */
#ifndef DARA_SCHED_LCOV_H
#define DARA_SCHED_LCOV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cov_block {
  const char *module; /* path of the ELF file (executable or shared object) */
  /* the coverage callback's return address minus one, relative to the module's load base */
  uint64_t offset;
  uint64_t hits; /* times executed, summed over executions; 0 is allowed (not executed) */
};

struct lcov_totals {
  uint64_t lines_found, lines_hit;         /* DA lines written, and those with count > 0 */
  uint64_t functions_found, functions_hit; /* FN lines, and FNDA > 0 */
  uint64_t branches_found, branches_hit;   /* BRDA lines, and those taken */
};

/* Writes an lcov tracefile for blocks[0..n) (any order, any mix of modules) to out,
 * "TN:<test_name>" first. Returns 0, or -1 with a reason in err. Paths are untrusted
 * (they come from the program's shared memory): only ever opened read-only; a module
 * that cannot be read or has no DWARF is skipped with no error. totals may be NULL. */
int lcov_write(FILE *out, const char *test_name, const struct cov_block *blocks, size_t n,
               struct lcov_totals *totals, char *err, size_t err_len);

#endif
