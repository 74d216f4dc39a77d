/*
 * handoff.pml: Spin model of dara's turn handoff.
 *
 * What is modelled. One scheduler and NTHR threads in NPROC controlled
 * processes pass a single turn around through futex words in the shared
 * region (src/abi/region.h):
 *
 *   word[LOCK(p)]   proc->lock of process p     (TURN_SCHED / TURN_PROC)
 *   word[GATE(t)]   routines[t].gate of thread t (GATE_PARK / GATE_GO)
 *
 * each with the sleeper bit (DARA_WORD_SLEEPER, here SLEEPER in a byte).
 * The kernel's futex is modelled as a set of sleepers per word: futex_wait
 * compares and enqueues in one step, futex_wake empties the set. A wait with
 * a timeout (the scheduler's) may also return on its own at any time, asleep
 * or between two looks at the word (its deadline passed).
 *
 * Keep in step with the C code; each piece names what it models, and
 * comments that begin "C: FILE:" (the path from the repository root) quote
 * the statements modelled. tests/model/run.sh checks that each quoted
 * statement is still in its file, so a change to the C code that the model
 * does not follow fails the run:
 *   handoff_give, handoff_wait ........... src/shm/handoff.c
 *   shim_point, shim_routine_enter,
 *   shim_routine_new, shim_routine_exit .. src/runtime_shim/shim.c
 *   start_proc, step, wait_turn,
 *   session_stack_of ..................... src/sched/session.c
 *   wait_go .............................. src/runtime_shim/shim.c
 *
 * What is checked (tests/model/run.sh runs each):
 *   (a) mutual exclusion: the ghost `holder` names who holds the turn; taking
 *       the turn asserts nobody holds it, and every plain store to the region
 *       and every give asserts the writer holds it.
 *   (b) no lost wake-up: the monitor asserts that a sleeper is never left on
 *       a word whose sleeper bit is clear unless a giver is about to wake it;
 *       no deadlock: every process must run to its end, so there are no end
 *       labels on any wait (a process stopped in a wait is a deadlock), only
 *       on the monitor, which legitimately never fires.
 *   (c) progress: the ltl claim chosen_runs says a thread the scheduler
 *       chose eventually holds the turn; `terminates` says the session ends.
 *       They need weak fairness (pan -a -f): the scheduler's timed wait may
 *       time out forever, which real time rules out.
 *
 * Direct handoff (PLAN > 0; plans, docs/design.md "Plans: threads hand
 * the turn to each other"). When the scheduler already knows its next
 * choices for a process (a replay, a policy's rule), it hands the turn to
 * the chosen thread and publishes up to PLAN more: plan[plan_pos..plan_len-1], the threads of that process to
 * run at its next points, in order. At a point, a thread whose process has
 * a plan left and whose planned thread is parked and has not exited parks
 * itself (gate PARK first, as always), takes the plan's next entry and
 * gives that thread's gate GO itself, leaving proc->lock at PROC: the
 * scheduler sleeps through the batch. A planned thread that cannot run
 * (not parked, or exited) ends the plan there, and the point gives the
 * lock to the scheduler as without a plan. The planned thread may be the
 * one at the point: it goes on without a handoff. The scheduler writes
 * the plan only while it holds the turn, and the threads read and advance
 * it only while they do; the model lets it plan any thread of the
 * process, exited ones included, so that the threads' check is checked.
 *
 * Deliberate bugs, to show that each check can fail:
 *   BUG_GIVE_WITHOUT_WAKE  the giver never calls FUTEX_WAKE.
 *   BUG_PARK_AFTER_GIVE    shim_point resets its gate after giving the lock,
 *                          which can erase the GO the scheduler just gave.
 *   BUG_TIMEOUT_AS_TURN    handoff_wait takes a timed-out sleep for the turn
 *                          instead of reading the word again.
 *   BUG_STACK_KEEPS_GO     a thread that answered a stack query gives the
 *                          lock back without parking its gate again, so
 *                          the stale GO lets it run without the turn.
 *   BUG_DIRECT_GIVE_FIRST  (PLAN > 0) a direct handoff gives the next
 *                          thread GO before parking its own gate, which
 *                          can erase the GO that thread hands back.
 *   BUG_DIRECT_UNCHECKED   (PLAN > 0) a direct handoff goes to the planned
 *                          thread without checking that it can run: a GO
 *                          to an exited thread, which nobody takes.
 *
 * Stack queries. At a deadlock the scheduler asks each parked thread for its
 * stack (session_stack_of, DARA_CMD_STACK): a GO that the thread answers by
 * writing its stack and giving the lock back, still parked (wait_go). The
 * model lets the scheduler ask any started, parked thread at any step, up to
 * QUERIES times a run, which covers the deadlock case and more. The C code
 * waits 2 s for the answer; the model waits for as long as it takes. A
 * process that does not answer in time is asked nothing more, and the
 * session ends at that deadlock anyway. The refresh queries after a step
 * on an object processes share (refresh_proc, DARA_CMD_REFRESH) are the
 * same handshake, to a thread parked at a wait, with the same timeout.
 *
 * Configuration (spin -DNAME=value): NPROC 1 or 2, NTHR 2 or 3 (with NPROC 2
 * the last thread is alone in process 1), STEPS scheduling points per thread
 * before its exit point, TIMEOUTS how many timed waits may time out in a run
 * (255: any number; a finite budget makes a lost wake-up a plain deadlock),
 * QUERIES how many stack queries the scheduler makes in a run, PLAN how
 * many choices the scheduler may publish after each one (0..2; 0: no
 * direct handoff).
 */

