/*
 * ci_report.c: see ci_report.h.
 */
#include "sched/ci_report.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sched/json.h"
#include "sched/schedfile.h"
#include "sched/utf8.h"

/* The rules: one per kind of bug (the words of explore's bug files), and
 * one for the data races explore reports without counting them as bugs.
 * Their order is the rules array's, which results name by index. */
static const struct {
  const char *id;
  const char *name;
  const char *text;
  const char *level;
} rules[] = {
    {"deadlock", "Deadlock", "No thread could run while some had not finished.", "error"},
    {"crash", "Crash", "A process was killed by a signal: a fault, or a failed assertion (abort).",
     "error"},
    {"exit", "ExitStatus",
     "A process exited with a status other than 0 (and other than those --ok-exit allows).",
     "error"},
    {"hang", "Hang",
     "A thread ran longer than the watchdog allows without reaching a scheduling point.", "error"},
    {"livelock", "Livelock", "The step limit was reached while every thread did nothing but spin.",
     "error"},
    {"property", "Property", "An assertion of dara.h or a global property (--props) failed.",
     "error"},
    {"race", "DataRaceBug", "A data race, counted as a bug (--races fail).", "error"},
    {"check", "Check", "The --check command failed after the run.", "error"},
    {"bug", "Bug", "A bug of another kind.", "error"},
    {"data-race", "DataRace",
     "A data race: two threads' accesses to one location, one a write, that no "
     "synchronization orders (reported; --races fail makes it a bug).",
     "warning"},
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static size_t rule_index(const char *id) {
  for (size_t i = 0; i < NRULES; i++)
    if (strcmp(rules[i].id, id) == 0)
      return i;
  return rule_index("bug");
}

/* The program's file as a URI: file:// and the path percent-encoded, or a
 * relative reference for a path that is not absolute. */
static void write_uri(FILE *out, const char *path) {
  static const char keep[] = "-._~!$&'()*+,;=:@/";
  fputc('"', out);
  if (path[0] == '/')
    fputs("file://", out);
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        strchr(keep, *p))
      fputc(*p, out);
    else
      fprintf(out, "%%%02X", *p);
  }
  fputc('"', out);
}

static const char *program_path(const struct ci_report *r, int p) {
  if (r->paths && r->paths[p])
    return r->paths[p];
  return r->cmds[p].argc > 0 ? r->cmds[p].argv[0] : "";
}

/* Each line of text (lines end in '\n') as a JSON array of strings. */
static void json_lines(FILE *out, const char *text) {
  fputc('[', out);
  for (int n = 0; *text; n++) {
    const char *nl = strchr(text, '\n');
    size_t len = nl ? (size_t)(nl - text) : strlen(text);
    char line[1024];
    snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), text);
    fputs(n ? ", " : "", out);
    json_put_string(out, line);
    text += len + (nl ? 1 : 0);
  }
  fputc(']', out);
}

/* A bug's location: the source line where it went wrong when dara knows
 * it (code scanning shows the result there), else the program's file. */
static void sarif_location(FILE *out, const struct ci_report *r, unsigned proc,
                           const struct ci_bug *b) {
  if ((int)proc >= r->nprocs)
    proc = 0;
  if (b && b->src_file && b->src_file[0] && b->src_line) {
    fputs(",\n       \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ",
          out);
    write_uri(out, b->src_file);
    fprintf(out, "}, \"region\": {\"startLine\": %u}}}]", b->src_line);
    return;
  }
  fputs(",\n       \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ", out);
  write_uri(out, program_path(r, (int)proc));
  fprintf(out, ", \"index\": %u}}}]", proc);
}

static void sarif_bug(FILE *out, const struct ci_report *r, const struct ci_bug *b) {
  size_t k = rule_index(b->kind);
  fputs("      {\"ruleId\": ", out);
  json_put_string(out, rules[k].id);
  fprintf(out, ", \"ruleIndex\": %zu, \"level\": \"error\", \"kind\": \"fail\",\n", k);
  fputs("       \"message\": {\"text\": \"", out);
  json_put_escaped(out, b->message);
  fputs("; reproduce it with: ", out);
  json_put_escaped(out, b->replay);
  fputs("\"}", out);
  sarif_location(out, r, b->proc, b);
  fputs(",\n       \"partialFingerprints\": {\"daraSignature/v1\": ", out);
  json_put_string(out, b->signature);
  fputs("},\n       \"properties\": {\"kind\": ", out);
  json_put_string(out, b->kind);
  fprintf(out, ", \"schedule\": %llu, \"process\": %u, \"scheduleFile\": ",
          (unsigned long long)b->schedule, b->proc);
  json_put_string(out, b->file);
  fputs(", \"replay\": ", out);
  json_put_string(out, b->replay);
  fputs(", \"details\": ", out);
  json_lines(out, b->details);
  fputs("}}", out);
}

