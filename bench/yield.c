/*
 * yield.c: scheduling points where the same thread goes on.
 *
 *   yield N
 *
 * One thread calls sched_yield N times. Under dara each call is a
 * scheduling point with a single candidate, so the scheduler always gives
 * the turn straight back: the cost of a point with no choice to make.
 * scripts/bench runs it with N and with 0 and divides the difference by N.
 */
#include <sched.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  for (long i = 0; i < n; i++)
    sched_yield();
  return 0;
}
