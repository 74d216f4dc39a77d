/*
 * test_handoff: the spin-then-futex turn word. Besides the single-threaded
 * contract (peek, give then wait, timeout), two ping-pongs pass a turn back
 * and forth many times, between threads and between processes, with the
 * words in MAP_SHARED memory as in the real region. Any lost wake-up hangs
 * them (ctest's timeout reports it); any broken exclusion shows up as a
 * wrong sequence number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/region.h"
#include "shm/handoff.h"

/* Two turn words and the state they protect, in one shared page. */
struct court {
  uint32_t word[2];
  uint64_t seq; /* written only by the holder of the turn */
  int rounds;
  int failures; /* a player saw seq out of order */
  int forced_sleeps;
};

static struct court *court_map(int rounds) {
  struct court *c =
      mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  assert_true(c != MAP_FAILED);
  memset(c, 0, sizeof(*c));
  c->rounds = rounds;
  return c;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Every SLEEP_EVERY-th round the giver first waits until its partner has
 * given up spinning and set the sleeper bit, so the FUTEX_WAIT/FUTEX_WAKE
 * path is taken hundreds of times; on two idle cores the other rounds
 * mostly end within the spin. */
#define SLEEP_EVERY 250

/* Player `me` waits for its word to say GO, parks it again (as shim_point
 * does before giving the turn away), checks and bumps the sequence, and gives
 * the other player GO. Player 0 sees even numbers, player 1 odd ones. */
static void play(struct court *c, int me) {
  uint32_t *mine = &c->word[me], *theirs = &c->word[1 - me];
  for (int i = 0; i < c->rounds; i++) {
    handoff_wait(mine, DARA_GATE_GO, -1);
    __atomic_store_n(mine, DARA_GATE_PARK, __ATOMIC_RELAXED);
    if (c->seq != (uint64_t)(2 * i + me))
      c->failures++;
    c->seq++;
    /* Player 1's last give has nobody waiting for it. */
    if (i % SLEEP_EVERY == 0 && (me == 0 || i + 1 < c->rounds)) {
      while (!(__atomic_load_n(theirs, __ATOMIC_ACQUIRE) & DARA_WORD_SLEEPER))
        sched_yield();
      c->forced_sleeps++;
    }
    handoff_give(theirs, DARA_GATE_GO);
  }
}

static void *player_one(void *arg) {
  play(arg, 1);
  return NULL;
}

static void test_peek_masks_sleeper(void **state) {
  (void)state;
  uint32_t w = DARA_WORD_SLEEPER | DARA_TURN_PROC;
  assert_int_equal(handoff_peek(&w), DARA_TURN_PROC);
  w = DARA_WORD_SLEEPER;
  assert_int_equal(handoff_peek(&w), 0);
  w = DARA_GATE_GO;
  assert_int_equal(handoff_peek(&w), DARA_GATE_GO);
}

static void test_give_clears_sleeper(void **state) {
  (void)state;
  /* A give over a word whose sleeper bit is set (nobody actually asleep)
   * stores the plain value; the FUTEX_WAKE it issues is harmless. */
  uint32_t w = DARA_WORD_SLEEPER | DARA_TURN_SCHED;
  handoff_give(&w, DARA_TURN_PROC);
  assert_int_equal(w, DARA_TURN_PROC);
}

static void test_give_then_wait(void **state) {
  (void)state;
  uint32_t w = DARA_GATE_PARK;
  handoff_give(&w, DARA_GATE_GO);
  assert_int_equal(w, DARA_GATE_GO);
  assert_true(handoff_wait(&w, DARA_GATE_GO, -1));
  assert_true(handoff_wait(&w, DARA_GATE_GO, 0));
  /* A waiter ignores the sleeper bit when comparing. */
  w = DARA_WORD_SLEEPER | DARA_GATE_GO;
  assert_true(handoff_wait(&w, DARA_GATE_GO, 0));
}

static void test_wait_times_out(void **state) {
  (void)state;
  uint32_t *w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  assert_true(w != MAP_FAILED);
  *w = DARA_GATE_PARK;
  double t0 = now_ms();
  assert_false(handoff_wait(w, DARA_GATE_GO, 100));
  double took = now_ms() - t0;
  assert_true(took >= 95.0); /* a little slack for clock granularity */
  assert_int_equal(handoff_peek(w), DARA_GATE_PARK);
  /* The word still works after a timed-out wait left its sleeper bit. */
  handoff_give(w, DARA_GATE_GO);
  assert_true(handoff_wait(w, DARA_GATE_GO, 0));
  munmap(w, sizeof(*w));
}

struct sleeper {
  uint32_t *word;
  bool got;
};

static void *sleep_on_word(void *arg) {
  struct sleeper *s = arg;
  s->got = handoff_wait(s->word, DARA_GATE_GO, -1);
  return NULL;
}

static void test_give_wakes_sleeper(void **state) {
  (void)state;
  uint32_t *w = mmap(NULL, sizeof(*w), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  assert_true(w != MAP_FAILED);
  *w = DARA_GATE_PARK;
  struct sleeper s = {.word = w, .got = false};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, sleep_on_word, &s), 0);
  /* The sleeper bit is set just before FUTEX_WAIT: past the spin. */
  while (!(__atomic_load_n(w, __ATOMIC_ACQUIRE) & DARA_WORD_SLEEPER))
    usleep(1000);
  usleep(10000); /* most likely inside the kernel by now; correct either way */
  handoff_give(w, DARA_GATE_GO);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_true(s.got);
  assert_int_equal(*w, DARA_GATE_GO);
  munmap(w, sizeof(*w));
}

static void test_ping_pong_threads(void **state) {
  (void)state;
  struct court *c = court_map(100000);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, player_one, c), 0);
  handoff_give(&c->word[0], DARA_GATE_GO);
  play(c, 0);
  assert_int_equal(pthread_join(t, NULL), 0);
  assert_int_equal(c->failures, 0);
  assert_true(c->seq == 2u * 100000u);
  assert_true(c->forced_sleeps >= 2 * 100000 / SLEEP_EVERY - 1);
  munmap(c, sizeof(*c));
}

static void test_ping_pong_processes(void **state) {
  (void)state;
  struct court *c = court_map(10000);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    play(c, 1);
    _exit(0);
  }
  handoff_give(&c->word[0], DARA_GATE_GO);
  play(c, 0);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_int_equal(c->failures, 0);
  assert_true(c->seq == 2u * 10000u);
  assert_true(c->forced_sleeps >= 2 * 10000 / SLEEP_EVERY - 1);
  munmap(c, sizeof(*c));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_peek_masks_sleeper),  cmocka_unit_test(test_give_clears_sleeper),
      cmocka_unit_test(test_give_then_wait),      cmocka_unit_test(test_wait_times_out),
      cmocka_unit_test(test_give_wakes_sleeper),  cmocka_unit_test(test_ping_pong_threads),
      cmocka_unit_test(test_ping_pong_processes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
