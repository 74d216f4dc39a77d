/*
 * cli: the subcommands of `dara`. Each takes the arguments after its own
 * name (argv[0] is the subcommand name) and returns the process exit status:
 *
 *   0  the program ran and no bug showed
 *   1  a bug showed (signal, abort, deadlock, hang, non-zero exit status)
 *   2  usage error, unreadable input or internal error
 *   3  replay diverged from the recording
 *
 * Their options are tables (options.h); what record, replay and explore
 * share around a session is in frontend.h.
 */
#ifndef DARA_SCHED_CLI_H
#define DARA_SCHED_CLI_H

enum dara_exit {
  DARA_EXIT_OK = 0,
  DARA_EXIT_BUG = 1,
  DARA_EXIT_ERROR = 2,
  DARA_EXIT_DIVERGED = 3,
  DARA_EXIT_INTERRUPTED =
      130, /* stopped by SIGINT or SIGTERM, no bug found (as a shell's 128 + 2) */
};

int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* "" when n is 1, else "s": printf("%llu schedule%s", n, plural(n)). */
static inline const char *plural(unsigned long long n) { return n == 1 ? "" : "s"; }

/* Prints "dara: <message>" on stderr (printf-style). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "dara CMD: <message>" on stderr: a usage error of command cmd. */
void cli_command_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
