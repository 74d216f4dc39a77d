/*
 * program.c: whether dara can run a program. See program.h.
 */
#include "sched/program.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/crc32c.h"

#if UINTPTR_MAX > 0xffffffffu
#define NATIVE_CLASS ELFCLASS64
#else
#define NATIVE_CLASS ELFCLASS32
#endif

/* An executable regular file at path: 0, or the errno execve would give. */
static int runnable(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return errno;
  if (S_ISDIR(st.st_mode))
    return EISDIR;
  if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0)
    return EACCES;
  return 0;
}

/* Where execvp finds name: into path (PATH_MAX bytes). 0, or an errno. */
static int resolve(const char *name, const char *dir, char *path) {
  if (strchr(name, '/')) {
    if (name[0] == '/' || !dir)
      snprintf(path, PATH_MAX, "%s", name);
    else
      snprintf(path, PATH_MAX, "%s/%s", dir, name);
    return runnable(path);
  }
  const char *search = getenv("PATH");
  if (!search)
    search = "/usr/local/bin:/usr/bin:/bin";
  int first = ENOENT; /* as execvp: a file that is there but cannot run wins over none */
  for (const char *p = search;; p++) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == 0) /* an empty entry is the current directory */
      snprintf(path, PATH_MAX, "%s%s%s", dir ? dir : ".", "/", name);
    else
      snprintf(path, PATH_MAX, "%.*s/%s", (int)n, p, name);
    int e = runnable(path);
    if (e == 0)
      return 0;
    if (e != ENOENT && e != ENOTDIR && first == ENOENT)
      first = e;
    if (!end)
      return first;
    p = end;
  }
}

/* For an ELF file: whether it asks for a dynamic linker. 1 yes, 0 no, -1
 * when the headers cannot be read (then execve will say). */
