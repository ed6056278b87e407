// Unit tests of orch_schedule.mjs and orchrt's ready queue (orch_failures.mjs)
// (no LangGraph needed): a step waits for its own dependencies only and
// begins in orchrt's dispatch order, and resource groups admit attempts as orchrt's
// ResourceGroups (max_concurrent slots in asking order, a token bucket).
// Run by ctest `langgraph-schedule`; exits 1 on the first failure.
import assert from "node:assert/strict";
import { failed, test } from "./harness.mjs";
import {
  acquireGroup, dropContext, heldContexts, newContext, parkOnGroup, publish, runContext, takeGroup, tryGroup,
} from "../../backends/langgraph/runtime/orch_schedule.mjs";
import { awaitTurn, parkUntilTurn, pump, registerStep, settled } from "../../backends/langgraph/runtime/orch_failures.mjs";

const flush = () => new Promise((r) => setImmediate(r));
const P = {
  steps: [{ id: "a" }, { id: "b" }, { id: "c" }],
  groups: [
    { name: "model:x", maxConcurrent: 1, requestsPerMinute: 0, burst: 0 },
    { name: "model:y", maxConcurrent: 0, requestsPerMinute: 60, burst: 2 },
  ],
};

/** Step \p id's spec for the ready queue: \p deps, orchrt's path length, source index, a local action or not. */
const spec = (id, index, pathMs, deps = [], local = false) => ({ id, index, pathMs, deps, local });

/**
 * A pipeline of \p specs (registered as orch_runtime.mjs registers them)
 * with -j \p jobs and checkpoint strategy \p checkpoint.
 */
function queued(specs, jobs = 32, checkpoint = "none") {
  const Q = { steps: specs.map((s) => ({ id: s.id })), groups: [], jobs, checkpoint };
  for (const s of specs) registerStep(Q, s);
  return Q;
}

await test("a step waits for its dependencies, not for other steps", async () => {
  const specs = [spec("a", 0, 0), spec("b", 1, 0), spec("c", 2, 0, ["a", "b"]), spec("d", 3, 0)];
  const Q = queued(specs);
  const ctx = newContext(Q);
  const began = [];
  const turns = specs.map((s) => awaitTurn(Q, ctx, s, 1, null).then((end) => (began.push(s.id), end)));
  await flush();
  assert.deepEqual(began, ["a"], "more than one turn at once, or `c` before its dependencies");
  for (const id of ["a", "b"]) {
    (await turns[specs.findIndex((s) => s.id === id)])();
    await flush();
  }
  assert.deepEqual(began, ["a", "b", "d"], "`c` began before `b` settled");
  publish(Q, ctx, "a", { status: "completed" });
  settled(Q, ctx, specs[0], { status: "completed" });
  publish(Q, ctx, "b", { status: "skipped" });
  settled(Q, ctx, specs[1], { status: "skipped" });
  (await turns[3])();
  await turns[2];
  assert.deepEqual(began, ["a", "b", "d", "c"]);
});

await test("no turn before every node joined, then orchrt's order: longest path, then source order", async () => {
  // LangGraph starts the nodes in its own order (here: reversed).
  const specs = [spec("x", 0, 5), spec("y", 1, 9), spec("z", 2, 5), spec("w", 3, 9)];
  const Q = queued(specs);
  const ctx = newContext(Q);
  const began = [];
  const turns = [];
  for (const s of [...specs].reverse()) {
    turns.push(awaitTurn(Q, ctx, s, 1, null).then((end) => (began.push(s.id), end())));
    await flush();
    if (turns.length < specs.length) assert.deepEqual(began, [], "a turn before every node joined");
  }
  await Promise.all(turns);
  assert.deepEqual(began, ["y", "w", "x", "z"]);
});

/** The order in which \p specs begin when `a` completes inside its turn, under \p checkpoint. */
async function orderAfterSyncCompletion(specs, checkpoint) {
  const Q = queued(specs, 32, checkpoint);
  const ctx = newContext(Q);
  const began = [];
  const turns = specs.map((s) => awaitTurn(Q, ctx, s, 1, null).then((end) => {
    began.push(s.id);
    if (s.id === "a") {
      publish(Q, ctx, "a", { status: "completed" });
      settled(Q, ctx, s, { status: "completed" });
    }
    end();
  }));
  await Promise.all(turns);
  return began;
}

await test("a step made ready by a settle inside a turn competes with the rest (no commit to wait for)", async () => {
  // orchrt's dispatch loop without a state store: `a` settles inside its
  // start, and its dependent `c` (the longer path) goes before `b`.
  const specs = () => [spec("a", 0, 10, [], true), spec("b", 1, 1), spec("c", 2, 5, ["a"])];
  assert.deepEqual(await orderAfterSyncCompletion(specs(), "none"), ["a", "c", "b"]);
  // adaptive: `a` is a local action, recorded without waiting.
  assert.deepEqual(await orderAfterSyncCompletion(specs(), "adaptive"), ["a", "c", "b"]);
});

