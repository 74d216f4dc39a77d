/*
 * tiny.c: the smallest interesting program for `dara explore`.
 *
 * Two threads each take one mutex three times to bump a shared counter
 * (tiny.h). It has no bug, so explore runs every schedule it is asked for;
 * each execution is a handful of scheduling points, so the rate measures
 * what an execution costs around the program (process start, region,
 * schedule file).
 */
#include "tiny.h"

int main(void) { return tiny_body(); }
