// ---------------------------------------------------------------------------
// Model steps (`generate` and every action that is not built in), through
// ChatOpenAI / ChatAnthropic, with orchrt's system and user messages byte for
// byte (runtime/actions/LlmSteps.cpp) and its provider rules
// (runtime/llm/Providers.cpp): the provider, API, base URL, key variable,
// `max_tokens` and `reasoning` from the model registry's entries orchc
// embedded, else a model whose name starts with `claude` is Anthropic's, any
// other OpenAI's; base URL and key from OPENAI_BASE_URL / OPENAI_API_KEY or
// ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY.
// ---------------------------------------------------------------------------
import crypto from "node:crypto";
import fs from "node:fs";
import { displayString, isMap, isStr, newMap, parseJson, toJsonText } from "./orch_values.mjs";

const TASK_SYSTEM =
  "You carry out one step of an automated pipeline. The user message names the " +
  "task and gives its parameters. Do the task and answer with its result only: " +
  "no preamble, no questions.";

/** [system, user] as orchrt builds them. */
export function stepPrompt(step, params) {
  if (step.action === "generate")
    return ["system" in params ? displayString(params.system) : "", "prompt" in params ? displayString(params.prompt) : ""];
  let prompt = "Task: " + step.action.replace(/[_.-]/g, " ") + "\n";
  const names = Object.keys(params);
  if (names.length) {
    prompt += "Parameters:\n";
    const order = [...step.paramOrder];
    for (const k of names.sort()) if (!order.includes(k)) order.push(k);
    for (const k of order) if (k in params) prompt += "- " + k + ": " + displayString(params[k]) + "\n";
  }
  if (step.schema) prompt += "Answer with the fields the schema asks for; later steps read them.\n";
  return [TASK_SYSTEM, prompt];
}

const env = (k) => process.env[k] ?? "";

/**
 * Retries of one request after the first, as orchrt's LLM client makes them
 * (ProviderConfig::MaxRetries, runtime/llm/Client.h) for 408, 409, 429,
 * 5xx and connection errors (LangChain's caller: all but 409) within one
 * attempt of the step, whatever its retry
 * policy (which retries the whole step on top, as in orchrt).
 */
const CLIENT_RETRIES = 4;

/** OpenAI's reasoning families (runtime/llm/Client.cpp isReasoningModel). */
function isReasoningModel(model) {
  const name = model.slice(Math.max(model.lastIndexOf("/"), model.lastIndexOf(":")) + 1).toLowerCase();
  return ["o1", "o3", "o4", "gpt-5"].some((f) => name.startsWith(f) && (name.length === f.length || "-.".includes(name[f.length])));
}

/**
 * orchrt's resolveProvider and modelSettings (runtime/llm/Providers.cpp) on
 * the registry entries orchc embedded (`registry`, or null): the API, base
 * URL, key and the model's registry settings, or {error}.
 */
export function resolveProvider(model, registry) {
  if (registry?.error) return { error: registry.error };
  const entry = registry?.models && Object.hasOwn(registry.models, model) ? registry.models[model] : {};
  let name = model.startsWith("claude") ? "anthropic" : "openai";
  if (typeof entry.provider === "string") name = entry.provider;
  const section = registry?.providers && Object.hasOwn(registry.providers, name) ? registry.providers[name] : {};
  if (section.error) return { error: section.error };
  const api = section.api || (name === "anthropic" ? "anthropic" : "openai");
  if (api !== "openai" && api !== "anthropic") return { error: `provider \`${name}\`: unknown api \`${api}\` (openai or anthropic)` };
  const prefix = api === "anthropic" ? "ANTHROPIC" : "OPENAI";
  let keyEnv = section.api_key_env || prefix + "_API_KEY";
  let baseUrl = section.base_url || env(prefix + "_BASE_URL");
  if (!baseUrl) {
    if (name !== "openai" && name !== "anthropic")
      return { error: `provider \`${name}\` of model \`${model}\` has no base URL: add \`providers.${name}.base_url\` to the registry or set ${prefix}_BASE_URL` };
    baseUrl = api === "anthropic" ? "https://api.anthropic.com" : "https://api.openai.com/v1";
  }
  const hosted = baseUrl.includes("api.openai.com") || baseUrl.includes("api.anthropic.com");
  if (!env(keyEnv)) {
    if (hosted) return { error: `model \`${model}\` is served by \`${baseUrl}\`, which needs an API key: set ${keyEnv}` };
    keyEnv = "";
  }
  if (entry.error) return { error: entry.error };
  return { name, api, baseUrl, apiKey: keyEnv ? env(keyEnv) : "", maxTokens: entry.max_tokens, reasoning: entry.reasoning };
}

