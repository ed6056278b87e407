// The exported graph invoked directly under @langchain/langgraph, as the
// LangGraph server does (no run(), no `configurable.orch`): each invoke's
// nodes share one run context found by LangGraph's checkpoint id (passed on
// in the `run:ctx` channel when the graph is wired with edges), so two
// concurrent invokes give the results run() gives for their inputs; a
// cancelled invoke drops its context (with edges also when cancelled in a
// later super-step); under per-step readiness a maxConcurrency below the
// step count is refused with an error, not a silent `undefined` (with edges
// it queues the steps); below 1 it is refused in both; a caller's `run:ctx`
// is not the key; with edges a too low recursionLimit is refused and a
// resumed thread (checkpointer) fails rather than hangs.
//   node direct_invoke_test.mjs EXPORT_DIR   (exits 1 on the first failure)
import assert from "node:assert/strict";
import { failed, test } from "./harness.mjs";
import { setMaxListeners } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

setMaxListeners(1000);
const dir = process.argv[2];
const { graph, pipeline } = await import(pathToFileURL(`${dir}/graph.mjs`).href);
const R = await import(pathToFileURL(`${dir}/orch_runtime.mjs`).href);
const { heldContexts } = await import(pathToFileURL(`${dir}/orch_schedule.mjs`).href);
const { MemorySaver } = await import(pathToFileURL(`${dir}/node_modules/@langchain/langgraph/dist/index.js`).href);
const show = (v) => JSON.stringify(v, (k, x) => (typeof x === "bigint" ? `${x}n` : x));

/** Each step's status and output from run()'s report. */
async function viaRun(who, slowMs = 0n) {
  const report = await R.run(graph, pipeline, { who, slow_ms: slowMs }, { runDir: mkdtempSync(join(tmpdir(), "orch-di-")) });
  return Object.fromEntries(pipeline.steps.map(({ id }) => [id, [report.steps[id].status, report.steps[id].output]]));
}
/** The same from a direct invoke's final state. */
const fromState = (state) => Object.fromEntries(pipeline.steps.map(({ id }) => {
  const r = state[`step:${id}`];
  return [id, [r?.status, r?.status === "completed" ? r.result.output : null]];
}));
const start = (who, slowMs = 0n) => ({ "input:who": who, "input:slow_ms": slowMs });


await test("two concurrent direct invokes give run()'s results for their inputs", async () => {
  const [x, y] = await Promise.all([graph.invoke(start("x")), graph.invoke(start("y"))]);
  const [rx, ry] = [await viaRun("x"), await viaRun("y")];
  assert.equal(show(fromState(x)), show(rx));
  assert.equal(show(fromState(y)), show(ry));
  assert.equal(rx.late[1], "x a b!", show(rx));
  assert.equal(heldContexts(), 0, "a finished invoke's context is still held");
});

await test("context.timeout ends a direct invoke as it ends run()", async () => {
  const began = Date.now();
  const s = await graph.invoke(start("t", 60000n));
  const took = Date.now() - began;
  const direct = fromState(s), viaR = await viaRun("t", 60000n);
  assert.equal(show(direct), show(viaR));
  assert.deepEqual(direct.slow, ["failed", null], show(direct));
  assert.match(s["step:slow"].error, /the pipeline's timeout of 6 s ran out/);
  assert.ok(took >= 5500 && took < 30000, `the invoke took ${took} ms`);
  assert.equal(heldContexts(), 0, "the timed-out invoke's context is held");
});

await test("a cancelled direct invoke drops its run context", async () => {
  for (let i = 0; i < 3; i++) {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("cancelled")), 100);
    await assert.rejects(graph.invoke(start("z", 5000n), { signal: ac.signal }));
  }
  assert.equal(heldContexts(), 0, `${heldContexts()} contexts of cancelled invokes are held`);
});