#ifndef NPROC
#define NPROC 2
#endif
#ifndef NTHR
#define NTHR 3
#endif
#ifndef STEPS
#define STEPS 1
#endif
#define UNLIMITED 255
#ifndef TIMEOUTS
#define TIMEOUTS UNLIMITED
#endif
#ifndef QUERIES
#define QUERIES 1
#endif
#ifndef PLAN
#define PLAN 0
#endif
/* HANDOFF_SPINS in handoff.h is 2000. One poll is enough here: a poll that
 * would succeed later is the same as the first load of the sleeping loop. */
#ifndef HANDOFF_SPINS
#define HANDOFF_SPINS 1
#endif

#if NPROC < 1 || NPROC > 2 || NTHR < 2 || NTHR > 3 || NTHR < NPROC
#error "the model supports NPROC 1..2 and NTHR 2..3"
#endif
#if PLAN < 0 || PLAN > 2
#error "the model supports PLAN 0..2"
#endif

#define SLEEPER 128 /* DARA_WORD_SLEEPER */
#define TURN_SCHED 0
#define TURN_PROC 1
#define GATE_PARK 0
#define GATE_GO 1
#define CMD_RUN 0
#define CMD_STACK 2

#define NWORDS (NPROC + NTHR)
#define LOCK(p) (p)
#define GATE(t) (NPROC + (t))

/* Who may hold the turn: threads 0..NTHR-1 and the scheduler. */
#define SCHED NTHR
#define NOBODY 255

/* Thread 0 is the main thread of process 0; with two processes the last
 * thread is the main (and only) thread of process 1. */
#define PROC_OF(t) ((NPROC == 2 && (t) == NTHR - 1) -> 1 : 0)
#define MAIN_OF(p) (((p) == 0) -> 0 : NTHR - 1)

/* Results of futex_wait. */
#define RC_WOKEN 0
#define RC_EAGAIN 1
#define RC_TIMEDOUT 2
#define RC_ASLEEP 3

byte word[NWORDS];     /* the futex words of the region */
byte sleepers[NWORDS]; /* the kernel's wait queue: bit i set while i sleeps on the word */
byte chosen[NPROC];    /* proc->chosen */
bool parked[NTHR];     /* routine status ENABLED: parked at a point, may be chosen */
bool exited[NTHR];     /* routine status EXITED */
byte nexited;
byte command[NPROC];   /* proc->command: CMD_RUN, or CMD_STACK for a query */
byte stack[NPROC];     /* proc->stack.routine: who answered the query */
/* The published choices (direct handoff): for process plan_proc, the
 * threads to run at its next points, plan[plan_pos] first. */
byte plan[2];
byte plan_len, plan_pos, plan_proc;

