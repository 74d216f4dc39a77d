/*
 * many_calls: 3000 recorded calls (getenv) with no scheduling point between
 * them, far more than the shim's event log holds: the log must be drained
 * on the way and no record lost.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  int found = 0;
  for (int i = 0; i < 3000; i++)
    found += getenv("DARA_MANY_CALLS") != NULL;
  printf("found %d\n", found);
  return 0;
}