await test(pipeline.wiring === "edges" ? "maxConcurrency 2 queues the steps, 1 is an error"
  : "a maxConcurrency below the step count is an error", async () => {
  if (pipeline.wiring === "edges") {
    // No node waits for another: the limit only queues them (orchrt's -j).
    const s = await graph.invoke(start("v"), { maxConcurrency: 2 });
    assert.equal(fromState(s).late[1], "v a b!");
    assert.equal(heldContexts(), 0);
    // LangGraph 1.7.3 would run one node of the first super-step and end.
    await assert.rejects(graph.invoke(start("u"), { maxConcurrency: 1 }),
      /maxConcurrency 1 with 3 steps in one super-step/);
    assert.equal(heldContexts(), 0);
    return;
  }
  await assert.rejects(graph.invoke(start("w"), { maxConcurrency: 1 }),
    /maxConcurrency 1 is below the pipeline's 5 steps/);
  assert.equal(heldContexts(), 0);
  const s = await graph.invoke(start("w"), { maxConcurrency: 5 });
  assert.equal(fromState(s).late[1], "w a b!");
});

await test("maxConcurrency below 1 is an error, not an invoke that never settles", async () => {
  for (const mc of [0, -1]) {
    const settled = graph.invoke(start("m"), { maxConcurrency: mc }).then(() => "completed", (e) => e);
    const r = await Promise.race([settled, new Promise((res) => setTimeout(() => res("hung"), 5000).unref())]);
    assert.match(String(r?.message ?? r), /maxConcurrency -?\d+ is below 1/, `maxConcurrency ${mc}`);
  }
  assert.equal(heldContexts(), 0);
});

await test("a caller's run:ctx input is not the run context's key", async () => {
  // Two concurrent invokes passing the same key settle with their own results.
  const [x, y] = await Promise.all([
    graph.invoke({ ...start("p"), "run:ctx": "K" }), graph.invoke({ ...start("q"), "run:ctx": "K" })]);
  assert.equal(fromState(x).late[1], "p a b!");
  assert.equal(fromState(y).late[1], "q a b!");
  if (pipeline.wiring === "edges") assert.notEqual(x["run:ctx"], "K");
  assert.equal(heldContexts(), 0);
});

if (pipeline.wiring === "edges") {
  const slowLevel1 = () => ({ ...start("z"), "input:snooze_ms": 5000n });
  await test("a direct invoke cancelled in a later super-step drops its run context", async () => {
    for (let i = 0; i < 3; i++) {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error("cancelled")), 400);
      await assert.rejects(graph.invoke(slowLevel1(), { signal: ac.signal }), /cancelled/);
    }
    assert.equal(heldContexts(), 0, `${heldContexts()} contexts of cancelled invokes are held`);
  });

  await test("a recursionLimit below the levels + 1 is an error; enough levels run", async () => {
    const need = pipeline.depth + 1;
    await assert.rejects(graph.invoke(start("r"), { recursionLimit: need - 1 }),
      new RegExp(`recursionLimit ${need - 1} is below the ${need}`));
    const s = await graph.invoke(start("r"), { recursionLimit: need });
    assert.equal(fromState(s).late[1], "r a b!");
    assert.equal(heldContexts(), 0);
  });

  await test("resuming an interrupted thread fails the step instead of hanging", async () => {
    // The graph compiled with a checkpointer, as the LangGraph server runs it
    // (a serde that keeps BigInts, which MemorySaver's JSON one loses).
    const serde = { dumpsTyped: async (o) => ["clone", structuredClone(o)], loadsTyped: async (t, d) => structuredClone(d) };
    const g = R.guardGraph(pipeline, graph.builder.compile({ checkpointer: new MemorySaver(serde) })
      .withConfig({ recursionLimit: pipeline.depth + 1 }));
    {
      const cfg = { configurable: { thread_id: "t1" } };
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error("cancelled")), 400);
      await assert.rejects(g.invoke(slowLevel1(), { ...cfg, signal: ac.signal }), /cancelled/);
      const settled = g.invoke(null, cfg).then(() => "completed", (e) => e);
      const r = await Promise.race([settled, new Promise((res) => setTimeout(() => res("hung"), 10000).unref())]);
      const messages = [r?.message ?? String(r), ...(r?.errors ?? []).map((e) => e.message)].join("\n");
      assert.match(messages, /the result of its dependency `\w+` is not in this process/);
      assert.equal(heldContexts(), 0, "the resumed invoke's context is held");
    }
  });
}

console.log(failed() ? `${failed()} failed` : "all passed");
process.exit(failed() ? 1 : 0);