await test("a completion's dependents wait for orchrt's commit: after the steps ready now", async () => {
  // every_step (orchrt's default with a state store): `c` is released when
  // the record is durable, after this dispatch began `b`.
  const specs = () => [spec("a", 0, 10, [], true), spec("b", 1, 1), spec("c", 2, 5, ["a"])];
  assert.deepEqual(await orderAfterSyncCompletion(specs(), "every_step"), ["a", "b", "c"]);
  const remote = () => [spec("a", 0, 10, [], false), spec("b", 1, 1), spec("c", 2, 5, ["a"])];
  assert.deepEqual(await orderAfterSyncCompletion(remote(), "adaptive"), ["a", "b", "c"]);
});

await test("at most -j attempts run; a stopped run hands out every turn", async () => {
  const specs = [spec("a", 0, 0), spec("b", 1, 0), spec("c", 2, 0)];
  const Q = queued(specs, 1);
  const ctx = newContext(Q);
  const began = [];
  const turns = specs.map((s) => awaitTurn(Q, ctx, s, 1, null).then((end) => {
    began.push(s.id);
    ctx.running = (ctx.running ?? 0) + 1;  // an asynchronous action: the slot is held
    end();
  }));
  await flush();
  assert.deepEqual(began, ["a"], "a second attempt began with -j 1");
  ctx.runError = "step `a` failed: boom";
  pump(Q, ctx);
  await Promise.all(turns);
  assert.deepEqual(began, ["a", "b", "c"]);
});

await test("waiting ends when the run is aborted", async () => {
  const specs = [spec("a", 0, 0), spec("c", 1, 0, ["a"])];
  const Q = queued(specs);
  const ctx = newContext(Q);
  const ac = new AbortController();
  const wait = awaitTurn(Q, ctx, specs[1], 1, ac.signal);
  ac.abort(new Error("cancelled"));
  await assert.rejects(wait, /cancelled/);
});

await test("nodes of one invoke share a context, other invokes do not", async () => {
  const one = runContext(P, { executionInfo: { checkpointId: "k1" } });
  assert.equal(runContext(P, { executionInfo: { checkpointId: "k1" } }), one);
  assert.notEqual(runContext(P, { executionInfo: { checkpointId: "k2" } }), one);
  const given = newContext(P);
  assert.equal(runContext(P, { configurable: { orch: given } }), given);
  for (const s of P.steps) publish(P, one, s.id, { status: "completed" });
  assert.notEqual(runContext(P, { executionInfo: { checkpointId: "k1" } }), one, "a finished invoke's context is dropped");
});

await test("an aborted or failed direct invoke drops its context", async () => {
  const held = heldContexts();
  const ac = new AbortController();
  const one = runContext(P, { executionInfo: { checkpointId: "abort1" }, signal: ac.signal });
  publish(P, one, "a", { status: "completed" });
  assert.equal(heldContexts(), held + 1);
  ac.abort(new Error("cancelled"));
  assert.equal(heldContexts(), held, "a cancelled invoke's context is still held");
  const two = runContext(P, { executionInfo: { checkpointId: "fail1" } });
  assert.equal(heldContexts(), held + 1);
  dropContext(two);
  assert.equal(heldContexts(), held, "a failed invoke's context is still held");
  // Dropping run()'s own context, or an already dropped one, changes nothing.
  dropContext(newContext(P));
  dropContext(two);
  assert.equal(heldContexts(), held);
});

