// Unit tests of orch_schedule.mjs (no LangGraph needed): a step waits for
// its own dependencies only, and resource groups admit attempts as orchrt's
// ResourceGroups (max_concurrent slots in asking order, a token bucket).
// Run by ctest `langgraph-schedule`; exits 1 on the first failure.
import assert from "node:assert/strict";
import { failed, test } from "./harness.mjs";
import { acquireGroup, awaitDeps, dropContext, heldContexts, newContext, publish, runContext } from "../../backends/langgraph/runtime/orch_schedule.mjs";

const flush = () => new Promise((r) => setImmediate(r));
const P = {
  steps: [{ id: "a" }, { id: "b" }, { id: "c" }],
  groups: [
    { name: "model:x", maxConcurrent: 1, requestsPerMinute: 0, burst: 0 },
    { name: "model:y", maxConcurrent: 0, requestsPerMinute: 60, burst: 2 },
  ],
};

await test("a step waits for its dependencies, not for other steps", async () => {
  const ctx = newContext(P);
  let ready = false;
  const wait = awaitDeps(ctx, ["a", "b"], null).then((r) => ((ready = true), r));
  publish(P, ctx, "a", { status: "completed" });
  await flush();
  assert.equal(ready, false, "started before `b` settled");
  publish(P, ctx, "b", { status: "skipped" });
  const got = await wait;
  assert.deepEqual(got.map((r) => r.status), ["completed", "skipped"]);
  // A settled dependency is there at once; `c` never settles and holds nobody.
  assert.equal((await awaitDeps(ctx, ["a"], null))[0].status, "completed");
});

await test("waiting ends when the run is aborted", async () => {
  const ctx = newContext(P);
  const ac = new AbortController();
  const wait = awaitDeps(ctx, ["c"], ac.signal);
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

process.exitCode = failed() ? 1 : 0;