async function chatModel(model, p, opts) {
  if (p.api === "anthropic") {
    const { ChatAnthropic } = await import("@langchain/anthropic");
    return new ChatAnthropic({
      model, temperature: opts.temperature, maxTokens: opts.maxTokens ?? 4096, maxRetries: CLIENT_RETRIES,
      apiKey: p.apiKey || "none", anthropicApiUrl: p.baseUrl,
    });
  }
  const { ChatOpenAI } = await import("@langchain/openai");
  // A reasoning model takes max_completion_tokens and no temperature (as orchrt sends).
  const reasoning = p.reasoning ?? isReasoningModel(model);
  return new ChatOpenAI({
    model, maxRetries: CLIENT_RETRIES,
    ...(reasoning ? { modelKwargs: opts.maxTokens ? { max_completion_tokens: opts.maxTokens } : {} }
      : { temperature: opts.temperature, maxTokens: opts.maxTokens }),
    apiKey: p.apiKey || "none",
    configuration: { baseURL: p.baseUrl },
  });
}

/**
 * Why ORCH_MODELS, set when the graph runs, cannot be honoured, or "": the
 * graph carries the registry it was exported with (orchrt reads ORCH_MODELS
 * at run time), so another registry, or the same file changed since, is an
 * error rather than silently ignored. Compared by content (SHA-256).
 */
function runTimeRegistryError(registry) {
  const path = process.env.ORCH_MODELS;
  if (!path) return "";
  if (!registry)
    return "ORCH_MODELS names a model registry, but the graph was exported without one (its providers, max_tokens and reasoning entries would be ignored); export with --models or unset it";
  // Read at each model step, as a long-running server may see it change.
  let hash = "";
  try {
    hash = crypto.createHash("sha256").update(fs.readFileSync(path)).digest("hex");
  } catch {
    // unreadable: differs from any registry
  }
  if (registry.sha256 && hash === registry.sha256) return "";
  return `ORCH_MODELS names \`${path}\`, which is not the model registry this graph was exported with (\`${registry.path}\`, as it was then); export again with it, or unset ORCH_MODELS`;
}

/**
 * The models a step asks, in order (orchrt's LlmSteps::run): its written
 * `model:` alone; else the run's --model / ORCH_MODEL alone; else the
 * compiler's choice and its fallbacks, ranked for a `ucb` step by UCB1 over
 * the run's outcomes (rankModels). `learn`: record each call's outcome.
 */
function modelsToAsk(step, ctx) {
  if (step.model && !step.modelSelected) return { models: [step.model], learn: false };
  const given = ctx.model || process.env.ORCH_MODEL || "";
  if (given) return { models: [given], learn: false };
  if (!step.model) return { models: [], learn: false };
  const models = [step.model, ...(step.fallbacks ?? [])];
  const ucb = step.ucb ?? 0;
  return ucb > 0 ? { models: rankModels(models, ucb, ctx.modelStats), learn: true } : { models, learn: false };
}

/**
 * orchrt's ModelStats::rank: untried candidates first (in the given order),
 * the others by mean reward + c * sqrt(ln N / n) (N: the calls of all the
 * candidates), highest first, ties in the given order.
 */
