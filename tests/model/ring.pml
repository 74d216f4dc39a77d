/*
 * ring.pml: Spin model of the per-process event log in dara's region.
 *
 * What is modelled. struct dara_proc (src/abi/region.h) holds a
 * single-producer single-consumer queue of DARA_LOG_LEN entries:
 *
 *   log_head   free-running uint32_t, written only by the producer
 *   log_tail   free-running uint32_t, written only by the consumer
 *   log_lost   events the producer dropped because the queue was full
 *   log[]      the entries; entry i lives in log[i % DARA_LOG_LEN]
 *
 * The producer is shim_log (src/runtime_shim/shim.c), called by the thread
 * that holds the turn; the consumer is drain_log (src/sched/drain.c), run
 * by the scheduler. In dara the turn keeps the two apart, but here they run
 * fully concurrently: that is the stronger property, and an asynchronous
 * drain would rely on it. One producer process stands for every thread of
 * the program (only the turn holder logs, so there is one at a time).
 *
 * Keep in step with the C code; each piece names the function it models
 * and quotes its statements in comments that begin "C: FILE:" (the path
 * from the repository root). tests/model/run.sh checks that each quoted
 * statement is still in its file, so a change to the C code that the model
 * does not follow fails the run:
 *   producer ..... shim_log: log_slot, shim_log_text and log_commit,
 *                  src/runtime_shim/shim.c
 *   drain ........ drain_log, src/sched/drain.c
 *
 * Abstractions.
 *   - An entry is its sequence number (1..NEV, 0: never written). Writing
 *     and copying an entry (five fields in C) take two steps each, and the
 *     ghost flags writing[]/reading[] mark a slot while it is being written
 *     or copied; starting either while the other is in progress is a data
 *     race on the slot (the LTTng model's buffer_use, in the same spirit).
 *   - The counters count modulo MOD, a power of two larger than 2*LEN,
 *     instead of 2^32; DIFF is uint32_t subtraction and SLOT is i % LEN.
 *     They start at any value (init picks one), so the events cross the
 *     wrap at every possible place, as they do after 2^32 events in C.
 *   - Promela steps are sequentially consistent. Each atomic load and store
 *     is one step; the release store of head (log_commit) and of tail
 *     (drain_log), paired with the acquire loads on the other side, are
 *     what make the C code behave so. BUG_PUBLISH_BEFORE_WRITE and
 *     BUG_TAIL_BEFORE_READ below are the reorderings a missing release
 *     would allow.
 *   - drain_log stops early when the session is done (s->done,
 *     session_corrupt) and stores the tail it reached; the run is over
 *     then, so the model always reads to head and stores head.
 *   - When the log is full and the caller holds the turn, log_slot first
 *     hands the turn to the scheduler to drain it (drain_now) and reads tail
 *     again. Here the consumer may drain at any time, so that is one of the
 *     interleavings, with the producer's read of tail after the drain.
 *
 * What is checked (tests/model/run.sh runs each):
 *   (1) no unread data is overwritten: the consumer reads exactly the
 *       sequence numbers the producer published, in order, without
 *       duplicates; no slot is written while it is copied, or copied while
 *       it is written; drain_log's sanity check (head - tail > LEN) never
 *       fires on an honest producer.
 *   (2) lost-event accounting is exact: every number the consumer skips was
 *       lost, and at the end delivered + log_lost == produced.
 *   (3) no deadlock: both processes end (no end labels), and under weak
 *       fairness the run finishes (ltl `terminates`).
 *
 * Deliberate bugs, to show that each check can fail:
 *   BUG_PUBLISH_BEFORE_WRITE  shim_log stores head before writing the entry.
 *   BUG_FULL_GT               shim_log's full check is > instead of >=.
 *   BUG_TAIL_BEFORE_READ      drain_log stores tail before reading entries.
 *   BUG_LOST_UNCOUNTED        shim_log drops an event without counting it.
 *   -DLEN=3                   a length that does not divide the counter
 *                             range: slots collide when the counters wrap,
 *                             so DARA_LOG_LEN must be a power of two.
 * With NO_SLOT_FLAGS the slot race assertions are left out, to show that the
 * sequence numbers alone catch the first three bugs and the LEN=3 one.
 *
 * Configuration (spin -DNAME=value): LEN entries (default 2), NEV events
 * produced (default 6), MOD the counter range (default 8). LEN must divide
 * MOD for the checks to pass, as DARA_LOG_LEN divides 2^32.
 */

