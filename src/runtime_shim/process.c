/*
 * process.c: the ends of a controlled process's life.
 *
 * exit: an atexit handler, registered when the shim attaches (so it runs
 * after the program's own handlers), makes the exit a scheduling point
 * (PROC_EXIT). When chosen it marks the process EXITING and gives the turn
 * back; the scheduler then waits for the process to be gone before it lets
 * any other thread run, so output flushed at exit is ordered the same way in
 * every run. Other threads stay parked and die with the process.
 *
 * fork: the child is a copy of a controlled process, but it has no control
 * block of its own. It runs natively (the parent logs a note naming it), so
 * it can never hang waiting for a turn that will not come.
 */
#include <stdlib.h>
#include <unistd.h>

#include "runtime_shim/shim.h"
#include "shm/handoff.h"

static void on_exit_hook(void) {
  if (!shim_controlled())
    return;
  shim_point(DARA_OP_PROC_EXIT, 0, 0);
  shim.proc->state = DARA_PROC_EXITING;
  handoff_give(&shim.proc->lock, DARA_TURN_SCHED);
  shim.active = false; /* whatever runs from here on runs natively */
}

static void in_child(void) { shim.active = false; }

void process_install_hooks(void) {
  atexit(on_exit_hook);
  pthread_atfork(NULL, NULL, in_child);
}

SHIM_EXPORT pid_t fork(void) {
  pid_t pid = REAL(fork)();
  if (pid > 0 && shim_controlled())
    shim_log(DARA_LOG_NOTE, DARA_NOTE_FORK_UNCONTROLLED, (uint32_t)pid, 0);
  return pid;
}
