/*
 * gen_corpus: writes the seed corpus of the schedule-file fuzz target.
 *
 *   gen_corpus DIR
 *
 * A few small valid files that between them use every record type, both
 * event forms, every event kind and the escaped STEP operation, plus one
 * file cut short (the writer killed before its footer). world.bin has the
 * labels and the events that name them: logged variables of each type,
 * assertions of each kind, a failed property. syscalls.bin has system
 * calls of every group, failed ones, and data excerpts up to the full 64
 * bytes. memory.bin is a program built with dara-cc: memory steps of
 * every operation, locations named by SYMBOL records, the POINTS record.
 * race.bin ends in a data race (outcome 8, new in version 3). racy.bin
 * is a run under --points racy, its places in the POINTS record (new in
 * version 4). check.bin was given --ok-exit and --check (the ORACLE
 * record) and ends in a failed check (outcome 9), with the PROGRAMS
 * record, all new in version 4, and the WORLD record (program file,
 * environment, standard input with a NUL byte), new in version 5, with
 * two descriptors above 2, a FILE record and INPUT records (typed at a
 * terminal), new in version 10.
 * limit.bin was cut at its step limit (outcome 10, and the limit in the
 * header: new in version 5). sites.bin has every step's place (its call
 * site) and the MODULE records of two processes, new in version 6, its
 * places written through the place tables of version 7 (a place met again
 * is an index). v1.bin is mutex.bin as format version 1, which readers
 * still accept. sites_v6.bin is not written here: it is sites.bin as the
 * version 6 writer wrote it (every place in full), kept so that the fuzzer
 * starts from both encodings. The files it writes are committed in tests/fuzz/corpus/; after a
 * format change, regenerate them from the top of the repository with
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iinclude -Isrc tests/fuzz/gen_corpus.c \
 *      src/sched/schedfile.c src/sched/schedfile_read.c src/sched/schedfile_write.c \
 *      src/sched/crc32c.c src/sched/varint.c src/sched/event.c \
 *      -o /tmp/gen_corpus &&
 *   /tmp/gen_corpus tests/fuzz/corpus
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched/schedfile.h"

static char *argv_prog[] = {"./prog", "-n", "2", NULL};
static char *argv_child[] = {"./child", "it's quoted", NULL};

static struct schedfile_writer *start_racy(const char *dir, const char *name, int nprocs,
                                           unsigned points, struct dara_racy *racy) {
  char path[4096], err[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  struct sched_header h = {
      .dara_version = "0.1.0",
      .cwd = "/src/project",
      .strategy = "random",
      .seed = 12345,
      .nprocs = nprocs,
      .points = points,
      .racy = racy,
  };
  h.cmds[0] = (struct sched_cmd){3, argv_prog};
  h.cmds[1] = (struct sched_cmd){2, argv_child};
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  if (!w) {
    fprintf(stderr, "gen_corpus: %s\n", err);
    exit(1);
  }
  return w;
}

static struct schedfile_writer *start_points(const char *dir, const char *name, int nprocs,
                                             unsigned points) {
  return start_racy(dir, name, nprocs, points, NULL);
}

static struct schedfile_writer *start(const char *dir, const char *name, int nprocs) {
  return start_points(dir, name, nprocs, DARA_POINTS_SYNC);
}

static void finish(struct schedfile_writer *w, unsigned kind, int code, const char *msg) {
  char err[256];
  struct sched_outcome o = {kind, code, 0, (char *)msg};
  if (schedfile_close(w, &o, err, sizeof err) != 0) {
    fprintf(stderr, "gen_corpus: %s\n", err);
    exit(1);
  }
}

static void ev(struct schedfile_writer *w, struct dara_event e) {
  if (schedfile_write_event(w, &e) != 0) {
    fprintf(stderr, "gen_corpus: event refused\n");
    exit(1);
  }
}

/* Two workers taking a mutex in turn; a condition wait; a try-lock. */
static void write_mutex(const char *dir) {
  struct schedfile_writer *w = start(dir, "mutex.bin", 1);
  struct sched_thread main_t = {0, 0, "prog", 0, 0, "main"};
  struct sched_thread w1 = {0, 1, "prog", 0x11a9, 0, "worker"};
  struct sched_thread w2 = {0, 2, "prog", 0x11a9, 1, "worker"};
  struct sched_object m = {0, 1, DARA_OBJ_MUTEX, "prog", 0x4040};
  struct sched_object c = {0, 2, DARA_OBJ_COND, "", 0};
  schedfile_define_thread(w, &main_t);
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_CREATE, .time = 1000});
  schedfile_define_thread(w, &w1);
  ev(w, (struct dara_event){.kind = DARA_EV_CREATE, .arg = 1, .time = 1000});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_CREATE, .time = 2000});
  schedfile_define_thread(w, &w2);
  ev(w, (struct dara_event){.kind = DARA_EV_CREATE, .arg = 2, .time = 2000});
  schedfile_define_object(w, &m);
  schedfile_define_object(w, &c);
  for (int i = 0; i < 6; i++) {
    uint16_t r = (uint16_t)(1 + i % 2);
    uint64_t t = 3000 + 1000 * (uint64_t)i;
    ev(w, (struct dara_event){
              .kind = DARA_EV_STEP, .routine = r, .op = DARA_OP_MUTEX_LOCK, .obj = 1, .time = t});
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = r,
                              .op = DARA_OP_COND_WAIT,
                              .obj = 2,
                              .obj2 = 1,
                              .time = t + 500});
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = r,
                              .op = DARA_OP_MUTEX_UNLOCK,
                              .obj = 1,
                              .time = t + 700});
  }
  ev(w,
     (struct dara_event){
         .kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_MUTEX_TRYLOCK, .obj = 1, .time = 9000});
  ev(w, (struct dara_event){.kind = DARA_EV_RESULT,
                            .routine = 1,
                            .op = DARA_OP_MUTEX_TRYLOCK,
                            .arg = 16,
                            .time = 9000});
  ev(w, (struct dara_event){
            .kind = DARA_EV_STEP, .routine = 2, .op = DARA_OP_PROC_EXIT, .time = 9500});
  ev(w, (struct dara_event){.kind = DARA_EV_EXIT, .routine = 2, .arg = 0, .time = 9500});
  finish(w, 0, 0, NULL);
}