#ifndef LEN
#define LEN 2
#endif
#ifndef NEV
#define NEV 6
#endif
#ifndef MOD
#define MOD 8
#endif

#if LEN < 1 || NEV < 1 || NEV > 254 || MOD > 128 || MOD <= LEN
#error "the model needs 1 <= LEN < MOD <= 128 and 1 <= NEV <= 254"
#endif

/* head - tail and head + 1 on free-running counters, in uint32_t terms. */
#define DIFF(a, b) (((a) + MOD - (b)) % MOD)
#define INC(a) (((a) + 1) % MOD)
#define SLOT(i) ((i) % LEN) /* log[i % DARA_LOG_LEN] */

byte log_head;  /* p->log_head */
byte log_tail;  /* p->log_tail */
byte log_lost;  /* p->log_lost */
byte log[LEN];  /* p->log[]: the sequence number of each entry */

/* Ghost state, for the checks only. */
#define UNSEEN 0
#define PUBLISHED 1
#define LOST 2
byte fate[NEV + 1];   /* what the producer did with event 1..NEV */
bool writing[LEN];    /* the producer is writing this slot */
bool reading[LEN];    /* the consumer is copying this slot */
#ifdef NO_SLOT_FLAGS
#define NO_RACE(busy) skip
#else
#define NO_RACE(busy) assert(!(busy))
#endif
bool produced_all;    /* the producer is done (in dara: the process died) */
bool finished;        /* the consumer drained for the last time */

/* ---- src/runtime_shim/shim.c ---- */

/* shim_log, called once for each event 1..NEV: log_slot finds the entry,
 * shim_log_text fills it, log_commit publishes it. */
proctype producer()
{
	byte seq = 1, head, tail, slot;

	do
	:: seq > NEV -> break
	:: else ->
		/* C: src/runtime_shim/shim.c: uint32_t head = p->log_head; */
		head = log_head;   /* its own */
		/* C: src/runtime_shim/shim.c:
		 *   uint32_t tail = __atomic_load_n(&p->log_tail, __ATOMIC_ACQUIRE); */
		tail = log_tail;
		if
#ifdef BUG_FULL_GT
		:: DIFF(head, tail) > LEN ->
#else
		/* C: src/runtime_shim/shim.c: if (head - tail >= DARA_LOG_LEN) { */
		:: DIFF(head, tail) >= LEN ->
#endif
#ifdef BUG_LOST_UNCOUNTED
			fate[seq] = LOST
#else
			/* C: src/runtime_shim/shim.c:
			 *   __atomic_store_n(&p->log_lost, p->log_lost + 1, __ATOMIC_RELEASE); */
			d_step { log_lost++; fate[seq] = LOST }
#endif
		:: else ->
			/* C: src/runtime_shim/shim.c:
			 *   struct dara_log_entry *e = &p->log[head % DARA_LOG_LEN]; */
			slot = SLOT(head);
#ifdef BUG_PUBLISH_BEFORE_WRITE
			d_step { log_head = INC(head); fate[seq] = PUBLISHED }
#endif
			/* shim_log_text writes the fields. */
			/* C: src/runtime_shim/shim.c:
			 *   e->kind = kind; e->a = a; e->b = b; e->c = c; */
			d_step { NO_RACE(reading[slot]); writing[slot] = true }
			d_step { log[slot] = seq; writing[slot] = false }
#ifndef BUG_PUBLISH_BEFORE_WRITE
			/* C: src/runtime_shim/shim.c:
			 *   __atomic_store_n(&p->log_head, p->log_head + 1, __ATOMIC_RELEASE); */
			d_step { log_head = INC(head); fate[seq] = PUBLISHED }
#endif
			slot = 0
		fi;
		seq++;
		head = 0;
		tail = 0
	od;
	produced_all = true
}

