/*
 * fork_child.c: a controlled program forks while another of its threads is
 * busy with a mutex; the child locks and unlocks a mutex of its own many
 * times and exits 0, while the parent goes on with its threads and then
 * waits for the child with waitpid.
 *
 * The child gets a control block of its own (process 1), whose one thread
 * is the forking one: if the shim kept treating it as the parent's main
 * thread, the two would share one gate and the parent's turn, and the run
 * would hang or fall apart. dara has to exit 0, and the recording replays.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 200

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&lock);
  counter++;
  pthread_mutex_unlock(&lock);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    int n = 0;
    for (int i = 0; i < ROUNDS; i++) {
      pthread_mutex_lock(&child_lock);
      n++;
      pthread_mutex_unlock(&child_lock);
    }
    _exit(n == ROUNDS ? 0 : 9);
  }
  worker(NULL);
  pthread_join(t, NULL);
  int status;
  if (waitpid(pid, &status, 0) != pid) {
    perror("waitpid");
    return 1;
  }
  printf("child status %#x, counter %d\n", status, counter);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && counter == 2 * ROUNDS + 1 ? 0 : 1;
}
