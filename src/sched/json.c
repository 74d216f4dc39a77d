/*
 * json.c: see json.h.
 */
#include "sched/json.h"

#include "sched/utf8.h"

void json_put_escaped(FILE *out, const char *s) {
  const char *p = s;
  while (*p) {
    /* The longest run that needs no escaping goes out in one piece. */
    size_t run = utf8_clean_run(p, "\"\\");
    if (run > 0) {
      fwrite(p, 1, run, out);
      p += run;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8_seq(p, &cp);
    if (n == 0) {
      fputs("\\ufffd", out);
      p += 1;
    } else if (cp == '"' || cp == '\\') {
      fputc('\\', out);
      fputc((int)cp, out);
      p += 1;
    } else if (cp == '\n') {
      fputs("\\n", out);
      p += 1;
    } else if (cp == '\t') {
      fputs("\\t", out);
      p += 1;
    } else {
      fprintf(out, "\\u%04x", (unsigned)cp);
      p += n;
    }
  }
}

void json_put_string(FILE *out, const char *s) {
  if (!s) {
    fputs("null", out);
    return;
  }
  fputc('"', out);
  json_put_escaped(out, s);
  fputc('"', out);
}

void json_put_bytes(FILE *out, const uint8_t *p, size_t n) {
  fputc('"', out);
  size_t i = 0;
  while (i < n) {
    size_t run = 0;
    while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f && p[i + run] != '"' &&
           p[i + run] != '\\') {
      run++;
    }
    if (run > 0) {
      fwrite(p + i, 1, run, out);
      i += run;
      continue;
    }
    uint8_t c = p[i++];
    if (c == '"' || c == '\\') {
      fputc('\\', out);
      fputc(c, out);
    } else if (c == '\n') {
      fputs("\\n", out);
    } else if (c == '\t') {
      fputs("\\t", out);
    } else {
      fprintf(out, "\\u%04x", c);
    }
  }
  fputc('"', out);
}
