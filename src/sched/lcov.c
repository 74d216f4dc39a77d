/*
 * lcov.c: see lcov.h. Addresses here are libdwfl's for the module
 * (srcloc's: the module reported at 0): an offset o is low + o, an ELF
 * address a + the ELF file's bias, a DWARF address a + the DWARF's bias.
 *
 * Per module: its blocks (struct site), its functions' address ranges,
 * then one entry per (file, line, function) with the most of its rows'
 * blocks. Across modules, at the end: entries sorted by file and line,
 * summed over functions, and written a file at a time.
 */
#include "sched/lcov.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sched/branches.h"
#include "sched/srcloc.h"

#define COV_CALLBACK "__sanitizer_cov_trace_pc"
/* Source paths and function names longer than this are left out. */
#define LCOV_MAX_NAME 4096
/* (file, line, function) entries kept at once: about 400 MB. */
#define LCOV_MAX_ENTRIES ((size_t)1 << 24)
#define NO_FUNC UINT32_MAX

/* Strings kept once (source paths, function names), so that equal strings
 * are one pointer: an open-addressing hash set, at most half full. */
struct strset {
  char **slots;
  size_t nslots, n;
};

struct entry {         /* a line of a source file, as one function's code */
  const char *file;    /* in the strset */
  uint32_t line, func; /* func: unique over the whole report */
  uint64_t count;
};

struct function_rec {      /* an instrumented function, for FN and FNDA */
  const char *file, *name; /* in the strset */
  uint32_t line;
  uint64_t hits;
};

struct branch_entry {  /* one way of a conditional jump (BRDA) */
  const char *file;    /* in the strset */
  uint32_t line, func; /* func: unique over the whole report */
  uint32_t block;      /* the jump's number among its function's on the line */
  uint32_t branch;     /* 0: taken, 1: not taken */
  uint64_t addr;       /* the jump's address in its module */
  uint64_t count, ran; /* ran: times the jump was reached */
};

struct report {
  struct strset strings;
  struct entry *entries;
  size_t nentries, entries_cap;
  struct branch_entry *branches;
  size_t nbranches, branches_cap;
  struct function_rec *functions;
  size_t nfunctions, functions_cap;
  uint32_t next_func; /* the next function's unique number */
  char *err;
  size_t err_len;
};

struct site {     /* a block of one module */
  uint64_t start; /* the address of its callback call */
  uint64_t hits;
  uint32_t func; /* index in the module's functions, or NO_FUNC */
};

struct range { /* [lo, hi) of a function's code */
  uint64_t lo, hi;
  uint32_t func;
};

struct function {          /* a DWARF subprogram with code, in one module */
  const char *file, *name; /* NULL: no FN record (unnamed, or the system's) */
  uint32_t line;
  uint64_t entry;
  size_t first_site, nsites; /* its blocks: sites[first_site..+nsites) */
};

struct row { /* a row of a line table: where a line's code starts */
  uint64_t addr;
  const char *file; /* in the strset; NULL: not a file of the report */
  uint32_t line;
};

struct module_scan {
  struct report *report;
  uint64_t dwarf_bias;
  struct site *sites;
  size_t nsites, sites_cap;
  struct range *ranges;
  size_t nranges, ranges_cap;
  struct function *functions;
  size_t nfunctions, functions_cap;
  const char *comp_dir; /* the CU's whose functions are being read */
  bool failed;          /* out of memory */
  struct row *rows;     /* the line table's rows of the report's lines, by address */
  size_t nrows, rows_cap;
};

static int fail(struct report *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, r->err_len, fmt, ap);
  va_end(ap);
  return -1;
}

