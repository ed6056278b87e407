// ---------------------------------------------------------------------------
// Scheduling as orchrt's (runtime/exec/Scheduler.cpp): the run context of an
// invoke. With per-step readiness every step node starts in LangGraph's
// first super-step and waits in orchrt's ready queue (orch_failures.mjs)
// until its own dependencies settled and its turn came, so a step starts as
// soon as they are done (no super-step barrier); with edges LangGraph starts
// a node once its dependencies ran. Resource groups (`max_concurrent`, `requests_per_minute`,
// `burst`) admit attempts as orchrt's ResourceGroups do.
// ---------------------------------------------------------------------------
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The shared contexts of invokes that did not come through run(), by the first super-step's checkpoint. */
const INVOKES = new Map();

/** Per abort signal, the callbacks onAbort registered. */
const ABORT_CALLBACKS = new WeakMap();

/**
 * Calls \p fn when \p signal aborts; returns the function that unregisters
 * it. One listener per signal however many nodes wait on it: all nodes of
 * an invoke share LangGraph's signal, and removing one of n listeners from
 * an AbortSignal costs O(n).
 */
export function onAbort(signal, fn) {
  if (!signal) return () => {};
  let set = ABORT_CALLBACKS.get(signal);
  if (!set) {
    ABORT_CALLBACKS.set(signal, (set = new Set()));
    signal.addEventListener("abort", () => {
      for (const f of set) f();
      set.clear();
    }, { once: true });
  }
  set.add(fn);
  return () => set.delete(fn);
}

/** A fresh run context: what one invoke's nodes share. */
export function newContext(P, fields = {}) {
  return {
    runDir: process.cwd(), model: "", runError: null, timedOut: new Map(),
    workDir: () => fs.mkdtempSync(path.join(os.tmpdir(), "orch-step-")),
    records: new Map(), groups: newGroups(P.groups ?? []),
    // orchrt's failure bookkeeping (failures.mjs): the reason each step
    // reached by a skip got, the steps waiting to retry, the retries
    // abandoned, and the steps made ready together (dispatch order).
    skipReasons: new Map(), backoff: new Map(), abandoned: new Map(), batch: null, draining: null,
    // Outcomes of model calls for `ucb` steps: model -> {pulls, reward}, for
    // this run only (orch_models.mjs, rankModels).
    modelStats: new Map(),
    // Each model's circuit breaker (orch_models.mjs, breakerOf).
    breakers: new Map(),
    ...fields,
  };
}

/**
 * The run context of a node: the one run() passes (`configurable.orch`),
 * else one shared by all nodes of the same invoke. With per-step readiness
 * all nodes run in the first super-step and share its checkpoint id; with
 * edges the first super-step's nodes (the steps without dependencies) key
 * it by theirs (\p root), never by the state (a caller's `run:ctx` input is
 * overwritten by their write), and pass the key on in the `run:ctx`
 * channel (\p state). An invoke's context is dropped when its last step
 * settles, when a node of any super-step sees the invoke aborted
 * (cancelled, timed out, or failed by a node's exception: every node
 * registers the drop on its own signal, since LangGraph gives each
 * super-step a signal of its own), or by dropContext. Under per-step
 * readiness a `maxConcurrency` below the number of steps is refused: nodes
 * waiting for their dependencies would hold every slot, and LangGraph would
 * end the invoke with no result and no error. With edges no node waits,
 * and `maxConcurrency` acts as orchrt's `-j`, except 1 with a level of
 * several steps (refused: LangGraph 1.7.3's runner stops a super-step once
 * its one running task settles). Below 1 it is always refused (LangGraph
 * then starts no node and the invoke never settles), and so is a
 * `recursionLimit` below the levels + 1 the edges wiring needs.
 */
