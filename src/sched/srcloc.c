/*
 * srcloc.c: see srcloc.h. One Dwfl session per module, reported "offline"
 * at address 0 (the module's own addresses, as a file), kept in a cache.
 */
#include "sched/srcloc.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/string.h>

#include "sched/modfile.h"

#define SRCLOC_MODULES 32

struct module {
  char path[256];
  Dwfl *dwfl; /* NULL: the file could not be read as ELF */
  Dwfl_Module *mod;
  Dwarf_Addr low; /* where the module starts in dwfl's addresses */
};

static struct module cache[SRCLOC_MODULES];
static unsigned ncache, next_evict;

/* Separate debug files are looked for where the system keeps them
 * (.gnu_debuglink, /usr/lib/debug/.build-id); the sections' addresses are
 * the file's own. */
static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};

static void close_module(struct module *m) {
  if (m->dwfl)
    dwfl_end(m->dwfl);
  memset(m, 0, sizeof(*m));
}

void srcloc_reset(void) {
  for (unsigned i = 0; i < ncache; i++)
    close_module(&cache[i]);
  ncache = 0;
  next_evict = 0;
}

static void open_module(struct module *m, const char *path) {
  strlcpy(m->path, path, sizeof(m->path));
  /* A snapshot: the path comes from the region (modfile.h). The path
   * itself still names the module, for its separate debug file. */
  int fd = modfile_snapshot(path);
  if (fd < 0)
    return;
  Dwfl *dwfl = dwfl_begin(&callbacks);
  if (!dwfl) {
    close(fd);
    return;
  }
  dwfl_report_begin(dwfl);
  /* On success the module owns fd (dwfl_end closes it). */
  Dwfl_Module *mod = dwfl_report_elf(dwfl, path, path, fd, 0, false);
  dwfl_report_end(dwfl, NULL, NULL);
  if (!mod) {
    close(fd);
    dwfl_end(dwfl);
    return;
  }
  Dwarf_Addr low = 0;
  dwfl_module_info(mod, NULL, &low, NULL, NULL, NULL, NULL, NULL);
  m->dwfl = dwfl;
  m->mod = mod;
  m->low = low;
}

static const struct module *module_for(const char *path) {
  if (!path[0] || strlen(path) >= sizeof(cache[0].path))
    return NULL;
  for (unsigned i = 0; i < ncache; i++)
    if (strcmp(cache[i].path, path) == 0)
      return &cache[i];
  struct module *m;
  if (ncache < SRCLOC_MODULES) {
    m = &cache[ncache++];
  } else { /* full: replace the modules in turn */
    m = &cache[next_evict];
    next_evict = (next_evict + 1) % SRCLOC_MODULES;
    close_module(m);
  }
  open_module(m, path);
  return m;
}

struct Dwfl_Module *srcloc_module(const char *path, uint64_t *low) {
  const struct module *m = module_for(path);
  if (!m || !m->mod)
    return NULL;
  *low = m->low;
  return m->mod;
}

/* The innermost function (or inlined function) around addr, from the
 * DWARF scopes: its own name, where the symbol table would only name the
 * function it was inlined into. */
static bool dwarf_function(Dwfl_Module *mod, Dwarf_Addr addr, char *out, size_t len) {
  Dwarf_Addr bias = 0;
  Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
  if (!cu)
    return false;
  Dwarf_Die *scopes = NULL;
  int n = dwarf_getscopes(cu, addr - bias, &scopes);
  bool found = false;
  for (int i = 0; i < n && !found; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
      continue;
    const char *name = dwarf_diename(&scopes[i]);
    if (name && name[0]) {
      strlcpy(out, name, len);
      found = true;
    }
  }
  free(scopes);
  return found;
}

int srcloc_lookup(const char *path, uint64_t offset, struct srcloc *loc) {
  memset(loc, 0, sizeof(*loc));
  const struct module *m = module_for(path);
  if (!m || !m->mod)
    return -1;
  Dwarf_Addr addr = m->low + offset;
  Dwfl_Line *line = dwfl_module_getsrc(m->mod, addr);
  if (line) {
    int lineno = 0;
    const char *file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
    if (file && lineno > 0) {
      strlcpy(loc->file, file, sizeof(loc->file));
      loc->line = (unsigned)lineno;
    }
  }
  if (!dwarf_function(m->mod, addr, loc->func, sizeof(loc->func))) {
    const char *sym = dwfl_module_addrname(m->mod, addr);
    if (sym)
      strlcpy(loc->func, sym, sizeof(loc->func));
  }
  return loc->file[0] || loc->func[0] ? 0 : -1;
}