static uint64_t add_saturating(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Makes room for one more element of size `size` in *array. */
static bool grow(void **array, size_t *cap, size_t n, size_t size) {
  if (n < *cap)
    return true;
  size_t new_cap = *cap ? *cap * 2 : 64;
  if (new_cap > SIZE_MAX / size)
    return false;
  void *p = realloc(*array, new_cap * size);
  if (!p)
    return false;
  *array = p;
  *cap = new_cap;
  return true;
}

/* qsort, also for no elements at a NULL base. */
static void sort(void *base, size_t n, size_t size, int (*compare)(const void *, const void *)) {
  if (n > 1)
    qsort(base, n, size, compare);
}

static uint64_t hash_string(const char *s) {
  uint64_t h = 14695981039346656037u; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

static bool strset_insert_slot(char **slots, size_t nslots, char *s) {
  for (size_t i = hash_string(s) & (nslots - 1);; i = (i + 1) & (nslots - 1))
    if (!slots[i]) {
      slots[i] = s;
      return true;
    }
}

/* The kept copy of s, or NULL when out of memory. */
static const char *strset_intern(struct strset *set, const char *s) {
  if (set->nslots) {
    for (size_t i = hash_string(s) & (set->nslots - 1); set->slots[i];
         i = (i + 1) & (set->nslots - 1))
      if (strcmp(set->slots[i], s) == 0)
        return set->slots[i];
  }
  if ((set->n + 1) * 2 > set->nslots) {
    size_t nslots = set->nslots ? set->nslots * 2 : 256;
    char **slots = calloc(nslots, sizeof(*slots));
    if (!slots)
      return NULL;
    for (size_t i = 0; i < set->nslots; i++)
      if (set->slots[i])
        strset_insert_slot(slots, nslots, set->slots[i]);
    free(set->slots);
    set->slots = slots;
    set->nslots = nslots;
  }
  char *copy = strdup(s);
  if (!copy)
    return NULL;
  strset_insert_slot(set->slots, set->nslots, copy);
  set->n++;
  return copy;
}

static void strset_free(struct strset *set) {
  for (size_t i = 0; i < set->nslots; i++)
    free(set->slots[i]);
  free(set->slots);
}

/* A line of the tracefile may hold it: no control characters. */
static bool printable(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      return false;
  return true;
}

/* Declared in the system's headers (as srcloc.c's system_file). */
static bool system_file(const char *file) {
  return strncmp(file, "/usr/include/", 13) == 0 || strncmp(file, "/usr/lib/", 9) == 0 ||
         strncmp(file, "/usr/local/include/", 19) == 0;
}

/* A source file as the report names it: absolute (relative names are the
 * CU's comp_dir's), kept in the strset. NULL for the system's headers,
 * unusable names and no memory (then *failed). */
static const char *source_path(struct report *r, const char *name, const char *comp_dir,
                               bool *failed) {
  if (!name || !name[0])
    return NULL;
  char buf[LCOV_MAX_NAME];
  int len = name[0] == '/' || !comp_dir ? snprintf(buf, sizeof(buf), "%s", name)
                                        : snprintf(buf, sizeof(buf), "%s/%s", comp_dir, name);
  if (len < 0 || (size_t)len >= sizeof(buf) || buf[0] != '/' || !printable(buf) || system_file(buf))
    return NULL;
  const char *kept = strset_intern(&r->strings, buf);
  if (!kept)
    *failed = true;
  return kept;
}

/* ---- the blocks ---- */

/* Bytes from a block's start to the byte its offset names (the return
 * address minus one): the callback call's length minus one. */
static uint64_t call_tail(Elf *elf) {
  GElf_Ehdr ehdr;
  if (!elf || !gelf_getehdr(elf, &ehdr))
    return 0;
  switch (ehdr.e_machine) {
  case EM_X86_64:
    return 4; /* call rel32 */
  case EM_AARCH64:
    return 3; /* bl */
  default:
    return 0; /* unknown: the call's row may go to the block before */
  }
}

static bool add_site(struct module_scan *s, uint64_t start, uint64_t hits) {
  if (!grow((void **)&s->sites, &s->sites_cap, s->nsites, sizeof(*s->sites)))
    return false;
  s->sites[s->nsites++] = (struct site){.start = start, .hits = hits, .func = NO_FUNC};
  return true;
}

/* The callback's address, if the module defines it. */
static bool find_callback(Dwfl_Module *mod, uint64_t *addr) {
  int n = dwfl_module_getsymtab(mod);
  for (int i = 0; i < n; i++) {
    GElf_Sym sym;
    GElf_Addr value;
    GElf_Word shndx;
    const char *name = dwfl_module_getsym_info(mod, i, &sym, &value, &shndx, NULL, NULL);
    if (name && strcmp(name, COV_CALLBACK) == 0 && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
        shndx != SHN_UNDEF) {
      *addr = value;
      return true;
    }
  }
  return false;
}

/* The module's ELF, its bias and the callback's address, when the module
 * is x86-64 code that defines the callback: what reading its machine code
 * (the blocks, the branches) needs. */
static bool x86_with_callback(Dwfl_Module *mod, Elf **elf, GElf_Addr *elf_bias,
                              uint64_t *callback) {
  *elf_bias = 0;
  *elf = dwfl_module_getelf(mod, elf_bias);
  GElf_Ehdr ehdr;
  return *elf && gelf_getehdr(*elf, &ehdr) && ehdr.e_machine == EM_X86_64 &&
         find_callback(mod, callback);
}

/* Every x86-64 `call rel32` (E8) to the callback in the executable
 * sections: each starts a block. A byte scan: an E8 inside another
 * instruction whose next four bytes reach exactly the callback would be
 * taken for a call too. */
static bool scan_calls(struct module_scan *s, Dwfl_Module *mod) {
  Elf *elf;
  GElf_Addr elf_bias;
  uint64_t callback;
  if (!x86_with_callback(mod, &elf, &elf_bias, &callback))
    return true;
  for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
        (shdr.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR))
      continue;
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || !data->d_buf)
      continue;
    const unsigned char *code = data->d_buf;
    uint64_t base = shdr.sh_addr + elf_bias;
    for (size_t i = 0; i + 5 <= data->d_size; i++) {
      if (code[i] != 0xe8)
        continue;
      uint32_t rel = (uint32_t)code[i + 1] | (uint32_t)code[i + 2] << 8 |
                     (uint32_t)code[i + 3] << 16 | (uint32_t)code[i + 4] << 24;
      uint64_t target = base + i + 5 + (uint64_t)(int64_t)(int32_t)rel;
      if (target == callback && !add_site(s, base + i, 0))
        return false;
    }
  }
  return true;
}