export function rankModels(candidates, c, stats) {
  let total = 0;
  for (const m of candidates) total += stats.get(m)?.pulls ?? 0;
  const scored = candidates.map((m, i) => {
    const arm = stats.get(m);
    const score = arm && arm.pulls > 0
      ? arm.reward / arm.pulls + c * Math.sqrt(Math.log(Math.max(total, 1)) / arm.pulls) : Infinity;
    return [score, i];
  });
  scored.sort((a, b) => (a[0] > b[0] ? -1 : a[0] < b[0] ? 1 : a[1] - b[1]));
  return scored.map(([, i]) => candidates[i]);
}

/** One call's outcome for `ucb` ranking: reward 1 when it answered. */
function recordOutcome(stats, model, ok) {
  const arm = stats.get(model) ?? { pulls: 0, reward: 0 };
  arm.pulls += 1;
  arm.reward += ok ? 1 : 0;
  stats.set(model, arm);
}

/**
 * Runs a model step; returns an action result ({ok, fields} or a failure).
 * A model that fails after its client's retries hands the attempt to the
 * next one (a request never sent, for want of a provider or for bad
 * parameters, ends it at once); when every model
 * failed, the error lists each one's (orchrt's LlmSteps::run).
 */
export async function runModelStep(step, params, signal, ctx) {
  const { models, learn } = modelsToAsk(step, ctx);
  if (!models.length)
    return { ok: false, retryable: false, error: `\`${step.action}\` is an LLM step and no model is set: pass --model or set ORCH_MODEL, and point OPENAI_BASE_URL and OPENAI_API_KEY (or ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY) at a server` };
  const registryError = runTimeRegistryError(step.registry);
  if (registryError) return { ok: false, retryable: false, error: registryError };
  let failures = "";
  for (let k = 0; k < models.length; k++) {
    const res = await askModel(step, models[k], params, signal, ctx);
    if (learn && !signal.aborted) recordOutcome(ctx.modelStats, models[k], res.ok);
    if (res.ok || !res.retryable || k + 1 === models.length) {
      if (!res.ok && failures) res.error = failures + res.error;
      return res;
    }
    // This model is failing (down, rate limited): the next eligible one.
    const prefix = `model \`${models[k]}\`: `;
    failures += (res.error.startsWith(prefix) ? "" : prefix) + res.error + "; then ";
  }
  return { ok: false, retryable: false, error: "no model to ask" };
}

/**
 * orchrt's circuit breaker of a model's client (docs/llm.md §4), per run:
 * 5 failed requests in a row (a call that failed after its client's
 * retries made CLIENT_RETRIES + 1) open it for 30 s, during which the model
 * fails at once; then one call is its trial. An answer, or a status that is
 * not retried, closes it.
 */
const BREAKER_THRESHOLD = 5, BREAKER_COOLDOWN_MS = 30000;

function breakerOf(ctx, model) {
  let b = ctx.breakers.get(model);
  if (!b) ctx.breakers.set(model, (b = { failures: 0, openUntil: 0, trial: false, problem: "" }));
  return b;
}

/**
 * Asks \p model once (its client retries within), as orchrt's LlmSteps::ask:
 * the provider, then the request's parameters, then the model's breaker,
 * then the call. A failure is retryable (by the step's policy, and on to
 * the next model) unless it was never sent: no provider, bad parameters.
 */
