/*
 * test_branches: the ways of conditional jumps counted from block counts
 * (src/sched/branches.c), on x86-64 machine code written here byte by
 * byte: an if/else whose two ways each lead to a block of their own, an
 * if without else (one way known, the other the jump's block less it),
 * a jump whose counts do not add up, a function with an indirect jump,
 * and bytes that do not disassemble.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sched/branches.h"

#define LO 0x1000u
#define CALLBACK 0x2000u

struct code {
  uint8_t b[64];
  size_t n;
};

static void emit(struct code *c, const uint8_t *bytes, size_t n) {
  memcpy(c->b + c->n, bytes, n);
  c->n += n;
}

/* call CALLBACK at the current address. */
static void cov_call(struct code *c) {
  uint32_t rel = (uint32_t)(CALLBACK - (LO + c->n + 5));
  uint8_t call[5] = {0xe8, (uint8_t)rel, (uint8_t)(rel >> 8), (uint8_t)(rel >> 16),
                     (uint8_t)(rel >> 24)};
  emit(c, call, 5);
}

#define MAX_OUT 8
struct got {
  struct branch_count b[MAX_OUT];
  size_t n;
};

static void collect(void *ctx, const struct branch_count *b) {
  struct got *g = ctx;
  if (g->n < MAX_OUT)
    g->b[g->n++] = *b;
}

static struct got run(const struct code *c, const struct branch_site *sites, size_t nsites) {
  struct got g = {0};
  assert_int_equal(branches_of_function(c->b, LO, LO + c->n, CALLBACK, sites, nsites, collect, &g),
                   0);
  return g;
}

/*   0x1000 call cov        (10)
 *   0x1005 test eax, eax
 *   0x1007 je 0x1010
 *   0x1009 call cov        (3: not taken)
 *   0x100e jmp 0x1015
 *   0x1010 call cov        (7: taken)
 *   0x1015 ret             (a join: two ways in, no count of its own) */
static struct code if_else(void) {
  struct code c = {0};
  cov_call(&c);
  emit(&c, (const uint8_t[]){0x85, 0xc0, 0x74, 0x07}, 4);
  cov_call(&c);
  emit(&c, (const uint8_t[]){0xeb, 0x05}, 2);
  cov_call(&c);
  emit(&c, (const uint8_t[]){0xc3}, 1);
  return c;
}

static void test_if_else(void **state) {
  (void)state;
  struct code c = if_else();
  struct branch_site sites[] = {{0x1000, 10}, {0x1009, 3}, {0x1010, 7}};
  struct got g = run(&c, sites, 3);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.b[0].addr, 0x1007);
  assert_int_equal(g.b[0].ran, 10);
  assert_int_equal(g.b[0].taken, 7);
  assert_int_equal(g.b[0].not_taken, 3);
  /* Counts that do not add up are not reported. */
  struct branch_site bad[] = {{0x1000, 10}, {0x1009, 5}, {0x1010, 7}};
  assert_int_equal(run(&c, bad, 3).n, 0);
}

/*   0x1000 call cov        (10)
 *   0x1005 test eax, eax
 *   0x1007 je 0x100e       (to the join: two ways in)
 *   0x1009 call cov        (4: the body, one way in)
 *   0x100e ret */
static void test_if_without_else(void **state) {
  (void)state;
  struct code c = {0};
  cov_call(&c);
  emit(&c, (const uint8_t[]){0x85, 0xc0, 0x74, 0x05}, 4);
  cov_call(&c);
  emit(&c, (const uint8_t[]){0xc3}, 1);
  struct branch_site sites[] = {{0x1000, 10}, {0x1009, 4}};
  struct got g = run(&c, sites, 2);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.b[0].taken, 6); /* 10 reached the jump, 4 went on */
  assert_int_equal(g.b[0].not_taken, 4);
  /* Without the jump's own count, one way is not enough. */
  struct branch_site body_only[] = {{0x1009, 4}};
  assert_int_equal(run(&c, body_only, 1).n, 0);
}

static void test_indirect_jump(void **state) {
  (void)state;
  struct code c = if_else();
  c.n--;                                      /* the ret ... */
  emit(&c, (const uint8_t[]){0xff, 0xe0}, 2); /* ... becomes jmp rax */
  struct branch_site sites[] = {{0x1000, 10}, {0x1009, 3}, {0x1010, 7}};
  assert_int_equal(run(&c, sites, 3).n, 0);
}

static void test_not_code(void **state) {
  (void)state;
  struct code c = if_else();
  c.b[c.n++] = 0x0f; /* a truncated two-byte opcode at the end */
  struct branch_site sites[] = {{0x1000, 10}, {0x1009, 3}, {0x1010, 7}};
  assert_int_equal(run(&c, sites, 3).n, 0);
  struct got g = {0};
  assert_int_equal(branches_of_function(c.b, LO, LO, CALLBACK, sites, 3, collect, &g), 0);
  assert_int_equal(g.n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_if_else),
      cmocka_unit_test(test_if_without_else),
      cmocka_unit_test(test_indirect_jump),
      cmocka_unit_test(test_not_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