static int compare_site_start(const void *a, const void *b) {
  const struct site *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* The module's blocks: those the scan finds and those given, one site per
 * start, sorted by start. */
static bool collect_sites(struct module_scan *s, Dwfl_Module *mod, uint64_t low,
                          const struct cov_block *const *given, size_t ngiven) {
  if (!scan_calls(s, mod))
    return false;
  GElf_Addr elf_bias;
  uint64_t tail = call_tail(dwfl_module_getelf(mod, &elf_bias));
  for (size_t i = 0; i < ngiven; i++)
    if (!add_site(s, low + given[i]->offset - tail, given[i]->hits))
      return false;
  sort(s->sites, s->nsites, sizeof(*s->sites), compare_site_start);
  size_t kept = 0;
  for (size_t i = 0; i < s->nsites; i++) {
    if (kept && s->sites[kept - 1].start == s->sites[i].start)
      s->sites[kept - 1].hits = add_saturating(s->sites[kept - 1].hits, s->sites[i].hits);
    else
      s->sites[kept++] = s->sites[i];
  }
  s->nsites = kept;
  return true;
}

/* ---- the functions ---- */

static const char *die_string(Dwarf_Die *die, unsigned name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

/* The file a DIE names in DW_AT_decl_file, as dwarf_decl_file, but also
 * index 0: DWARF 5's primary source file (clang names it so), which
 * elfutils 0.188 (Debian 12's) reads as "no file". */
static const char *decl_file(Dwarf_Die *die) {
  Dwarf_Attribute attr;
  Dwarf_Word index;
  Dwarf_Die cu;
  Dwarf_Half version;
  Dwarf_Files *files;
  size_t n;
  if (dwarf_formudata(dwarf_attr_integrate(die, DW_AT_decl_file, &attr), &index) != 0 ||
      !dwarf_cu_die(attr.cu, &cu, &version, NULL, NULL, NULL, NULL, NULL) ||
      (index == 0 && version < 5) || dwarf_getsrcfiles(&cu, &files, &n) != 0 || index >= n)
    return NULL;
  return dwarf_filesrc(files, index, NULL, NULL);
}

/* A subprogram (dwarf_getfuncs): its ranges, and what FN needs. */
static int read_function(Dwarf_Die *die, void *arg) {
  struct module_scan *s = arg;
  uint32_t index = (uint32_t)s->nfunctions;
  if (index == NO_FUNC)
    return DWARF_CB_ABORT;
  uint64_t first_lo = 0;
  size_t nranges = 0;
  Dwarf_Addr base, lo, hi;
  for (ptrdiff_t off = dwarf_ranges(die, 0, &base, &lo, &hi); off > 0;
       off = dwarf_ranges(die, off, &base, &lo, &hi)) {
    /* A function the linker dropped keeps its ranges at 0 (or beyond). */
    if (lo == 0 || lo >= hi)
      continue;
    if (!grow((void **)&s->ranges, &s->ranges_cap, s->nranges, sizeof(*s->ranges))) {
      s->failed = true;
      return DWARF_CB_ABORT;
    }
    s->ranges[s->nranges++] =
        (struct range){.lo = lo + s->dwarf_bias, .hi = hi + s->dwarf_bias, .func = index};
    if (nranges++ == 0)
      first_lo = lo;
  }
  if (nranges == 0)
    return DWARF_CB_OK; /* a declaration, or only inlined */
  if (!grow((void **)&s->functions, &s->functions_cap, s->nfunctions, sizeof(*s->functions))) {
    s->failed = true;
    return DWARF_CB_ABORT;
  }
  Dwarf_Addr entry = first_lo;
  dwarf_entrypc(die, &entry);
  struct function *f = &s->functions[s->nfunctions++];
  *f = (struct function){.entry = entry + s->dwarf_bias};
  const char *name = die_string(die, DW_AT_linkage_name);
  if (!name)
    name = die_string(die, DW_AT_MIPS_linkage_name);
  if (!name)
    name = die_string(die, DW_AT_name);
  int line = 0;
  if (name && name[0] && strlen(name) < LCOV_MAX_NAME && printable(name) &&
      dwarf_decl_line(die, &line) == 0 && line > 0) {
    f->file = source_path(s->report, decl_file(die), s->comp_dir, &s->failed);
    f->name = f->file ? strset_intern(&s->report->strings, name) : NULL;
    f->line = (uint32_t)line;
    if (f->file && !f->name)
      s->failed = true;
  }
  return s->failed ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static int compare_range(const void *a, const void *b) {
  const struct range *x = a, *y = b;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The function whose code holds addr, or NO_FUNC. */
static uint32_t function_at(const struct module_scan *s, uint64_t addr) {
  size_t lo = 0, hi = s->nranges; /* the first range starting after addr */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->ranges[mid].lo <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo > 0 && addr < s->ranges[lo - 1].hi ? s->ranges[lo - 1].func : NO_FUNC;
}

static int compare_site_func(const void *a, const void *b) {
  const struct site *x = a, *y = b;
  if (x->func != y->func)
    return x->func < y->func ? -1 : 1;
  return compare_site_start(a, b);
}

/* Gives each function its blocks: sites sorted by function, then start. */
static void assign_sites(struct module_scan *s) {
  sort(s->ranges, s->nranges, sizeof(*s->ranges), compare_range);
  for (size_t i = 0; i < s->nsites; i++)
    s->sites[i].func = function_at(s, s->sites[i].start);
  sort(s->sites, s->nsites, sizeof(*s->sites), compare_site_func);
  for (size_t i = 0; i < s->nsites; i++) {
    if (s->sites[i].func == NO_FUNC)
      break; /* the last: outside every function */
    struct function *f = &s->functions[s->sites[i].func];
    if (f->nsites++ == 0)
      f->first_site = i;
  }
}

/* The block of the function's sites holding addr: the last starting at or
 * before it, else the first. */
static const struct site *site_for(const struct module_scan *s, const struct function *f,
                                   uint64_t addr) {
  const struct site *sites = s->sites + f->first_site;
  size_t lo = 0, hi = f->nsites; /* the first site starting after addr */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sites[mid].start <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo > 0 ? &sites[lo - 1] : &sites[0];
}

/* The function's entry block: the first at or after its entry point. */
static const struct site *entry_site(const struct module_scan *s, const struct function *f) {
  const struct site *sites = s->sites + f->first_site;
  for (size_t i = 0; i < f->nsites; i++)
    if (sites[i].start >= f->entry)
      return &sites[i];
  return &sites[0];
}

/* ---- the lines ---- */

static int compare_entry(const void *a, const void *b) {
  const struct entry *x = a, *y = b;
  if (x->file != y->file)
    return strcmp(x->file, y->file);
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->func < y->func ? -1 : x->func > y->func;
}

/* Entries [from, end) become one per (file, line, function), with the
 * most of their counts. */
static void compact_entries(struct report *r, size_t from) {
  size_t n = r->nentries - from, kept = 0;
  if (n == 0)
    return;
  struct entry *e = r->entries + from;
  sort(e, n, sizeof(*e), compare_entry);
  for (size_t i = 0; i < n; i++) {
    struct entry *last = kept ? &e[kept - 1] : NULL;
    if (last && last->file == e[i].file && last->line == e[i].line && last->func == e[i].func) {
      if (e[i].count > last->count)
        last->count = e[i].count;
    } else {
      e[kept++] = e[i];
    }
  }
  r->nentries = from + kept;
}

static int add_entry(struct report *r, size_t module_from, struct entry e) {
  if (r->nentries == LCOV_MAX_ENTRIES) {
    compact_entries(r, module_from);
    if (r->nentries == LCOV_MAX_ENTRIES)
      return fail(r, "more than %zu source lines", LCOV_MAX_ENTRIES);
  }
  if (!grow((void **)&r->entries, &r->entries_cap, r->nentries, sizeof(*r->entries)))
    return fail(r, "out of memory");
  r->entries[r->nentries++] = e;
  return 0;
}

/* The CU's source files by index of its file table, as source_path names
 * them: looked up once per file. */
struct cu_files {
  Dwarf_Files *files;
  const char **paths;
  bool *looked_up;
  size_t n;
};

static const char *cu_file_path(struct report *r, struct cu_files *cf, Dwarf_Line *row,
                                const char *comp_dir, bool *failed) {
  Dwarf_Files *files;
  size_t index;
  if (dwarf_line_file(row, &files, &index) != 0 || files != cf->files || index >= cf->n)
    return NULL;
  if (!cf->looked_up[index]) {
    cf->looked_up[index] = true;
    cf->paths[index] = source_path(r, dwarf_filesrc(files, index, NULL, NULL), comp_dir, failed);
  }
  return cf->paths[index];
}

/* Keeps a row for the lines of branches (add_branch); file NULL for a
 * line of the system's headers. */
static bool add_row(struct module_scan *s, uint64_t addr, const char *file, uint32_t line) {
  if (!grow((void **)&s->rows, &s->rows_cap, s->nrows, sizeof(*s->rows)))
    return false;
  s->rows[s->nrows++] = (struct row){.addr = addr, .file = file, .line = line};
  return true;
}

/* One entry per row of the CU's line table that is a line of the report. */
static int read_rows(struct module_scan *s, Dwarf_Die *cu, uint32_t func_base, size_t module_from) {
  struct report *r = s->report;
  Dwarf_Lines *lines;
  size_t nlines;
  struct cu_files cf = {0};
  if (dwarf_getsrclines(cu, &lines, &nlines) != 0 || dwarf_getsrcfiles(cu, &cf.files, &cf.n) != 0)
    return 0;
  cf.paths = calloc(cf.n ? cf.n : 1, sizeof(*cf.paths));
  cf.looked_up = calloc(cf.n ? cf.n : 1, sizeof(*cf.looked_up));
  int rc = cf.paths && cf.looked_up ? 0 : fail(r, "out of memory");
  const char *comp_dir = die_string(cu, DW_AT_comp_dir);
  for (size_t i = 0; i < nlines && rc == 0; i++) {
    Dwarf_Line *row = dwarf_onesrcline(lines, i);
    Dwarf_Addr addr;
    int lineno;
    bool end = true;
    if (!row || dwarf_lineendsequence(row, &end) != 0 || end || dwarf_lineaddr(row, &addr) != 0 ||
        dwarf_lineno(row, &lineno) != 0 || lineno <= 0)
      continue;
    addr += s->dwarf_bias;
    uint32_t func = function_at(s, addr);
    if (func == NO_FUNC || s->functions[func].nsites == 0)
      continue; /* not instrumented */
    bool failed = false;
    const char *file = cu_file_path(r, &cf, row, comp_dir, &failed);
    if (failed)
      rc = fail(r, "out of memory");
    else if (!add_row(s, addr, file, (uint32_t)lineno))
      rc = fail(r, "out of memory");
    else if (file)
      rc = add_entry(r, module_from,
                     (struct entry){.file = file,
                                    .line = (uint32_t)lineno,
                                    .func = func_base + func,
                                    .count = site_for(s, &s->functions[func], addr)->hits});
  }
  free(cf.paths);
  free(cf.looked_up);
  return rc;
}

static int add_function_rec(struct report *r, const struct function *f, uint64_t hits) {
  if (!grow((void **)&r->functions, &r->functions_cap, r->nfunctions, sizeof(*r->functions)))
    return fail(r, "out of memory");
  r->functions[r->nfunctions++] =
      (struct function_rec){.file = f->file, .name = f->name, .line = f->line, .hits = hits};
  return 0;
}

/* ---- the branches ---- */

static int compare_row(const void *a, const void *b) {
  const struct row *x = a, *y = b;
  return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct branch_scan {
  struct module_scan *s;
  uint32_t func; /* unique over the report */
  int rc;
};

static void add_branch(void *ctx, const struct branch_count *b) {
  struct branch_scan *bs = ctx;
  struct report *r = bs->s->report;
  /* The line of the jump: the last row at or before it (read_rows kept
   * the rows; dwfl_module_getsrc finds no CU for clang's DWARF 5 in
   * elfutils 0.188). */
  const struct row *rows = bs->s->rows;
  size_t lo = 0, hi = bs->s->nrows;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (rows[mid].addr <= b->addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  const char *file = lo > 0 ? rows[lo - 1].file : NULL;
  uint32_t lineno = lo > 0 ? rows[lo - 1].line : 0;
  if (!file || bs->rc != 0)
    return;
  for (uint32_t way = 0; way < 2 && bs->rc == 0; way++) {
    if (!grow((void **)&r->branches, &r->branches_cap, r->nbranches, sizeof(*r->branches))) {
      bs->rc = fail(r, "out of memory");
      return;
    }
    r->branches[r->nbranches++] = (struct branch_entry){.file = file,
                                                        .line = lineno,
                                                        .func = bs->func,
                                                        .addr = b->addr,
                                                        .branch = way,
                                                        .count = way ? b->not_taken : b->taken,
                                                        .ran = b->ran};
  }
}

static int compare_branch_addr(const void *a, const void *b) {
  const struct branch_entry *x = a, *y = b;
  if (x->func != y->func)
    return x->func < y->func ? -1 : 1;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  if (x->addr != y->addr)
    return x->addr < y->addr ? -1 : 1;
  return x->branch < y->branch ? -1 : x->branch > y->branch;
}

/* Numbers the jumps of branches[from..) within their function and line,
 * in address order: BRDA's block. */
static void number_jumps(struct report *r, size_t from) {
  struct branch_entry *b = r->branches + from;
  size_t n = r->nbranches - from;
  sort(b, n, sizeof(*b), compare_branch_addr);
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || b[i].func != b[i - 1].func || b[i].line != b[i - 1].line)
      b[i].block = 0;
    else
      b[i].block = b[i - 1].block + (b[i].addr != b[i - 1].addr);
  }
}

/* The bytes of [lo, hi) in the module's ELF file, or NULL. */
static const uint8_t *code_at(Elf *elf, GElf_Addr elf_bias, uint64_t lo, uint64_t hi) {
  for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS ||
        !(shdr.sh_flags & SHF_EXECINSTR))
      continue;
    uint64_t base = shdr.sh_addr + elf_bias;
    Elf_Data *data = elf_getdata(scn, NULL);
    if (data && data->d_buf && lo >= base && hi <= base + data->d_size && lo < hi)
      return (const uint8_t *)data->d_buf + (lo - base);
  }
  return NULL;
}

/* BRDA entries for the conditional jumps of the module's instrumented
 * functions whose ways can be counted (branches.h): x86-64 only. */
static int add_branches(struct module_scan *s, Dwfl_Module *mod, uint32_t func_base) {
  Elf *elf;
  GElf_Addr elf_bias;
  uint64_t callback;
  if (!x86_with_callback(mod, &elf, &elf_bias, &callback))
    return 0;
  struct branch_site *sites = NULL;
  size_t cap = 0, from = s->report->nbranches;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < s->nranges; i++) {
    const struct range *rg = &s->ranges[i];
    const struct function *f = &s->functions[rg->func];
    const uint8_t *code = f->nsites ? code_at(elf, elf_bias, rg->lo, rg->hi) : NULL;
    if (!code)
      continue;
    if (f->nsites > cap) {
      struct branch_site *more = realloc(sites, f->nsites * sizeof(*sites));
      if (!more) {
        rc = fail(s->report, "out of memory");
        break;
      }
      sites = more;
      cap = f->nsites;
    }
    /* A site's start is its call's address (collect_sites). */
    for (size_t k = 0; k < f->nsites; k++)
      sites[k] = (struct branch_site){.call = s->sites[f->first_site + k].start,
                                      .hits = s->sites[f->first_site + k].hits};
    struct branch_scan bs = {.s = s, .func = func_base + rg->func};
    if (branches_of_function(code, rg->lo, rg->hi, callback, sites, f->nsites, add_branch, &bs) !=
        0)
      rc = fail(s->report, "out of memory");
    else
      rc = bs.rc;
  }
  free(sites);
  if (rc == 0)
    number_jumps(s->report, from);
  return rc;
}

/* Adds the module at path, whose given blocks are given[0..ngiven). */
static int add_module(struct report *r, const char *path, const struct cov_block *const *given,
                      size_t ngiven) {
  uint64_t low;
  Dwfl_Module *mod = srcloc_module(path, &low);
  struct module_scan s = {.report = r};
  if (!mod || !dwfl_module_getdwarf(mod, &s.dwarf_bias))
    return 0; /* unreadable, or no DWARF */
  int rc = collect_sites(&s, mod, low, given, ngiven) ? 0 : fail(r, "out of memory");
  Dwarf_Addr cu_bias;
  for (Dwarf_Die *cu = NULL; rc == 0 && (cu = dwfl_module_nextcu(mod, cu, &cu_bias));) {
    s.comp_dir = die_string(cu, DW_AT_comp_dir);
    dwarf_getfuncs(cu, read_function, &s, 0);
    if (s.failed)
      rc = fail(r, "out of memory");
  }
  if (rc == 0 && s.nfunctions > UINT32_MAX - r->next_func)
    rc = fail(r, "too many functions");
  if (rc == 0)
    assign_sites(&s);
  size_t module_from = r->nentries;
  for (Dwarf_Die *cu = NULL; rc == 0 && (cu = dwfl_module_nextcu(mod, cu, &cu_bias));)
    rc = read_rows(&s, cu, r->next_func, module_from);
  if (rc == 0)
    compact_entries(r, module_from);
  if (rc == 0) {
    sort(s.rows, s.nrows, sizeof(*s.rows), compare_row);
    rc = add_branches(&s, mod, r->next_func);
  }
  for (size_t i = 0; rc == 0 && i < s.nfunctions; i++) {
    const struct function *f = &s.functions[i];
    if (f->nsites > 0 && f->file && f->name)
      rc = add_function_rec(r, f, entry_site(&s, f)->hits);
  }
  r->next_func += (uint32_t)s.nfunctions;
  free(s.sites);
  free(s.ranges);
  free(s.functions);
  free(s.rows);
  return rc;
}

/* ---- the tracefile ---- */

static int compare_block(const void *a, const void *b) {
  const struct cov_block *const *x = a, *const *y = b;
  return strcmp((*x)->module, (*y)->module);
}

static int compare_function_name(const void *a, const void *b) {
  const struct function_rec *x = a, *y = b;
  if (x->file != y->file)
    return strcmp(x->file, y->file);
  return strcmp(x->name, y->name);
}

static int compare_function_line(const void *a, const void *b) {
  const struct function_rec *x = a, *y = b;
  if (x->file != y->file)
    return strcmp(x->file, y->file);
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* One record per (file, name): a function in several modules (a source
 * file built into two) is called in each. Then sorted by file and line. */
static void merge_functions(struct report *r) {
  struct function_rec *fn = r->functions;
  size_t kept = 0;
  sort(fn, r->nfunctions, sizeof(*fn), compare_function_name);
  for (size_t i = 0; i < r->nfunctions; i++) {
    struct function_rec *last = kept ? &fn[kept - 1] : NULL;
    if (last && last->file == fn[i].file && last->name == fn[i].name) {
      last->hits = add_saturating(last->hits, fn[i].hits);
      if (fn[i].line < last->line)
        last->line = fn[i].line;
    } else {
      fn[kept++] = fn[i];
    }
  }
  r->nfunctions = kept;
  sort(fn, r->nfunctions, sizeof(*fn), compare_function_line);
}

static int compare_branch(const void *a, const void *b) {
  const struct branch_entry *x = a, *y = b;
  if (x->file != y->file)
    return strcmp(x->file, y->file);
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  if (x->block != y->block)
    return x->block < y->block ? -1 : 1;
  if (x->branch != y->branch)
    return x->branch < y->branch ? -1 : 1;
  return x->func < y->func ? -1 : x->func > y->func;
}

static const char *first_of(const char *a, const char *b) {
  if (!a || !b)
    return a ? a : b;
  return strcmp(a, b) <= 0 ? a : b;
}

/* The next file of the report after the current positions in entries,
 * functions and branches (each sorted by file). */
static const char *next_file(const struct report *r, size_t e, size_t f, size_t b) {
  const char *x = first_of(e < r->nentries ? r->entries[e].file : NULL,
                           f < r->nfunctions ? r->functions[f].file : NULL);
  return first_of(x, b < r->nbranches ? r->branches[b].file : NULL);
}

/* The file's BRDA records from branches[*b] on: one per (line, jump,
 * way), summed over the function's copies; "-" for a jump never reached. */
static void write_branches(FILE *out, struct report *r, const char *file, size_t *b,
                           struct lcov_totals *t) {
  uint64_t found = 0, hit = 0;
  while (*b < r->nbranches && r->branches[*b].file == file) {
    const struct branch_entry *first = &r->branches[*b];
    uint64_t count = 0, ran = 0;
    for (;
         *b < r->nbranches && r->branches[*b].file == file && r->branches[*b].line == first->line &&
         r->branches[*b].block == first->block && r->branches[*b].branch == first->branch;
         (*b)++) {
      count = add_saturating(count, r->branches[*b].count);
      ran = add_saturating(ran, r->branches[*b].ran);
    }
    if (ran == 0)
      fprintf(out, "BRDA:%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",-\n", first->line, first->block,
              first->branch);
    else
      fprintf(out, "BRDA:%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu64 "\n", first->line,
              first->block, first->branch, count);
    found++;
    hit += count > 0;
  }
  if (found)
    fprintf(out, "BRF:%" PRIu64 "\nBRH:%" PRIu64 "\n", found, hit);
  t->branches_found += found;
  t->branches_hit += hit;
}

static void write_records(FILE *out, struct report *r, struct lcov_totals *t) {
  size_t e = 0, f = 0, b = 0;
  sort(r->branches, r->nbranches, sizeof(*r->branches), compare_branch);
  for (const char *file; (file = next_file(r, e, f, b));) {
    fprintf(out, "SF:%s\n", file);
    size_t f_end = f;
    while (f_end < r->nfunctions && r->functions[f_end].file == file)
      f_end++;
    uint64_t found = 0, hit = 0;
    for (size_t i = f; i < f_end; i++)
      fprintf(out, "FN:%" PRIu32 ",%s\n", r->functions[i].line, r->functions[i].name);
    for (size_t i = f; i < f_end; i++) {
      fprintf(out, "FNDA:%" PRIu64 ",%s\n", r->functions[i].hits, r->functions[i].name);
      found++;
      hit += r->functions[i].hits > 0;
    }
    fprintf(out, "FNF:%" PRIu64 "\nFNH:%" PRIu64 "\n", found, hit);
    t->functions_found += found;
    t->functions_hit += hit;
    f = f_end;
    write_branches(out, r, file, &b, t);
    found = hit = 0;
    while (e < r->nentries && r->entries[e].file == file) {
      uint32_t line = r->entries[e].line;
      uint64_t count = 0; /* the line's copies (functions), each as often as it ran */
      for (; e < r->nentries && r->entries[e].file == file && r->entries[e].line == line; e++)
        count = add_saturating(count, r->entries[e].count);
      fprintf(out, "DA:%" PRIu32 ",%" PRIu64 "\n", line, count);
      found++;
      hit += count > 0;
    }
    fprintf(out, "LF:%" PRIu64 "\nLH:%" PRIu64 "\nend_of_record\n", found, hit);
    t->lines_found += found;
    t->lines_hit += hit;
  }
}

/* lcov's test names are letters, digits and underscores. */
static void write_test_name(FILE *out, const char *name) {
  fputs("TN:", out);
  for (const char *c = name ? name : ""; *c; c++) {
    bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
    fputc(ok ? *c : '_', out);
  }
  fputc('\n', out);
}

int lcov_write(FILE *out, const char *test_name, const struct cov_block *blocks, size_t n,
               struct lcov_totals *totals, char *err, size_t err_len) {
  struct report r = {.err = err, .err_len = err_len};
  struct lcov_totals local;
  struct lcov_totals *t = totals ? totals : &local;
  memset(t, 0, sizeof(*t));
  if (err_len)
    err[0] = '\0';
  const struct cov_block **sorted = NULL;
  size_t nsorted = 0;
  int rc = 0;
  if (n > 0 && !(sorted = calloc(n, sizeof(*sorted))))
    rc = fail(&r, "out of memory");
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (blocks[i].module && blocks[i].module[0])
      sorted[nsorted++] = &blocks[i];
  if (rc == 0)
    sort(sorted, nsorted, sizeof(*sorted), compare_block);
  for (size_t i = 0, j; rc == 0 && i < nsorted; i = j) {
    for (j = i + 1; j < nsorted && strcmp(sorted[j]->module, sorted[i]->module) == 0; j++)
      ;
    rc = add_module(&r, sorted[i]->module, sorted + i, j - i);
  }
  if (rc == 0) {
    sort(r.entries, r.nentries, sizeof(*r.entries), compare_entry);
    merge_functions(&r);
    write_test_name(out, test_name);
    write_records(out, &r, t);
    if (fflush(out) != 0 || ferror(out))
      rc = fail(&r, "cannot write the tracefile");
  }
  free(sorted);
  free(r.entries);
  free(r.branches);
  free(r.functions);
  strset_free(&r.strings);
  return rc;
}
