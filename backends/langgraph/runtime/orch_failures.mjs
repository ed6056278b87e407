// ---------------------------------------------------------------------------
// How a failure spreads, as orchrt's Scheduler (runtime/exec/Scheduler.cpp)
// spreads it, so the step results agree in every order of events:
// - skipDependents: the reason each step reached by a skip or a failure gets
//   (a depth-first walk over the dependents, last pushed first; a step keeps
//   the first reason that reaches it), decided when the step settles, not
//   when the dependent's node runs;
// - abandonRetries / stopRun: the steps waiting for a retry when a step fails
//   the run, or when `context.timeout` runs out;
// - admitInOrder (edges wiring): steps made ready together start in orchrt's dispatch order
//   (longest path first, then source order), each finishing what orchrt
//   does inside its start (conditions, rendering, the built-in actions it
//   runs synchronously) before the next, so a skip or a render error that
//   fails the run reaches the same steps. (orchrt also lets a step that a
//   synchronous action's settle made ready compete with the rest of the
//   batch; here it begins in the next batch.)
// - awaitTurn (readiness wiring): orchrt's ready queue itself. A step joins
//   it when its last dependency settles (after a completion: when orchrt's
//   state store has made it durable, see settled); one turn at a time, the
//   queue hands the turn to the step orchrt's heap would pop (the same
//   key), and only while fewer than orchrt's -j attempts run (or the run
//   stopped), so a step a synchronous skip or `continue` made ready
//   competes with the rest, as in orchrt's dispatch loop.
// The state lives in the run context (newContext in orch_schedule.mjs).
// ---------------------------------------------------------------------------
import { onAbort } from "./orch_schedule.mjs";

/** Registers step \p spec of pipeline \p P (in source order); returns its index. */
export function registerStep(P, spec) {
  const specs = (P.specs ??= []);
  specs.push(spec);
  P.dependents = null;  // rebuilt when first needed
  return specs.length - 1;
}

/** The dependents of step \p id, in source order (orchrt's Dependents). */
export function dependentsOf(P, id) {
  if (!P.dependents) {
    P.dependents = new Map();
    for (const s of P.specs ?? []) P.dependents.set(s.id, []);
    for (const s of P.specs ?? []) for (const d of s.deps) P.dependents.get(d)?.push(s.id);
  }
  return P.dependents.get(id) ?? [];
}

/** Whether step \p id has settled or has its reason: orchrt's status is no longer Pending. */
const decided = (ctx, id) => ctx.records.has(id) || ctx.skipReasons.has(id);

/**
 * orchrt's skipDependents: every step reached from \p id that is still
 * pending is skipped, the direct dependents with \p why, the others with
 * ``dependency `x` was skipped``.
 */
export function skipDependents(P, ctx, id, why) {
  const work = dependentsOf(P, id).map((d) => [d, why]);
  while (work.length) {
    const [d, reason] = work.pop();
    if (decided(ctx, d)) continue;
    ctx.skipReasons.set(d, reason);
    const next = `dependency \`${d}\` was skipped`;
    for (const e of dependentsOf(P, d)) work.push([e, next]);
  }
}

/** Step \p id waits for its retry after attempt \p attempts failed with \p error. */
export function enterBackoff(ctx, spec, error, attempts) {
  ctx.backoff.set(spec.id, { index: spec.index, error, attempts });
}

/** The steps waiting for a retry, in source order (orchrt walks its steps by index). */
function takeBackoff(ctx) {
  const waiting = [...ctx.backoff.entries()].sort((a, b) => a[1].index - b[1].index);
  ctx.backoff.clear();
  return waiting;
}

/**
 * orchrt's abandonRetries: a step failed the run; each step waiting for a
 * retry fails with its last error and \p why, and its dependents are skipped.
 */
export function abandonRetries(P, ctx, why) {
  for (const [id, b] of takeBackoff(ctx)) {
    ctx.abandoned.set(id, { attempts: b.attempts, error: `${b.error} (${why})` });
    skipDependents(P, ctx, id, `dependency \`${id}\` failed`);
  }
}