/* Two threads racing on a global and an atomic, built with dara-cc: every
 * memory operation, with sizes and places (pc in arg), on named and heap
 * locations. */
static void write_memory(const char *dir) {
  struct schedfile_writer *w = start_points(dir, "memory.bin", 1, DARA_POINTS_ALL);
  struct sched_thread w1 = {0, 1, "prog", 0x11a9, 0, "work"};
  struct sched_object counter = {0, 2, DARA_OBJ_MEMORY, "prog", 0x4014};
  struct sched_object flag = {0, 3, DARA_OBJ_MEMORY, "prog", 0x4018};
  struct sched_object heap = {0, 4, DARA_OBJ_MEMORY, "", 0};
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_CREATE});
  schedfile_define_thread(w, &w1);
  ev(w, (struct dara_event){.kind = DARA_EV_CREATE, .arg = 1});
  schedfile_define_object_symbol(w, &counter, "counter");
  schedfile_define_object_symbol(w, &flag, "ready");
  schedfile_define_object_symbol(w, &heap, NULL);
  for (unsigned op = DARA_OP_MEM_READ; op <= DARA_OP_FENCE; op++) {
    uint32_t obj = op == DARA_OP_FENCE ? 0 : op < DARA_OP_ATOMIC_LOAD ? 2 : 3;
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = (uint16_t)(op % 2),
                              .op = (uint16_t)op,
                              .obj = obj,
                              .obj2 = obj ? 4 : 0,
                              .arg = (int64_t)(0x119d + op) << 5});
  }
  ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                            .routine = 1,
                            .op = DARA_OP_MEM_WRITE,
                            .obj = 4,
                            .obj2 = 16,
                            .arg = 0x2040 << 5 | 1});
  ev(w, (struct dara_event){.kind = DARA_EV_EXIT, .arg = 1});
  finish(w, 1, 1, "process 0 (./prog) exited with status 1");
}

/* Two threads increment a global without a lock; the run ends at the
 * second write, a data race. */
