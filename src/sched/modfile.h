/*
 * modfile: a module's file, safe to read whatever the program did to it.
 *
 * Module paths come from the region, which the program can write: the path
 * may name a FIFO (an open would block), a device, a huge file, or a file
 * the program truncates while dara has it mapped (SIGBUS). dara reads a
 * module through a snapshot instead: a regular file, opened without
 * blocking, copied into a sealed memfd that cannot shrink under a mapping.
 */
#ifndef DARA_SCHED_MODFILE_H
#define DARA_SCHED_MODFILE_H

/* Larger files are not read (no program or shared object is this big). */
#define MODFILE_MAX ((long long)1 << 30)

/* A read-only snapshot of the regular file at path, as a sealed memfd
 * positioned at 0 (the caller's to close), or -1. */
int modfile_snapshot(const char *path);

#endif
