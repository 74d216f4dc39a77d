/*
 * time.c: virtual time.
 *
 * Under dara, the clocks a program reads (clock_gettime, gettimeofday, time)
 * show virtual time from the region (struct dara_clock), and sleeping is a
 * scheduling point (SLEEP) with a deadline: the thread is TIMED until the
 * scheduler, finding no thread that can run now, moves time to the earliest
 * deadline. A program that sleeps for 30 seconds runs in well under one, and
 * every run that makes the same choices sees the same times.
 *
 * Every read of a clock and every sleep is also recorded as a SYSCALL event
 * (abi/calls.h): a sleep's start and end are virtual times, so a trace shows
 * how long it slept and what ran meanwhile.
 *
 * CLOCK_REALTIME starts at the real time when the run was recorded (a replay
 * starts at the same instant); the monotonic clocks start at 1 s. CPU-time
 * clocks are not virtual.
 */
#include <errno.h>
#include <sys/time.h>

#include "runtime_shim/shim.h"

#define NS 1000000000ull
#define MONOTONIC_START NS

static bool is_virtual(clockid_t c) {
  return c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE || c == CLOCK_MONOTONIC ||
         c == CLOCK_MONOTONIC_COARSE || c == CLOCK_MONOTONIC_RAW || c == CLOCK_BOOTTIME ||
         c == CLOCK_TAI;
}

static bool is_realtime(clockid_t c) {
  return c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE || c == CLOCK_TAI;
}

/* Reads the clock, moving it on by one tick. */
static uint64_t read_now(void) {
  struct dara_clock *k = &shim.region->clock;
  k->now += DARA_CLOCK_TICK_NS;
  return k->now;
}

static uint64_t to_ns(const struct timespec *t) {
  if (t->tv_sec < 0)
    return 0;
  return (uint64_t)t->tv_sec * NS + (uint64_t)(t->tv_nsec < 0 ? 0 : t->tv_nsec);
}

uint64_t shim_deadline(clockid_t clock, const struct timespec *abstime) {
  if (!abstime)
    return 0;
  uint64_t at = to_ns(abstime);
  uint64_t origin = is_realtime(clock)  ? shim.region->clock.realtime_base
                    : is_virtual(clock) ? MONOTONIC_START
                                        : 0;
  uint64_t d = at > origin ? at - origin : 0;
  return d ? d : 1; /* 0 means "no deadline" */
}

void shim_yield(void) {
  /* A thread that yields is waiting for something: let time pass a tick,
   * so a loop yielding until a sleeper wakes up ends. */
  read_now();
  shim_point(DARA_OP_YIELD, 0, 0);
}

int sleep_status(int idx, const struct dara_routine *r, int *waits_for) {
  (void)idx;
  (void)waits_for;
  return r->deadline <= shim.region->clock.now ? DARA_RS_ENABLED : DARA_RS_TIMED;
}

/* Sleeps in virtual time until the deadline (relative: now + ns), recorded
 * as `call` with its arguments. */
static void virtual_sleep(uint64_t deadline, unsigned call, uint64_t a0, uint64_t a1, uint64_t a2) {
  struct shim_sys s;
  bool record = shim_sys_enter();
  if (record)
    shim_sys_begin(&s, call, a0, a1, a2);
  struct dara_routine *r = &shim.proc->routines[shim_self()];
  r->deadline = deadline ? deadline : 1;
  shim_point(DARA_OP_SLEEP, 0, 0);
  r->deadline = 0;
  if (record)
    shim_sys_end(&s, 0, 0, NULL, 0);
}

/* Virtual time on clock c, in ns, moving the clock on by a tick. */
static uint64_t virtual_now(clockid_t c) {
  return read_now() + (is_realtime(c) ? shim.region->clock.realtime_base : MONOTONIC_START);
}

/* Records a clock read: its arguments and what it returned. */
static void record_read(unsigned call, uint64_t a0, uint64_t a1, int64_t ret) {
  if (!shim_sys_enter())
    return;
  struct shim_sys s;
  shim_sys_begin(&s, call, a0, a1, 0);
  shim_sys_end(&s, ret, 0, NULL, 0);
}

SHIM_EXPORT int clock_gettime(clockid_t c, struct timespec *ts) {
  if (!shim_controlled() || !is_virtual(c))
    return REAL(clock_gettime)(c, ts);
  uint64_t t = virtual_now(c);
  ts->tv_sec = (time_t)(t / NS);
  ts->tv_nsec = (long)(t % NS);
  record_read(DARA_CALL_clock_gettime, (uint64_t)c, t, 0);
  return 0;
}

SHIM_EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  if (!shim_controlled())
    return REAL(gettimeofday)(tv, tz);
  uint64_t t = virtual_now(CLOCK_REALTIME);
  tv->tv_sec = (time_t)(t / NS); /* glibc declares tv non-null */
  tv->tv_usec = (suseconds_t)(t % NS / 1000);
  record_read(DARA_CALL_gettimeofday, t / 1000, 0, 0);
  return 0;
}

SHIM_EXPORT time_t time(time_t *out) {
  if (!shim_controlled())
    return REAL(time)(out);
  time_t sec = (time_t)(virtual_now(CLOCK_REALTIME) / NS);
  if (out)
    *out = sec;
  record_read(DARA_CALL_time, (uint64_t)sec, 0, sec);
  return sec;
}

SHIM_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem) {
  if (!shim_controlled())
    return REAL(nanosleep)(req, rem);
  if (!req || req->tv_nsec < 0 || req->tv_nsec >= (long)NS || req->tv_sec < 0) {
    errno = EINVAL;
    return -1;
  }
  virtual_sleep(read_now() + to_ns(req), DARA_CALL_nanosleep, to_ns(req), 0, 0);
  if (rem)
    rem->tv_sec = rem->tv_nsec = 0;
  return 0;
}

SHIM_EXPORT int clock_nanosleep(clockid_t c, int flags, const struct timespec *req,
                                struct timespec *rem) {
  if (!shim_controlled() || !is_virtual(c))
    return REAL(clock_nanosleep)(c, flags, req, rem);
  if (!req || req->tv_nsec < 0 || req->tv_nsec >= (long)NS || req->tv_sec < 0)
    return EINVAL;
  uint64_t now = read_now();
  virtual_sleep(flags & TIMER_ABSTIME ? shim_deadline(c, req) : now + to_ns(req),
                DARA_CALL_clock_nanosleep, (uint64_t)c, (uint64_t)flags, to_ns(req));
  if (rem && !(flags & TIMER_ABSTIME))
    rem->tv_sec = rem->tv_nsec = 0;
  return 0;
}

SHIM_EXPORT unsigned sleep(unsigned seconds) {
  if (!shim_controlled())
    return REAL(sleep)(seconds);
  virtual_sleep(read_now() + (uint64_t)seconds * NS, DARA_CALL_sleep, seconds, 0, 0);
  return 0;
}

SHIM_EXPORT int usleep(useconds_t usec) {
  if (!shim_controlled())
    return REAL(usleep)(usec);
  virtual_sleep(read_now() + (uint64_t)usec * 1000u, DARA_CALL_usleep, usec, 0, 0);
  return 0;
}
