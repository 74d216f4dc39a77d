/*
 * frontend.c: the options record, replay and explore share (frontend.h).
 */
#include "sched/frontend.h"

#include <bsd/stdlib.h>
#include <stdio.h>
#include <string.h>

#include "sched/cli.h"

/* ---- the options the commands share ---- */

void run_options_init(struct run_options *ro) {
  /* 48 bits: short enough to type back in. */
  *ro = (struct run_options){
      .seed = ((uint64_t)arc4random() << 32 | arc4random()) & 0xffffffffffffull,
      .watchdog = 5};
}

static int parse_watchdog(const struct cli_option *o, const char *arg) {
  uint64_t *seconds = o->dst;
  if (cli_u64("--watchdog", arg, seconds) != 0)
    return -1;
  if (*seconds == 0 || *seconds > 86400) {
    cli_error("--watchdog takes 1 to 86400 seconds");
    return -1;
  }
  return 0;
}

static int parse_timers(const struct cli_option *o, const char *arg) {
  if (strcmp(arg, "any") == 0 || strcmp(arg, "due") == 0) {
    *(bool *)o->dst = arg[0] == 'a';
    return 0;
  }
  cli_error("--timers takes 'any' or 'due', not '%s'", arg);
  return -1;
}

struct cli_option run_option(enum run_option which, struct run_options *ro, const char *help) {
  struct cli_option o;
  switch (which) {
  case RUN_OUTPUT_FILE:
    o = (struct cli_option){"output", 'o', "FILE", "schedule file to write (default sched.bin)",
                            cli_text, &ro->output};
    break;
  case RUN_OUTPUT_DIR:
    o = (struct cli_option){"output", 'o', "DIR", "where bug schedules go (default dara-bugs)",
                            cli_text, &ro->output};
    break;
  case RUN_SEED:
    o = (struct cli_option){"seed", 's', "N",
                            "seed of the random policy (default: a fresh one,\n"
                            "printed and stored in the file)",
                            cli_number, &ro->seed};
    break;
  case RUN_WATCHDOG:
    o = (struct cli_option){"watchdog", 'w', "SEC",
                            "report a hang when a thread runs this long without\n"
                            "reaching a scheduling point (default 5)",
                            parse_watchdog, &ro->watchdog};
    break;
  case RUN_MAX_STEPS:
    o = (struct cli_option){"max-steps", 'm', "N",
                            "report a hang after N scheduling steps (default: none)",
                            cli_number, &ro->max_steps};
    break;
  case RUN_PROPS:
    o = (struct cli_option){"props", 'P', "FILE",
                            "check the global properties in FILE (a shared object,\n"
                            "see dara/props.h) after every step",
                            cli_text, &ro->props};
    break;
  case RUN_TIMERS:
    o = (struct cli_option){"timers", 'T', "WHEN",
                            "due (default): a timer (sleep, timed wait, poll\n"
                            "timeout) fires only when no thread can run; any: it\n"
                            "may fire at any step, as explore tries by default",
                            parse_timers, &ro->timers_race};
    break;
  case RUN_SHOW_OUTPUT:
    o = (struct cli_option){"show-output", 0, NULL, "let the program's stdout and stderr through",
                            cli_false, &ro->quiet};
    break;
  default:
    o = (struct cli_option){"help", 'h', NULL, "this text", NULL, NULL};
    break;
  }
  if (help)
    o.help = help;
  return o;
}

struct cli_option run_long_only(struct cli_option o) {
  o.letter = 0;
  return o;
}
