/*
 * dara_cc.c: dara-cc and dara-c++, compiler wrappers that build programs
 * whose memory accesses and atomic operations dara can schedule
 * (docs/instrumented.md).
 *
 * They run the real compiler ($DARA_CC, else $CC, else cc; for dara-c++
 * $DARA_CXX, $CXX, c++; gcc or clang) with the thread-sanitizer
 * instrumentation on every compilation (-fsanitize=thread: a call before
 * every load and store, atomics as calls), and link dara's own runtime
 * (libdara_rt.a, src/rt/rt.c) into every executable and shared library in
 * place of the sanitizer's. -fsanitize=thread is never given to a link:
 * there gcc's driver would add libtsan, whatever else is asked. So a
 * command that compiles and links at once (`dara-cc -o prog a.c b.c`) is
 * done as the compiler would do it, in steps: each source compiled on its
 * own, with the instrumentation, into a temporary object; then one link of
 * those objects, without it. Commands that only compile (-c, -S, -E) or only
 * link (objects in, no source) are one call each.
 *
 * Arguments are passed on as they are, one by one: spaces and quotes in
 * them are safe. The wrapper only needs to know which arguments are input
 * files and which options take a separate value (so that value is not
 * taken for a file) or only mean something to the linker.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef DARA_INSTALL_LIBDIR
#define DARA_INSTALL_LIBDIR "lib"
#endif

static const char *self_name = "dara-cc";

static void die(const char *fmt, const char *arg) {
  fprintf(stderr, "%s: ", self_name);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  exit(2);
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p)
    die("%s", "out of memory");
  return p;
}

/* ---- argument lists ---- */

struct args {
  const char **v;
  size_t n, cap;
};

