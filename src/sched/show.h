/*
 * show: `dara show` (cli.h), and the text of a syscall event, which replay
 * uses in its divergence reports too.
 */
#ifndef DARA_SCHED_SHOW_H
#define DARA_SCHED_SHOW_H

#include <stddef.h>

#include "sched/event.h"

/* `read(fd=3, count=64) = 11 "hello dara\n"  [1.000001s..1.000002s]`. */
void show_syscall_text(const struct dara_event *ev, char *buf, size_t len);

#endif
