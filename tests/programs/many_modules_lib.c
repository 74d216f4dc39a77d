/*
 * many_modules_lib.c: the shared object many_modules.c loads many copies
 * of: a global mutex, locked once by dm_touch, so dara names an object in
 * each copy's module.
 */
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int touched;

void dm_touch(void);
void dm_touch(void) {
  pthread_mutex_lock(&lock);
  touched++;
  pthread_mutex_unlock(&lock);
}
