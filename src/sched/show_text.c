/*
 * show_text.c: `dara show --format text` (the default), for people: the
 * header, one line per event naming its thread by creation site and saying
 * what happened (evtext.h), and a summary. Every string from the file is
 * escaped for a terminal.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sched/event.h"
#include "sched/evtext.h"
#include "sched/names.h"
#include "sched/racy.h"
#include "sched/schedfile.h"
#include "sched/show.h"

static size_t digits(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    n++;
  }
  return n;
}

static void print_outcome_text(const struct show *sh) {
  FILE *out = sh->out;
  const struct sched_outcome *o = &sh->f->outcome;
  fputs("outcome   ", out);
  if (!sh->complete) {
    fputs("unknown: the file is truncated\n", out);
    return;
  }
  fputs(sched_outcome_name(o->kind), out);
  switch (o->kind) {
  case SCHED_OUT_EXIT:
    fprintf(out, ", status %" PRId32 ", process %" PRIu32, o->code, o->proc);
    break;
  case SCHED_OUT_SIGNAL:
    fprintf(out, ", signal %" PRId32 ", process %" PRIu32, o->code, o->proc);
    break;
  case SCHED_OUT_OK:
    break;
  default:
    fprintf(out, " in process %" PRIu32, o->proc);
    if (o->code) {
      fprintf(out, ", code %" PRId32, o->code);
    }
    break;
  }
  if (o->message) {
    fputs(": ", out);
    show_put_text(out, o->message);
  }
  fputc('\n', out);
}

/* What the run took from outside (outside.h): each program's file, the
 * environment, standard input (its start). */
#define INPUT_SHOWN 64
/* ": " and the first INPUT_SHOWN bytes of data, then the line's end. */
static void put_excerpt(FILE *out, const uint8_t *data, uint64_t len) {
  if (len) {
    char start[INPUT_SHOWN + 1];
    size_t n = len < INPUT_SHOWN ? (size_t)len : INPUT_SHOWN;
    for (size_t i = 0; i < n; i++) /* a NUL would end the text: shown as a dot */
      start[i] = data[i] ? (char)data[i] : '.';
    start[n] = '\0';
    fputs(": ", out);
    show_put_text(out, start);
    if (n < len)
      fputs("...", out);
  }
  fputc('\n', out);
}

static void print_world_text(FILE *out, const struct sched_header *h) {
  const struct sched_world *w = &h->world;
  for (int p = 0; p < h->nprocs; p++)
    if (w->paths[p] && w->paths[p][0]) {
      fprintf(out, "file      %d: ", p);
      show_put_text(out, w->paths[p]);
      fputc('\n', out);
    }
  for (uint32_t i = 0; i < w->nenv; i++) {
    fputs("env       ", out);
    show_put_text(out, w->env[i]);
    fputc('\n', out);
  }
  if (w->has_input) {
    fprintf(out, "stdin     %" PRIu64 " bytes", w->input_len);
    put_excerpt(out, w->input, w->input_len);
  }
  for (uint32_t i = 0; i < w->nchunks; i++) { /* typed at a terminal (typed.h) */
    const struct sched_input_chunk *c = &w->chunks[i];
    fprintf(out, "typed     after step %" PRIu64 "%s: %" PRIu64 " bytes", c->steps,
            c->eof ? ", then the end" : "", c->len);
    put_excerpt(out, c->data, c->len);
  }
  for (uint32_t i = 0; i < w->nfds; i++) {
    const struct sched_fd *f = &w->fds[i];
    if (!f->copied) {
      fprintf(out, "fd        %d: passed as it was\n", (int)f->fd);
      continue;
    }
    fprintf(out, "fd        %d: %" PRIu64 " bytes", (int)f->fd, f->len);
    put_excerpt(out, f->data, f->len);
  }
  /* Kept as the programs read them (infiles.h), in the order first read. */
  for (uint32_t i = 0; i < w->nfiles; i++) {
    const struct sched_kept_file *k = &w->files[i];
    fputs("read      ", out);
    show_put_text(out, k->path);
    fprintf(out, ": %" PRIu64 " bytes", k->len);
    put_excerpt(out, k->data, k->len);
  }
}

