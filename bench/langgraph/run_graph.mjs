// Runs one synthetic graph with LangGraph JS and prints its timings as JSON.
//
//   node run_graph.mjs spec.json
//
// spec.json: {"deps": [[...], ...], "action": "echo"|"sleep", "sleep_ms": 10,
//             "runs": 3}. Step i waits for every step in deps[i] (a join
// waits for all its inputs, as orchrt does); steps without dependencies
// start from START, steps nobody waits for lead to END. `echo` nodes return
// at once; `sleep` nodes wait sleep_ms with a timer. Output:
// {"compile_ms": ..., "runs_ms": [...]}: graph construction and compile,
// then each invoke's wall time, and its CPU time (user and system).
import { setMaxListeners } from "node:events";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

// LangGraph adds an abort listener a running node; wide graphs exceed
// Node's default warning threshold of 10, which is noise here.
setMaxListeners(100000);
const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const n = spec.deps.length;
const State = Annotation.Root({
  done: Annotation({ reducer: (a, b) => a + b, default: () => 0 }),
});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const t0 = performance.now();
const g = new StateGraph(State);
for (let i = 0; i < n; i++) {
  const node =
    spec.action === "sleep"
      ? async () => {
          await sleep(spec.sleep_ms);
          return { done: 1 };
        }
      : async () => ({ done: 1 });
  g.addNode(`s${i}`, node);
}
const hasDependent = new Array(n).fill(false);
for (let i = 0; i < n; i++) {
  const deps = spec.deps[i];
  for (const d of deps) hasDependent[d] = true;
  if (deps.length === 0) g.addEdge(START, `s${i}`);
  else if (deps.length === 1) g.addEdge(`s${deps[0]}`, `s${i}`);
  else g.addEdge(deps.map((d) => `s${d}`), `s${i}`);
}
for (let i = 0; i < n; i++) if (!hasDependent[i]) g.addEdge(`s${i}`, END);
const app = g.compile();
const compileMs = performance.now() - t0;

const runsMs = [];
const cpuMs = [];
for (let r = 0; r < (spec.runs || 1); r++) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const out = await app.invoke({ done: 0 }, { recursionLimit: n + 10 });
  runsMs.push(performance.now() - t);
  const used = process.cpuUsage(cpu);
  cpuMs.push((used.user + used.system) / 1000);
  if (out.done !== n) {
    console.error(`expected ${n} steps to run, saw ${out.done}`);
    process.exit(1);
  }
}
console.log(JSON.stringify({ compile_ms: compileMs, runs_ms: runsMs, cpu_ms: cpuMs }));