/* Ghost state, for the checks only. */
byte holder = SCHED;   /* who holds the turn; the scheduler starts with it */
bool waking[NWORDS];   /* a giver saw the sleeper bit and has not woken yet */
bool picked[NTHR];     /* chosen by the scheduler and not yet running */
bool finished;         /* the scheduler ended the session */
bool started[NTHR];    /* past shim_routine_enter: parked at a point when parked */
byte queries = QUERIES;
#if TIMEOUTS != UNLIMITED
byte timeouts = TIMEOUTS;
#define CAN_TIME_OUT(timed) ((timed) && timeouts > 0)
#define SPEND_TIMEOUT timeouts--
#else
#define CAN_TIME_OUT(timed) (timed)
#define SPEND_TIMEOUT skip
#endif

/* ---- the kernel ---- */

/* FUTEX_WAKE with INT_MAX: every sleeper on the word leaves the queue. */
inline futex_wake(w)
{
	d_step { sleepers[w] = 0; waking[w] = false }
}

/* FUTEX_WAIT: if the word still equals `expected`, sleep until woken, all in
 * one step with the comparison; otherwise fail with EAGAIN. A timed wait may
 * also return on its own (timeout or EINTR). */
inline futex_wait(w, expected, me, timed, rc)
{
	atomic {
		if
		:: word[w] == expected -> sleepers[w] = sleepers[w] | (1 << me); rc = RC_ASLEEP
		:: else -> rc = RC_EAGAIN
		fi
	}
	if
	:: rc == RC_ASLEEP ->
		if
		:: (sleepers[w] & (1 << me)) == 0 -> rc = RC_WOKEN
		:: CAN_TIME_OUT(timed) ->
			d_step { sleepers[w] = sleepers[w] & ~(1 << me); rc = RC_TIMEDOUT; SPEND_TIMEOUT }
		fi
	:: else -> skip
	fi
}

/* ---- src/shm/handoff.c ---- */

/* handoff_give: exchange in the value; wake the waiter if it set the bit.
 * Every give in dara passes the turn, so the giver lets go of it here. Uses
 * the caller's local `old`. */
inline handoff_give(w, v, me)
{
	/* C: src/shm/handoff.c:
	 *   uint32_t old = __atomic_exchange_n(word, value, __ATOMIC_ACQ_REL); */
	d_step {
		assert(holder == me);
		old = word[w];
		word[w] = v;
		holder = NOBODY;
#ifndef BUG_GIVE_WITHOUT_WAKE
		waking[w] = ((old & SLEEPER) != 0)
#endif
	}
#ifndef BUG_GIVE_WITHOUT_WAKE
	/* C: src/shm/handoff.c:
	 *   if (old & DARA_WORD_SLEEPER) futex(word, FUTEX_WAKE, INT_MAX, NULL); */
	if
	:: (old & SLEEPER) != 0 -> futex_wake(w)
	:: else -> skip
	fi;
#endif
	old = 0
}

/* handoff_wait: poll, then set the sleeper bit with CAS and FUTEX_WAIT on the
 * value with the bit; re-read after every wake-up or failure. Sets `ok` as
 * the C function returns: false only when a timed sleep timed out and the
 * word does not hold the value. Uses the caller's locals spins, seen, cas, rc. */