/**
 * orchrt's stop for `context.timeout`: the run fails with \p why; a step
 * waiting for a retry fails ``WHY (while waiting to retry)``, its
 * dependents are not started (no skip spreads).
 */
export function stopRun(ctx, why) {
  ctx.runError ??= why;
  for (const [id, b] of takeBackoff(ctx))
    ctx.abandoned.set(id, { attempts: b.attempts, error: `${why} (while waiting to retry)`, stopped: true });
}

/**
 * Resolves when step \p spec may begin, to the function that ends its
 * turn: the steps that asked in the same turn of the event loop (made
 * ready together) begin one at a time in orchrt's dispatch order (the
 * longest path first, then source order). A step's turn lasts until it
 * waits for something (an action orchrt runs asynchronously, a resource
 * group) or settles. Steps that ask meanwhile form the next batch, which
 * begins after this one.
 */
export function admitInOrder(ctx, spec) {
  return new Promise((resolve) => {
    if (!ctx.batch) {
      const batch = (ctx.batch = []);
      setImmediate(() => {
        ctx.batch = null;
        ctx.draining = (ctx.draining ?? Promise.resolve()).then(() => drain(batch));
      });
    }
    ctx.batch.push({ pathMs: spec.pathMs ?? 0, index: spec.index, resolve });
  });
}

/** Runs the turns of \p batch in orchrt's order. */
async function drain(batch) {
  batch.sort((a, b) => b.pathMs - a.pathMs || a.index - b.index);
  for (const w of batch) await new Promise((endTurn) => w.resolve(once(endTurn)));
}

/** \p fn, called at most once. */
function once(fn) {
  let called = false;
  return () => {
    if (!called) (called = true), fn();
  };
}

// ---------------------------------------------------------------------------
// orchrt's ready queue under per-step readiness (Scheduler::dispatch). Every
// node is in flight in LangGraph's one super-step; none begins before all
// of them joined (so the first turns go to the steps orchrt starts first,
// whatever order LangGraph started the nodes in). Turns pass in microtasks
// only: the nodes of one level still settle in one turn of Node's event
// loop, which LangGraph's runner handles in one pass.
// ---------------------------------------------------------------------------

/** The queue's state in run context \p ctx (made on first use). */
function queueOf(ctx) {
  return (ctx.queue ??= { joined: 0, open: false, turn: false, heap: [], waiting: new Map(), idle: [], commits: [] });
}

/** Whether entry \p a goes before \p b: the longer path, then source order (Scheduler::later). */
const before = (a, b) => a.spec.pathMs > b.spec.pathMs || (a.spec.pathMs === b.spec.pathMs && a.spec.index < b.spec.index);

function push(heap, e) {
  heap.push(e);
  for (let i = heap.length - 1; i > 0; ) {
    const up = (i - 1) >> 1;
    if (!before(heap[i], heap[up])) break;
    [heap[i], heap[up]] = [heap[up], heap[i]];
    i = up;
  }
}

function pop(heap) {
  const top = heap[0], last = heap.pop();
  if (heap.length) {
    heap[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
  return top;
}

/**
 * Resolves when step \p spec may begin (attempt \p attempt), to the
 * function that ends its turn: once its dependencies settled, every node
 * joined, and the queue pops it (orchrt's key; at most -j attempts (run.mjs's
 * `-j`, else \p P.jobs)
 * running unless the run stopped). Rejects when \p signal aborts.
 */
export function awaitTurn(P, ctx, spec, attempt, signal) {
  const q = queueOf(ctx);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const entry = { spec, resolve: null, forget: () => {} };
    entry.forget = onAbort(signal, () => {
      entry.resolve = null;
      reject(signal.reason ?? new Error("aborted"));
    });
    entry.resolve = (endTurn) => {
      entry.forget();
      resolve(endTurn);
    };
    if (attempt > 1) push(q.heap, entry);  // a retry: its dependencies settled long ago
    else {
      const left = spec.deps.filter((d) => !ctx.records.has(d)).length;
      if (left) q.waiting.set(spec.id, { entry, left });
      else push(q.heap, entry);
      if (++q.joined === P.steps.length) q.open = true;
    }
    pump(P, ctx);
  });
}

