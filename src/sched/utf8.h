/*
 * utf8: reading UTF-8 strictly, for the escapers that put untrusted names
 * into JSON (json.c) and onto a terminal (show).
 *
 * A sequence is valid only in its shortest form and for a Unicode scalar
 * value: overlong encodings, surrogates (U+D800..U+DFFF), code points past
 * U+10FFFF, stray continuation bytes and sequences cut short are not.
 */
#ifndef DARA_SCHED_UTF8_H
#define DARA_SCHED_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (NUL-terminated), 0 if there is
 * none; its code point goes to *cp. */
size_t utf8_seq(const char *s, uint32_t *cp);

/* Whether code point cp is a control character: C0, DEL or C1. */
bool utf8_is_control(uint32_t cp);

/* The length of the longest prefix of s that is valid UTF-8 and holds no
 * control character and no character of special (ASCII only): what an
 * escaper can write out as it is. */
size_t utf8_clean_run(const char *s, const char *special);

#endif
