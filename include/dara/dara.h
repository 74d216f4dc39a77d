/*
 * dara/dara.h: what a program under test can tell dara.
 *
 *   dara_log_int("balance", b);             a logged variable (also _double, _str)
 *   dara_always(balance >= 0, "solvent");   must hold every time it is reached
 *   dara_sometimes(got_reply, "progress");  should hold at least once
 *   dara_unreachable("lost ack");           must never be reached
 *   dara_yield();                           a scheduling point of your own
 *
 * It costs nothing to use. The functions behind these calls are weak
 * references to symbols that dara's shim defines: a program built with this
 * header links without any dara library, and when it runs natively (no shim
 * loaded) every call is a test of a null pointer and nothing more. Under
 * dara, logged variables and assertions are recorded in the schedule; a
 * failed dara_always or a reached dara_unreachable is a bug (exit status 1)
 * reported with its name, and `dara explore` lists every dara_sometimes that
 * never held. Global properties over the logged variables of all processes
 * go in a shared object given with --props (see dara/props.h).
 *
 * Names are at most 31 bytes (longer ones are cut); string values at most 31.
 */
#ifndef DARA_DARA_H
#define DARA_DARA_H

#ifdef __cplusplus
extern "C" {
#endif

/* Defined by the shim (src/runtime_shim/api.c). Not for direct use. */
void dara__log_int(const char *name, long long value) __attribute__((weak));
void dara__log_double(const char *name, double value) __attribute__((weak));
void dara__log_str(const char *name, const char *value) __attribute__((weak));
void dara__assert(int kind, int held, const char *name, const char *file, int line)
    __attribute__((weak));
void dara__yield(void) __attribute__((weak));

enum { DARA__ALWAYS = 1, DARA__SOMETIMES = 2, DARA__UNREACHABLE = 3 };

static inline void dara_log_int(const char *name, long long value) {
  if (dara__log_int)
    dara__log_int(name, value);
}

static inline void dara_log_double(const char *name, double value) {
  if (dara__log_double)
    dara__log_double(name, value);
}

static inline void dara_log_str(const char *name, const char *value) {
  if (dara__log_str)
    dara__log_str(name, value);
}

static inline void dara_yield(void) {
  if (dara__yield)
    dara__yield();
}

#define dara_always(cond, name)                                               \
  do {                                                                        \
    if (dara__assert)                                                         \
      dara__assert(DARA__ALWAYS, (cond) ? 1 : 0, (name), __FILE__, __LINE__); \
  } while (0)

#define dara_sometimes(cond, name)                                               \
  do {                                                                           \
    if (dara__assert)                                                            \
      dara__assert(DARA__SOMETIMES, (cond) ? 1 : 0, (name), __FILE__, __LINE__); \
  } while (0)

#define dara_unreachable(name)                                        \
  do {                                                                \
    if (dara__assert)                                                 \
      dara__assert(DARA__UNREACHABLE, 0, (name), __FILE__, __LINE__); \
  } while (0)

#ifdef __cplusplus
}
#endif

#endif /* DARA_DARA_H */