/* Declared in the system's headers: the C and C++ libraries' code. */
static bool system_file(const char *file) {
  return file && (strncmp(file, "/usr/include/", 13) == 0 || strncmp(file, "/usr/lib/", 9) == 0 ||
                  strncmp(file, "/usr/local/include/", 19) == 0);
}

/* The file of index `index` of the CU's line table, or NULL. */
static const char *cu_file(Dwarf_Die *cu, Dwarf_Word index) {
  Dwarf_Files *files = NULL;
  size_t n = 0;
  if (dwarf_getsrcfiles(cu, &files, &n) != 0 || index >= n)
    return NULL;
  return dwarf_filesrc(files, index, NULL, NULL);
}

int srcloc_lookup_user(const char *path, uint64_t offset, struct srcloc *loc) {
  memset(loc, 0, sizeof(*loc));
  const struct module *m = module_for(path);
  if (!m || !m->mod)
    return -1;
  Dwarf_Addr addr = m->low + offset, bias = 0;
  Dwarf_Die *cu = dwfl_module_addrdie(m->mod, addr, &bias);
  if (!cu) { /* no debug information: the symbol, unless it is std's */
    const char *sym = dwfl_module_addrname(m->mod, addr);
    if (!sym || strncmp(sym, "_ZNSt", 5) == 0 || strncmp(sym, "_ZSt", 4) == 0)
      return -1;
    strlcpy(loc->func, sym, sizeof(loc->func));
    return 0;
  }
  const char *file = NULL;
  int lineno = 0;
  Dwfl_Line *line = dwfl_module_getsrc(m->mod, addr);
  if (line)
    file = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
  /* The innermost scope, then the scopes that physically contain it
   * (dwarf_getscopes would continue an inlined function with its abstract
   * definition's scopes, not the function it was inlined into). */
  Dwarf_Die *inner = NULL, *scopes = NULL;
  int n = dwarf_getscopes(cu, addr - bias, &inner);
  if (n > 0)
    n = dwarf_getscopes_die(&inner[0], &scopes);
  free(inner);
  int found = -1;
  for (int i = 0; i < n && found < 0; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
      continue;
    const char *name = dwarf_diename(&scopes[i]);
    if (!system_file(dwarf_decl_file(&scopes[i])) && name && name[0]) {
      strlcpy(loc->func, name, sizeof(loc->func));
      if (file && lineno > 0) {
        strlcpy(loc->file, file, sizeof(loc->file));
        loc->line = (unsigned)lineno;
      }
      found = 0;
      break;
    }
    if (tag != DW_TAG_inlined_subroutine)
      break; /* an out-of-line function of the system's: not this frame */
    /* Out to the function it was inlined into, at the line of the call. */
    Dwarf_Attribute attr;
    Dwarf_Word v = 0;
    file = dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &v) == 0 ? cu_file(cu, v)
                                                                                    : NULL;
    lineno = dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &v) == 0 ? (int)v : 0;
  }
  free(scopes);
  return found;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

void srcloc_text(const char *path, uint64_t offset, char *buf, size_t len) {
  struct srcloc loc;
  const char *module = path[0] ? base_name(path) : "?";
  if (srcloc_lookup_user(path, offset, &loc) != 0 && srcloc_lookup(path, offset, &loc) != 0)
    snprintf(buf, len, "%s+%#" PRIx64, module, offset);
  else if (loc.file[0])
    snprintf(buf, len, "%s:%u %s", base_name(loc.file), loc.line, loc.func[0] ? loc.func : "?");
  else
    snprintf(buf, len, "%s (%s+%#" PRIx64 ")", loc.func, module, offset);
}

int srcloc_is_runtime(const char *path) {
  static const char *const prefixes[] = {
      "libc.so",    "libc-",   "libstdc++", "libgcc_s", "ld-linux", "ld64.so",      "libm.so",
      "libpthread", "libasan", "libubsan",  "libtsan",  "liblsan",  "libdara_shim", "libclang_rt",
  };
  const char *base = base_name(path);
  for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
    if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
      return 1;
  return 0;
}
