/*
 * json: writing JSON strings (json_put_*: jansson, which dara merge links,
 * owns the json_* names), for `dara show --format json|chrome` and
 * `dara explore --json`.
 *
 * Names from the region, a command line or a schedule file are not trusted
 * to be UTF-8, yet the output must always be valid JSON in valid UTF-8:
 * valid UTF-8 passes through, control characters (C0, DEL, C1) are escaped
 * as \uXXXX (newline and tab as \n and \t), `"` and `\` take a backslash,
 * and each byte that is not part of a valid sequence (utf8.h) becomes
 * U+FFFD.
 */
#ifndef DARA_SCHED_JSON_H
#define DARA_SCHED_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s as a quoted JSON string ("null" for NULL). */
void json_put_string(FILE *out, const char *s);

/* Writes s escaped as the content of a JSON string, without the quotes. */
void json_put_escaped(FILE *out, const char *s);

/* Writes n bytes of data (any byte, NUL included) as a quoted JSON string
 * with one code point per byte (U+0000..U+00FF), so that a reader gets
 * every byte back: printable ASCII as it is, `"` and `\` with a backslash,
 * \n, \t, and \u00XX for every other byte. */
void json_put_bytes(FILE *out, const uint8_t *p, size_t n);

#endif