await test("a maxConcurrency below the step count is refused", async () => {
  assert.throws(() => runContext(P, { maxConcurrency: 2, executionInfo: { checkpointId: "mc" } }),
    /maxConcurrency 2 is below the pipeline's 3 steps/);
  assert.throws(() => runContext(P, { maxConcurrency: 1, configurable: { orch: newContext(P) } }), /maxConcurrency 1/);
  const ctx = runContext(P, { maxConcurrency: 3, executionInfo: { checkpointId: "mc" } });
  dropContext(ctx);
});

await test("max_concurrent: 1 admits one attempt at a time, in asking order", async () => {
  const ctx = newContext(P);
  const order = [];
  const r1 = await acquireGroup(ctx, 0, null);
  const p2 = acquireGroup(ctx, 0, null).then((r) => (order.push(2), r));
  const p3 = acquireGroup(ctx, 0, null).then((r) => (order.push(3), r));
  await flush();
  assert.deepEqual(order, [], "admitted while the slot was held");
  r1();
  const r2 = await p2;
  await flush();
  assert.deepEqual(order, [2]);
  r2();
  (await p3)();
  assert.deepEqual(order, [2, 3]);
  assert.equal(ctx.groups[0].running, 0);
});

await test("a step without a group is not held", async () => {
  const ctx = newContext(P);
  (await acquireGroup(ctx, null, null))();
});

await test("requests_per_minute with burst 2: two at once, the third waits for a token", async () => {
  const ctx = newContext(P);
  (await acquireGroup(ctx, 1, null))();
  (await acquireGroup(ctx, 1, null))();
  let third = false;
  const ac = new AbortController();
  const p = acquireGroup(ctx, 1, ac.signal).then(() => (third = true));
  await flush();
  assert.equal(third, false, "a third start within the burst's second");
  ac.abort(new Error("stop"));
  await assert.rejects(p, /stop/);
});

await test("an attempt that never started (a parameter failed to render) gives its token back, as orchrt's release(Unused)", async () => {
  // burst 2 at 60 a minute: two tokens; a used attempt keeps its token, an unused one returns it.
  for (const [what, take] of [["readiness", (ctx) => tryGroup(ctx, 1)], ["edges", (ctx) => takeGroup(ctx, 1)]]) {
    const ctx = newContext(P);
    const used = take(ctx), unused = take(ctx);
    assert.ok(used && unused, `${what}: the burst admitted fewer than two`);
    assert.equal(take(ctx), null, `${what}: a third attempt within the burst's second`);
    used();
    assert.equal(take(ctx), null, `${what}: a used attempt's release gave its token back`);
    unused(true);
    const again = take(ctx);
    assert.ok(again, `${what}: the unused attempt's token did not return`);
    again(true);
    assert.equal(ctx.groups[1].running, 0, `${what}: slots still held`);
  }
});

await test("edges: takeGroup admits within the turn only when nobody waits, else the step queues behind the waiting ones", async () => {
  const ctx = newContext(P);
  const r1 = takeGroup(ctx, 0);
  assert.ok(r1, "an empty group refused the first attempt");
  assert.equal(takeGroup(ctx, 0), null, "max_concurrent 1 admitted two");
  const order = [];
  const p2 = acquireGroup(ctx, 0, null).then((r) => (order.push(2), r));
  r1(true);  // the slot is free, but `2` waits for it: a new asker may not pass it
  assert.equal(takeGroup(ctx, 0), null, "takeGroup passed a waiting step");
  const r2 = await p2;
  assert.deepEqual(order, [2]);
  r2();
  assert.ok(takeGroup(ctx, null), "a step without a group was held");
  assert.equal(ctx.groups[0].running, 0);
});

await test("readiness: a step its group refuses parks without a -j slot and rejoins the ready queue by orchrt's key", async () => {
  // -j 2; `g1` and `g2` share a group of max_concurrent 1; `x` has none.
  const specs = [spec("g1", 0, 9), spec("g2", 1, 9), spec("x", 2, 0), spec("y", 3, 5)];
  const Q = { ...queued(specs, 2), groups: [P.groups[0]] };
  const ctx = newContext(Q);
  const began = [];
  const turns = specs.map((s) => awaitTurn(Q, ctx, s, 1, null).then((end) => (began.push(s.id), end)));
  // `g1` is admitted within its turn and holds a slot (as orch_runtime.mjs's attempt does).
  const endG1 = await turns[0];
  const releaseG1 = tryGroup(ctx, 0);
  assert.ok(releaseG1, "an empty group refused `g1`");
  ctx.running = 1;
  endG1();
  // `g2` is refused: it parks, holding no slot, so `y` begins (-j 2).
  const endG2 = await turns[1];
  assert.equal(tryGroup(ctx, 0), null, "the group admitted a second attempt");
  endG2();
  const parked = parkUntilTurn(Q, ctx, specs[1], (wake) => parkOnGroup(ctx, 0, wake), null).then((end) => (began.push("g2 again"), end));
  pump(Q, ctx);
  const endY = await turns[3];
  ctx.running = 2;  // `y` holds the second slot: `x` waits
  endY();
  await flush();
  assert.deepEqual(began, ["g1", "g2", "y"], "the parked step held a -j slot");
  // `g1` ends: the freed group slot puts `g2` back into the queue, where
  // its longer path goes before `x`.
  releaseG1();
  ctx.running = 1;
  await flush();
  assert.deepEqual(began, ["g1", "g2", "y"], "the woken step began before the releasing step pumped");
  pump(Q, ctx);
  const endAgain = await parked;
  assert.ok(tryGroup(ctx, 0), "the woken step was refused again");
  endAgain();
  await turns[2];
  assert.deepEqual(began, ["g1", "g2", "y", "g2 again", "x"]);
});

process.exitCode = failed() ? 1 : 0;
