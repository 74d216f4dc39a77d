/*
 * abi/calls.h: the system calls (and libc calls that act like them) whose
 * every use the shim records as a SYSCALL event: the call, its arguments
 * (never pointers, which differ from run to run), its result and errno, the
 * virtual time it began and ended, and a bounded excerpt of the data it read
 * or wrote (or the path it named).
 *
 * Each entry: name, group, and what the three recorded arguments are. These
 * numbers are part of the shared-region ABI and the schedule file format:
 * append, never renumber.
 */
#ifndef DARA_CALLS_H
#define DARA_CALLS_H

enum dara_call_group {
  DARA_GROUP_FILE = 0,
  DARA_GROUP_PROCESS = 1,
  DARA_GROUP_ENV = 2,
  DARA_GROUP_TIME = 3,
  DARA_GROUP_NET = 4,
};

/* Whether a call's result is the same in every run that makes the same
 * choices (replay compares it) or a process id, which differs from run to
 * run (replay does not compare it). */
enum dara_call_result { DARA_RESULT_SAME = 0, DARA_RESULT_PID = 1 };

/* X(name, group, "what args[0..2] hold", result) */
#define DARA_CALLS(X)                                   \
  X(none, FILE, "", SAME)                               \
  X(open, FILE, "flags mode", SAME)                     \
  X(openat, FILE, "dirfd flags mode", SAME)             \
  X(creat, FILE, "mode", SAME)                          \
  X(read, FILE, "fd count", SAME)                       \
  X(write, FILE, "fd count", SAME)                      \
  X(close, FILE, "fd", SAME)                            \
  X(stat, FILE, "size mode", SAME)                      \
  X(fstat, FILE, "fd size mode", SAME)                  \
  X(lstat, FILE, "size mode", SAME)                     \
  X(lseek, FILE, "fd offset whence", SAME)              \
  X(pread, FILE, "fd count offset", SAME)               \
  X(pwrite, FILE, "fd count offset", SAME)              \
  X(rename, FILE, "", SAME)                             \
  X(unlink, FILE, "", SAME)                             \
  X(mkdir, FILE, "mode", SAME)                          \
  X(rmdir, FILE, "", SAME)                              \
  X(fsync, FILE, "fd", SAME)                            \
  X(ftruncate, FILE, "fd length", SAME)                 \
  X(getpid, PROCESS, "", PID)                           \
  X(getppid, PROCESS, "", PID)                          \
  X(kill, PROCESS, "sig", SAME)                         \
  X(exit, PROCESS, "status", SAME)                      \
  X(wait, PROCESS, "status", PID)                       \
  X(waitpid, PROCESS, "options status", PID)            \
  X(getenv, ENV, "", SAME)                              \
  X(setenv, ENV, "overwrite", SAME)                     \
  X(unsetenv, ENV, "", SAME)                            \
  X(time, TIME, "seconds", SAME)                        \
  X(clock_gettime, TIME, "clock ns", SAME)              \
  X(gettimeofday, TIME, "us", SAME)                     \
  X(nanosleep, TIME, "ns", SAME)                        \
  X(clock_nanosleep, TIME, "clock flags ns", SAME)      \
  X(sleep, TIME, "seconds", SAME)                       \
  X(usleep, TIME, "us", SAME)                           \
  X(socket, NET, "domain type protocol", SAME)          \
  X(bind, NET, "fd port", SAME)                         \
  X(listen, NET, "fd backlog", SAME)                    \
  X(accept, NET, "fd flags", SAME)                      \
  X(connect, NET, "fd port", SAME)                      \
  X(send, NET, "fd count flags", SAME)                  \
  X(sendto, NET, "fd count flags", SAME)                \
  X(sendmsg, NET, "fd count flags", SAME)               \
  X(recv, NET, "fd count flags", SAME)                  \
  X(recvfrom, NET, "fd count flags", SAME)              \
  X(recvmsg, NET, "fd count flags", SAME)               \
  X(shutdown, NET, "fd how", SAME)                      \
  X(poll, NET, "nfds timeout_ms", SAME)                 \
  X(select, NET, "nfds timeout_us", SAME)               \
  X(epoll_wait, NET, "epfd maxevents timeout_ms", SAME) \
  X(setsockopt, NET, "fd level optname", SAME)          \
  X(socketpair, NET, "domain type", SAME)               \
  X(pipe, FILE, "flags", SAME)                          \
  X(ppoll, NET, "nfds timeout_ns", SAME)                \
  X(pselect, NET, "nfds timeout_ns", SAME)              \
  X(epoll_pwait, NET, "epfd maxevents timeout_ms", SAME)

enum dara_call {
#define DARA_CALL_ENUM(name, group, args, result) DARA_CALL_##name,
  DARA_CALLS(DARA_CALL_ENUM)
#undef DARA_CALL_ENUM
      DARA_CALL_COUNT
};

/* Bytes of data (read, written, a path or a value) kept with each call. */
#define DARA_SYS_DATA 64

const char *dara_call_name(unsigned call);
/* enum dara_call_group of a call, or -1 when out of range. */
int dara_call_group(unsigned call);
/* "file", "process", "env", "time", "net". */
const char *dara_call_group_name(unsigned group);
/* What the call's recorded arguments hold, space separated ("fd count"). */
const char *dara_call_args(unsigned call);
/* enum dara_call_result of a call. */
int dara_call_result(unsigned call);

#endif /* DARA_CALLS_H */
