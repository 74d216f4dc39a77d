/*
 * show_json.c: `dara show --format json`: the whole content of a schedule
 * file as one JSON document, for scripts; and the JSON of a system call and
 * of a double, which the Chrome trace (show_trace.c) uses too.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/calls.h"
#include "abi/ops.h"
#include "sched/event.h"
#include "sched/evtext.h"
#include "sched/json.h"
#include "sched/racy.h"
#include "sched/schedfile.h"
#include "sched/show.h"
#include "sched/srcloc.h"

/* A double as a JSON number: the shortest form that reads back as the same
 * value; null for infinities and NaN, which JSON cannot express. */
void show_json_double(FILE *out, double d) {
  if (!isfinite(d)) {
    fputs("null", out);
    return;
  }
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) {
      break;
    }
  }
  fputs(buf, out);
}

/* A SYSCALL event's details as a JSON object: the call and its group, the
 * arguments keyed by their names (signed numbers), the return value, errno
 * and its name (null when errno is 0 or unknown), when the call began and
 * ended (virtual ns), and the data excerpt as a string and in hex. */
void show_json_syscall(FILE *out, const struct dara_event *ev) {
  static const struct dara_sys none;
  const struct dara_sys *sys = ev->sys ? ev->sys : &none;
  size_t len = sys->len < DARA_SYS_DATA ? sys->len : DARA_SYS_DATA;
  fputs("{\"call\": ", out);
  json_put_string(out, dara_call_name(ev->op));
  fputs(", \"group\": ", out);
  json_put_string(out, dara_call_group_name((unsigned)dara_call_group(ev->op)));
  fputs(", \"args\": {", out);
  char names[3][EVTEXT_ARG_NAME];
  int n = evtext_call_args(ev->op, names);
  for (int i = 0; i < n; i++) {
    fputs(i ? ", " : "", out);
    json_put_string(out, names[i]);
    fprintf(out, ": %" PRId64, (int64_t)sys->args[i]);
  }
  fprintf(out, "}, \"ret\": %" PRId64 ", \"errno\": %" PRIu32 ", \"errno_name\": ", ev->arg,
          sys->err);
  json_put_string(out, evtext_errno_name(sys->err));
  fprintf(out, ", \"start\": %" PRIu64 ", \"end\": %" PRIu64 ", \"data\": ", sys->start, ev->time);
  json_put_bytes(out, sys->data, len);
  fputs(", \"data_hex\": \"", out);
  for (size_t i = 0; i < len; i++) {
    fprintf(out, "%02x", sys->data[i]);
  }
  fputs("\"}", out);
}

/* The version of the document (docs/json.md): raised when a field is
 * removed or changes its type or meaning, not when one is added. */
#define SHOW_JSON_VERSION 1

/* A step's place, decoded: its module and offset, and the source file,
 * line and function when the module's debug information has them (the
 * module as it is now, like the text form). */
static void show_json_place(FILE *out, const struct show *sh, unsigned proc, uint64_t pc) {
  const char *path = show_place_module(sh, proc, pc);
  const char *slash = path ? strrchr(path, '/') : NULL;
  fputs(", \"place\": {\"module\": ", out);
  json_put_string(out, slash ? slash + 1 : path ? path : "");
  fprintf(out, ", \"offset\": %" PRIu64, pc >> 5);
  struct srcloc loc;
  if (path && show_place_has_lines(sh, proc, pc) &&
      (srcloc_lookup_user(path, pc >> 5, &loc) == 0 || srcloc_lookup(path, pc >> 5, &loc) == 0)) {
    if (loc.file[0]) {
      fputs(", \"file\": ", out);
      json_put_string(out, loc.file);
      fprintf(out, ", \"line\": %u", loc.line);
    }
    if (loc.func[0]) {
      fputs(", \"function\": ", out);
      json_put_string(out, loc.func);
    }
  }
  fputc('}', out);
}