export function runContext(P, config, state = null, root = false) {
  checkConfig(P, config);
  const c = config?.configurable?.orch;
  if (c) return c;
  const passed = P.wiring === "edges" && !root ? state?.["run:ctx"] ?? null : null;
  const key = passed ?? config?.executionInfo?.checkpointId;
  if (key === undefined) throw new Error("orch_schedule.mjs: LangGraph gave the node no executionInfo.checkpointId");
  let ctx = INVOKES.get(key);
  if (!ctx) {
    INVOKES.set(key, (ctx = newContext(P, { invokeKey: key })));
    ctx.drop = () => dropContext(ctx);
  }
  const signal = config?.signal;
  if (signal?.aborted) dropContext(ctx);
  else onAbort(signal, ctx.drop);
  return ctx;
}

/** Refuses an invoke's `maxConcurrency` or `recursionLimit` the graph cannot run with (runContext). */
export function checkConfig(P, config) {
  const limit = config?.maxConcurrency;
  if (limit !== undefined && limit !== null && !(typeof limit === "number" && limit >= 1))
    throw new Error(`maxConcurrency ${limit} is below 1: LangGraph would start no node and the invoke ` +
      "would never settle; omit maxConcurrency or pass 1 or more");
  if (P.wiring !== "edges" && limit !== undefined && limit !== null && limit < P.steps.length)
    throw new Error(`maxConcurrency ${limit} is below the pipeline's ${P.steps.length} steps: ` +
      "every step node runs in the first super-step and waits there for its dependencies, so a lower limit " +
      "can leave the invoke without a result; omit maxConcurrency (resource groups limit steps as in orchrt)");
  if (P.wiring === "edges" && limit === 1 && P.widest > 1)
    throw new Error(`maxConcurrency 1 with ${P.widest} steps in one super-step: LangGraph 1.7.3 then runs ` +
      "only the first node of the super-step and ends the invoke without the others; use 2 or more");
  const rl = config?.recursionLimit;
  if (P.wiring === "edges" && P.depth !== undefined && typeof rl === "number" && rl < P.depth + 1)
    throw new Error(`recursionLimit ${rl} is below the ${P.depth + 1} this graph needs (a super-step per ` +
      `level, ${P.depth} levels, plus one): LangGraph would stop the invoke before its last level; ` +
      "omit recursionLimit (the graph sets it) or pass at least " + (P.depth + 1));
}

/**
 * \p graph (compiled), checking each invoke's config (checkConfig) before
 * LangGraph starts it: with `maxConcurrency` 0 no node would run to refuse
 * it, and a low `recursionLimit` would stop the invoke between super-steps.
 * Kept by withConfig (it constructs `this.constructor`).
 */
export function guardGraph(P, graph) {
  const Base = Object.getPrototypeOf(graph).constructor;
  class OrchGraph extends Base {
    _defaults(config) {
      checkConfig(P, config);
      return super._defaults(config);
    }
  }
  Object.setPrototypeOf(graph, OrchGraph.prototype);
  return graph;
}

/** Forgets the direct invoke's context \p ctx (run()'s own is never held). */
export function dropContext(ctx) {
  ctx.dropped = true;
  ctx.disarm?.();
  if (ctx.invokeKey !== undefined && INVOKES.get(ctx.invokeKey) === ctx) INVOKES.delete(ctx.invokeKey);
}

/** How many direct invokes' contexts are held (for tests). */
export const heldContexts = () => INVOKES.size;

/** Step \p id settled with \p record: its dependents may start. */
export function publish(P, ctx, id, record) {
  ctx.records.set(id, record);
  if (ctx.records.size === P.steps.length) dropContext(ctx);
}

function newGroups(limits) {
  return limits.map((l) => ({
    ...l, running: 0, parked: [], timer: null,
    perMs: l.requestsPerMinute ? l.requestsPerMinute / 60000 : 0,
    capacity: Math.max(1, l.burst ?? 0), tokens: Math.max(1, l.burst ?? 0), refilledAt: null,
  }));
}

/** orchrt's tryAcquire: true if admitted, else the ms until a token is due (or null: wait for a slot). */
function tryAcquire(g, now) {
  if (g.maxConcurrent && g.running >= g.maxConcurrent) return { granted: false, retryMs: null };
  if (g.perMs > 0) {
    if (g.refilledAt !== null) g.tokens = Math.min(g.capacity, g.tokens + Math.max(0, now - g.refilledAt) * g.perMs);
    g.refilledAt = now;
    if (g.tokens < 1) return { granted: false, retryMs: Math.ceil((1 - g.tokens) / g.perMs) + 1 };
    g.tokens -= 1;
  }
  g.running++;
  return { granted: true };
}