inline handoff_wait(w, v, me, timed)
{
	ok = false;
	spins = 0;
	/* C: src/shm/handoff.c: if (handoff_peek(word) == value) return true; */
	do
	:: spins < HANDOFF_SPINS && (word[w] & ~SLEEPER) == v -> ok = true; break
	:: spins < HANDOFF_SPINS && (word[w] & ~SLEEPER) != v -> spins++
	:: spins >= HANDOFF_SPINS -> break
	od;
	spins = 0;
	do
	:: ok -> break
	:: !ok ->
		/* C: src/shm/handoff.c: uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE); */
		seen = word[w];
		/* C: src/shm/handoff.c: if ((seen & ~DARA_WORD_SLEEPER) == value) return true; */
		if
		:: (seen & ~SLEEPER) == v -> ok = true
		:: else ->
			/* The deadline passed: however often the word changed or
			 * woke the sleep, the wait ends. */
			/* C: src/shm/handoff.c: if (tsp && past(tsp)) return false; */
			if
			:: CAN_TIME_OUT(timed) -> d_step { rc = RC_TIMEDOUT; SPEND_TIMEOUT }
			:: true -> skip
			fi;
			if
			:: rc == RC_TIMEDOUT -> rc = 0; seen = 0; break
			:: else -> skip
			fi;
			cas = true;
			/* C: src/shm/handoff.c: if (!(seen & DARA_WORD_SLEEPER)) { */
			if
			:: (seen & SLEEPER) == 0 ->
				/* C: src/shm/handoff.c:
				 *   if (!__atomic_compare_exchange_n(word, &seen, with_bit, false,
				 *         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				 *     continue; */
				d_step {
					if
					:: word[w] == seen -> word[w] = seen | SLEEPER; seen = seen | SLEEPER
					:: else -> cas = false /* the giver moved first: look again */
					fi
				}
			:: else -> skip
			fi;
			if
			:: cas ->
				/* C: src/shm/handoff.c:
				 *   long rc = futex(word, FUTEX_WAIT_BITSET, seen, tsp); */
				futex_wait(w, seen, me, timed, rc);
				/* C: src/shm/handoff.c:
				 *   if (rc != 0 && tsp && (errno == ETIMEDOUT || errno == EINTR))
				 *     return handoff_peek(word) == value; */
				if
				:: rc == RC_TIMEDOUT ->
#ifdef BUG_TIMEOUT_AS_TURN
					ok = true;
#else
					ok = ((word[w] & ~SLEEPER) == v);
#endif
					rc = 0;
					break
				:: else -> skip /* woken or EAGAIN: look again */
				fi
			:: else -> skip
			fi
		fi;
		seen = 0;
		rc = 0
	od;
	seen = 0;
	cas = false
}

/* After a wait returned true: the turn is ours, and nobody else's. */
inline take_turn(me)
{
	d_step {
		assert(holder == NOBODY); /* (a) mutual exclusion */
		holder = me
	}
}

/* ---- src/runtime_shim/shim.c ---- */

/* The gate wait returned: the thread runs (status RUNNING, on_turn). */
inline thread_takes_turn(t)
{
	d_step {
		assert(holder == NOBODY); /* (a) mutual exclusion */
		holder = t;
		picked[t] = false;
		parked[t] = false;
		started[t] = true
	}
}

/* wait_go: wait for GO at a point; a GO that comes with CMD_STACK asks for
 * the stack only: write it, park the gate again, give the lock back, wait
 * again. Otherwise the thread runs. (CMD_REFRESH, which asks a thread of
 * another process to recompute its statuses, is the same handshake with
 * shim_refresh in place of take_stack: modelled as CMD_STACK.) */
inline wait_go(t, p)
{
	do
	:: true ->
		/* C: src/runtime_shim/shim.c:
		 *   handoff_wait_ex(&r->gate, DARA_GATE_GO, -1, spins, 0); */
		handoff_wait(GATE(t), GATE_GO, t, false);
		/* C: src/runtime_shim/shim.c:
		 *   uint32_t command = __atomic_load_n(&p->command, __ATOMIC_ACQUIRE); */
		if
		:: command[p] != CMD_STACK -> break
		:: else -> skip
		fi;
		/* A snapshot (DARA_CMD_SNAPSHOT) is answered the same way: the
		 * routine saves its registers between the PARK below and the
		 * give, which changes no word of the handoff. */
		/* C: src/runtime_shim/shim.c:
		 *   else if (command == DARA_CMD_STACK) take_stack(me);
		 *   else if (command == DARA_CMD_SNAPSHOT) shim_snapshot(me); else return; */
		d_step {
			assert(holder == NOBODY); /* (a) mutual exclusion */
			holder = t;
			stack[p] = t
		}
#ifndef BUG_STACK_KEEPS_GO
		/* C: src/runtime_shim/shim.c:
		 *   __atomic_store_n(&r->gate, DARA_GATE_PARK, __ATOMIC_RELEASE); */
		d_step { assert(holder == t); word[GATE(t)] = GATE_PARK }
#endif
		/* C: src/runtime_shim/shim.c: handoff_give(&p->lock, DARA_TURN_SCHED); */
		handoff_give(LOCK(p), TURN_SCHED, t)
	od;
	thread_takes_turn(t)
}

