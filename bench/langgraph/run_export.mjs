// Times a graph exported by `orchc export --target=langgraph` (for
// bench/bench_langgraph_export.py): `runs` invokes of the compiled graph
// through orch_runtime.mjs's run() (inputs resolved, result built), each
// checked to have completed every step. cpu_ms is the CPU time (user and
// system) of each run: on a shared machine the wall time also counts the
// time the process waited for a core.
//   node run_export.mjs EXPORT_DIR RUNS   ->  {"runs_ms": [...], "cpu_ms": [...]}
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

setMaxListeners(100000);
const [dir, runs] = process.argv.slice(2);
const { graph, pipeline } = await import(pathToFileURL(`${dir}/graph.mjs`).href);
const R = await import(pathToFileURL(`${dir}/orch_runtime.mjs`).href);
const runsMs = [];
const cpuMs = [];
for (let i = 0; i < Number(runs); i++) {
  const t = performance.now();
  const cpu = process.cpuUsage();
  const report = await R.run(graph, pipeline, {}, { runDir: dir });
  runsMs.push(performance.now() - t);
  const used = process.cpuUsage(cpu);
  cpuMs.push((used.user + used.system) / 1000);
  const done = Object.values(report.steps).filter((s) => s.status === "completed").length;
  if (report.status !== "completed" || done !== pipeline.steps.length) {
    console.error(`expected ${pipeline.steps.length} completed steps, saw ${done}`);
    process.exit(1);
  }
}
console.log(JSON.stringify({ runs_ms: runsMs, cpu_ms: cpuMs }));