/**
 * Step \p spec, refused by its resource group, parks on it through \p park
 * (parkOnGroup in orch_schedule.mjs) holding no -j slot, as orchrt parks
 * it; woken, it rejoins the ready queue (orchrt's pushReady) and competes
 * with the other ready steps by orchrt's key. Resolves to the function that
 * ends its new turn; rejects when \p signal aborts.
 */
export function parkUntilTurn(P, ctx, spec, park, signal) {
  const q = queueOf(ctx);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const entry = { spec, resolve: null };
    let unpark = () => {};
    const forget = onAbort(signal, () => {
      entry.resolve = null;
      unpark();
      reject(signal.reason ?? new Error("aborted"));
    });
    entry.resolve = (endTurn) => {
      forget();
      resolve(endTurn);
    };
    unpark = park((byTimer) => {
      push(q.heap, entry);
      // A freed slot's owner pumps after its settle (its dependents join
      // first, as in orchrt's dispatch); a token timer's wake-up pumps now.
      if (byTimer) pump(P, ctx);
    });
  });
}

/**
 * Whether orchrt releases the dependents of step \p spec, settled with
 * \p record, only once its state store made the record durable: a
 * completion, or a failure its dependents run after (`continue`), under
 * the checkpoint strategy (run.mjs's `--checkpoint`, else the plan's;
 * `every_step`: all; `adaptive`: all but the local built-in actions;
 * `none`: none). orchrt's default run has a state store; run.mjs's
 * `--state none` runs as orchrt's without one (strategy `none`).
 */
function waitsForCommit(P, ctx, spec, record) {
  const runsDependents = record.status === "completed" || (record.status === "failed" && spec.onFailure === "continue");
  const strategy = ctx.checkpoint ?? P.checkpoint;
  if (!runsDependents || strategy === "none") return false;
  return strategy !== "adaptive" || !spec.local;
}

/**
 * Step \p spec settled with \p record: the dependents it was the last
 * dependency of join the queue, at once or, where orchrt waits for the
 * record to be durable (waitsForCommit), when the steps that can begin now
 * have begun (orchrt's writer acknowledges after its dispatch, in order).
 */
export function settled(P, ctx, spec, record) {
  const q = ctx.queue;
  if (!q) return;
  if (waitsForCommit(P, ctx, spec, record)) q.commits.push(spec.id);
  else release(P, q, spec.id);
}

/** The dependents step \p id was the last dependency of join the queue (orchrt's release). */
function release(P, q, id) {
  for (const d of dependentsOf(P, id)) {
    const w = q.waiting.get(d);
    if (w && --w.left === 0) {
      q.waiting.delete(d);
      push(q.heap, w.entry);
    }
  }
}

/** Hands the turn to the next step orchrt would begin, if any may begin now. */
export function pump(P, ctx) {
  const q = ctx.queue;
  if (!q || !q.open || q.turn) return;
  for (;;) {
    while (q.heap.length && (ctx.runError || (ctx.running ?? 0) < (ctx.jobs ?? P.jobs))) {
      const e = pop(q.heap);
      if (!e.resolve) continue;  // its invoke was aborted
      q.turn = true;
      let ended = false;
      e.resolve(() => {
        if (ended) return;
        ended = true;
        q.turn = false;
        pump(P, ctx);
      });
      return;
    }
    // orchrt's dispatch ended; the writer's next acknowledgement releases
    // its step's dependents, and a dispatch follows.
    if (!q.commits.length) break;
    release(P, q, q.commits.shift());
  }
  // No turn to hand out: the nodes that ended theirs return together.
  const idle = q.idle;
  q.idle = [];
  for (const r of idle) r();
}

/**
 * A promise that resolves when no step holds a turn any more, or null when
 * none does. A node that settled waits for it before returning to
 * LangGraph, so the nodes that took their turns one after another return
 * in one pass: LangGraph's runner races every executing task once per pass
 * (O(n)), not once per node.
 */
export function whenIdle(ctx) {
  const q = ctx.queue;
  if (!q?.turn) return null;
  return new Promise((resolve) => q.idle.push(resolve));
}
