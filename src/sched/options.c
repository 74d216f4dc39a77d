/*
 * options.c: reading a subcommand's options from its table (options.h) with
 * getopt_long, and printing them for --help.
 */
#include "sched/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/cli.h"

#define MAX_OPTIONS 32

int cli_u64(const char *opt, const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (!s || !*s || *s == '-') {
    cli_error("%s needs a non-negative number, not '%s'", opt, s ? s : "");
    return -1;
  }
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end) {
    cli_error("%s needs a non-negative number, not '%s'", opt, s);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_text(const struct cli_option *o, const char *arg) {
  *(const char **)o->dst = arg;
  return 0;
}

int cli_true(const struct cli_option *o, const char *arg) {
  *(bool *)o->dst = true;
  return 0;
}

int cli_false(const struct cli_option *o, const char *arg) {
  *(bool *)o->dst = false;
  return 0;
}

int cli_number(const struct cli_option *o, const char *arg) {
  char opt[64];
  snprintf(opt, sizeof(opt), "--%s", o->name);
  return cli_u64(opt, arg, o->dst);
}

static void print_help(const struct cli_command *c) {
  fputs(c->synopsis, stdout);
  for (size_t i = 0; i < c->nopts; i++) {
    const struct cli_option *o = &c->opts[i];
    char head[80];
    int n = o->letter ? snprintf(head, sizeof(head), "  -%c, --%s", o->letter, o->name)
                      : snprintf(head, sizeof(head), "      --%s", o->name);
    if (o->arg)
      snprintf(head + n, sizeof(head) - (size_t)n, " %s", o->arg);
    int pad = c->column - (int)strlen(head);
    printf("%s%*s", head, pad < 2 ? 2 : pad, "");
    for (const char *line = o->help;;) {
      const char *nl = strchr(line, '\n');
      int len = nl ? (int)(nl - line) : (int)strlen(line);
      printf("%.*s\n", len, line);
      if (!nl || !nl[1])
        break;
      line = nl + 1;
      printf("%*s", c->column, "");
    }
  }
  fputs(c->epilog, stdout);
}

/* The table entry getopt_long's answer c stands for, or NULL. */
static const struct cli_option *entry_for(const struct cli_command *cmd, int c) {
  if (c >= 256 && (size_t)(c - 256) < cmd->nopts)
    return &cmd->opts[c - 256];
  for (size_t i = 0; i < cmd->nopts && c > 0 && c < 256; i++)
    if (cmd->opts[i].letter == c)
      return &cmd->opts[i];
  return NULL;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv) {
  struct option longopts[MAX_OPTIONS + 1];
  char shorts[2 + 2 * MAX_OPTIONS + 1] = "+";
  size_t ns = 1;
  if (cmd->nopts > MAX_OPTIONS) {
    cli_error("%s: too many options", cmd->name);
    return CLI_BAD;
  }
  for (size_t i = 0; i < cmd->nopts; i++) {
    const struct cli_option *o = &cmd->opts[i];
    /* Long-only options answer with a number past every character. */
    longopts[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                  o->letter ? o->letter : 256 + (int)i};
    if (o->letter) {
      shorts[ns++] = o->letter;
      if (o->arg)
        shorts[ns++] = ':';
    }
  }
  longopts[cmd->nopts] = (struct option){NULL, 0, NULL, 0};
  shorts[ns] = '\0';
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
    const struct cli_option *o = entry_for(cmd, c);
    if (!o) {
      cli_error("%s: unknown or incomplete option '%s'; see 'dara %s --help'", cmd->name,
                argv[optind - 1], cmd->name);
      return CLI_BAD;
    }
    if (!o->parse) {
      print_help(cmd);
      return CLI_HELP_SHOWN;
    }
    if (o->parse(o, o->arg ? optarg : NULL) != 0)
      return CLI_BAD;
  }
  return optind;
}

int cli_parse_exit(int parsed) { return parsed == CLI_HELP_SHOWN ? DARA_EXIT_OK : DARA_EXIT_ERROR; }
