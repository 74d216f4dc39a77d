/*
 * modfile: a module's file, safe to read whatever the program did to it.
 *
 * Module paths come from the region, which the program can write: the path
 * may name a FIFO (an open would block), a device, a huge file, any file of
 * the user's, or a file the program truncates while dara has it mapped
 * (SIGBUS). So a path from the region is only a name: dara reads the file
 * only if it is one a controlled process maps, as the kernel says
 * (/proc/PID/maps: device and inode), and then through a snapshot: a
 * regular file, opened without blocking, checked to be that file again,
 * copied into a sealed memfd that cannot shrink under a mapping.
 */
#ifndef DARA_SCHED_MODFILE_H
#define DARA_SCHED_MODFILE_H

#include <stdbool.h>
#include <sys/types.h>

/* Larger files are not read (no program or shared object is this big). */
#define MODFILE_MAX ((long long)1 << 30)

/* Admits every file process pid maps now (the scheduler calls it when a
 * process attaches, and again when it registers more modules). */
void modfile_admit_process(pid_t pid);

/* Admits any file: for show, whose paths come from a schedule file the
 * user gave, not from a running program. */
void modfile_admit_any(void);

/* Whether path names a regular file admitted now, and which ((device,
 * inode) into *dev and *ino): for a process that admitted it (an explore
 * worker) to vouch for it to another (the parent, which then admits it
 * with modfile_admit; the snapshot still checks it is that file). */
bool modfile_admitted(const char *path, dev_t *dev, ino_t *ino);
void modfile_admit(dev_t dev, ino_t ino);

/* A read-only snapshot of the regular file at path, as a sealed memfd
 * positioned at 0 (the caller's to close), or -1: also when the file is
 * not one admitted. */
int modfile_snapshot(const char *path);

#endif