#if PLAN > 0
/* The direct handoff at a point: the thread holds the turn, its status is
 * ENABLED and its gate PARK. If the plan names a thread u that can run, u
 * is the next choice: GO to its gate (or, if it is t itself, go on).
 * Sets `direct` when it handed the turn on (or kept it). Uses u. */
#ifdef BUG_DIRECT_UNCHECKED
#define CAN_RUN(u) true
#else
#define CAN_RUN(u) (parked[u] && !exited[u])
#endif
inline direct_handoff(t, p)
{
	direct = false;
	if
	:: plan_proc == p && plan_pos < plan_len ->
		d_step {
			assert(holder == t);
			u = plan[plan_pos];
			/* C: src/runtime_shim/plan.c: case DARA_RS_ENABLED: */
			if
			:: CAN_RUN(u) -> plan_pos++; direct = true
			:: else -> plan_len = plan_pos /* the plan ends here */
			fi
		}
	:: else -> skip
	fi;
	if
	:: direct && u == t ->
		/* the same thread goes on: no handoff */
		/* C: src/runtime_shim/shim.c:
		 *   if (next == me) { shim_snap_unsaved(me); r->status = DARA_RS_RUNNING; */
		d_step { assert(holder == t); parked[t] = false }
	:: direct && u != t ->
		d_step { assert(holder == t); picked[u] = true }
		/* C: src/runtime_shim/shim.c: handoff_give(&p->routines[next].gate, DARA_GATE_GO); */
		handoff_give(GATE(u), GATE_GO, t);
		wait_go(t, p)
	:: else -> skip
	fi;
	u = 0
}
#endif

/* shim_point: status ENABLED, gate PARK, give the lock to the scheduler, wait
 * for GO. The gate must read PARK before the scheduler can have the turn. */
inline shim_point(t, p)
{
#if PLAN > 0 && defined(BUG_DIRECT_GIVE_FIRST)
	/* The next thread gets its GO before this one's gate reads PARK. */
	d_step { assert(holder == t); parked[t] = true }
	direct = false;
	if
	:: plan_proc == p && plan_pos < plan_len && plan[plan_pos] != t &&
	   parked[plan[plan_pos]] && !exited[plan[plan_pos]] ->
		d_step { assert(holder == t); u = plan[plan_pos]; plan_pos++; picked[u] = true; direct = true }
		handoff_give(GATE(u), GATE_GO, t);
		d_step { assert(holder == t); word[GATE(t)] = GATE_PARK }
		wait_go(t, p);
		u = 0
	:: else -> d_step { assert(holder == t); word[GATE(t)] = GATE_PARK }
	fi;
	if
	:: direct -> skip
	:: else ->
		handoff_give(LOCK(p), TURN_SCHED, t);
		wait_go(t, p)
	fi
#else
	/* C: src/runtime_shim/shim.c:
	 *   __atomic_store_n(&r->gate, DARA_GATE_PARK, __ATOMIC_RELEASE); */
	/* C: src/runtime_shim/shim.c: handoff_give(&p->lock, DARA_TURN_SCHED); */
	/* C: src/runtime_shim/shim.c: wait_go(p, r, me, blocked ? 0 : gate_spins()); */
#ifndef BUG_PARK_AFTER_GIVE
	d_step { assert(holder == t); parked[t] = true; word[GATE(t)] = GATE_PARK }
#if PLAN > 0
	direct_handoff(t, p);
	if
	:: direct -> skip
	:: else ->
#endif
	handoff_give(LOCK(p), TURN_SCHED, t);
	wait_go(t, p)
#if PLAN > 0
	fi
#endif
#else
	d_step { assert(holder == t); parked[t] = true }
	handoff_give(LOCK(p), TURN_SCHED, t);
	d_step { assert(holder == t); word[GATE(t)] = GATE_PARK }
	wait_go(t, p)
#endif
#endif
}

/* A thread of process PROC_OF(t). The main thread starts with the turn the
 * scheduler passed at launch (shim_init/attach) and creates the other threads
 * of its process; they start parked in shim_routine_enter. */