static void write_race(const char *dir) {
  struct schedfile_writer *w = start_points(dir, "race.bin", 1, DARA_POINTS_ALL);
  struct sched_object counter = {0, 1, DARA_OBJ_MEMORY, "prog", 0x4014};
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START});
  for (uint16_t routine = 1; routine <= 2; routine++) {
    struct sched_thread t = {0, routine, "prog", 0x11e3, routine - 1u, "worker"};
    ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_CREATE});
    schedfile_define_thread(w, &t);
    ev(w, (struct dara_event){.kind = DARA_EV_CREATE, .arg = routine});
  }
  schedfile_define_object_symbol(w, &counter, "counter");
  for (uint16_t routine = 1; routine <= 2; routine++) {
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = routine,
                              .op = DARA_OP_MEM_READ,
                              .obj = 1,
                              .obj2 = 4,
                              .arg = 0x1130 << 5});
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = routine,
                              .op = DARA_OP_MEM_WRITE,
                              .obj = 1,
                              .obj2 = 4,
                              .arg = 0x1139 << 5});
  }
  finish(w, SCHED_OUT_RACE, 0, "data race on counter+0");
}

/* racy_counter under --points racy: the places of the counter's load and
 * store, and a lost update (exit 1) made of steps at those places only. */
static void write_racy(const char *dir) {
  static struct dara_racy racy = {.nmodules = 1,
                                  .nplaces = 2,
                                  .modules = {"/src/project/prog"},
                                  .places = {{0, 0, 0x1130}, {0, 0, 0x1139}}};
  struct schedfile_writer *w = start_racy(dir, "racy.bin", 1, DARA_POINTS_RACY, &racy);
  struct sched_object counter = {0, 1, DARA_OBJ_MEMORY, "prog", 0x4014};
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START});
  for (uint16_t routine = 1; routine <= 2; routine++) {
    struct sched_thread t = {0, routine, "prog", 0x11e3, routine - 1u, "work"};
    ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_CREATE});
    schedfile_define_thread(w, &t);
    ev(w, (struct dara_event){.kind = DARA_EV_CREATE, .arg = routine});
  }
  schedfile_define_object_symbol(w, &counter, "counter");
  for (uint16_t routine = 1; routine <= 2; routine++)
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = routine,
                              .op = DARA_OP_MEM_READ,
                              .obj = 1,
                              .obj2 = 4,
                              .arg = 0x1130 << 5});
  for (uint16_t routine = 1; routine <= 2; routine++)
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = routine,
                              .op = DARA_OP_MEM_WRITE,
                              .obj = 1,
                              .obj2 = 4,
                              .arg = 0x1139 << 5});
  finish(w, 1, 1, "process 0 (./prog) exited with status 1");
}

/* sales_report under --ok-exit 3 --check: a lost update the check saw. */
static void write_check(const char *dir) {
  char path[4096], err[256];
  snprintf(path, sizeof path, "%s/check.bin", dir);
  struct sched_header h = {
      .dara_version = "0.1.0",
      .cwd = "/src/project",
      .strategy = "dfs depth 10",
      .seed = 7,
      .nprocs = 1,
      .oracle = {.nok_exit = 1, .ok_exit = {3}, .check = "diff - want.txt"},
      .has_programs = true,
      .programs = {{.size = 16424,
                    .kind = PROGRAM_ID_BUILD_ID,
                    .len = 20,
                    .id = {0x43, 0xb0, 0xdb, 0x5b, 0xd7, 0xd1, 0xeb, 0xdd, 0x43, 0xbc,
                           0x6f, 0xba, 0x7a, 0x3a, 0xc1, 0xd6, 0xa3, 0x6e, 0x1e, 0xc3}}}};
  h.cmds[0] = (struct sched_cmd){3, argv_prog};
  static char *env[] = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "REGION=north"};
  static uint8_t input[] = {'4', '2', '\n', 0, 'x', '\n'};
  static uint8_t piped[] = {'p', '\n'};
  static struct sched_fd fds[] = {{.fd = 3, .copied = true, .len = sizeof piped, .data = piped},
                                  {.fd = 5, .copied = false}};
  h.has_world = true;
  h.world = (struct sched_world){.paths = {"/src/project/prog"},
                                 .nenv = 3,
                                 .env = env,
                                 .has_input = true,
                                 .input_len = sizeof input,
                                 .input = input,
                                 .has_fds = true,
                                 .nfds = 2,
                                 .fds = fds};
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  if (!w) {
    fprintf(stderr, "gen_corpus: %s\n", err);
    exit(1);
  }
  struct sched_object m = {0, 1, DARA_OBJ_MUTEX, "prog", 0x4040};
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START});
  static const uint8_t config[] = {'n', '=', '2', '\n'};
  schedfile_define_file(w, "/src/project/config.txt", 0100644, config, sizeof config);
  schedfile_define_input(
      w, &(struct sched_input_chunk){.steps = 0, .len = 3, .data = (uint8_t *)"y\n\x04"});
  schedfile_define_input(w, &(struct sched_input_chunk){.steps = 2, .eof = true});
  schedfile_define_object(w, &m);
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_MUTEX_LOCK, .obj = 1});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_MUTEX_UNLOCK, .obj = 1});
  ev(w, (struct dara_event){.kind = DARA_EV_EXIT, .arg = 0});
  finish(w, SCHED_OUT_CHECK, 0, "the check failed: 'diff - want.txt' exited 1");
}

