/*
 * procfacts: what the kernel says about a controlled process.
 *
 * The program shares a writable region with dara and can reach the fork
 * server's pipes, so what it says of itself there (it called exec, it
 * exited with this status) is a claim. Before dara acts on such a claim
 * it asks the kernel, which the program cannot make lie: /proc and pidfds.
 */
#ifndef DARA_SCHED_PROCFACTS_H
#define DARA_SCHED_PROCFACTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The parent of process pid, from /proc/PID/stat; -1 when it cannot be
 * read (the process is gone and reaped). */
pid_t procfacts_parent(pid_t pid);

/* The wait status of process pid while it is a zombie (exited, not yet
 * reaped by its parent), from field 52 of /proc/PID/stat: 1 with *status
 * set, 0 when it is not a zombie or cannot be read. */
int procfacts_zombie_status(pid_t pid, int *status);

/* Whether the process of pidfd has ended: 1 ended, 0 still running, -1
 * cannot tell (no pidfd). */
int procfacts_ended(int pidfd);

/* The wait status of the ended process of pidfd, as the kernel kept it
 * (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux 6.15 and later): 1 with
 * *status set, 0 when the kernel does not say (older kernel, not reaped
 * yet, no pidfd). */
int procfacts_exit_status(int pidfd, int *status);

/* Whether process pid maps the file identified by dev and ino (its
 * st_dev and st_ino): 1 yes, 0 no, -1 cannot tell (/proc unreadable). */
int procfacts_maps_file(pid_t pid, dev_t dev, ino_t ino);

/* The same, with where: [*lo, *hi) of its first mapping of the file. */
int procfacts_mapping(pid_t pid, dev_t dev, ino_t ino, uintptr_t *lo, uintptr_t *hi);

/* One mapping of a file, from /proc/PID/maps. */
struct procfacts_map {
  uintptr_t lo, hi; /* [lo, hi) */
  dev_t dev;
  ino_t ino; /* never 0: anonymous mappings are not files */
};
/* Calls fn for each mapping of a file in process pid, in address order,
 * until fn returns false. 0 when the list was read to its end or fn
 * stopped it, -1 when it could not be read. */
int procfacts_each_mapping(pid_t pid, bool (*fn)(const struct procfacts_map *m, void *arg),
                           void *arg);

/* Whether every thread of process pid sleeps in futex() on a word in
 * [lo, hi) (/proc/PID/task/TID/stat and syscall): 1 yes, 0 no (one runs,
 * or waits on something else), -1 cannot tell (no such process, or its
 * system calls are not ours to see). */
int procfacts_all_waiting_in(pid_t pid, uintptr_t lo, uintptr_t hi);

/* Whether a thread of pid is blocked in read(2) on descriptor fd
 * (/proc/PID/task/TID/syscall): 1 yes, 0 no, -1 unknown. */
int procfacts_reading(pid_t pid, int fd);

#endif
