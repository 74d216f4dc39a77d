/*
 * main.c: `dara`, the command-line entry point. Dispatches to a subcommand;
 * each lives in its own file (record.c, replay.c, explore.c, show.c).
 */
#include <stdio.h>
#include <string.h>

#include "sched/cli.h"

static const char usage[] =
    "usage: dara [--version] [--help] COMMAND [ARGS...]\n"
    "\n"
    "Systematic concurrency testing for C and C++ programs: dara controls every\n"
    "scheduling decision of a program's threads and makes it repeatable.\n"
    "\n"
    "commands:\n"
    "  record   run a program under control and write its schedule (sched.bin)\n"
    "  replay   run a recorded schedule again, exactly\n"
    "  explore  search many schedules for bugs; save each as a replayable file\n"
    "  show     print a schedule file as text, JSON or a trace-viewer file\n"
    "\n"
    "Run 'dara COMMAND --help' for a command's options.\n"
    "\n"
    "exit status: 0 no bug, 1 a bug showed, 2 usage or internal error,\n"
    "             3 replay diverged from the recording\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return DARA_EXIT_ERROR;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return DARA_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("dara %s\n", DARA_VERSION);
    return DARA_EXIT_OK;
  }
  if (strcmp(cmd, "record") == 0)
    return cmd_record(argc - 1, argv + 1);
  if (strcmp(cmd, "replay") == 0)
    return cmd_replay(argc - 1, argv + 1);
  if (strcmp(cmd, "explore") == 0)
    return cmd_explore(argc - 1, argv + 1);
  if (strcmp(cmd, "show") == 0)
    return cmd_show(argc - 1, argv + 1);
  cli_error("unknown command '%s'; run 'dara --help' for the list", cmd);
  return DARA_EXIT_ERROR;
}
