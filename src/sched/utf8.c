/*
 * utf8.c: see utf8.h.
 */
#include "sched/utf8.h"

#include <string.h>

size_t utf8_seq(const char *s, uint32_t *cp) {
  const unsigned char *u = (const unsigned char *)s;
  unsigned char c = u[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if (c >= 0xc2 && c < 0xe0) {
    n = 2, v = c & 0x1f, min = 0x80;
  } else if (c >= 0xe0 && c < 0xf0) {
    n = 3, v = c & 0x0f, min = 0x800;
  } else if (c >= 0xf0 && c < 0xf5) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((u[i] & 0xc0) != 0x80) {
      return 0; /* also stops at the terminating NUL */
    }
    v = (v << 6) | (u[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
    return 0;
  }
  *cp = v;
  return n;
}

bool utf8_is_control(uint32_t cp) { return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0); }

size_t utf8_clean_run(const char *s, const char *special) {
  size_t run = 0, n;
  uint32_t cp = 0;
  while (s[run] && (n = utf8_seq(s + run, &cp)) > 0 && !utf8_is_control(cp) &&
         !(cp < 0x80 && strchr(special, (int)cp))) {
    run += n;
  }
  return run;
}
