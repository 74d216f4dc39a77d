/*
 * main.c: `dara`, the command-line entry point. Dispatches to a subcommand;
 * each lives in its own file (record.c, replay.c, explore.c, show.c,
 * merge.c).
 */
#include <stdio.h>
#include <string.h>

#include "sched/cli.h"
#include "sched/outside.h"

static const char usage[] =
    "usage: dara [--version] [--help] COMMAND [ARGS...]\n"
    "       dara help [COMMAND]\n"
    "\n"
    "Systematic concurrency testing for C and C++ programs: dara controls every\n"
    "scheduling decision of a program's threads and makes it repeatable.\n"
    "\n"
    "commands:\n"
    "  record   run a program under control and write its schedule (sched.bin)\n"
    "  replay   run a recorded schedule again, exactly\n"
    "  explore  search many schedules for bugs; save each as a replayable file\n"
    "  show     print a schedule file as text, JSON or a trace-viewer file\n"
    "  merge    combine the bug directories of an exploration's shards\n"
    "\n"
    "Run 'dara help COMMAND' (or 'dara COMMAND --help') for a command's options;\n"
    "'man dara' and 'man dara-COMMAND' for the manual.\n"
    "\n"
    "exit status: 0 no bug, 1 a bug showed, 2 usage or internal error,\n"
    "             3 replay diverged from the recording\n";

static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} commands[] = {
    {"record", cmd_record}, {"replay", cmd_replay}, {"explore", cmd_explore},
    {"show", cmd_show},     {"merge", cmd_merge},
};

static int (*command(const char *name))(int, char **) {
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (strcmp(name, commands[i].name) == 0)
      return commands[i].run;
  return NULL;
}

int main(int argc, char **argv) {
  outside_note_inherited(); /* before dara opens anything */
  if (argc < 2) {
    fputs(usage, stderr);
    return DARA_EXIT_ERROR;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "help") == 0 && argc > 2) {
    /* dara help COMMAND: the command's own --help. */
    int (*run)(int, char **) = command(argv[2]);
    if (!run) {
      cli_error("help: unknown command '%s'; run 'dara help' for the list", argv[2]);
      return DARA_EXIT_ERROR;
    }
    if (argc > 3) {
      cli_error("help takes one command ('dara help %s')", argv[2]);
      return DARA_EXIT_ERROR;
    }
    char help[] = "--help";
    char *args[] = {argv[2], help, NULL};
    return run(2, args);
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return DARA_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("dara %s\n", DARA_VERSION);
    return DARA_EXIT_OK;
  }
  int (*run)(int, char **) = command(cmd);
  if (run)
    return run(argc - 1, argv + 1);
  cli_error("unknown command '%s'; run 'dara --help' for the list", cmd);
  return DARA_EXIT_ERROR;
}