/* Two threads taking turns on a spinlock until --max-steps 8 cut the run. */
static void write_limit(const char *dir) {
  char path[4096], err[256];
  snprintf(path, sizeof path, "%s/limit.bin", dir);
  struct sched_header h = {.dara_version = "0.1.0",
                           .cwd = "/src/project",
                           .strategy = "pct d=2",
                           .seed = 99,
                           .max_steps = 8,
                           .nprocs = 1};
  h.cmds[0] = (struct sched_cmd){3, argv_prog};
  struct schedfile_writer *w = schedfile_create(path, &h, err, sizeof err);
  if (!w) {
    fprintf(stderr, "gen_corpus: %s\n", err);
    exit(1);
  }
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START});
  for (int i = 0; i < 8; i++) {
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = (uint16_t)(i % 2),
                              .op = (uint16_t)(i % 4 < 2 ? DARA_OP_SPIN_LOCK : DARA_OP_SPIN_UNLOCK),
                              .obj = 1});
  }
  finish(w, SCHED_OUT_STEP_LIMIT, 0,
         "step limit reached (--max-steps 8): inconclusive, the run was cut before it ended");
}

/* Two processes; a signal, a note, a hang and a deadlock; no virtual time. */
static void write_kinds(const char *dir) {
  struct schedfile_writer *w = start(dir, "kinds.bin", 2);
  struct sched_object s = {1, 7, DARA_OBJ_SEM, "libc.so.6", 0x1d0};
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START, .proc = 0});
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START, .proc = 1});
  schedfile_define_object(w, &s);
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .proc = 1, .op = DARA_OP_SEM_WAIT, .obj = 7});
  ev(w, (struct dara_event){
            .kind = DARA_EV_NOTE, .proc = 1, .op = DARA_NOTE_FORK_UNCONTROLLED, .arg = 4242});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .proc = 0, .op = DARA_OP_YIELD});
  ev(w, (struct dara_event){.kind = DARA_EV_HANG, .proc = 0, .arg = 10000});
  ev(w, (struct dara_event){.kind = DARA_EV_SIGNAL, .proc = 0, .arg = 11});
  ev(w, (struct dara_event){.kind = DARA_EV_DEADLOCK, .proc = 1});
  finish(w, 3, 0, "deadlock: 1:0 waits for sem#7");
}

static void label(struct schedfile_writer *w, uint32_t id, const char *text) {
  struct sched_label l = {id, (char *)text};
  if (schedfile_define_label(w, &l) != 0) {
    fprintf(stderr, "gen_corpus: label refused\n");
    exit(1);
  }
}

/* Two processes logging variables (int, double, string) and checking
 * assertions, labels defined as they are first used; a global property
 * fails at the end. */
