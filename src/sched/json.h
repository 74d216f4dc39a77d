/*
 * json: writing JSON strings. Control characters and non-ASCII bytes are
 * escaped as \uXXXX (bytes above 0x7f as U+00XX: names from the region or a
 * command line are not trusted to be UTF-8), so the output is always valid.
 */
#ifndef DARA_SCHED_JSON_H
#define DARA_SCHED_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string ("null" for NULL). */
void json_string(FILE *out, const char *s);

#endif
