/*
 * kill_parent: kills its parent process with SIGKILL, then waits a second.
 * Under explore the parent is the fork server every execution comes from;
 * dara must say the server died, end the run, and leave nothing behind.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  kill(getppid(), SIGKILL);
  sleep(1);
  puts("still here");
  return 0;
}