static void write_world(const char *dir) {
  struct schedfile_writer *w = start(dir, "world.bin", 2);
  struct sched_thread w1 = {0, 1, "prog", 0x11a9, 0, "teller"};
  double rate = 0.035;
  int64_t rate_bits;
  memcpy(&rate_bits, &rate, sizeof rate_bits);
  schedfile_define_thread(w, &w1);
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START, .proc = 0});
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START, .proc = 1, .time = 10});
  label(w, 1, "balance");
  ev(w, (struct dara_event){.kind = DARA_EV_LOG,
                            .routine = 1,
                            .op = DARA_VAR_INT,
                            .obj = 1,
                            .arg = 100,
                            .time = 1000});
  label(w, 2, "rate");
  ev(w, (struct dara_event){.kind = DARA_EV_LOG,
                            .routine = 1,
                            .op = DARA_VAR_DOUBLE,
                            .obj = 2,
                            .arg = rate_bits,
                            .time = 2000});
  label(w, 3, "state");
  label(w, 4, "open");
  ev(w,
     (struct dara_event){
         .kind = DARA_EV_LOG, .proc = 1, .op = DARA_VAR_STRING, .obj = 3, .arg = 4, .time = 3000});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .routine = 1, .op = DARA_OP_YIELD, .time = 4000});
  ev(w, (struct dara_event){.kind = DARA_EV_LOG,
                            .routine = 1,
                            .op = DARA_VAR_INT,
                            .obj = 1,
                            .arg = -20,
                            .time = 5000});
  label(w, 5, "solvent");
  ev(w, (struct dara_event){.kind = DARA_EV_ASSERT,
                            .routine = 1,
                            .op = DARA_ASSERT_ALWAYS,
                            .obj = 5,
                            .obj2 = 42,
                            .arg = 0,
                            .time = 5000});
  label(w, 6, "served");
  ev(w, (struct dara_event){.kind = DARA_EV_ASSERT,
                            .proc = 1,
                            .op = DARA_ASSERT_SOMETIMES,
                            .obj = 6,
                            .obj2 = 7,
                            .arg = 1,
                            .time = 6000});
  label(w, 7, "lost deposit");
  ev(w, (struct dara_event){.kind = DARA_EV_ASSERT,
                            .proc = 1,
                            .op = DARA_ASSERT_UNREACHABLE,
                            .obj = 7,
                            .obj2 = 99,
                            .time = 7000});
  label(w, 8, "conservation");
  ev(w, (struct dara_event){.kind = DARA_EV_PROPERTY, .obj = 8, .time = 8000});
  finish(w, 5, 0, "property \"conservation\" failed");
}

/* Two processes making system calls: a file read and written, a refused
 * connection, a server's accept and recv, a sleep, getenv; the data
 * excerpts hold text, a path, binary bytes and the full 64 bytes. */