static void print_json_event(const struct show *sh, size_t i) {
  const struct dara_event *ev = &sh->f->events[i];
  FILE *out = sh->out;
  fprintf(out,
          "    {\"index\": %zu, \"kind\": \"%s\", \"proc\": %u, \"routine\": %u, "
          "\"time\": %" PRIu64,
          i, dara_ev_kind_name(ev->kind), ev->proc, ev->routine, ev->time);
  /* "op" is always a string: the operation's name, or the call's. The
   * kinds whose op field codes something else have it decoded (note, log,
   * assert). */
  if (ev->kind == DARA_EV_LOG || ev->kind == DARA_EV_ASSERT) {
    /* decoded below: log.type, assert.kind */
  } else if (ev->kind == DARA_EV_SYSCALL) {
    fputs(", \"op\": ", out);
    json_put_string(out, dara_call_name(ev->op));
  } else if (ev->kind == DARA_EV_NOTE) {
    fprintf(out, ", \"note\": %u", ev->op);
  } else if (ev->kind == DARA_EV_PEER) {
    fprintf(out, ", \"fd\": %" PRIu32 ", \"peer_proc\": %u, \"peer_fd\": %" PRIu32, ev->obj, ev->op,
            ev->obj2);
  } else if (ev->kind == DARA_EV_FAULT) {
    fputs(", \"fault\": ", out);
    json_put_string(out, dara_fault_name(ev->op));
  } else if (ev->kind == DARA_EV_FORK) { /* its parent, also when it is process 0 */
    fprintf(out, ", \"parent\": %" PRId64, ev->arg);
  } else if (ev->kind == DARA_EV_EXEC) { /* the process before its exec */
    fprintf(out, ", \"before\": %" PRId64, ev->arg);
  } else if (ev->op || ev->kind == DARA_EV_STEP || ev->kind == DARA_EV_RESULT) {
    fputs(", \"op\": ", out);
    json_put_string(out, dara_op_name(ev->op));
  }
  if (ev->obj) {
    fprintf(out, ", \"obj\": %" PRIu32, ev->obj);
  }
  if (ev->obj2) {
    fprintf(out, ", \"obj2\": %" PRIu32, ev->obj2);
  }
  if (ev->arg) {
    fprintf(out, ", \"arg\": %" PRId64, ev->arg);
  }
  if (ev->kind == DARA_EV_STEP && ev->arg) {
    show_json_place(out, sh, ev->proc, (uint64_t)ev->arg);
  }
  /* The decoded fields of the kinds that name labels, and of system calls,
   * in an object named after the kind (so that its "kind" cannot clash with
   * the event's). */
  if (ev->kind == DARA_EV_LOG) {
    fputs(", \"log\": {\"name\": ", out);
    json_put_string(out, evtext_label(sh->f, ev->obj));
    fprintf(out, ", \"type\": \"%s\", \"value\": ", dara_var_type_name(ev->op));
    if (ev->op == DARA_VAR_INT) {
      fprintf(out, "%" PRId64, ev->arg);
    } else if (ev->op == DARA_VAR_DOUBLE) {
      show_json_double(out, dara_ev_double(ev->arg));
    } else if (ev->op == DARA_VAR_STRING) {
      json_put_string(out, evtext_label(sh->f, ev->arg));
    } else {
      fputs("null", out);
    }
    fputc('}', out);
  } else if (ev->kind == DARA_EV_ASSERT) {
    fprintf(out, ", \"assert\": {\"kind\": \"%s\", \"name\": ", dara_assert_kind_name(ev->op));
    json_put_string(out, evtext_label(sh->f, ev->obj));
    fprintf(out, ", \"held\": %s, \"line\": %" PRIu32 "}", ev->arg ? "true" : "false", ev->obj2);
  } else if (ev->kind == DARA_EV_PROPERTY) {
    fputs(", \"property\": {\"name\": ", out);
    json_put_string(out, evtext_label(sh->f, ev->obj));
    fputc('}', out);
  } else if (ev->kind == DARA_EV_SYSCALL) {
    fputs(", \"syscall\": ", out);
    show_json_syscall(out, ev);
  }
  fputs(i + 1 < sh->f->nevents ? "},\n" : "}\n", out);
}

