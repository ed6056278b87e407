// Unit tests of orch_models.mjs: resolveProvider on embedded registry
// entries (orchrt's provider rules and messages, runtime/llm/Providers.cpp)
// and rankModels (orchrt's ModelStats::rank, the cases of LlmStepsTest.cpp).
// Run by ctest `langgraph-models`; exits 1 on a failure.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { rankModels, resolveProvider, runModelStep } from "../../backends/langgraph/runtime/orch_models.mjs";

for (const k of ["OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "HOUSE_KEY"])
  delete process.env[k];
const registry = {
  path: "m.yaml",
  models: { "house-model": { provider: "house", max_tokens: 321, reasoning: true }, far: { provider: "far" },
    odd: { provider: "odd" }, bad: { error: "model registry `m.yaml`: `models.bad.max_tokens` must be an integer from 1 to 1000000" } },
  providers: { house: { api: "anthropic", base_url: "http://127.0.0.1:9/", api_key_env: "HOUSE_KEY" },
    odd: { api: "grpc", base_url: "http://x" }, broken: { error: "model registry `m.yaml`: `providers.broken` must be a mapping" } },
};
let failures = 0;
function test(name, fn) {
  try {
    fn();
    console.log(`ok ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack}`);
  }
}

test("a registry entry names the provider, its API, URL and settings", () => {
  process.env.HOUSE_KEY = "k1";
  const p = resolveProvider("house-model", registry);
  assert.deepEqual(p, { name: "house", api: "anthropic", baseUrl: "http://127.0.0.1:9/", apiKey: "k1", maxTokens: 321, reasoning: true });
  delete process.env.HOUSE_KEY;
  assert.equal(resolveProvider("house-model", registry).apiKey, "", "a local server needs no key");
});

test("without an entry: claude* is Anthropic's, others OpenAI's, hosted ones need a key", () => {
  assert.equal(resolveProvider("claude-x", null).error,
    "model `claude-x` is served by `https://api.anthropic.com`, which needs an API key: set ANTHROPIC_API_KEY");
  process.env.OPENAI_BASE_URL = "http://127.0.0.1:1/v1";
  const p = resolveProvider("gpt-4o", registry);
  assert.equal(p.api, "openai");
  assert.equal(p.baseUrl, "http://127.0.0.1:1/v1");
  delete process.env.OPENAI_BASE_URL;
});

test("orchrt's errors: no base URL, unknown api, refused entries", () => {
  assert.equal(resolveProvider("far", registry).error,
    "provider `far` of model `far` has no base URL: add `providers.far.base_url` to the registry or set OPENAI_BASE_URL");
  assert.equal(resolveProvider("odd", registry).error, "provider `odd`: unknown api `grpc` (openai or anthropic)");
  process.env.OPENAI_API_KEY = "k";
  assert.match(resolveProvider("bad", registry).error, /models\.bad\.max_tokens/);
  delete process.env.OPENAI_API_KEY;
  assert.equal(resolveProvider("x", { path: "m.yaml", error: "model registry `m.yaml`: bad" }).error, "model registry `m.yaml`: bad");
  assert.match(resolveProvider("y", { ...registry, models: { y: { provider: "broken" } } }).error, /providers\.broken/);
});

test("ucb ranking: untried first, then the upper confidence bound, ties in order", () => {
  const stats = new Map();
  const record = (m, ok) => {
    const a = stats.get(m) ?? { pulls: 0, reward: 0 };
    stats.set(m, { pulls: a.pulls + 1, reward: a.reward + (ok ? 1 : 0) });
  };
  assert.deepEqual(rankModels(["a", "b"], 2, stats), ["a", "b"]);
  for (let i = 0; i < 10; i++) record("a", i % 2 === 0);  // mean 0.5, 10 pulls
  assert.deepEqual(rankModels(["a", "b"], 2, stats), ["b", "a"], "b untried");
  record("b", true);  // mean 1.0, 1 pull: also the wider bound
  assert.deepEqual(rankModels(["a", "b"], 2, stats), ["b", "a"]);
  for (let i = 0; i < 30; i++) record("b", false);  // b now mostly fails
  assert.deepEqual(rankModels(["a", "b"], 0.1, stats), ["a", "b"]);
  record("c", true);
  record("d", true);
  assert.deepEqual(rankModels(["d", "c"], 2, stats), ["d", "c"], "equal scores keep their order");
});

// ORCH_MODELS at run time must be the registry the graph carries (by
// content): another file, a changed one or none at export is an error
// before any request, never silently the embedded entries.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "orch-models-test-"));
const file = path.join(dir, "m.yaml");
fs.writeFileSync(file, "models: {}\n");
const sha = crypto.createHash("sha256").update("models: {}\n").digest("hex");
const step = (registry) => ({ action: "generate", model: "m", modelSelected: false, registry, paramOrder: [] });
const ask = (registry) => runModelStep(step(registry), {}, new AbortController().signal, { model: "", modelStats: new Map(), breakers: new Map() });
process.env.ORCH_MODELS = file;
const same = await ask({ path: file, sha256: sha, models: {}, providers: {} });
const changed = await ask({ path: file, sha256: "0".repeat(64), models: {}, providers: {} });
const none = await ask(null);
process.env.ORCH_MODELS = path.join(dir, "missing.yaml");
const missing = await ask({ path: file, sha256: sha, models: {}, providers: {} });
delete process.env.ORCH_MODELS;
fs.rmSync(dir, { recursive: true });
test("ORCH_MODELS at run time is the exported registry, or an error", () => {
  assert.doesNotMatch(same.error ?? "", /ORCH_MODELS/, "the same registry: asked (no server here, so another error)");
  assert.match(changed.error, /^ORCH_MODELS names `.*m\.yaml`, which is not the model registry this graph was exported with/);
  assert.match(none.error, /^ORCH_MODELS names a model registry, but the graph was exported without one/);
  assert.match(missing.error, /missing\.yaml`, which is not the model registry/);
});

process.exitCode = failures ? 1 : 0;
