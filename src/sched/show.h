/*
 * show: `dara show` (cli.h).
 */
#ifndef DARA_SCHED_SHOW_H
#define DARA_SCHED_SHOW_H

#endif
