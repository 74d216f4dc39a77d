/*
 * fork_race.c: a process and the child it forks race through shared
 * memory (an anonymous MAP_SHARED page, inherited across fork).
 *
 *   fork_race race   parent and child each read the counter, sleep, and
 *                    write it back plus one; the parent waits for the
 *                    child and asserts the counter is 2: a lost update
 *                    fails it when the two reads come before either write
 *   fork_race fixed  the same work, ordered: the child's child bumps,
 *                    then the child (after wait), then a child forked by
 *                    a thread of the parent (after waitpid), then the
 *                    parent (after waitpid(-1)); a child's exit status 3
 *                    is its parent's to check, no bug; counter must be 4
 *   fork_race child  the child asserts the counter is still 0 after its
 *                    sleep: the parent's write may come first, and the
 *                    child's assertion fails (a crash of process 1)
 *   fork_race many N forks N children one after the other, waiting for
 *                    each: past dara's 64 processes the run ends with
 *                    dara's limit, exit 2
 *   fork_race sem    the child bumps the counter and posts a semaphore in
 *                    the shared page (process-shared); the parent waits
 *                    on it, then bumps: always 2, never a deadlock
 *   fork_race mutex  parent and child bump under a process-shared mutex
 *                    in the shared page, twice each: always 4
 *   fork_race cond   parent and child take turns through a process-shared
 *                    mutex and condition variable in the shared page: the
 *                    child waits for the parent's "go", bumps, signals
 *                    back; always 2, never a deadlock
 *   fork_race lost   the same, the child reading the flag before it takes
 *                    the mutex and waiting once: when the parent signals
 *                    in between, the signal is lost and the two deadlock
 *   fork_race spawn  the child execs this program with "seven", which
 *                    locks a mutex and exits with status 7: the parent
 *                    waits for it and checks the status
 *   fork_race pspawn posix_spawn runs /bin/sleep 0.3 (uncontrolled) and
 *                    the program waits for it with waitpid: a wait that
 *                    takes real time, not a deadlock
 *   fork_race talk   the child writes "ping" into a pipe made before the
 *                    fork; the parent reads it and answers "pong" over a
 *                    UNIX datagram socketpair: messages between processes
 *                    that show pairs
 */
#include <assert.h>
#include <pthread.h>
#include <semaphore.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int *counter;

static void bump(void) {
  int v = *counter;
  usleep(10);
  *counter = v + 1;
}

static void wait_for(pid_t pid, int want_status) {
  int st;
  pid_t got = waitpid(pid, &st, 0);
  assert(got > 0 && (pid <= 0 || got == pid));
  assert(WIFEXITED(st) && WEXITSTATUS(st) == want_status);
}

static void *forker(void *arg) {
  (void)arg;
  pid_t pid = fork();
  if (pid == 0) {
    bump();
    exit(0);
  }
  wait_for(pid, 0);
  return NULL;
}

static int race(void) {
  pid_t pid = fork();
  if (pid == 0) {
    bump();
    _exit(0);
  }
  bump();
  wait_for(pid, 0);
  printf("counter %d\n", *counter);
  assert(*counter == 2);
  return 0;
}

static int fixed(void) {
  pid_t pid = fork();
  if (pid == 0) {
    pid_t g = fork();
    if (g == 0) {
      bump();
      _exit(3);
    }
    int st;
    assert(wait(&st) == g && WIFEXITED(st) && WEXITSTATUS(st) == 3);
    bump();
    return 0;
  }
  wait_for(-1, 0);
  pthread_t t;
  pthread_create(&t, NULL, forker, NULL);
  pthread_join(t, NULL);
  bump();
  printf("counter %d\n", *counter);
  assert(*counter == 4);
  return 0;
}

static int child_asserts(void) {
  pid_t pid = fork();
  if (pid == 0) {
    usleep(10);
    assert(*counter == 0);
    _exit(0);
  }
  *counter = 1;
  int st;
  waitpid(pid, &st, 0);
  return 0;
}

static int many(int n) {
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0)
      _exit(0);
    wait_for(pid, 0);
  }
  return 0;
}

static int sem_order(void) {
  sem_t *done = (sem_t *)(counter + 16);
  if (sem_init(done, 1, 0) != 0)
    return 111;
  pid_t pid = fork();
  if (pid == 0) {
    bump();
    sem_post(done);
    _exit(0);
  }
  sem_wait(done);
  bump();
  wait_for(pid, 0);
  printf("counter %d\n", *counter);
  assert(*counter == 2);
  return 0;
}