static int has_interp(int fd, const unsigned char *ident) {
  bool wide = ident[EI_CLASS] == ELFCLASS64;
  uint64_t phoff;
  unsigned phnum, phentsize;
  if (wide) {
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
      return -1;
    phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
  } else {
    Elf32_Ehdr eh;
    if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
      return -1;
    phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
  }
  if (phnum == PN_XNUM || phentsize < (wide ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
    return -1;
  for (unsigned i = 0; i < phnum; i++) {
    uint32_t type;
    off_t at = (off_t)(phoff + (uint64_t)i * phentsize);
    if (pread(fd, &type, sizeof(type), at) != (ssize_t)sizeof(type))
      return -1;
    if (type == PT_INTERP)
      return 1;
  }
  return 0;
}

/* The sanitizer runtimes a 64-bit ELF file needs (enum program_sanitizer):
 * a shared one it names in DT_NEEDED (gcc's libasan.so.N, libtsan.so.N,
 * libubsan.so.N; clang's libclang_rt.asan-x86_64.so with -shared-libsan),
 * or one linked into it (clang's default), which exports its entry point
 * (__asan_init, __tsan_init) in the dynamic symbol table. clang's
 * ThreadSanitizer, shared or not, is PROGRAM_SAN_TSAN_CLANG too. Read through the
 * section headers; 0 when there are none. */
static unsigned sanitizers_of(int fd) {
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_shentsize < sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shnum > 4096)
    return 0;
  unsigned found = 0;
  for (unsigned i = 0; i < eh.e_shnum; i++) {
    Elf64_Shdr sh, strs;
    if (pread(fd, &sh, sizeof(sh), (off_t)(eh.e_shoff + (uint64_t)i * eh.e_shentsize)) !=
        (ssize_t)sizeof(sh))
      return found;
    if ((sh.sh_type != SHT_DYNAMIC && sh.sh_type != SHT_DYNSYM) || sh.sh_link >= eh.e_shnum ||
        pread(fd, &strs, sizeof(strs),
              (off_t)(eh.e_shoff + (uint64_t)sh.sh_link * eh.e_shentsize)) !=
            (ssize_t)sizeof(strs) ||
        sh.sh_size > (64u << 20) || strs.sh_size == 0 || strs.sh_size > (64u << 20))
      continue;
    char *text = malloc(strs.sh_size + 1);
    unsigned char *table = malloc(sh.sh_size ? sh.sh_size : 1);
    if (text && table &&
        pread(fd, text, strs.sh_size, (off_t)strs.sh_offset) == (ssize_t)strs.sh_size &&
        pread(fd, table, sh.sh_size, (off_t)sh.sh_offset) == (ssize_t)sh.sh_size) {
      text[strs.sh_size] = '\0';
      if (sh.sh_type == SHT_DYNAMIC) {
        for (size_t at = 0; at + sizeof(Elf64_Dyn) <= sh.sh_size; at += sizeof(Elf64_Dyn)) {
          Elf64_Dyn d;
          memcpy(&d, table + at, sizeof(d));
          if (d.d_tag != DT_NEEDED || d.d_un.d_val >= strs.sh_size)
            continue;
          const char *lib = text + d.d_un.d_val;
          if (strncmp(lib, "libasan.so", 10) == 0 || strncmp(lib, "libclang_rt.asan", 16) == 0)
            found |= PROGRAM_SAN_ASAN;
          else if (strncmp(lib, "libtsan.so", 10) == 0)
            found |= PROGRAM_SAN_TSAN;
          else if (strncmp(lib, "libclang_rt.tsan", 16) == 0)
            found |= PROGRAM_SAN_TSAN | PROGRAM_SAN_TSAN_CLANG;
          else if (strncmp(lib, "libubsan.so", 11) == 0 ||
                   strncmp(lib, "libclang_rt.ubsan", 17) == 0)
            found |= PROGRAM_SAN_UBSAN;
        }
      } else {
        for (size_t at = 0; at + sizeof(Elf64_Sym) <= sh.sh_size; at += sizeof(Elf64_Sym)) {
          Elf64_Sym sym;
          memcpy(&sym, table + at, sizeof(sym));
          if (sym.st_shndx == SHN_UNDEF || sym.st_name >= strs.sh_size)
            continue;
          const char *name = text + sym.st_name;
          if (strcmp(name, "__asan_init") == 0)
            found |= PROGRAM_SAN_ASAN_STATIC;
          else if (strcmp(name, "__tsan_init") == 0)
            found |= PROGRAM_SAN_TSAN_CLANG;
        }
      }
    }
    free(text);
    free(table);
  }
  return found;
}

unsigned program_sanitizers(const char *name, const char *dir) {
  char path[PATH_MAX];
  if (resolve(name, dir, path) != 0)
    return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  unsigned found = sanitizers_of(fd);
  close(fd);
  return found;
}

/* Whether dara can run a program built with the sanitizers found: 0, or -1
 * with the reason. */
static int sanitizers_runnable(const char *name, unsigned found, char *err, size_t err_len) {
  if ((found & PROGRAM_SAN_TSAN_CLANG) && (found & PROGRAM_SAN_TSAN)) {
    /* Shared (-shared-libsan), it crashes before main when it is not first
     * in the library list. Linked in (the default), it runs (thread.c). */
    snprintf(err, err_len,
             "cannot run %s: it is built with clang's ThreadSanitizer as a shared library "
             "(-shared-libsan), which must come before dara's shim: build it without "
             "-shared-libsan, or with gcc -fsanitize=thread",
             name);
    return -1;
  }
#ifdef DARA_SANITIZER_RUNTIME
  if (found & (PROGRAM_SAN_TSAN | PROGRAM_SAN_TSAN_CLANG | PROGRAM_SAN_ASAN_STATIC)) {
    snprintf(err, err_len,
             "cannot run %s: it is built with %s, and this dara is built with AddressSanitizer, "
             "whose runtime its shim brings into the program: use a dara built without "
             "DARA_SANITIZE",
             name,
             found & (PROGRAM_SAN_TSAN | PROGRAM_SAN_TSAN_CLANG)
                 ? "ThreadSanitizer"
                 : "AddressSanitizer linked into the program (clang's default)");
    return -1;
  }
#endif
  return 0;
}

int program_check(const char *name, const char *dir, char *err, size_t err_len) {
  char path[PATH_MAX];
  int e = resolve(name, dir, path);
  if (e != 0) {
    const char *why = e == ENOENT && !strchr(name, '/') ? "not found in PATH"
                      : e == ENOENT                     ? "no such file"
                      : e == EISDIR                     ? "it is a directory"
                      : e == EACCES                     ? "not an executable file"
                                                        : strerror(e);
    snprintf(err, err_len, "cannot run %s: %s", name, why);
    return -1;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0; /* executable but not readable: execve may still run it */
  unsigned char ident[EI_NIDENT];
  int rc = 0;
  if (pread(fd, ident, sizeof(ident), 0) == (ssize_t)sizeof(ident) &&
      memcmp(ident, ELFMAG, SELFMAG) == 0) {
    if (ident[EI_CLASS] != NATIVE_CLASS) {
      snprintf(err, err_len, "cannot run %s: it is a %s-bit program, and dara's runtime is %s-bit",
               name, ident[EI_CLASS] == ELFCLASS32 ? "32" : "64",
               NATIVE_CLASS == ELFCLASS64 ? "64" : "32");
      rc = -1;
    } else if (has_interp(fd, ident) == 0) {
      snprintf(err, err_len,
               "cannot run %s: it is statically linked, and dara's runtime (loaded with "
               "LD_PRELOAD) enters only a dynamically linked program: link it without -static",
               name);
      rc = -1;
    } else {
      rc = sanitizers_runnable(name, sanitizers_of(fd), err, err_len);
    }
  }
  close(fd);
  return rc;
}

/* The GNU build-id note of an ELF file of dara's class, into id. */
static bool build_id(int fd, struct program_id *id) {
  unsigned char ident[EI_NIDENT];
  if (pread(fd, ident, sizeof(ident), 0) != (ssize_t)sizeof(ident) ||
      memcmp(ident, ELFMAG, SELFMAG) != 0 || ident[EI_CLASS] != ELFCLASS64)
    return false;
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || eh.e_phentsize < sizeof(Elf64_Phdr))
    return false;
  for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
    Elf64_Phdr ph;
    if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
        (ssize_t)sizeof(ph))
      return false;
    if (ph.p_type != PT_NOTE || ph.p_filesz > 65536)
      continue;
    unsigned char notes[65536];
    if (pread(fd, notes, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
      return false;
    for (size_t at = 0; at + sizeof(Elf64_Nhdr) <= ph.p_filesz;) {
      Elf64_Nhdr nh;
      memcpy(&nh, notes + at, sizeof(nh));
      size_t name = at + sizeof(nh), desc = name + ((nh.n_namesz + 3u) & ~3u);
      if (desc + nh.n_descsz > ph.p_filesz)
        break;
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(notes + name, "GNU", 4) == 0 &&
          nh.n_descsz > 0 && nh.n_descsz <= PROGRAM_ID_MAX) {
        id->kind = PROGRAM_ID_BUILD_ID;
        id->len = (uint8_t)nh.n_descsz;
        memcpy(id->id, notes + desc, nh.n_descsz);
        return true;
      }
      at = desc + ((nh.n_descsz + 3u) & ~3u);
    }
  }
  return false;
}