void show_print_text(struct show *sh) {
  const struct sched_file *f = sh->f;
  FILE *out = sh->out;
  fputs("file      ", out);
  show_put_text(out, sh->path);
  fprintf(out, " (schedule format %" PRIu32 ", %" PRIu64 " bytes)\n", f->version, f->file_size);
  fputs("dara      ", out);
  show_put_text(out, f->hdr.dara_version);
  fputs("\ncwd       ", out);
  show_put_text(out, f->hdr.cwd);
  fputs("\nstrategy  ", out);
  show_put_text(out, f->hdr.strategy);
  fprintf(out, ", seed %" PRIu64 "\n", f->hdr.seed);
  if (f->version >= 5) { /* the step limit, kept since version 5 */
    if (f->hdr.max_steps)
      fprintf(out, "max-steps %" PRIu64 "\n", f->hdr.max_steps);
    else
      fputs("max-steps none\n", out);
  }
  if (f->hdr.points != DARA_POINTS_SYNC) { /* accesses of dara-cc builds */
    fprintf(out, "points    %s\n", dara_points_name(f->hdr.points));
  }
  if (f->hdr.points == DARA_POINTS_RACY && f->hdr.racy) { /* the places of that policy */
    const struct dara_racy *r = f->hdr.racy;
    fprintf(out, "racy      %" PRIu32 " place%s", r->nplaces, r->nplaces == 1 ? "" : "s");
    for (uint32_t i = 0; i < r->nplaces; i++) {
      char place[DARA_PATH_LEN + 32];
      racy_place_text(r, i, place, sizeof(place));
      fputs(i ? ", " : ": ", out);
      show_put_text(out, place);
    }
    fputc('\n', out);
  }
  const struct sched_oracle *o = &f->hdr.oracle; /* what counts as correct */
  if (o->nok_exit) {
    fputs("ok-exit  ", out);
    for (uint32_t i = 0; i < o->nok_exit; i++)
      fprintf(out, " %d", (int)o->ok_exit[i]);
    fputc('\n', out);
  }
  if (o->check) {
    fputs("check     ", out);
    show_put_text(out, o->check);
    fputc('\n', out);
  }
  for (int p = 0; p < f->hdr.nprocs; p++) {
    fprintf(out, "command   %d: ", p);
    show_put_cmdline(out, &f->hdr.cmds[p], ESC_TEXT);
    fputc('\n', out);
  }
  if (f->hdr.has_world)
    print_world_text(out, &f->hdr);
  print_outcome_text(sh);
  fputc('\n', out);

  uint64_t maxtime = 0;
  size_t steps = 0;
  for (size_t i = 0; i < f->nevents; i++) {
    maxtime = f->events[i].time > maxtime ? f->events[i].time : maxtime;
    steps += f->events[i].kind == DARA_EV_STEP;
  }
  int iw = (int)digits(f->nevents ? f->nevents - 1 : 0);
  int tw = (int)digits(maxtime);
  iw = iw < 1 ? 1 : iw;
  tw = tw < 4 ? 4 : tw;
  fprintf(out, "%*s  %*s  %-24s  %-10s  %s\n", iw, "#", tw, "time", "thread", "event", "what");
  for (size_t i = 0; i < f->nevents; i++) {
    const struct dara_event *ev = &f->events[i];
    char raw[128], name[160], who[200], what[EVTEXT_LEN], what_esc[2 * EVTEXT_LEN];
    show_names_at(sh, i);
    names_thread_site(sh->names, ev->proc, ev->routine, raw, sizeof raw);
    show_text_into(name, sizeof name, raw);
    snprintf(who, sizeof who, "%u:%u%s%s", ev->proc, ev->routine, name[0] ? " " : "", name);
    evtext_what(sh->names, sh->f, ev, what, sizeof what);
    if (ev->kind == DARA_EV_STEP && ev->arg) { /* where: the call site, or the access */
      char place[400];
      size_t k = strlen(what);
      show_place(sh, ev->proc, (uint64_t)ev->arg, place, sizeof place);
      snprintf(what + k, sizeof what - k, "  at %s", place);
    }
    fprintf(out, "%*zu  %*" PRIu64 "  %-24s  %-10s  %s\n", iw, i, tw, ev->time, who,
            dara_ev_kind_name(ev->kind), show_text_into(what_esc, sizeof what_esc, what));
  }
  fputc('\n', out);
  fprintf(out,
          "summary   %zu events (%zu steps), %zu threads, %zu objects, %zu labels, %" PRIu64
          " bytes",
          f->nevents, steps, f->nthreads, f->nobjects, f->nlabels, f->file_size);
  if (f->nevents) {
    fprintf(out, ", %.2f bytes per event", (double)f->file_size / (double)f->nevents);
  }
  fputc('\n', out);
}
