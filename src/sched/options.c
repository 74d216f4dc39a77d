/*
 * options.c: reading a subcommand's options from its table (options.h) with
 * getopt_long, and printing them for --help.
 */
#include "sched/options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/cli.h"

#define MAX_OPTIONS 32

/* The command whose options cli_parse is reading, for messages. */
static const char *current = "?";

void cli_option_error(const struct cli_option *o, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  cli_command_error(current, "--%s: %s", o->name, msg);
}

void cli_bad_choice(const struct cli_option *o, const char *arg, const char *const *choices) {
  char list[256] = "";
  size_t n = 0;
  while (choices[n])
    n++;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(list);
    snprintf(list + len, sizeof(list) - len, "%s%s",
             i == 0       ? ""
             : i + 1 == n ? " or "
                          : ", ",
             choices[i]);
  }
  cli_option_error(o, "'%s' is not %s", arg, list);
}

int cli_u64(const struct cli_option *o, const char *arg, uint64_t *out, uint64_t min,
            uint64_t max) {
  const char *s = arg ? arg : "";
  bool negative = s[0] == '-';
  const char *digits = s + negative;
  char *end;
  errno = 0;
  /* strtoull would skip spaces, take a sign, and read "-1" as the largest. */
  unsigned long long v = strtoull(digits, &end, 0);
  if (!isdigit((unsigned char)digits[0]) || *end) {
    cli_option_error(o, "'%s' is not a number", s);
    return -1;
  }
  if (negative || errno == ERANGE || v < min || v > max) {
    char range[64];
    if (max == UINT64_MAX && (negative || v < min))
      snprintf(range, sizeof(range), "at least %llu", (unsigned long long)min);
    else if (max == UINT64_MAX)
      snprintf(range, sizeof(range), "at most %llu", (unsigned long long)max);
    else
      snprintf(range, sizeof(range), "%llu to %llu", (unsigned long long)min,
               (unsigned long long)max);
    cli_option_error(o, "%s is out of range (%s)", s, range);
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
  return cli_u64(o, arg, o->dst, 0, UINT64_MAX);
}

int cli_in_range(const struct cli_option *o, const char *arg) {
  const struct cli_range *r = o->dst;
  return cli_u64(o, arg, r->value, r->min, r->max);
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
    if (pad < 2) /* too long for the column: the text starts on the next line */
      printf("%s\n%*s", head, c->column, "");
    else
      printf("%s%*s", head, pad, "");
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

/* Whether word ("--max" or "--max=3") begins the names of several options. */
static bool ambiguous(const struct cli_command *cmd, const char *word) {
  if (strncmp(word, "--", 2) != 0)
    return false;
  size_t len = strcspn(word + 2, "=");
  int n = 0;
  for (size_t i = 0; i < cmd->nopts; i++)
    n += strncmp(cmd->opts[i].name, word + 2, len) == 0;
  return n > 1;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv) {
  struct option longopts[MAX_OPTIONS + 1];
  /* "+": stop at the first operand; ":": a missing value is told apart. */
  char shorts[2 + 2 * MAX_OPTIONS + 1] = "+:";
  size_t ns = 2;
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
  current = cmd->name;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
    const struct cli_option *o = entry_for(cmd, c == ':' ? optopt : c);
    if (c == ':' && o) {
      cli_option_error(o, "needs a value (%s); see 'dara %s --help'", o->arg, cmd->name);
      return CLI_BAD;
    }
    if (!o) {
      const char *w = argv[optind - 1];
      char word[64];
      if (strncmp(w, "--", 2) == 0) {
        snprintf(word, sizeof(word), "%s", w);
        /* "--json=1": an option that takes no value, given one. */
        const char *eq = strchr(w, '=');
        for (size_t i = 0; eq && i < cmd->nopts; i++) {
          const struct cli_option *flag = &cmd->opts[i];
          size_t len = strlen(flag->name);
          if (!flag->arg && len == (size_t)(eq - w - 2) && strncmp(flag->name, w + 2, len) == 0) {
            cli_option_error(flag, "takes no value");
            return CLI_BAD;
          }
        }
      } else { /* a short one, maybe inside "-kx" */
        snprintf(word, sizeof(word), "-%c", optopt);
      }
      cli_command_error(cmd->name, "%s option '%s'; see 'dara %s --help'",
                        ambiguous(cmd, word) ? "ambiguous" : "unknown", word, cmd->name);
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