static void sarif_race(FILE *out, const struct ci_report *r, const struct ci_race *race,
                       unsigned proc) {
  size_t k = rule_index("data-race");
  fprintf(out,
          "      {\"ruleId\": \"data-race\", \"ruleIndex\": %zu, \"level\": \"warning\", "
          "\"kind\": \"fail\",\n       \"message\": {\"text\": \"data race on ",
          k);
  json_put_escaped(out, race->location);
  fputs(": ", out);
  json_put_escaped(out, race->access);
  fputs("; ", out);
  json_put_escaped(out, race->previous);
  fputs("\"}", out);
  sarif_location(out, r, proc, NULL);
  fputs(",\n       \"partialFingerprints\": {\"daraRace/v1\": ", out);
  json_put_string(out, race->key);
  fprintf(out, "},\n       \"properties\": {\"schedule\": %llu}}",
          (unsigned long long)race->schedule);
}

/* The process a race's access was in: its thread's name starts "P:". */
static unsigned race_proc(const struct ci_race *race) {
  const char *by = strstr(race->access, " by thread ");
  unsigned proc = 0;
  if (by)
    sscanf(by + strlen(" by thread "), "%u", &proc);
  return proc;
}

int ci_write_sarif(FILE *out, const struct ci_report *r) {
  fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
        "  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
        "    \"tool\": {\"driver\": {\"name\": \"dara\", \"version\": ",
        out);
  json_put_string(out, r->dara_version);
  fputs(",\n      \"rules\": [\n", out);
  for (size_t i = 0; i < NRULES; i++) {
    fputs("        {\"id\": ", out);
    json_put_string(out, rules[i].id);
    fputs(", \"name\": ", out);
    json_put_string(out, rules[i].name);
    fputs(", \"shortDescription\": {\"text\": ", out);
    json_put_string(out, rules[i].text);
    fprintf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\"}}%s\n", rules[i].level,
            i + 1 < NRULES ? "," : "");
  }
  fputs("      ]}},\n", out);
  fprintf(out, "    \"invocations\": [{\"executionSuccessful\": %s", r->failed ? "false" : "true");
  if (r->failed && r->error) {
    fputs(", \"toolExecutionNotifications\": [{\"level\": \"error\", \"message\": {\"text\": ",
          out);
    json_put_string(out, r->error);
    fputs("}}]", out);
  }
  fputs("}],\n", out);
  fputs("    \"artifacts\": [", out);
  for (int p = 0; p < r->nprocs; p++) {
    fputs(p ? ", " : "", out);
    fputs("{\"location\": {\"uri\": ", out);
    write_uri(out, program_path(r, p));
    fputs("}, \"roles\": [\"analysisTarget\"]}", out);
  }
  fputs("],\n    \"results\": [\n", out);
  for (size_t i = 0; i < r->nbugs; i++) {
    sarif_bug(out, r, &r->bugs[i]);
    fputs(i + 1 < r->nbugs || r->nraces ? ",\n" : "\n", out);
  }
  for (size_t i = 0; i < r->nraces; i++) {
    sarif_race(out, r, &r->races[i], race_proc(&r->races[i]));
    fputs(i + 1 < r->nraces ? ",\n" : "\n", out);
  }
  fputs("    ],\n    \"properties\": {\"strategy\": ", out);
  json_put_string(out, r->strategy);
  fprintf(out,
          ", \"seed\": %llu, \"schedules\": %llu, \"seconds\": %.3f, \"interrupted\": %s}\n"
          "  }]\n}\n",
          (unsigned long long)r->seed, (unsigned long long)r->schedules, r->seconds,
          r->interrupted ? "true" : "false");
  return ferror(out) ? -1 : 0;
}

/* ---- JUnit XML ---- */

void ci_xml_escape(FILE *out, const char *s) {
  const char *p = s;
  while (*p) {
    uint32_t cp = 0;
    size_t n = utf8_seq(p, &cp);
    if (n == 0) {
      fputs("\xef\xbf\xbd", out); /* U+FFFD */
      p++;
      continue;
    }
    switch (cp) {
    case '&':
      fputs("&amp;", out);
      break;
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&apos;", out);
      break;
    case '\t':
    case '\n':
    case '\r':
      fprintf(out, "&#%u;", (unsigned)cp);
      break;
    default:
      /* XML 1.0 allows no other C0 control, nor U+FFFE and U+FFFF. */
      if (cp < 0x20 || cp == 0xfffe || cp == 0xffff)
        fputs("\xef\xbf\xbd", out);
      else
        fwrite(p, 1, n, out);
      break;
    }
    p += n;
  }
}

