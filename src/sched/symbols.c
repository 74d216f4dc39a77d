/*
 * symbols.c: a small, defensive ELF64 symbol-table reader. See symbols.h.
 */
#include "sched/symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sched/modfile.h"

#define CACHE_FILES 16

struct elf_file {
  char path[256];
  const uint8_t *data; /* NULL: could not be read */
  size_t size;
};

static struct elf_file cache[CACHE_FILES];
static unsigned ncache;

static const struct elf_file *open_elf(const char *path) {
  for (unsigned i = 0; i < ncache; i++)
    if (strcmp(cache[i].path, path) == 0)
      return &cache[i];
  if (ncache == CACHE_FILES || strlen(path) >= sizeof(cache[0].path))
    return NULL;
  struct elf_file *f = &cache[ncache++];
  snprintf(f->path, sizeof(f->path), "%s", path);
  /* A snapshot: the path comes from the region (modfile.h). */
  int fd = modfile_snapshot(path);
  struct stat st;
  if (fd < 0)
    return f;
  if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(Elf64_Ehdr)) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      f->data = m;
      f->size = (size_t)st.st_size;
    }
  }
  close(fd);
  return f;
}

static bool in_file(const struct elf_file *f, uint64_t off, uint64_t len) {
  return off <= f->size && len <= f->size - off;
}

/* The lowest PT_LOAD address, page-aligned: the module's load address
 * corresponds to it (0 for shared objects and PIE executables). */
static uint64_t load_base(const struct elf_file *f, const Elf64_Ehdr *eh) {
  uint64_t base = UINT64_MAX;
  if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
      !in_file(f, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
    return 0;
  const Elf64_Phdr *ph = (const Elf64_Phdr *)(f->data + eh->e_phoff);
  for (unsigned i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < base)
      base = ph[i].p_vaddr;
  return base == UINT64_MAX ? 0 : base & ~(uint64_t)0xfff;
}

static int search(const struct elf_file *f, const Elf64_Shdr *sh, unsigned nsh, unsigned type,
                  unsigned sym_type, uint64_t vaddr, char *out, size_t out_len, uint64_t *within) {
  for (unsigned i = 0; i < nsh; i++) {
    if (sh[i].sh_type != type || sh[i].sh_entsize != sizeof(Elf64_Sym) || sh[i].sh_link >= nsh ||
        !in_file(f, sh[i].sh_offset, sh[i].sh_size))
      continue;
    const Elf64_Shdr *strtab = &sh[sh[i].sh_link];
    if (!in_file(f, strtab->sh_offset, strtab->sh_size))
      continue;
    const Elf64_Sym *syms = (const Elf64_Sym *)(f->data + sh[i].sh_offset);
    size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
    for (size_t j = 0; j < n; j++) {
      const Elf64_Sym *s = &syms[j];
      if (ELF64_ST_TYPE(s->st_info) != sym_type || s->st_value == 0)
        continue;
      bool hit = s->st_size ? vaddr >= s->st_value && vaddr - s->st_value < s->st_size
                            : vaddr == s->st_value;
      if (!hit || s->st_name >= strtab->sh_size)
        continue;
      const char *name = (const char *)(f->data + strtab->sh_offset + s->st_name);
      size_t max = strtab->sh_size - s->st_name;
      size_t len = strnlen(name, max);
      if (len == max || len == 0)
        continue;
      snprintf(out, out_len, "%.*s", (int)len, name);
      *within = vaddr - s->st_value;
      return 0;
    }
  }
  return -1;
}

int symbols_lookup(const char *path, uint64_t offset, bool data, char *out, size_t out_len) {
  uint64_t within;
  return symbols_lookup_at(path, offset, data, out, out_len, &within);
}

int symbols_lookup_at(const char *path, uint64_t offset, bool data, char *out, size_t out_len,
                      uint64_t *within) {
  const struct elf_file *f = open_elf(path);
  if (!f || !f->data)
    return -1;
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f->data;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_shentsize != sizeof(Elf64_Shdr) ||
      !in_file(f, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
    return -1;
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(f->data + eh->e_shoff);
  uint64_t vaddr = offset + load_base(f, eh);
  unsigned type = data ? STT_OBJECT : STT_FUNC;
  if (search(f, sh, eh->e_shnum, SHT_SYMTAB, type, vaddr, out, out_len, within) == 0)
    return 0;
  return search(f, sh, eh->e_shnum, SHT_DYNSYM, type, vaddr, out, out_len, within);
}