async function askModel(step, model, params, signal, ctx) {
  const provider = resolveProvider(model, step.registry);
  if (provider.error) return { ok: false, retryable: false, error: provider.error };
  const req = chatRequest(step, provider, params);
  if (req.error) return { ok: false, retryable: false, error: req.error };
  const breaker = breakerOf(ctx, model);
  if (breaker.openUntil) {
    if (Date.now() < breaker.openUntil || breaker.trial)
      return { ok: false, retryable: true, error: `provider \`${provider.name}\` is unavailable: circuit open after repeated failures (${breaker.problem || "earlier requests"})` };
    breaker.trial = true;  // half-open: this call is the trial
  }
  let res;
  try {
    res = await callModel(step, model, provider, req, signal);
  } finally {
    breaker.trial = false;  // a cancelled trial: the next call is the trial
  }
  // An answer, or a status the client does not retry (the service answered;
  // the request was wrong), closes the breaker; retried failures count.
  if (res.ok || !res.clientRetried) Object.assign(breaker, { failures: 0, openUntil: 0 });
  else {
    breaker.failures = breaker.openUntil ? BREAKER_THRESHOLD : breaker.failures + CLIENT_RETRIES + 1;
    breaker.problem = res.problem;
    if (breaker.failures >= BREAKER_THRESHOLD) breaker.openUntil = Date.now() + BREAKER_COOLDOWN_MS;
  }
  delete res.problem;
  delete res.clientRetried;
  return res;
}

/**
 * The request's messages and options (orchrt's chatRequestFor), or {error}
 * for a parameter orchrt refuses.
 */
function chatRequest(step, provider, params) {
  const [system, user] = stepPrompt(step, params);
  // The answer's length: a `generate` step's parameter, else the step's
  // `max_tokens:`, else the model's registry entry, else the service's.
  const opts = { temperature: 0, maxTokens: step.maxTokens ?? provider.maxTokens ?? undefined };
  if (step.action === "generate") {
    if ("max_tokens" in params) {
      const n = params.max_tokens;
      if (typeof n !== "bigint" || n < 1n || n > 1000000n)
        return { error: "parameter `max_tokens` must be an integer from 1 to 1000000" };
      opts.maxTokens = Number(n);
    }
    if ("temperature" in params) {
      const t = params.temperature;
      if (typeof t !== "number" && typeof t !== "bigint")
        return { error: "parameter `temperature` must be a number" };
      opts.temperature = Number(t);
    }
  }
  const messages = [];
  if (system) messages.push(["system", system]);
  messages.push(["human", user]);
  return { opts, messages };
}

/** One call of \p model through its LangChain chat model (which retries). */
async function callModel(step, model, provider, { opts, messages }, signal) {
  let chat = await chatModel(model, provider, opts);
  try {
    if (!step.schema) {
      const msg = await chat.invoke(messages, { signal });
      const out = newMap();
      out.output = typeof msg.content === "string" ? msg.content : msg.content.map((c) => c.text ?? "").join("");
      return { ok: true, fields: out };
    }
    const structured = chat.withStructuredOutput(step.schema.schema, {
      name: step.schema.name, strict: true, includeRaw: true,
    });
    const { raw } = await structured.invoke(messages, { signal });
    const text = raw.tool_calls?.length ? JSON.stringify(raw.tool_calls[0].args) : raw.content;
    let answer;
    try {
      answer = parseJson(typeof text === "string" ? text : JSON.stringify(text));
    } catch (e) {
      // The service answered (a refusal has no JSON): as orchrt's client,
      // the breaker is not counted against; the step may retry.
      return { ok: false, retryable: true, error: `model \`${model}\`: ${e.message}`, problem: e.message, clientRetried: false };
    }
    if (step.schema.wrapped && isMap(answer)) answer = answer.value;
    let fields = answer;
    if (!isMap(fields)) (fields = newMap()), (fields.value = answer);
    if (!isStr(fields.output)) fields.output = toJsonText(answer);
    return { ok: true, fields };
  } catch (e) {
    if (signal.aborted) throw e;
    // orchrt's client retries 408, 409, 429, 5xx and connection errors
    // (runtime/llm/Client.cpp retriableStatus); any failure of a sent
    // request is retryable for the step and the next model.
    const status = e.status ?? e.response?.status;
    return { ok: false, retryable: true, error: `model \`${model}\`: ${e.message}`, problem: e.message,
      clientRetried: status === undefined || [408, 409, 429].includes(status) || status >= 500 };
  }
}