void program_identify(const char *name, const char *dir, struct program_id *id) {
  memset(id, 0, sizeof(*id));
  char path[PATH_MAX];
  if (resolve(name, dir, path) != 0)
    return;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return;
  }
  if (!build_id(fd, id)) {
    uint32_t crc = 0;
    unsigned char buf[65536];
    ssize_t n;
    off_t off = 0;
    while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
      crc = crc32c(crc, buf, (size_t)n);
      off += n;
    }
    if (n == 0) {
      id->kind = PROGRAM_ID_CRC32C;
      id->len = 4;
      memcpy(id->id, &crc, 4);
    }
  }
  id->size = (uint64_t)st.st_size;
  close(fd);
}

bool program_id_equal(const struct program_id *a, const struct program_id *b) {
  return a->kind == b->kind && a->len == b->len && a->size == b->size &&
         memcmp(a->id, b->id, a->len) == 0;
}

void program_id_text(const struct program_id *id, char *out, size_t len) {
  size_t at =
      (size_t)snprintf(out, len, "%s ", id->kind == PROGRAM_ID_BUILD_ID ? "build-id" : "crc32c");
  for (unsigned i = 0; i < id->len && at + 3 <= len; i++)
    at += (size_t)snprintf(out + at, len - at, "%02x", id->id[i]);
}

int program_resolve(const char *name, const char *dir, char *path) {
  return resolve(name, dir, path);
}