static int mutex_order(void) {
  pthread_mutex_t *m = (pthread_mutex_t *)(counter + 16);
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  if (pthread_mutex_init(m, &a) != 0)
    return 111;
  pid_t pid = fork();
  for (int i = 0; i < 2; i++) {
    pthread_mutex_lock(m);
    bump();
    pthread_mutex_unlock(m);
  }
  if (pid == 0)
    _exit(0);
  wait_for(pid, 0);
  printf("counter %d\n", *counter);
  assert(*counter == 4);
  return 0;
}

/* In the shared page after the counter: a flag, a mutex and a condition
 * variable, all process-shared. */
struct handoff {
  int turn;
  pthread_mutex_t m;
  pthread_cond_t c;
};

static int cond_turns(bool looped) {
  struct handoff *h = (struct handoff *)(counter + 16);
  pthread_mutexattr_t ma;
  pthread_condattr_t ca;
  pthread_mutexattr_init(&ma);
  pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
  pthread_condattr_init(&ca);
  pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
  if (pthread_mutex_init(&h->m, &ma) != 0 || pthread_cond_init(&h->c, &ca) != 0)
    return 111;
  pid_t pid = fork();
  if (pid == 0) {
    int seen = h->turn; /* lost: read before the lock, and waited on once */
    pthread_mutex_lock(&h->m);
    if (looped)
      while (h->turn != 1)
        pthread_cond_wait(&h->c, &h->m);
    else if (seen != 1)
      pthread_cond_wait(&h->c, &h->m);
    bump();
    h->turn = 2;
    pthread_cond_signal(&h->c);
    pthread_mutex_unlock(&h->m);
    _exit(0);
  }
  pthread_mutex_lock(&h->m);
  h->turn = 1;
  pthread_cond_signal(&h->c);
  while (h->turn != 2)
    pthread_cond_wait(&h->c, &h->m);
  bump();
  pthread_mutex_unlock(&h->m);
  wait_for(pid, 0);
  printf("counter %d\n", *counter);
  assert(*counter == 2);
  return 0;
}

static int talk(void) {
  int p[2], sv[2];
  if (pipe(p) != 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
    return 111;
  pid_t pid = fork();
  if (pid == 0) {
    char buf[8] = "";
    assert(write(p[1], "ping", 4) == 4);
    assert(recv(sv[1], buf, sizeof(buf), 0) == 4 && memcmp(buf, "pong", 4) == 0);
    _exit(0);
  }
  char buf[8] = "";
  assert(read(p[0], buf, sizeof(buf)) == 4 && memcmp(buf, "ping", 4) == 0);
  assert(send(sv[0], "pong", 4, 0) == 4);
  wait_for(pid, 0);
  return 0;
}

static int spawn(const char *self) {
  pid_t pid = fork();
  if (pid == 0) {
    execl(self, self, "seven", (char *)NULL);
    _exit(127);
  }
  wait_for(pid, 7);
  return 0;
}

static int pspawn(void) {
  extern char **environ;
  char *argv[] = {"sleep", "0.3", NULL};
  pid_t pid;
  if (posix_spawn(&pid, "/bin/sleep", NULL, NULL, argv, environ) != 0)
    return 111;
  wait_for(pid, 0);
  return 0;
}

static int seven(void) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_mutex_lock(&m);
  pthread_mutex_unlock(&m);
  return 7;
}

int main(int argc, char **argv) {
  /* The counter, then room for a semaphore or a mutex (counter + 16). */
  counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (counter == MAP_FAILED)
    return 111;
  const char *mode = argc > 1 ? argv[1] : "race";
  if (strcmp(mode, "race") == 0)
    return race();
  if (strcmp(mode, "fixed") == 0)
    return fixed();
  if (strcmp(mode, "child") == 0)
    return child_asserts();
  if (strcmp(mode, "many") == 0 && argc > 2)
    return many(atoi(argv[2]));
  if (strcmp(mode, "talk") == 0)
    return talk();
  if (strcmp(mode, "sem") == 0)
    return sem_order();
  if (strcmp(mode, "cond") == 0 || strcmp(mode, "lost") == 0)
    return cond_turns(strcmp(mode, "cond") == 0);
  if (strcmp(mode, "spawn") == 0)
    return spawn(argv[0]);
  if (strcmp(mode, "seven") == 0)
    return seven();
  if (strcmp(mode, "pspawn") == 0)
    return pspawn();
  if (strcmp(mode, "mutex") == 0)
    return mutex_order();
  fprintf(stderr,
          "usage: fork_race race|fixed|child|many N|talk|sem|mutex|cond|lost|spawn|pspawn\n");
  return 2;
}