void show_print_json(struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  fprintf(out, "{\n  \"version\": %d,\n  \"file\": ", SHOW_JSON_VERSION);
  json_put_string(out, sh->path);
  fprintf(out,
          ",\n  \"format_version\": %" PRIu32 ",\n  \"file_size\": %" PRIu64
          ",\n  \"complete\": %s,\n",
          f->version, f->file_size, sh->complete ? "true" : "false");
  fputs("  \"header\": {\n    \"dara_version\": ", out);
  json_put_string(out, f->hdr.dara_version);
  fputs(",\n    \"cwd\": ", out);
  json_put_string(out, f->hdr.cwd);
  fputs(",\n    \"strategy\": ", out);
  json_put_string(out, f->hdr.strategy);
  fprintf(out, ",\n    \"points\": \"%s\"", dara_points_name(f->hdr.points));
  if (f->hdr.points == DARA_POINTS_RACY && f->hdr.racy) {
    fputs(",\n    \"racy_places\": [", out);
    for (uint32_t i = 0; i < f->hdr.racy->nplaces; i++) {
      char place[DARA_PATH_LEN + 32];
      racy_place_text(f->hdr.racy, i, place, sizeof(place));
      fputs(i ? ", " : "", out);
      json_put_string(out, place);
    }
    fputc(']', out);
  }
  fputs(",\n    \"ok_exit\": [", out);
  for (uint32_t i = 0; i < f->hdr.oracle.nok_exit; i++)
    fprintf(out, "%s%d", i ? ", " : "", (int)f->hdr.oracle.ok_exit[i]);
  fputs("],\n    \"check\": ", out);
  if (f->hdr.oracle.check)
    json_put_string(out, f->hdr.oracle.check);
  else
    fputs("null", out);
  fputs(",\n    \"max_steps\": ", out); /* kept since version 5; 0: no limit */
  if (f->version >= 5)
    fprintf(out, "%" PRIu64, f->hdr.max_steps);
  else
    fputs("null", out);
  if (f->hdr.has_world) { /* outside.h */
    const struct sched_world *w = &f->hdr.world;
    fputs(",\n    \"files\": [", out);
    for (int p = 0; p < f->hdr.nprocs; p++) {
      fputs(p ? ", " : "", out);
      json_put_string(out, w->paths[p] ? w->paths[p] : "");
    }
    fputs("],\n    \"env\": [", out);
    for (uint32_t i = 0; i < w->nenv; i++) {
      fputs(i ? ", " : "", out);
      json_put_string(out, w->env[i]);
    }
    fputs("],\n    \"stdin\": ", out);
    if (w->has_input)
      json_put_bytes(out, w->input, (size_t)w->input_len);
    else
      fputs("null", out);
    fputs(",\n    \"typed\": [", out); /* version 10 */
    for (uint32_t i = 0; i < w->nchunks; i++) {
      fprintf(out, "%s{\"after_step\": %" PRIu64 ", \"end\": %s, \"data\": ", i ? ", " : "",
              w->chunks[i].steps, w->chunks[i].eof ? "true" : "false");
      json_put_bytes(out, w->chunks[i].data, (size_t)w->chunks[i].len);
      fputc('}', out);
    }
    fputs("],\n    \"descriptors\": [", out); /* version 10 */
    for (uint32_t i = 0; i < w->nfds; i++) {
      fprintf(out, "%s{\"fd\": %d, \"input\": ", i ? ", " : "", (int)w->fds[i].fd);
      if (w->fds[i].copied)
        json_put_bytes(out, w->fds[i].data, (size_t)w->fds[i].len);
      else
        fputs("null", out);
      fputc('}', out);
    }
    fputs("],\n    \"read_files\": [", out); /* version 10 */
    for (uint32_t i = 0; i < w->nfiles; i++) {
      fputs(i ? ", {\"path\": " : "{\"path\": ", out);
      json_put_string(out, w->files[i].path);
      fprintf(out, ", \"mode\": %u, \"data\": ", (unsigned)w->files[i].mode);
      json_put_bytes(out, w->files[i].data, (size_t)w->files[i].len);
      fputc('}', out);
    }
    fputc(']', out);
  }
  fprintf(out, ",\n    \"seed\": %" PRIu64 ",\n    \"commands\": [", f->hdr.seed);
  for (int p = 0; p < f->hdr.nprocs; p++) {
    fputs(p ? ", [" : "[", out);
    for (int i = 0; i < f->hdr.cmds[p].argc; i++) {
      if (i) {
        fputs(", ", out);
      }
      json_put_string(out, f->hdr.cmds[p].argv[i]);
    }
    fputc(']', out);
  }
  fputs("]\n  },\n  \"threads\": [\n", out);
  for (size_t i = 0; i < f->nthreads; i++) {
    const struct sched_thread *t = &f->threads[i];
    fprintf(out, "    {\"proc\": %u, \"routine\": %u, \"module\": ", t->proc, t->routine);
    json_put_string(out, t->module);
    fprintf(out, ", \"offset\": %" PRIu64 ", \"ordinal\": %" PRIu32 ", \"func\": ", t->offset,
            t->ordinal);
    json_put_string(out, t->func);
    /* In force from this event on: a slot recycled for a later thread is
     * defined again, and the later definition names the later events. */
    fprintf(out, ", \"from_event\": %zu", f->threads_at[i]);
    fputs(i + 1 < f->nthreads ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"objects\": [\n", out);
  for (size_t i = 0; i < f->nobjects; i++) {
    const struct sched_object *o = &f->objects[i];
    fprintf(out, "    {\"proc\": %u, \"id\": %" PRIu32 ", \"kind\": \"%s\", \"module\": ", o->proc,
            o->id, dara_obj_kind_name(o->kind));
    json_put_string(out, o->module);
    fprintf(out, ", \"offset\": %" PRIu64, o->offset);
    if (f->object_symbols && f->object_symbols[i][0]) {
      fputs(", \"symbol\": ", out);
      json_put_string(out, f->object_symbols[i]);
    }
    fputs(i + 1 < f->nobjects ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"labels\": [\n", out);
  for (size_t i = 0; i < f->nlabels; i++) {
    fprintf(out, "    {\"id\": %" PRIu32 ", \"text\": ", f->labels[i].id);
    json_put_string(out, f->labels[i].text);
    fputs(i + 1 < f->nlabels ? "},\n" : "}\n", out);
  }
  fputs("  ],\n  \"events\": [\n", out);
  for (size_t i = 0; i < f->nevents; i++) {
    print_json_event(sh, i);
  }
  fputs("  ],\n  \"outcome\": ", out);
  if (sh->complete) {
    const struct sched_outcome *o = &f->outcome;
    fprintf(out, "{\"kind\": \"%s\", \"code\": %" PRId32 ", \"proc\": %" PRIu32 ", \"message\": ",
            sched_outcome_name(o->kind), o->code, o->proc);
    json_put_string(out, o->message);
    fputs("}\n", out);
  } else {
    fputs("null\n", out);
  }
  fputs("}\n", out);
}
