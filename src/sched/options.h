/*
 * options: a subcommand's command-line options as a table.
 *
 * Each option says how it is spelled, what --help says about it and how its
 * argument is read; cli_parse reads argv with getopt_long from the table,
 * and --help prints the option part of the help text from it. The options
 * record, replay and explore share are described once, in frontend.h.
 */
#ifndef DARA_SCHED_OPTIONS_H
#define DARA_SCHED_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli_option {
  const char *name; /* the long form, without "--" */
  char letter;      /* the short form; 0: none */
  const char *arg;  /* the argument as the help names it (FILE, N); NULL: none */
  const char *help; /* the help text; each further line goes under the first */
  /* Reads the argument (NULL when there is none) into dst. Returns 0, or
   * -1 with the error printed. NULL: this is --help. */
  int (*parse)(const struct cli_option *o, const char *arg);
  void *dst;
};

/* Parsers, by what dst points to. Errors name the command and the option
 * by its long form: "dara explore: --depth: 'abc' is not a number". */
int cli_text(const struct cli_option *o, const char *arg);     /* const char *: arg */
int cli_true(const struct cli_option *o, const char *arg);     /* bool: set */
int cli_false(const struct cli_option *o, const char *arg);    /* bool: cleared */
int cli_number(const struct cli_option *o, const char *arg);   /* uint64_t: a number */
int cli_in_range(const struct cli_option *o, const char *arg); /* struct cli_range */

/* A number with its own range, for cli_in_range. */
struct cli_range {
  uint64_t *value;
  uint64_t min, max;
};

/* Reads arg as a number from min to max into *out; prints an error naming
 * o ("'abc' is not a number", "0 is out of range (1 to 64)") and returns
 * -1 when it is not one. */
int cli_u64(const struct cli_option *o, const char *arg, uint64_t *out, uint64_t min, uint64_t max);

/* Prints "dara CMD: --NAME: MESSAGE" on stderr (printf-style), CMD the
 * command whose options are being read. */
void cli_option_error(const struct cli_option *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The error for an argument that is none of the words in choices (a NULL
 * ends them): "dara explore: --races: 'x' is not report, fail or ignore". */
void cli_bad_choice(const struct cli_option *o, const char *arg, const char *const *choices);

struct cli_command {
  const char *name;     /* "record": error messages name it */
  const char *synopsis; /* the help before the options: usage lines, what it does */
  const char *epilog;   /* the help after the options */
  int column;           /* where the options' help texts start */
  const struct cli_option *opts;
  size_t nopts;
};

/* What cli_parse returns instead of an index: */
#define CLI_HELP_SHOWN (-1) /* --help: the help is on stdout; exit 0 */
#define CLI_BAD (-2)        /* an error, printed; exit 2 */

/* Reads the options in argv[1..] (argv[0] is the subcommand's name) up to
 * the first operand or "--", each with its parser in turn. Returns the index
 * of the first operand, or CLI_HELP_SHOWN or CLI_BAD. An unknown option and
 * one whose value is missing are told apart. */
int cli_parse(const struct cli_command *c, int argc, char **argv);

/* The exit status after cli_parse returned CLI_HELP_SHOWN or CLI_BAD. */
int cli_parse_exit(int parsed);

#endif