static void write_syscalls(const char *dir) {
  struct schedfile_writer *w = start(dir, "syscalls.bin", 2);
  struct sched_thread w1 = {0, 1, "prog", 0x11a9, 0, "client"};
  schedfile_define_thread(w, &w1);
  struct dara_sys full_sys = {.args = {4, 4096}, .start = 8000, .len = DARA_SYS_DATA};
  for (unsigned i = 0; i < DARA_SYS_DATA; i++) {
    full_sys.data[i] = (uint8_t)(i * 53);
  }
  struct dara_event full = {.kind = DARA_EV_SYSCALL,
                            .proc = 1,
                            .op = DARA_CALL_recv,
                            .arg = 64,
                            .time = 9000,
                            .sys = &full_sys};
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START, .proc = 0});
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START, .proc = 1, .time = 10});
  ev(w, (struct dara_event){
            .kind = DARA_EV_SYSCALL,
            .op = DARA_CALL_openat,
            .arg = 3,
            .time = 1000,
            .sys = &(struct dara_sys){
                .args = {(uint64_t)-100, 0, 0}, .start = 1000, .len = 10, .data = "/etc/hosts"}});
  ev(w,
     (struct dara_event){.kind = DARA_EV_SYSCALL,
                         .op = DARA_CALL_read,
                         .arg = 11,
                         .time = 2000,
                         .sys = &(struct dara_sys){
                             .args = {3, 64}, .start = 1500, .len = 11, .data = "hello dara\n"}});
  ev(w,
     (struct dara_event){.kind = DARA_EV_SYSCALL,
                         .routine = 1,
                         .op = DARA_CALL_connect,
                         .arg = -1,
                         .time = 3000,
                         .sys = &(struct dara_sys){.args = {5, 8080}, .start = 3000, .err = 111}});
  ev(w, (struct dara_event){.kind = DARA_EV_SYSCALL,
                            .proc = 1,
                            .op = DARA_CALL_accept,
                            .arg = 4,
                            .time = 4000,
                            .sys = &(struct dara_sys){.args = {3}, .start = 3500}});
  ev(w, (struct dara_event){.kind = DARA_EV_SYSCALL,
                            .routine = 1,
                            .op = DARA_CALL_write,
                            .arg = 5,
                            .time = 5000,
                            .sys = &(struct dara_sys){
                                .args = {1, 5}, .start = 5000, .len = 5, .data = "a\0\xff\"\n"}});
  ev(w, (struct dara_event){.kind = DARA_EV_SYSCALL,
                            .routine = 1,
                            .op = DARA_CALL_nanosleep,
                            .time = 7000,
                            .sys = &(struct dara_sys){.args = {2000}, .start = 5000}});
  ev(w, (struct dara_event){.kind = DARA_EV_SYSCALL,
                            .proc = 1,
                            .op = DARA_CALL_getenv,
                            .time = 7500,
                            .sys = &(struct dara_sys){.start = 7500, .len = 4, .data = "HOME"}});
  ev(w, full);
  ev(w, (struct dara_event){
            .kind = DARA_EV_SYSCALL,
            .proc = 1,
            .op = DARA_CALL_COUNT - 1,
            .arg = INT64_MIN,
            .time = 9000,
            .sys = &(struct dara_sys){.args = {UINT64_MAX, 1ull << 63, 1}, .err = UINT32_MAX}});
  ev(w, (struct dara_event){
            .kind = DARA_EV_PEER, .proc = 0, .op = 1, .obj = 4, .obj2 = 3, .time = 9000});
  ev(w, (struct dara_event){.kind = DARA_EV_EXIT, .proc = 1, .time = 9500});
  ev(w, (struct dara_event){.kind = DARA_EV_EXIT, .proc = 0, .time = 9600});
  finish(w, 0, 0, NULL);
}

/* CRC-32C, bit by bit, to rewrite a file's checksum. */
static uint32_t crc32c(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) {
      c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
  }
  return ~c;
}

/* The length of the uvarint at buf[at], or 0 past n. */
static size_t uvarint_len(const uint8_t *buf, size_t n, size_t at) {
  for (size_t i = at; i < n && i < at + 10; i++) {
    if (!(buf[i] & 0x80)) {
      return i + 1 - at;
    }
  }
  return 0;
}

/* mutex.bin as version 1: nothing in it is new in version 2, so only the
 * version number, the header's step limit (version 5; none, one byte 0)
 * and the checksum change. */
static void write_v1(const char *dir) {
  char from[4096], to[4096];
  uint8_t buf[4096];
  snprintf(from, sizeof from, "%s/mutex.bin", dir);
  snprintf(to, sizeof to, "%s/v1.bin", dir);
  FILE *fp = fopen(from, "rb");
  size_t n = fp ? fread(buf, 1, sizeof buf, fp) : 0;
  if (fp) {
    fclose(fp);
  }
  if (n < 13 || n == sizeof buf || buf[8] != SCHEDFILE_VERSION) {
    fprintf(stderr, "gen_corpus: cannot read %s\n", from);
    exit(1);
  }
  buf[8] = 1;
  size_t at = 9;
  for (int i = 0; i < 5; i++) { /* three strings (length, bytes), seed, vtime_base */
    uint64_t len = 0;
    size_t k = uvarint_len(buf, n, at);
    for (size_t j = 0; i < 3 && j < k; j++) {
      len |= (uint64_t)(buf[at + j] & 0x7f) << (7 * j);
    }
    at += k + (size_t)len;
    if (k == 0 || at >= n) {
      fprintf(stderr, "gen_corpus: cannot read the header of %s\n", from);
      exit(1);
    }
  }
  if (buf[at] != 0) {
    fprintf(stderr, "gen_corpus: %s has a step limit\n", from);
    exit(1);
  }
  memmove(buf + at, buf + at + 1, n - at - 1); /* max_steps: not in version 1 */
  n--;
  uint32_t c = crc32c(buf, n - 4);
  for (int i = 0; i < 4; i++) {
    buf[n - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
  }
  fp = fopen(to, "wb");
  if (!fp || fwrite(buf, 1, n, fp) != n || fclose(fp) != 0) {
    fprintf(stderr, "gen_corpus: cannot write %s\n", to);
    exit(1);
  }
}

/* A longer run, for the fuzzer to mutate, cut before its footer. */
static void write_truncated(const char *dir) {
  char path[4096];
  struct schedfile_writer *w = start(dir, "truncated.bin", 1);
  for (int i = 0; i < 200; i++) {
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .routine = (uint16_t)(i * 7 % 5),
                              .op = (uint16_t)(i % 2 ? DARA_OP_SPIN_UNLOCK : DARA_OP_SPIN_LOCK),
                              .obj = (uint32_t)(1 + i % 3),
                              .time = (uint64_t)i * 100});
  }
  finish(w, 1, 1, "exit 1");
  snprintf(path, sizeof path, "%s/truncated.bin", dir);
  FILE *fp = fopen(path, "r+");
  if (!fp || fseek(fp, 0, SEEK_END) != 0 || ftruncate(fileno(fp), ftell(fp) - 9) != 0) {
    fprintf(stderr, "gen_corpus: cannot cut %s\n", path);
    exit(1);
  }
  fclose(fp);
}

