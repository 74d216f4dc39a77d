/*
 * real.c: the libc/libpthread functions the shim wraps, found with
 * dlsym(RTLD_NEXT). Resolved once in the shim's constructor, before the
 * program runs, so the wrappers never call dlsym on a hot path.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "runtime_shim/shim.h"

struct shim_real real;

#define RESOLVE(name)                                     \
  do {                                                    \
    *(void **)&real.name = dlsym(RTLD_NEXT, #name);       \
    if (!real.name)                                       \
      shim_die("cannot find the real %s: %s", #name, dlerror()); \
  } while (0)

#define RESOLVE_VERSION(name, version)                      \
  do {                                                      \
    *(void **)&real.name = dlvsym(RTLD_NEXT, #name, version); \
    if (!real.name)                                         \
      RESOLVE(name);                                        \
  } while (0)

void real_resolve(void) {
  RESOLVE(pthread_create);
  RESOLVE(pthread_join);
  RESOLVE(pthread_detach);
  RESOLVE(pthread_exit);
  RESOLVE(pthread_mutex_init);
  RESOLVE(pthread_mutex_lock);
  RESOLVE(pthread_mutex_trylock);
  RESOLVE(pthread_mutex_unlock);
  RESOLVE(pthread_rwlock_init);
  RESOLVE(pthread_rwlock_rdlock);
  RESOLVE(pthread_rwlock_wrlock);
  RESOLVE(pthread_rwlock_tryrdlock);
  RESOLVE(pthread_rwlock_trywrlock);
  RESOLVE(pthread_rwlock_unlock);
  RESOLVE(sem_wait);
  RESOLVE(sem_trywait);
  RESOLVE(sem_post);
  RESOLVE(pthread_barrier_init);
  RESOLVE(pthread_barrier_destroy);
  RESOLVE(pthread_spin_init);
  RESOLVE(pthread_spin_lock);
  RESOLVE(pthread_spin_trylock);
  RESOLVE(pthread_spin_unlock);
  RESOLVE(pthread_once);
  RESOLVE(fork);
  RESOLVE(pthread_mutex_timedlock);
  RESOLVE(pthread_mutex_clocklock);
  RESOLVE(pthread_rwlock_timedrdlock);
  RESOLVE(pthread_rwlock_timedwrlock);
  RESOLVE(sem_timedwait);
  RESOLVE(pthread_barrier_wait);
  RESOLVE(pthread_cond_clockwait);
  RESOLVE(pthread_mutex_destroy);
  RESOLVE_VERSION(pthread_cond_destroy, "GLIBC_2.3.2");
  RESOLVE_VERSION(pthread_cond_init, "GLIBC_2.3.2");
  RESOLVE(pthread_rwlock_destroy);
  RESOLVE(pthread_spin_destroy);
  RESOLVE(sem_destroy);
  RESOLVE(execve);
  RESOLVE(execv);
  RESOLVE(execvp);
  RESOLVE(execvpe);
  RESOLVE(fexecve);
  RESOLVE(clock_gettime);
  RESOLVE(gettimeofday);
  RESOLVE(time);
  RESOLVE(nanosleep);
  RESOLVE(clock_nanosleep);
  RESOLVE(sleep);
  RESOLVE(usleep);
  RESOLVE(pthread_rwlock_clockrdlock);
  RESOLVE(pthread_rwlock_clockwrlock);
  RESOLVE(sem_clockwait);
  /* The recorded calls (files.c, procenv.c, net.c). */
  RESOLVE(open);
  RESOLVE(openat);
  RESOLVE(creat);
  RESOLVE(read);
  RESOLVE(write);
  RESOLVE(close);
  RESOLVE(stat);
  RESOLVE(lstat);
  RESOLVE(fstat);
  RESOLVE(lseek);
  RESOLVE(pread);
  RESOLVE(pwrite);
  RESOLVE(rename);
  RESOLVE(unlink);
  RESOLVE(mkdir);
  RESOLVE(rmdir);
  RESOLVE(fsync);
  RESOLVE(ftruncate);
  RESOLVE(pipe);
  RESOLVE(pipe2);
  RESOLVE(getpid);
  RESOLVE(getppid);
  RESOLVE(kill);
  RESOLVE(exit);
  RESOLVE(wait);
  RESOLVE(waitpid);
  RESOLVE(getenv);
  RESOLVE(setenv);
  RESOLVE(unsetenv);
  RESOLVE(socket);
  RESOLVE(socketpair);
  RESOLVE(bind);
  RESOLVE(listen);
  RESOLVE(accept);
  RESOLVE(accept4);
  RESOLVE(connect);
  RESOLVE(send);
  RESOLVE(sendto);
  RESOLVE(sendmsg);
  RESOLVE(recv);
  RESOLVE(recvfrom);
  RESOLVE(recvmsg);
  RESOLVE(shutdown);
  RESOLVE(setsockopt);
  RESOLVE(poll);
  RESOLVE(select);
  RESOLVE(epoll_wait);
  RESOLVE(ppoll);
  RESOLVE(pselect);
  RESOLVE(epoll_pwait);
  RESOLVE(getsockopt);
  /* Condition variables have two symbol versions; ask for the current one,
   * or dlsym hands back the 2.2.5 compatibility implementation. */
  RESOLVE_VERSION(pthread_cond_wait, "GLIBC_2.3.2");
  RESOLVE_VERSION(pthread_cond_timedwait, "GLIBC_2.3.2");
  RESOLVE_VERSION(pthread_cond_signal, "GLIBC_2.3.2");
  RESOLVE_VERSION(pthread_cond_broadcast, "GLIBC_2.3.2");
  __atomic_store_n(&real.ready, true, __ATOMIC_RELEASE);
}
