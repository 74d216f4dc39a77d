/*
 * api.c: the shim's side of include/dara/dara.h. A program's weak references
 * to these symbols resolve here when the shim is loaded. Logged variables and
 * assertions go into the process's event log; the scheduler records them,
 * keeps the latest value of every variable for global properties, and treats
 * a failed dara_always or a reached dara_unreachable as a bug.
 */
#include <string.h>

#include "runtime_shim/shim.h"

/* The same prototypes as in dara/dara.h, without its weak attribute: these
 * are the strong definitions the program's weak references bind to. */
SHIM_EXPORT void dara__log_int(const char *name, long long value);
SHIM_EXPORT void dara__log_double(const char *name, double value);
SHIM_EXPORT void dara__log_str(const char *name, const char *value);
SHIM_EXPORT void dara__assert(int kind, int held, const char *name, const char *file, int line);
SHIM_EXPORT void dara__yield(void);

static void copy_text(char *out, const char *in) {
  size_t n = in ? strnlen(in, DARA_TEXT_LEN - 1) : 0;
  if (n)
    memcpy(out, in, n);
  out[n] = '\0';
}

static void log_text(unsigned kind, uint32_t a, uint32_t b, uint64_t c, const char *t0,
                     const char *t1) {
  char text[2][DARA_TEXT_LEN];
  copy_text(text[0], t0);
  copy_text(text[1], t1);
  shim_log_text(kind, a, b, c, text);
}

SHIM_EXPORT void dara__log_int(const char *name, long long value) {
  if (shim_controlled())
    log_text(DARA_LOG_VAR, 0, 0, (uint64_t)value, name, NULL);
}

SHIM_EXPORT void dara__log_double(const char *name, double value) {
  if (!shim_controlled())
    return;
  uint64_t bits;
  memcpy(&bits, &value, sizeof(bits));
  log_text(DARA_LOG_VAR, 1, 0, bits, name, NULL);
}

SHIM_EXPORT void dara__log_str(const char *name, const char *value) {
  if (shim_controlled())
    log_text(DARA_LOG_VAR, 2, 0, 0, name, value ? value : "(null)");
}

SHIM_EXPORT void dara__assert(int kind, int held, const char *name, const char *file, int line) {
  if (!shim_controlled() || kind < 1 || kind > 3)
    return;
  const char *base = file ? strrchr(file, '/') : NULL;
  log_text(DARA_LOG_ASSERT, (uint32_t)kind, held ? 1 : 0, line > 0 ? (uint64_t)line : 0, name,
           base ? base + 1 : file);
}

SHIM_EXPORT void dara__yield(void) {
  if (shim_controlled())
    shim_yield();
}