/* Two processes whose steps carry their call sites (offset << 5 | module),
 * the modules named by MODULE records before the first step that names
 * them: the program, and for process 1 the C library too. */
static void write_sites(const char *dir) {
  struct schedfile_writer *w = start(dir, "sites.bin", 2);
  struct sched_thread main0 = {0, 0, "prog", 0, 0, "main"};
  struct sched_thread main1 = {1, 0, "child", 0, 0, "main"};
  struct sched_object m = {0, 1, DARA_OBJ_MUTEX, "prog", 0x4040};
  schedfile_define_thread(w, &main0);
  schedfile_define_thread(w, &main1);
  schedfile_define_object(w, &m);
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START});
  ev(w, (struct dara_event){.kind = DARA_EV_PROC_START, .proc = 1});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_THREAD_START});
  schedfile_define_module(w, 0, 0, "/src/project/prog");
  for (int i = 0; i < 3; i++) {
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .op = DARA_OP_MUTEX_LOCK,
                              .obj = 1,
                              .arg = 0x11d8 << 5,
                              .time = 1000 * (uint64_t)i});
    ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                              .op = DARA_OP_MUTEX_UNLOCK,
                              .obj = 1,
                              .arg = 0x11f0 << 5,
                              .time = 1000 * (uint64_t)i + 10});
  }
  schedfile_define_module(w, 1, 0, "/src/project/child");
  schedfile_define_module(w, 1, 1, "/lib/x86_64-linux-gnu/libc.so.6");
  ev(w, (struct dara_event){.kind = DARA_EV_STEP,
                            .proc = 1,
                            .op = DARA_OP_YIELD,
                            .arg = 0xe4c21 << 5 | 1,
                            .time = 5000});
  ev(w,
     (struct dara_event){
         .kind = DARA_EV_STEP, .proc = 1, .op = DARA_OP_SLEEP, .arg = 0x1139 << 5, .time = 6000});
  ev(w, (struct dara_event){.kind = DARA_EV_STEP, .op = DARA_OP_PROC_EXIT, .time = 7000});
  ev(w, (struct dara_event){.kind = DARA_EV_EXIT, .arg = 0, .time = 7000});
  ev(w,
     (struct dara_event){.kind = DARA_EV_STEP, .proc = 1, .op = DARA_OP_PROC_EXIT, .time = 7000});
  ev(w, (struct dara_event){.kind = DARA_EV_EXIT, .proc = 1, .arg = 0, .time = 7000});
  finish(w, 0, 0, NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_corpus DIR\n");
    return 2;
  }
  write_mutex(argv[1]);
  write_kinds(argv[1]);
  write_world(argv[1]);
  write_syscalls(argv[1]);
  write_memory(argv[1]);
  write_race(argv[1]);
  write_racy(argv[1]);
  write_check(argv[1]);
  write_limit(argv[1]);
  write_sites(argv[1]);
  write_v1(argv[1]);
  write_truncated(argv[1]);
  return 0;
}
