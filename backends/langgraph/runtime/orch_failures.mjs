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
// The state lives in the run context (newContext in orch_schedule.mjs).
// ---------------------------------------------------------------------------

/** Registers step \p spec of pipeline \p P (in source order); returns its index. */
export function registerStep(P, spec) {
  const specs = (P.specs ??= []);
  specs.push(spec);
  P.dependents = null;  // rebuilt when first needed
  return specs.length - 1;
}

/** The dependents of step \p id, in source order (orchrt's Dependents). */
function dependentsOf(P, id) {
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

/** The built-in actions orchrt runs inside the step's start (runtime/actions/Runner.cpp). */
export const SYNC_ACTIONS = new Set(["echo", "transform", "file.read", "file.write"]);

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
