// Evaluates compiled template expressions with the LangGraph runtime (for
// js_differential.py): reads JSON lines {"js": CODE, "inputs": JSON-TEXT} and
// writes {"ok": true, "out": TEXT} or {"ok": false, "error": MESSAGE}.
//   node js_eval.mjs RUNTIME_DIR < cases
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
const R = await import(pathToFileURL(`${dir}/orch_runtime.mjs`).href);
const { TemplateError } = await import(pathToFileURL(`${dir}/orch_values.mjs`).href);
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (!line) continue;
  const { js, inputs } = JSON.parse(line);
  const values = R.parseJson(inputs);
  const scope = { input: (n) => (Object.prototype.hasOwnProperty.call(values, n) ? values[n] : undefined), step: () => undefined };
  try {
    const f = new Function("E", "R", "c", `return ${js};`);
    out.push(JSON.stringify({ ok: true, out: f(R.E, R, scope) }));
  } catch (e) {
    if (!(e instanceof TemplateError)) out.push(JSON.stringify({ ok: false, error: `CRASH ${e.stack}` }));
    else out.push(JSON.stringify({ ok: false, error: e.message }));
  }
}
process.stdout.write(out.join("\n") + "\n");