static void xml_attr(FILE *out, const char *name, const char *value) {
  fprintf(out, " %s=\"", name);
  ci_xml_escape(out, value);
  fputc('"', out);
}

/* The test case's name: the command line, and with several programs the
 * process's index before it. */
static void junit_case_name(FILE *out, const struct ci_report *r, int p) {
  fputs(" name=\"", out);
  if (r->nprocs > 1)
    fprintf(out, "process %d: ", p);
  for (int i = 0; i < r->cmds[p].argc; i++) {
    fputs(i ? " " : "", out);
    ci_xml_escape(out, r->cmds[p].argv[i]);
  }
  fputc('"', out);
}

static void junit_failure(FILE *out, const struct ci_bug *b) {
  fputs("      <failure", out);
  xml_attr(out, "message", b->message);
  xml_attr(out, "type", b->kind);
  fputc('>', out);
  ci_xml_escape(out, b->message);
  fputs("&#10;", out);
  ci_xml_escape(out, b->details);
  fprintf(out, "found by schedule %llu; saved as ", (unsigned long long)b->schedule);
  ci_xml_escape(out, b->file);
  fputs("&#10;reproduce it with: ", out);
  ci_xml_escape(out, b->replay);
  fputs("&#10;</failure>\n", out);
}

int ci_write_junit(FILE *out, const struct ci_report *r) {
  int failed_cases = 0, error_cases = 0;
  for (int p = 0; p < r->nprocs; p++) {
    bool has = false;
    for (size_t i = 0; i < r->nbugs; i++)
      has |= (int)r->bugs[i].proc == p || ((int)r->bugs[i].proc >= r->nprocs && p == 0);
    if (has)
      failed_cases++;
    else if (r->failed)
      error_cases++;
  }
  char stamp[32] = "", host[256] = "";
  time_t now = time(NULL);
  struct tm tm;
  if (gmtime_r(&now, &tm))
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  if (gethostname(host, sizeof(host) - 1) != 0)
    snprintf(host, sizeof(host), "localhost");
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
  fprintf(out,
          "<testsuites name=\"dara explore\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
          "time=\"%.3f\">\n",
          r->nprocs, failed_cases, error_cases, r->seconds);
  fprintf(out,
          "  <testsuite name=\"dara explore\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
          "skipped=\"0\" time=\"%.3f\"",
          r->nprocs, failed_cases, error_cases, r->seconds);
  xml_attr(out, "timestamp", stamp);
  xml_attr(out, "hostname", host);
  fputs(">\n    <properties>\n", out);
  char num[32];
  fputs("      <property name=\"dara.version\"", out);
  xml_attr(out, "value", r->dara_version);
  fputs("/>\n      <property name=\"strategy\"", out);
  xml_attr(out, "value", r->strategy);
  snprintf(num, sizeof(num), "%llu", (unsigned long long)r->seed);
  fputs("/>\n      <property name=\"seed\"", out);
  xml_attr(out, "value", num);
  snprintf(num, sizeof(num), "%llu", (unsigned long long)r->schedules);
  fputs("/>\n      <property name=\"schedules\"", out);
  xml_attr(out, "value", num);
  fprintf(out, "/>\n      <property name=\"interrupted\" value=\"%s\"/>\n    </properties>\n",
          r->interrupted ? "true" : "false");
  for (int p = 0; p < r->nprocs; p++) {
    const char *path = program_path(r, p), *slash = strrchr(path, '/');
    fputs("    <testcase", out);
    junit_case_name(out, r, p);
    fputs(" classname=\"dara.explore.", out);
    ci_xml_escape(out, slash ? slash + 1 : path);
    fprintf(out, "\" time=\"%.3f\">\n", r->seconds);
    bool has = false;
    for (size_t i = 0; i < r->nbugs; i++)
      if ((int)r->bugs[i].proc == p || ((int)r->bugs[i].proc >= r->nprocs && p == 0)) {
        junit_failure(out, &r->bugs[i]);
        has = true;
      }
    if (!has && r->failed) {
      fputs("      <error", out);
      xml_attr(out, "message",
               r->error
                   ? r->error
                   : "dara stopped the exploration on an error (its standard error says which)");
      fputs(" type=\"error\"/>\n", out);
    }
    fputs("    </testcase>\n", out);
  }
  if (r->nraces) {
    fputs("    <system-out>", out);
    for (size_t i = 0; i < r->nraces; i++) {
      fputs("data race on ", out);
      ci_xml_escape(out, r->races[i].location);
      fputs(": ", out);
      ci_xml_escape(out, r->races[i].access);
      fputs("; ", out);
      ci_xml_escape(out, r->races[i].previous);
      fputs("&#10;", out);
    }
    fputs("</system-out>\n", out);
  }
  fputs("  </testsuite>\n</testsuites>\n", out);
  return ferror(out) ? -1 : 0;
}