proctype thread(byte t)
{
	byte p = PROC_OF(t);
	byte u, i, spins, seen, old, rc;
	bool ok, cas, direct;

	if
	:: t == MAIN_OF(p) ->
		/* start-up: pthread_create -> shim_routine_new + the new thread */
		do
		:: u < NTHR ->
			if
			:: u != t && PROC_OF(u) == p ->
				/* C: src/runtime_shim/shim.c: r->gate = DARA_GATE_PARK; */
				atomic {
					assert(holder == t);
					word[GATE(u)] = GATE_PARK;
					parked[u] = true;
					run thread(u)
				}
			:: else -> skip
			fi;
			u++
		:: else -> break
		od;
		u = 0
	:: else ->
		/* shim_routine_enter */
		/* C: src/runtime_shim/shim.c:
		 *   handoff_wait_ex(&r->gate, DARA_GATE_GO, -1, gate_spins(), 0); */
		handoff_wait(GATE(t), GATE_GO, t, false);
		thread_takes_turn(t)
	fi;

	/* the program's own scheduling points */
	do
	:: i < STEPS -> shim_point(t, p); i++
	:: else -> break
	od;

	/* shim_routine_exit: one more point, then give the turn back for good */
	/* C: src/runtime_shim/shim.c: shim_point(DARA_OP_THREAD_EXIT, 0, 0); */
	shim_point(t, p);
	/* C: src/runtime_shim/shim.c: p->routines[me].status = DARA_RS_EXITED; */
	d_step { assert(holder == t); exited[t] = true; nexited++ }
	handoff_give(LOCK(p), TURN_SCHED, t)
}

/* ---- src/sched/session.c ---- */

#if NTHR == 2
#define SETTLED ((exited[0] || parked[0]) && (exited[1] || parked[1]))
#else
#define SETTLED ((exited[0] || parked[0]) && (exited[1] || parked[1]) && (exited[2] || parked[2]))
#endif
#define ELIGIBLE(t) (parked[t] && !exited[t])
/* session_stack_of asks only a routine parked at a point: one not yet
 * started waits in shim_routine_enter, and a GO there would run it. */
#define ASKABLE(t) (queries > 0 && ELIGIBLE(t) && started[t])

/* wait_turn: handoff_wait on proc->lock with a timeout, called again after
 * each timeout (the C code checks for a dead child or a hang in between). */
inline wait_turn(p)
{
	ok = false;
	do
	:: ok -> break
	/* C: src/sched/session.c:
	 *   if (handoff_wait_ex(&p->lock, DARA_TURN_SCHED, slice, spins, s->ctx->sched_yields)) */
	:: !ok -> handoff_wait(LOCK(p), TURN_SCHED, SCHED, true)
	od;
	take_turn(SCHED)
}