static void push(struct args *a, const char *s) {
  if (a->n + 2 > a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 64;
    const char **v = realloc(a->v, cap * sizeof(*v));
    if (!v)
      die("%s", "out of memory");
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = s;
  a->v[a->n] = NULL;
}

static void push_all(struct args *a, const struct args *b) {
  for (size_t i = 0; i < b->n; i++)
    push(a, b->v[i]);
}

/* ---- what each argument is ---- */

/* Options whose value is the next argument (when not joined to them). */
static bool takes_value(const char *a) {
  static const char *const exact[] = {
      "-o",
      "-x",
      "-I",
      "-D",
      "-U",
      "-include",
      "-imacros",
      "-isystem",
      "-idirafter",
      "-iprefix",
      "-iwithprefix",
      "-iwithprefixbefore",
      "-isysroot",
      "-iquote",
      "-imultilib",
      "-MF",
      "-MT",
      "-MQ",
      "-L",
      "-l",
      "-Xlinker",
      "-Xassembler",
      "-Xpreprocessor",
      "-Xclang",
      "-mllvm",
      "-target",
      "-z",
      "-u",
      "-T",
      "-e",
      "--param",
      "-aux-info",
      "-B",
      "-A",
      "-dumpbase",
      "-dumpdir",
      "-dumpbase-ext",
      "--sysroot",
      "-specs",
      "--specs",
      "-resource-dir",
      "-ivfsoverlay",
      "-working-directory",
      "--entry",
      "--include",
      "--output",
      "--language",
      "--library-directory",
      "--define-macro",
      "--undefine-macro",
      "--include-directory",
  };
  for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
    if (strcmp(a, exact[i]) == 0)
      return true;
  return false;
}

/* -o FILE, and -x LANG, in their joined and long forms too. */
static bool is_output(const char *a, bool *value) {
  *value = strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0;
  return *value || strncmp(a, "-o", 2) == 0 || strncmp(a, "--output=", 9) == 0;
}

static bool is_language(const char *a, bool *value) {
  *value = strcmp(a, "-x") == 0 || strcmp(a, "--language") == 0;
  return *value || strncmp(a, "-x", 2) == 0 || strncmp(a, "--language=", 11) == 0;
}

/* Options that mean something to the linker only: left out of a
 * compilation (clang would warn that they are unused, an error under
 * -Werror). `value` is set when the option takes the next argument. */
static bool link_only(const char *a, bool *value) {
  static const char *const exact[] = {
      "-shared",
      "-static",
      "-static-pie",
      "-static-libgcc",
      "-static-libstdc++",
      "-shared-libgcc",
      "-rdynamic",
      "-pie",
      "-no-pie",
      "-s",
      "-r",
      "-nostdlib",
      "-nostartfiles",
      "-nodefaultlibs",
      "-nolibc",
      "-symbolic",
      "-static-libasan",
  };
  static const char *const with_value[] = {"-Xlinker", "-z",      "-u", "-T",
                                           "-e",       "--entry", "-L", "-l"};
  *value = false;
  for (size_t i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
    if (strcmp(a, with_value[i]) == 0) {
      *value = true;
      return true;
    }
  for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
    if (strcmp(a, exact[i]) == 0)
      return true;
  /* Joined forms: -lm, -L/dir, -Wl,..., -Tscript; not -undef, a
   * preprocessor option. */
  return strncmp(a, "-l", 2) == 0 || strncmp(a, "-L", 2) == 0 || strncmp(a, "-Wl,", 4) == 0 ||
         strncmp(a, "-fuse-ld=", 9) == 0 || strncmp(a, "--ld-path=", 10) == 0 ||
         strncmp(a, "-T", 2) == 0 || (strncmp(a, "-u", 2) == 0 && strcmp(a, "-undef") != 0);
}

/* The language of an input, as -x names it: the one -x set, else the
 * compiler's rule by extension. NULL for inputs that are not compiled
 * (objects, archives, shared objects, linker scripts). */
static const char *language_of(const char *path, const char *x, bool cxx) {
  if (x && strcmp(x, "none") != 0)
    return x;
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (!dot || (slash && dot < slash))
    return NULL;
  dot++;
  static const char *const c[] = {"c"};
  static const char *const cpp[] = {"cc", "cp", "cxx", "cpp", "CPP", "c++", "C"};
  static const char *const other[][2] = {
      {"i", "cpp-output"},
      {"ii", "c++-cpp-output"},
      {"m", "objective-c"},
      {"mi", "objective-c-cpp-output"},
      {"mm", "objective-c++"},
      {"M", "objective-c++"},
      {"mii", "objective-c++-cpp-output"},
      {"s", "assembler"},
      {"S", "assembler-with-cpp"},
      {"sx", "assembler-with-cpp"},
  };
  if (strcmp(dot, c[0]) == 0)
    return cxx ? "c++" : "c"; /* as g++ does: a .c file is C++ to it */
  for (size_t i = 0; i < sizeof(cpp) / sizeof(cpp[0]); i++)
    if (strcmp(dot, cpp[i]) == 0)
      return "c++";
  for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
    if (strcmp(dot, other[i][0]) == 0)
      return other[i][1];
  return NULL;
}

/* Languages whose code the compiler instruments. */
static bool instrumented(const char *lang) {
  return lang && strncmp(lang, "assembler", 9) != 0 && strstr(lang, "header") == NULL;
}

/* ---- finding the compiler and the runtime ---- */

static char self_exe[PATH_MAX];

/* The compiler's command words: $DARA_CC (or $DARA_CXX), else $CC (or
 * $CXX) unless that names dara-cc itself (CC=dara-cc make), else cc (or
 * c++). A variable may hold several words ("ccache gcc"). */
static char *compiler_words; /* what the words point into */

static void find_compiler(bool cxx, struct args *words) {
  const char *dara_var = cxx ? "DARA_CXX" : "DARA_CC";
  const char *var = cxx ? "CXX" : "CC";
  const char *v = getenv(dara_var);
  bool ours = v && *v;
  if (!ours) {
    v = getenv(var);
    if (v && *v) {
      /* Its last word is the compiler proper ("ccache gcc"). */
      const char *end = v + strlen(v);
      while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
      const char *start = end;
      while (start > v && start[-1] != ' ' && start[-1] != '\t')
        start--;
      size_t len = (size_t)(end - start);
      char word[PATH_MAX];
      if (len >= sizeof(word))
        len = sizeof(word) - 1;
      memcpy(word, start, len);
      word[len] = '\0';
      const char *base = strrchr(word, '/');
      base = base ? base + 1 : word;
      char resolved[PATH_MAX] = "";
      if (strchr(word, '/'))
        (void)!realpath(word, resolved);
      if (strncmp(base, "dara-c", 6) == 0 || (resolved[0] && strcmp(resolved, self_exe) == 0))
        v = NULL;
    } else {
      v = NULL;
    }
  }
  if (!v)
    v = cxx ? "c++" : "cc";
  compiler_words = strdup(v);
  if (!compiler_words)
    die("%s", "out of memory");
  char *save = NULL;
  for (char *w = strtok_r(compiler_words, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
    push(words, w);
  if (words->n == 0)
    die("$%s is empty", ours ? dara_var : var);
}

static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* libdara_rt.a: $DARA_RT, else beside dara-cc's own lib directory (the
 * build tree's build/lib, or the installed one). */
static const char *find_runtime(void) {
  const char *env = getenv("DARA_RT");
  if (env && *env) {
    if (!is_file(env))
      die("DARA_RT=%s: no such file", env);
    return env;
  }
  static char path[PATH_MAX + 64];
  char dir[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s", self_exe);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  const char *tries[] = {"../lib", "../" DARA_INSTALL_LIBDIR};
  for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s/libdara_rt.a", dir, tries[i]);
    if (is_file(path))
      return path;
  }
  die("cannot find libdara_rt.a in %s/../lib; set DARA_RT to its path", dir);
  return NULL;
}

/* ---- running the compiler ---- */

/* Temporary objects of a compile-and-link command, removed however the
 * command ends. */
static char **temps;
static size_t ntemps;

static void remove_temps(void) {
  for (size_t i = 0; i < ntemps; i++) {
    unlink(temps[i]);
    /* -MD without -MF writes its dependencies beside the object */
    size_t len = strlen(temps[i]);
    temps[i][len - 1] = 'd';
    unlink(temps[i]);
    temps[i][len - 1] = 'o';
  }
}

static void on_signal(int sig) {
  remove_temps();
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Runs argv and returns its exit status (128 + the signal that killed it). */
static int run(const struct args *argv) {
  pid_t pid = fork();
  if (pid < 0)
    die("fork: %s", strerror(errno));
  if (pid == 0) {
    execvp(argv->v[0], (char *const *)argv->v);
    fprintf(stderr, "%s: cannot run %s: %s\n", self_name, argv->v[0], strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      die("waitpid: %s", strerror(errno));
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

/* Whether the compiler is clang (else gcc): by its name, or, for a name
 * like cc, by what it says it is. */
static bool compiler_is_clang(const struct args *words) {
  const char *base = strrchr(words->v[words->n - 1], '/');
  base = base ? base + 1 : words->v[words->n - 1];
  if (strstr(base, "clang"))
    return true;
  if (strstr(base, "gcc") || strstr(base, "g++"))
    return false;
  int fds[2];
  if (pipe(fds) != 0)
    return false;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    struct args a = {0};
    push_all(&a, words);
    push(&a, "--version");
    execvp(a.v[0], (char *const *)a.v);
    _exit(127);
  }
  close(fds[1]);
  char buf[512];
  size_t got = 0;
  ssize_t n;
  while (got < sizeof(buf) - 1 && (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      break;
    got += (size_t)n;
  }
  buf[got] = '\0';
  close(fds[0]);
  if (pid > 0)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
  return strstr(buf, "clang") != NULL;
}

/* The flags every compilation gets (docs/instrumented.md says why). */
static void instrumentation_flags(const struct args *words, struct args *out) {
  push(out, "-fsanitize=thread");
  bool clang = compiler_is_clang(words);
  /* dara does not use function entry and exit: leave out their two calls
   * per function. */
  if (clang)
    push(out, "-fno-sanitize-thread-func-entry-exit");
  else
    push(out, "--param=tsan-instrument-func-entry-exit=0");
  /* Block coverage for `--coverage` and `--strategy cov`: a call at the
   * start of every basic block. clang leaves out the call in blocks whose
   * count it could work out from others' (dara does not), unless told
   * no-prune; gcc never does, and knows no such word. DARA_CC_COVERAGE=0
   * leaves it out. */
  const char *cov = getenv("DARA_CC_COVERAGE");
  if (!cov || strcmp(cov, "0") != 0)
    push(out, clang ? "-fsanitize-coverage=trace-pc,no-prune" : "-fsanitize-coverage=trace-pc");
}

int main(int argc, char **argv) {
  const char *base = strrchr(argv[0], '/');
  base = base ? base + 1 : argv[0];
  bool cxx = strstr(base, "++") != NULL;
  self_name = cxx ? "dara-c++" : "dara-cc";
  ssize_t len = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
  if (len <= 0)
    die("cannot find my own executable: %s", strerror(errno));
  self_exe[len] = '\0';

  struct args cc = {0};
  find_compiler(cxx, &cc);

  /* What kind of command this is, and where its inputs are. */
  bool compile_only = false, relocatable = false;
  size_t ninputs = 0;
  const char **lang = xcalloc((size_t)argc, sizeof(*lang)); /* per argument: a source's */
  bool *is_input = xcalloc((size_t)argc, sizeof(*is_input));
  const char *x = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || strcmp(a, "-") == 0) {
      is_input[i] = true;
      lang[i] = language_of(a, x, cxx);
      ninputs++;
      continue;
    }
    if (strcmp(a, "-c") == 0 || strcmp(a, "-S") == 0 || strcmp(a, "-E") == 0 ||
        strcmp(a, "-fsyntax-only") == 0 || strcmp(a, "-M") == 0 || strcmp(a, "-MM") == 0)
      compile_only = true;
    if (strcmp(a, "-r") == 0)
      relocatable = true;
    bool value;
    if (is_language(a, &value)) { /* -x LANG, -xLANG, --language LANG, --language=LANG */
      if (value)
        x = i + 1 < argc ? argv[i + 1] : NULL;
      else
        x = strchr(a, '=') ? strchr(a, '=') + 1 : a + 2;
    }
    if (takes_value(a) && i + 1 < argc)
      i++;
  }

  struct args out = {0};
  push_all(&out, &cc);
  int rc;
  if (ninputs == 0) {
    /* --version, -print-file-name=..., -dumpmachine: as the compiler would. */
    for (int i = 1; i < argc; i++)
      push(&out, argv[i]);
    execvp(out.v[0], (char *const *)out.v);
    die("cannot run the compiler: %s", strerror(errno));
  }
  if (compile_only) {
    instrumentation_flags(&cc, &out);
    for (int i = 1; i < argc; i++)
      push(&out, argv[i]);
    execvp(out.v[0], (char *const *)out.v);
    die("cannot run the compiler: %s", strerror(errno));
  }

  /* A link, perhaps with sources to compile first. */
  const char *rt = relocatable ? NULL : find_runtime();
  size_t nsources = 0;
  for (int i = 1; i < argc; i++)
    nsources += is_input[i] && instrumented(lang[i]);
  char **objects = xcalloc((size_t)argc, sizeof(*objects));
  temps = xcalloc(nsources, sizeof(*temps));
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGHUP, on_signal);
  rc = 0;
  if (nsources > 0) {
    /* What a compilation of one source keeps: every option but the output,
     * the language (given per source) and what only the linker reads. */
    struct args common = {0};
    for (int i = 1; i < argc; i++) {
      const char *a = argv[i];
      bool value = false;
      if (is_input[i])
        continue;
      if (is_output(a, &value) || is_language(a, &value) || link_only(a, &value)) {
        i += value;
        continue;
      }
      push(&common, a);
      if (takes_value(a) && i + 1 < argc)
        push(&common, argv[++i]);
    }
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
      tmpdir = "/tmp";
    for (int i = 1; i < argc && rc == 0; i++) {
      if (!is_input[i] || !instrumented(lang[i]))
        continue;
      size_t n = strlen(tmpdir) + 32;
      char *tmp = xcalloc(n, 1);
      snprintf(tmp, n, "%s/dara-cc-XXXXXX.o", tmpdir);
      int fd = mkstemps(tmp, 2);
      if (fd < 0)
        die("cannot create a temporary object: %s", strerror(errno));
      close(fd);
      temps[ntemps++] = tmp;
      objects[i] = tmp;
      struct args one = {0};
      push_all(&one, &cc);
      instrumentation_flags(&cc, &one);
      push_all(&one, &common);
      push(&one, "-c");
      push(&one, "-x");
      push(&one, lang[i]);
      push(&one, argv[i]);
      push(&one, "-o");
      push(&one, tmp);
      rc = run(&one);
      free(one.v);
    }
    free(common.v);
  }
  if (rc == 0) {
    /* The link: the command as given, each source replaced by its object,
     * other inputs of an explicit language framed by -x, and the runtime
     * last, where it can resolve what every object before it needs. */
    for (int i = 1; i < argc; i++) {
      const char *a = argv[i];
      if (objects[i]) {
        push(&out, objects[i]);
        continue;
      }
      if (is_input[i] && lang[i] && !instrumented(lang[i])) {
        push(&out, "-x");
        push(&out, lang[i]);
        push(&out, a);
        push(&out, "-x");
        push(&out, "none");
        continue;
      }
      bool value;
      if (is_language(a, &value)) {
        i += value;
        continue;
      }
      push(&out, a);
      if (!is_input[i] && takes_value(a) && i + 1 < argc)
        push(&out, argv[++i]);
    }
    if (rt)
      push(&out, rt);
    rc = run(&out);
  }
  remove_temps();
  for (size_t i = 0; i < ntemps; i++)
    free(temps[i]);
  free(temps);
  free(objects);
  free(lang);
  free(is_input);
  free(out.v);
  free(cc.v);
  free(compiler_words);
  return rc;
}
