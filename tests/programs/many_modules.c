/*
 * many_modules.c LIB...: loads each shared object LIB (copies of
 * many_modules_lib.so under different paths, so each is a module of its
 * own) and calls its dm_touch, which locks a mutex of that module. With
 * more than 32 of them, dara's module table (DARA_MAX_MODULES) is full:
 * dara's limit, which has to end the run as an error, not as a bug of the
 * program. Natively it prints "touched N" and exits 0.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
    void (*touch)(void) = h ? (void (*)(void))dlsym(h, "dm_touch") : NULL;
    if (!touch) {
      fprintf(stderr, "many_modules: %s: %s\n", argv[i], dlerror());
      return 2;
    }
    touch();
  }
  printf("touched %d\n", argc - 1);
  return 0;
}