/* ---- src/sched/drain.c ---- */

/* Checks one entry the consumer copied: (1) it comes after the last one,
 * was published and not seen before; (2) whatever it skips was lost. */
inline deliver(seq)
{
	d_step {
		assert(seq > last && seq <= NEV); /* in order, no duplicate, not stale */
		assert(fate[seq] == PUBLISHED);
		k = last + 1;
		do
		:: k < seq -> assert(fate[k] == LOST); k++
		:: else -> break
		od;
		last = seq;
		ndelivered++;
		k = 0
	}
}

/* drain_log. */
inline drain()
{
	/* C: src/sched/drain.c: uint32_t head = __atomic_load_n(&p->log_head, __ATOMIC_ACQUIRE); */
	head = log_head;
	/* C: src/sched/drain.c: uint32_t tail = pr->log_tail, old_tail = tail, region_tail = p->log_tail; */
	tail = log_tail; /* its own copy, which equals the region's while the producer is honest */
	/* C: src/sched/drain.c: if (!region_log_window_ok(head, tail, why, sizeof(why))) { */
	/* (head - tail > DARA_LOG_LEN) then session_damage, which an honest
	 * producer must never cause */
	assert(DIFF(head, tail) <= LEN);
#ifdef BUG_TAIL_BEFORE_READ
	log_tail = head;
#endif
	do
	/* C: src/sched/drain.c: for (; tail != head && !s->done; tail++) { */
	:: tail == head -> break
	:: else ->
		slot = SLOT(tail);
		/* C: src/sched/drain.c: struct dara_log_entry e = p->log[tail % DARA_LOG_LEN]; */
		d_step { NO_RACE(writing[slot]); reading[slot] = true }
		d_step { seq = log[slot]; reading[slot] = false }
		/* C: src/sched/drain.c: switch (e.kind) { */
		deliver(seq);
		tail = INC(tail);
		seq = 0;
		slot = 0
	od;
#ifndef BUG_TAIL_BEFORE_READ
	/* C: src/sched/drain.c: __atomic_store_n(&p->log_tail, tail, __ATOMIC_RELEASE); */
	log_tail = head; /* tail == head here */
#endif
	/* C: src/sched/drain.c: uint32_t lost = __atomic_load_n(&p->log_lost, __ATOMIC_ACQUIRE); */
	lost = log_lost; /* reported when it grew */
	head = 0;
	tail = 0
}

/* The scheduler drains at any time while the producer runs, and once more
 * after it is done (in dara: after each turn, and in on_death). */
proctype consumer()
{
	byte head, tail, slot, seq, k;
	byte last;       /* ghost: the last sequence number delivered */
	byte ndelivered; /* ghost: how many were delivered */
	byte lost;       /* what drain_log last read from log_lost */

	do
	:: !produced_all -> drain()
	:: produced_all -> drain(); break
	od;

	/* (2) exact accounting: everything after the last delivered event was
	 * lost, and delivered + lost == produced. (The skip keeps the loop's
	 * break from jumping into the d_step.) */
	skip;
	d_step {
		k = last + 1;
		do
		:: k <= NEV -> assert(fate[k] == LOST); k++
		:: else -> break
		od;
		assert(ndelivered + lost == NEV);
		assert(log_head == log_tail);
		finished = true
	}
}

/* The region starts zeroed; starting the counters anywhere instead puts the
 * wrap of the free-running counters at every point of the run. */
init
{
	byte start;
	select(start : 0 .. MOD - 1);
	atomic {
		log_head = start;
		log_tail = start;
		run producer();
		run consumer()
	}
}

/* (3) the run finishes (needs weak fairness: pan -a -f). */
ltl terminates { <> finished }