active proctype scheduler()
{
	byte p, t, spins, seen, old, rc;
	bool ok, cas;

	/* start_proc, one process after the other: lock = PROC, launch, wait
	 * until the main thread parks at its first point. */
	do
	:: p < NPROC ->
		/* C: src/sched/session.c: p->lock = DARA_TURN_PROC; */
		d_step { assert(holder == SCHED); word[LOCK(p)] = TURN_PROC }
		atomic {
			assert(holder == SCHED);
			holder = MAIN_OF(p); /* the launch passes the turn */
			started[MAIN_OF(p)] = true;
			run thread(MAIN_OF(p))
		}
		wait_turn(p);
		p++
	:: else -> break
	od;
	p = 0;

	/* step, until every thread has exited */
	do
	:: nexited == NTHR -> break
	:: else ->
		assert(SETTLED); /* every other thread is parked or gone */
		/* session_stack_of, at a deadlock: ask a parked thread for its
		 * stack, or go on to choose */
		if
		:: ASKABLE(0) -> t = 0
		:: ASKABLE(1) -> t = 1
#if NTHR > 2
		:: ASKABLE(2) -> t = 2
#endif
		:: true -> t = NOBODY
		fi;
		if
		:: t != NOBODY ->
			p = PROC_OF(t);
			/* C: src/sched/session.c:
			 *   __atomic_store_n(&p->command, DARA_CMD_STACK, __ATOMIC_RELEASE); */
			d_step { assert(holder == SCHED); queries--; stack[p] = NOBODY; command[p] = CMD_STACK }
			/* C: src/sched/session.c:
			 *   __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE); */
			d_step { assert(holder == SCHED); word[LOCK(p)] = TURN_PROC }
			/* C: src/sched/session.c: handoff_give(&r->gate, DARA_GATE_GO); */
			handoff_give(GATE(t), GATE_GO, SCHED);
			/* C: src/sched/session.c:
			 *   bool back = handoff_wait_ex(&p->lock, DARA_TURN_SCHED, 2000, s->spins, 0); */
			handoff_wait(LOCK(p), TURN_SCHED, SCHED, false);
			take_turn(SCHED);
			/* C: src/sched/session.c:
			 *   __atomic_store_n(&p->command, DARA_CMD_RUN, __ATOMIC_RELEASE); */
			d_step { assert(holder == SCHED); assert(stack[p] == t); command[p] = CMD_RUN }
		:: else -> skip
		fi;
		/* policy->choose: any parked thread, as the random policy may */
		if
		:: ELIGIBLE(0) -> t = 0
		:: ELIGIBLE(1) -> t = 1
#if NTHR > 2
		:: ELIGIBLE(2) -> t = 2
#endif
		fi;
		p = PROC_OF(t);
		/* C: src/sched/session.c: p->chosen = c->routine; */
		d_step { assert(holder == SCHED); chosen[p] = t; picked[t] = true }
#if PLAN > 0
		/* The next choices, when known: up to PLAN threads of process
		 * p, any of them (an exited one too: the threads check). */
		d_step { assert(holder == SCHED); plan_proc = p; plan_pos = 0; plan_len = 0 }
		do
		:: plan_len < PLAN ->
			atomic {
				assert(holder == SCHED);
				if
				:: PROC_OF(0) == p -> plan[plan_len] = 0
				:: PROC_OF(1) == p -> plan[plan_len] = 1
#if NTHR > 2
				:: PROC_OF(2) == p -> plan[plan_len] = 2
#endif
				fi;
				plan_len++
			}
		:: true -> break
		od;
		skip; /* (a break may not jump into the d_step below) */
#endif
		/* C: src/sched/session.c:
		 *   __atomic_store_n(&p->lock, DARA_TURN_PROC, __ATOMIC_RELEASE); */
		d_step { assert(holder == SCHED); word[LOCK(p)] = TURN_PROC }
		/* C: src/sched/session.c:
		 *   handoff_give(&p->routines[c->routine].gate, DARA_GATE_GO); */
		handoff_give(GATE(t), GATE_GO, SCHED);
		wait_turn(p);
		p = 0;
		t = 0
	od;
	finished = true
}

/* (b) no lost wake-up: whoever sleeps on a word left the sleeper bit in it,
 * or a giver has seen the bit and is on its way to wake it. */
#define NOT_LOST(w) (sleepers[w] == 0 || (word[w] & SLEEPER) != 0 || waking[w])
#if NPROC + NTHR == 3
#define ALL_NOT_LOST (NOT_LOST(0) && NOT_LOST(1) && NOT_LOST(2))
#elif NPROC + NTHR == 4
#define ALL_NOT_LOST (NOT_LOST(0) && NOT_LOST(1) && NOT_LOST(2) && NOT_LOST(3))
#else
#define ALL_NOT_LOST (NOT_LOST(0) && NOT_LOST(1) && NOT_LOST(2) && NOT_LOST(3) && NOT_LOST(4))
#endif

/* It waits for a violation that must never come: waiting is its valid end. */
active proctype monitor()
{
	bool lost_wakeup;
end:	atomic { !ALL_NOT_LOST -> lost_wakeup = true; assert(!lost_wakeup) }
}

/* (c) progress: a chosen thread gets the turn; the session ends. */
#define RUNS(t) (picked[t] -> <> (holder == t))
#if NTHR == 2
ltl chosen_runs { [] (RUNS(0) && RUNS(1)) }
#else
ltl chosen_runs { [] (RUNS(0) && RUNS(1) && RUNS(2)) }
#endif
ltl terminates { <> finished }
