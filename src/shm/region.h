/*
 * region: creating, attaching to and checking the shared control region.
 *
 * The scheduler calls region_create once per execution; the shim calls
 * region_attach once at start-up. Both sides use the accessors below; the
 * scheduler additionally uses the region_check_* validators, because the
 * program under test can write anything into the region.
 */
#ifndef DARA_SHM_REGION_H
#define DARA_SHM_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/region.h"

/* Creates a sealed memfd holding a freshly initialized region and maps it.
 * On success returns the mapping and stores the descriptor (close-on-exec) in
 * *fd; on failure returns NULL with errno set. */
struct dara_region *region_create(int *fd);

/* Rewrites the header and resets the clock and every control block, so one
 * region can serve many executions. */
void region_reset(struct dara_region *r);

/* Prepares a used region for the next execution at a fraction of the cost
 * of region_reset: the header, the clock and each control block's fields
 * are rewritten, its tables (modules, routines, log entries) are left as
 * they are, unreachable behind zeroed counts. */
void region_recycle(struct dara_region *r);
/* The same for one control block. */
void region_reset_proc(struct dara_proc *p);
/* Empties a coverage area for the next process: its counts, and its index
 * when anything was counted (always: whatever the program wrote). */
void region_clear_cov(struct dara_cov *c, bool always);

/* Unmaps a region made by region_create and closes its descriptor. */
void region_destroy(struct dara_region *r, int fd);

/* Maps the region found at descriptor fd and checks magic, ABI version and
 * sizes. Returns NULL and writes a one-line reason into why[why_len] when the
 * descriptor is not a dara region or is of another version. */
struct dara_region *region_attach(int fd, char *why, size_t why_len);

/* Validators for values read back from the region (untrusted). */
bool region_routine_index_ok(unsigned idx);
bool region_status_ok(unsigned status);
/* The window of a process's event log that the scheduler is about to read:
 * head as the region says (untrusted), tail where the scheduler left it.
 * True when head is at most DARA_LOG_LEN entries past tail; otherwise
 * false, with what cannot be right in why[why_len]. */
bool region_log_window_ok(uint32_t head, uint32_t tail, char *why, size_t why_len);

/* What log_lost says after a drain. The shim counts a lost event only
 * when the log is full (head DARA_LOG_LEN past a tail it cannot move), and
 * only the scheduler moves the tail, so when lost grew since the count
 * seen, head (read after lost) must be at least DARA_LOG_LEN past old_tail
 * (the tail before this drain), and at most twice that (a producer that
 * went on while the log drained fills it once more). Returns 0 when
 * nothing was lost, 1 for a genuine overflow (dara's limit), -1 for a
 * value that cannot be right, with what is wrong in why[why_len]. */
int region_log_lost_check(uint32_t lost, uint32_t seen, uint32_t head, uint32_t old_tail, char *why,
                          size_t why_len);

/* Copies a NUL-terminated name out of the region into out[out_len], replacing
 * anything that is not printable ASCII with '?'. */
void region_copy_name(char *out, size_t out_len, const char *in, size_t in_len);

#endif