/**
 * orchrt's release (ResourceGroups::release): one slot of group \p g is
 * free again; \p unused (the attempt never started: a parameter failed to
 * render, or the run stopped) gives its token back too.
 */
function releaseSlot(g, unused) {
  g.running--;
  if (unused && g.perMs > 0) g.tokens = Math.min(g.capacity, g.tokens + 1);
}

/**
 * orchrt's admit under per-step readiness (Scheduler::admit): the release
 * function if resource group \p index admits one attempt now (none: at
 * once), else null and the step parks on the group (parkOnGroup) without
 * a -j slot. A token not yet due arms the group's one timer, which wakes
 * every step parked on it (orchrt's GroupTimers).
 */
export function tryGroup(ctx, index) {
  if (index === null || index === undefined) return () => {};
  const g = ctx.groups[index];
  const a = tryAcquire(g, Date.now());
  if (a.granted)
    return (unused = false) => {
      releaseSlot(g, unused);
      // A freed slot wakes as many parked steps as the group has free slots.
      const free = g.maxConcurrent ? Math.max(0, g.maxConcurrent - g.running) : g.parked.length;
      for (const w of g.parked.splice(0, free)) w.wake(false);
    };
  if (a.retryMs !== null && !g.timer)
    g.timer = setTimeout(() => {
      g.timer = null;
      for (const w of g.parked.splice(0)) w.wake(true);
    }, a.retryMs);
  return null;
}

/**
 * Parks a step on resource group \p index (orchrt's Groups.park): \p wake
 * is called synchronously once when the group frees a slot (false: the
 * releasing step's node pumps the ready queue after its own settle) or its
 * token timer fires (true). Returns the function that unparks it unwoken.
 */
export function parkOnGroup(ctx, index, wake) {
  const g = ctx.groups[index];
  const waiter = { wake };
  g.parked.push(waiter);
  return () => {
    g.parked = g.parked.filter((w) => w !== waiter);
  };
}

/** The release function of an attempt group \p g admitted with edges: the first waiting step tries next. */
function edgesRelease(g) {
  return (unused = false) => {
    releaseSlot(g, unused);
    const next = g.parked.shift();
    if (next) next.wake();
  };
}

/**
 * With edges: the release function if resource group \p index admits one
 * attempt now, within the step's turn (none: at once), as orchrt's admit
 * does before the step renders its parameters; else null (acquireGroup
 * waits). A step asking while others wait queues behind them.
 */
export function takeGroup(ctx, index) {
  if (index === null || index === undefined) return () => {};
  const g = ctx.groups[index];
  if (g.parked.length || !tryAcquire(g, Date.now()).granted) return null;
  return edgesRelease(g);
}

/**
 * Waits until resource group \p index admits one attempt (none: at once);
 * resolves to its release function. Waiting steps are admitted in the order
 * they asked.
 */
export function acquireGroup(ctx, index, signal) {
  if (index === null || index === undefined) return Promise.resolve(() => {});
  const g = ctx.groups[index];
  return new Promise((resolve, reject) => {
    let timer = null;
    const waiter = { wake: null };
    let forget = () => {};
    const aborted = () => {
      if (timer) clearTimeout(timer);
      g.parked = g.parked.filter((w) => w !== waiter);
      reject(signal.reason ?? new Error("aborted"));
    };
    const release = edgesRelease(g);
    waiter.wake = () => {
      timer = null;
      const a = tryAcquire(g, Date.now());
      if (a.granted) {
        forget();
        resolve(release);
      } else if (a.retryMs !== null) timer = setTimeout(waiter.wake, a.retryMs);
      else g.parked.unshift(waiter);
    };
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    forget = onAbort(signal, aborted);
    if (g.parked.length) g.parked.push(waiter);
    else waiter.wake();
  });
}
