// ---------------------------------------------------------------------------
// The helper module of a graph exported by `orchc export --target=langgraph`:
// one LangGraph node a step with orchrt's semantics (docs/runtime.md §4-§5):
// conditions, skip propagation, `on_failure` policies, retries (through the
// node's retryPolicy), timeouts (an AbortSignal), and the run's result in
// orchrt's `--out` format.
// ---------------------------------------------------------------------------
import * as fs from "node:fs";
import { ACTIONS } from "./orch_actions.mjs";
import { runModelStep } from "./orch_models.mjs";
import {
  abandonRetries, admitInOrder, awaitTurn, enterBackoff, parkUntilTurn, pump, registerStep, settled, skipDependents, stopRun,
  whenIdle,
} from "./orch_failures.mjs";
import {
  acquireGroup, dropContext, newContext, onAbort, parkOnGroup, publish, runContext, takeGroup, tryGroup,
} from "./orch_schedule.mjs";
import {
  TemplateError, isFloat, isInt, isList, isMap, isStr, newMap, parseJson, toJsonText, truthy, wholeToInteger,
} from "./orch_values.mjs";

export * as E from "./orch_eval.mjs";
export { parseJson, toJsonText } from "./orch_values.mjs";
export { guardGraph } from "./orch_schedule.mjs";

/** A mapping from [key, value] pairs, keys in any order. */
export function map(pairs) {
  const m = newMap();
  for (const [k, v] of pairs) m[k] = v;
  return m;
}

/**
 * A value from outside (a LangGraph invoke, plain JSON): integral numbers
 * become ints at any depth, except for a `float` input.
 */
export function fromPlain(v, float = false) {
  if (typeof v === "number") return Number.isInteger(v) && !float ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => fromPlain(x));
  if (v !== null && typeof v === "object") return map(Object.entries(v).map(([k, x]) => [k, fromPlain(x)]));
  return v;
}

/**
 * Where templates find inputs and step results in a graph state. Inputs
 * that run() resolved are template values; others came through
 * graph.invoke and get orchrt's input rules here.
 */
export function scope(P, state, ctx = null) {
  return {
    input(name) {
      const i = P.inputIndex.get(name);
      if (i === undefined) return undefined;
      const inp = P.inputs[i];
      const v = state["input:" + name];
      if (v === undefined) return inp.default;
      if (ctx?.fromRun) return v;
      if (inp.bound)
        throw new TemplateError(`input \`${name}\` was bound when the plan was compiled; it cannot change now`);
      const x = fromPlain(v, inp.type === "float");
      if (!fits(x, inp.type)) throw new TemplateError(`input \`${name}\` must be ${describeType(inp.type)}, found ${toJsonText(x)}`);
      return x;
    },
    step(id) {
      return (ctx?.records?.get(id) ?? state["step:" + id])?.result;
    },
    // A step without a result (skipped, jumped over) reads as `steps.<id>`
    // does (ir::EvalScope::stepNamed).
    stepNamed(id) {
      return (P.stepIds ??= new Set(P.steps.map((s) => s.id))).has(id);
    },
  };
}

/** Thrown by an attempt that may be retried: the node's retryPolicy retries it. */
export class RetryableAttempt extends Error {}

const WEEK_MS = 7 * 24 * 3600 * 1000;

async function attemptAction(spec, params, ctx, timeoutMs, signal) {
  const ac = new AbortController();
  const forget = onAbort(signal, () => ac.abort());
  let timer = null;
  if (spec.builtin && !Object.hasOwn(ACTIONS, spec.action)) throw new Error(`unknown action \`${spec.action}\``);
  const run = spec.builtin ? ACTIONS[spec.action](params, ac.signal, ctx) : runModelStep(spec, params, ac.signal, ctx);
  // The step's timeout, or what is left of the pipeline's (context.timeout).
  const left = ctx.deadline ? Math.max(0, ctx.deadline - Date.now()) : null;
  const byDeadline = left !== null && (timeoutMs === null || left < timeoutMs);
  const wait = byDeadline ? left : timeoutMs;
  const timeout = wait === null ? null : new Promise((resolve) => {
    timer = setTimeout(() => {
      ac.abort();
      resolve(byDeadline ? { ok: false, retryable: false, deadline: true, error: ctx.deadlineError }
        : { ok: false, retryable: true, timedOut: true, error: `timed out after ${timeoutMs / 1000} s` });
    }, wait);
  });
  try {
    return await (timeout ? Promise.race([run, timeout]) : run);
  } catch (e) {
    if (ac.signal.aborted && timeout) return await timeout;
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    forget();
  }
}

/**
 * The LangGraph node of one step and its retry policy. `spec` is what orchc
 * emits for the step: id, action, builtin, deps, onFailure, maxRetries,
 * timeoutS, pathMs, params ([name, render] pairs, with `true` third for an integer
 * parameter of a built-in action), condition, and for
 * model steps model, modelSelected, maxTokens, paramOrder, schema. Steps
 * are made in source order.
 */
export function step(P, spec) {
  spec.registry = P.registry ?? null;
  spec.index = registerStep(P, spec);
  const key = "step:" + spec.id;
  const settle = (record, runError) => {
    const update = { [key]: record };
    if (runError) update["run:error"] = runError;
    return update;
  };
  const skipped = (error, attempts = 0) => settle({ status: "skipped", attempts, error });
  // A node waits for its own dependencies (orch_schedule.mjs; at once with
  // edges, which start it after them), as orchrt starts a step once they
  // are done; its settled record is published for its dependents.
  const root = P.wiring === "edges" && !spec.deps.length;
  const node = async (state, config) => {
    const ctx = runContext(P, config, state, root);
    // A direct invoke's context.timeout counts from its first node (not
    // for a context already dropped: an invoke aborted before it began).
    if (ctx.deadline === undefined && !ctx.dropped) ctx.disarm = armDeadline(P, ctx);
    // The step's turn in orchrt's dispatch order (orch_failures.mjs).
    const turn = { end: () => {} };
    let update;
    try {
      update = await attemptNode(state, config, ctx, turn);
    } catch (e) {
      turn.end();
      pump(P, ctx);
      // Anything but a retry ends the invoke: its context is not needed.
      if (!(e instanceof RetryableAttempt) || config?.signal?.aborted) dropContext(ctx);
      throw e;
    }
    publish(P, ctx, spec.id, update[key]);
    // Its dependents join orchrt's ready queue (readiness), before the
    // next turn begins; a slot it held is free.
    settled(P, ctx, spec, update[key]);
    turn.end();
    pump(P, ctx);
    const idle = whenIdle(ctx);
    if (idle) await idle;
    // A direct invoke's later super-steps find the context by this key.
    if (root && ctx.invokeKey !== undefined) update["run:ctx"] = ctx.invokeKey;
    return update;
  };
  const attemptNode = async (state, config, ctx, turn) => {
    const attempt = config?.executionInfo?.nodeAttempt ?? 1;
    // Under per-step readiness the node waits for its dependencies and then
    // for its turn in orchrt's ready queue (orch_failures.mjs). With edges LangGraph starts a node after its dependencies ran, so
    // their records are here unless this process did not run them: a
    // resumed thread (a checkpointer's) or a cancelled invoke's. Waiting
    // would never end; the node fails instead.
    if (P.wiring !== "edges") turn.end = await awaitTurn(P, ctx, spec, attempt, config?.signal);
    else
      for (const d of spec.deps)
        if (!ctx.records.has(d))
          throw new Error(`step \`${spec.id}\`: the result of its dependency \`${d}\` is not in this process ` +
            "(LangGraph resumed an interrupted thread, or the invoke was cancelled): an exported pipeline " +
            "cannot resume a thread; invoke the graph again with its inputs");
    // A skip or a failure that reached this step while it was pending
    // (orchrt's skipDependents, run when that step settled).
    const why = ctx.skipReasons.get(spec.id);
    if (why !== undefined) return skipped(why);
    if (attempt > 1) {
      // Waiting for this retry when a step failed the run or the
      // pipeline's time ran out: orchrt's abandonRetries and stop.
      const a = ctx.abandoned.get(spec.id);
      if (a) return settle({ status: "failed", attempts: a.attempts, error: a.error });
      ctx.backoff.delete(spec.id);
    } else if (P.wiring === "edges") {
      // A super-step's steps begin in orchrt's dispatch order.
      turn.end = await admitInOrder(ctx, spec);
    }
    const runError = ctx.runError ?? state["run:error"];
    if (runError) return skipped(`not started: ${runError}`);
    const c = scope(P, state, ctx);
    const finalFail = (error, attempts, failed) => {
      if (attempts > 1) error += ` (after ${attempts} attempts)`;
      if (spec.onFailure === "continue") {
        const result = map(Object.entries(failed ?? {}).filter(([k]) => k !== "output"));
        result.status = "failed";
        result.error = error;
        return settle({ status: "failed", attempts, error, result });
      }
      if (spec.onFailure === "skip") {
        skipDependents(P, ctx, spec.id, `dependency \`${spec.id}\` was skipped`);
        return skipped(error, attempts);
      }
      // The run fails (orchrt's finalFail, in its order): dependents are
      // skipped, then the retries waiting are abandoned.
      const runErr = `step \`${spec.id}\` failed: ${error}`;
      ctx.runError ??= runErr;
      skipDependents(P, ctx, spec.id, `dependency \`${spec.id}\` failed`);
      abandonRetries(P, ctx, `not retried: step \`${spec.id}\` failed the run`);
      return settle({ status: "failed", attempts, error }, runErr);
    };
    const rendered = (what, fn) => {
      try {
        return [fn(c), null];
      } catch (e) {
        if (e instanceof TemplateError) return [null, `${what}: ${e.message}`];
        return [null, `${what}: ${e?.message ?? String(e)}`];
      }
    };
    if (attempt === 1 && spec.condition) {
      const [cond, err] = rendered("condition", spec.condition);
      if (err) return finalFail(err, 0);
      if (!truthy(cond)) {
        skipDependents(P, ctx, spec.id, `dependency \`${spec.id}\` was skipped`);
        return skipped("condition is false");
      }
    }
    let timeoutMs = null;
    if (spec.timeoutS !== null) {
      timeoutMs = spec.timeoutS * 1000 * 2 ** (ctx.timedOut.get(spec.id) ?? 0);
      timeoutMs = Math.min(timeoutMs, WEEK_MS);
    }
    let res;
    let release = null;
    let holdsSlot = false;
    let unused = false;  // nothing started: a token taken returns to the group
    try {
      // Under readiness the group admits the attempt within its turn
      // (orchrt's admit); refused, the step parks on the group holding no
      // -j slot, and rejoins the ready queue when the group wakes it.
      if (P.wiring !== "edges")
        while (!ctx.runError && !(release = tryGroup(ctx, spec.group))) {
          turn.end();
          turn.end = await parkUntilTurn(P, ctx, spec, (wake) => parkOnGroup(ctx, spec.group, wake), config?.signal);
        }
      // With edges the group admits it within the turn if it can; else the
      // next step begins while this one waits, admitted in asking order.
      else if (!(release = takeGroup(ctx, spec.group))) {
        turn.end();
        release = await acquireGroup(ctx, spec.group, config?.signal);
      }
      // The run failed or stopped while the step was parked on its group:
      // orchrt never starts it (its final sweep: "not started"), and sends
      // no model request (review 6, finding 2).
      if (ctx.runError) {
        unused = true;
        res = { notStarted: ctx.runError };
      } else {
        // orchrt renders the parameters once the group admitted the attempt
        // (Scheduler::beginNode): one that fails to render fails the step
        // then, not while it waits for the group, and gives the slot (and
        // the token) back.
        const params = newMap();
        for (const [name, render, integer] of spec.params) {
          const [v, err] = rendered(`parameter \`${name}\``, render);
          if (err) {
            unused = true;
            res = { renderError: err };
            break;
          }
          params[name] = integer ? wholeToInteger(v) : v;  // a `number` input may feed it
        }
        if (!res) {
          // The attempt holds one of orchrt's -j slots until it ends.
          ctx.running = (ctx.running ?? 0) + 1;
          holdsSlot = true;
          // orchrt finishes the local built-in actions (`spec.local`, from
          // ir/Actions.cpp's ActionInfo::Local: echo, transform, file.read,
          // file.write, pipeline) within the step's start; for the others
          // the next step begins now.
          if (!spec.local) turn.end();
          res = await attemptAction(spec, params, ctx, timeoutMs, config?.signal);
        }
      }
    } catch (e) {
      // LangGraph's own cancellation stays an exception; anything else the
      // action throws (a NUL byte for spawn, a bug) is the step's failure,
      // never the run's crash.
      if (config?.signal?.aborted) throw e;
      res = { ok: false, retryable: false, error: `the action failed: ${e?.message ?? String(e)}` };
    } finally {
      release?.(unused);
      if (holdsSlot) ctx.running--;
    }
    if (res.renderError !== undefined) return finalFail(res.renderError, attempt);
    if (res.notStarted) return skipped(`not started: ${res.notStarted}`);
    if (res.deadline) {
      // Stopped, not failed: dependents are "not started", as in orchrt.
      stopRun(ctx, res.error);
      return settle({ status: "failed", attempts: attempt, error: res.error }, res.error);
    }
    if (res.ok) {
      const result = map(Object.entries(res.fields));
      result.status = "completed";
      return settle({ status: "completed", attempts: attempt, error: null, result });
    }
    if (spec.onFailure === "retry" && res.retryable && !ctx.runError && attempt <= spec.maxRetries) {
      if (res.timedOut) ctx.timedOut.set(spec.id, (ctx.timedOut.get(spec.id) ?? 0) + 1);
      enterBackoff(ctx, spec, res.error, attempt);
      throw new RetryableAttempt(res.error);
    }
    return finalFail(res.error, attempt, res.fields);
  };
  const retryPolicy = {
    maxAttempts: spec.onFailure === "retry" ? spec.maxRetries + 1 : 1,
    initialInterval: 250,
    backoffFactor: 2,
    maxInterval: 30000,
    jitter: false,
    logWarning: false,
    retryOn: (e) => e instanceof RetryableAttempt,
  };
  return { node, retryPolicy };
}

const TYPE_WORDS = new Map([["any", "any value"], ["null", "null"], ["bool", "a boolean"], ["int", "an integer"],
  ["float", "a number"], ["string", "a string"], ["list", "a list"], ["map", "a mapping"]]);
const describeType = (t) => TYPE_WORDS.get(t) ?? "any value";

/** Whether template value \p v is of the input type \p t (orchrt's `fits`). */
function fits(v, t) {
  switch (t) {
    case "null": return v === null;
    case "bool": return typeof v === "boolean";
    case "int": return isInt(v);
    case "float": return isInt(v) || isFloat(v);
    case "string": return isStr(v);
    case "list": return isList(v);
    case "map": return isMap(v);
    default: return true;
  }
}

/** Thrown for inputs orchrt would refuse (exit status 2); one error a line. */
export class InputError extends Error {}

/**
 * orchrt's resolveRunInputs (runtime/exec/RunInputs.cpp): \p given (a
 * mapping of template values) checked against the declared inputs (no
 * unknown names, the declared types, bound inputs unchanged) and completed
 * with defaults; \p errors holds problems found while reading them.
 */
export function resolveInputs(P, given, errors = [], prefix = "") {
  const values = new Map();
  for (const name of Object.keys(given)) {
    const i = P.inputIndex.get(name);
    if (i === undefined) {
      errors.push(`${prefix}the plan has no input \`${name}\``);
      continue;
    }
    const t = P.inputs[i].type;
    let v = given[name];
    if (t === "float" && isInt(v)) v = Number(v);
    if (!fits(v, t)) {
      errors.push(`${prefix}input \`${name}\` must be ${describeType(t)}, found ${toJsonText(v)}`);
      continue;
    }
    values.set(name, v);
  }
  const resolved = newMap();
  for (const inp of P.inputs) {
    if (inp.bound) {
      if (values.has(inp.name))
        errors.push(`input \`${inp.name}\` was bound when the plan was compiled; it cannot change now`);
      resolved[inp.name] = inp.default;
    } else if (values.has(inp.name)) resolved[inp.name] = values.get(inp.name);
    else if (inp.default !== undefined) resolved[inp.name] = inp.default;
    else if (inp.required)
      errors.push(`input \`${inp.name}\` (${describeType(inp.type)}) needs a value: pass --input ${inp.name}=... or --inputs FILE.json`);
    else resolved[inp.name] = null;
  }
  if (errors.length) throw new InputError(errors.join("\n"));
  return resolved;
}

/**
 * Starts the pipeline's `context.timeout` for run context \p ctx (none:
 * `ctx.deadline` null): when it runs out, running steps fail, the others
 * do not start. Returns the function that cancels it.
 */
function armDeadline(P, ctx) {
  ctx.deadline = null;
  if (P.timeoutS === null || P.timeoutS === undefined) return () => {};
  ctx.deadline = Date.now() + P.timeoutS * 1000;
  ctx.deadlineError = `the pipeline's timeout of ${P.timeoutS} s ran out`;
  const timer = setTimeout(() => {
    stopRun(ctx, ctx.deadlineError);
    pump(P, ctx);  // the steps left in the queue begin, to be `not started`
  }, P.timeoutS * 1000);
  timer.unref();
  return () => clearTimeout(timer);
}

/** A channel that keeps the first value written (the run's first failure). */
export const firstWins = (a, b) => a ?? b;

/** A channel's reducer that keeps the latest write (`run:ctx`: the roots' key replaces a caller's input). */
export const lastWins = (a, b) => b ?? a;

/**
 * Runs the graph once and returns orchrt's result document (docs/runtime.md
 * §7, without times and the plan hash). `inputs` are template values.
 */
export async function run(graph, P, inputs, opts = {}) {
  const runDir = fs.realpathSync(opts.runDir ?? process.cwd());
  const ctx = newContext(P, { runDir, model: opts.model ?? "", fromRun: true, deadlineError: "" });
  // orchrt's scheduling flags (main): -j, and the checkpoint strategy that
  // `--state none` (no store: nothing to wait for) or `--checkpoint` gives.
  if (opts.jobs !== undefined) ctx.jobs = opts.jobs;
  if (opts.checkpoint !== undefined) ctx.checkpoint = opts.checkpoint;
  const resolved = resolveInputs(P, inputs);
  const start = newMap();
  for (const k of Object.keys(resolved)) start["input:" + k] = resolved[k];
  const disarm = armDeadline(P, ctx);
  try {
    // The recursion limit the wiring needs, whatever a caller's defaults.
    const limits = P.wiring === "edges" && P.depth !== undefined ? { recursionLimit: P.depth + 1 } : {};
    // The steps' records are the run context's: LangGraph need not read
    // every channel back after each super-step (its `values` output).
    await graph.invoke(start, { ...limits, outputKeys: ["run:error"], configurable: { orch: ctx } });
  } finally {
    disarm();
  }
  const report = { pipeline: P.name, status: ctx.runError ? "failed" : "completed" };
  if (ctx.runError) report.error = ctx.runError;
  report.inputs = resolved;
  const steps = newMap();
  for (const s of P.steps) {
    const r = ctx.records.get(s.id) ?? { status: "skipped", attempts: 0, error: `not started: ${ctx.runError}` };
    const e = newMap();
    e.status = r.status;
    e.output = r.status === "completed" && "output" in r.result ? r.result.output : null;
    if (r.status === "completed") {
      const f = map(Object.entries(r.result).filter(([k]) => k !== "output" && k !== "status"));
      if (Object.keys(f).length) e.fields = f;
    }
    e.attempts = BigInt(r.attempts);
    e.error = r.error ?? null;
    steps[s.id] = e;
  }
  report.steps = steps;
  const outputs = newMap(), errors = newMap();
  const c = scope(P, start, ctx);
  for (const [name, render] of P.outputs) {
    try {
      outputs[name] = render(c);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      outputs[name] = null;
      errors[name] = e.message;
    }
  }
  report.outputs = outputs;
  if (Object.keys(errors).length) report.output_errors = errors;
  return report;
}

/** orchrt's `-j N` (also `-jN`, `--jobs N`): a whole number, at least 1, with orchrt's messages. */
function parseJobs(text) {
  if (!/^[0-9]+$/.test(text) || Number(text) > 0xffffffff)
    throw new Error(`for the -j option: '${text}' value invalid for uint argument!`);
  if (Number(text) < 1) throw new Error("-j must be at least 1");
  return Number(text);
}

/**
 * orchrt's `--state SPEC` (tools/orchrt/Durable.cpp, stateSpec): `none`, a
 * postgresql:// URL, a directory, or ${VAR} naming one; what orchrt refuses
 * is refused with its message. Returns the spec (the variable's value for
 * ${VAR}, never echoed).
 */
function parseState(text) {
  const where = `--state \`${text}\``;
  let s = text;
  const pg = (v) => v.startsWith("postgresql://") || v.startsWith("postgres://");
  if (s.startsWith("${") && s.endsWith("}")) {
    const name = s.slice(2, -1), v = process.env[name];
    if (!v) throw new Error(`${where}: the environment variable \`${name}\` is not set`);
    if (!pg(v) && !v.startsWith("/"))
      throw new Error(`${where}: the value of \`${name}\` is neither a postgresql:// URL nor an absolute directory`);
    s = v;
  }
  if (s.includes("://") && !pg(s))
    throw new Error(`--state: \`${s.slice(0, s.indexOf(":"))}://...\` is not a store this orchrt knows; expected a ` +
      "postgresql:// URL, `none` or ${VAR}");
  return s;
}

/** orchrt's `--checkpoint S` (checked, as orchrt does, only when the run has a store). */
function parseCheckpoint(text) {
  if (!["every_step", "adaptive", "none"].includes(text))
    throw new Error(`--checkpoint \`${text ?? ""}\`: expected \`every_step\`, \`adaptive\` or \`none\``);
  return text;
}

/**
 * orchrt's flags that run.mjs refuses (exit 2, as a bad flag), and why:
 * each would change what a run does or records in a way the exported graph
 * cannot follow, so it is refused rather than ignored.
 */
const REFUSED_FLAGS = new Map([
  ["--resume", "an exported graph keeps no run records to resume"],
  ["--state-dir", "run.mjs records nothing (--state none, or no --state, as orchrt's default store)"],
  ["--no-cache", "the export refuses `cache:` steps, so there is no cached result to bypass"],
  ["--retry-base-ms", "the graph's retry delays are LangGraph's node retryPolicy, fixed at orchrt's default 250 ms"],
  ["--models", "the graph carries the registry given when it was exported"],
  ["--max-cost-usd", "the export has no model budget"],
  ["--max-tokens", "the export has no model budget"],
  ["--on-budget", "the export has no model budget"],
  ["--events", "the export writes no event log"],
  ["--metrics", "the export serves no metrics"],
  ["--spill-threshold", "the export keeps results in memory"],
  ["--no-sandbox", "the export runs shell steps only when exported with --allow-unsandboxed-shell"],
  ["--dry-run", "not implemented by run.mjs"],
  ["--time", "run.mjs measures no load and run times"],
]);

/** run.mjs's arguments (main); throws on a bad one, with orchrt's message where orchrt has one. */
function parseArgs(P, argv) {
  const opts = {};
  let out = null, file = null, state = null, checkpoint;
  const pairs = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], next = () => argv[++i];
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    // orchrt's (LLVM's) message for a flag without its value.
    const value = () => {
      const v = inline ?? next();
      if (v === undefined) throw new Error(`for the ${flag.replace(/^--jobs$/, "-j")} option: requires a value!`);
      return v;
    };
    if (flag === "--input") pairs.push(value());
    else if (flag === "--inputs") file = value();
    else if (flag === "--model") opts.model = value();
    else if (flag === "--run-dir") opts.runDir = value();
    else if (flag === "--out") out = value();
    else if (flag === "-j" || flag === "--jobs") opts.jobs = parseJobs(value());
    else if (/^-j./.test(flag)) opts.jobs = parseJobs(flag.slice(2));
    else if (flag === "--state") state = parseState(value());
    else if (flag === "--checkpoint") checkpoint = value();
    else if (flag === "-q") continue;  // orchrt's quiet: run.mjs shows no progress anyway
    else if (flag === "--progress") {
      const v = value();
      if (!["auto", "tty", "plain", "none"].includes(v)) throw new Error(`for the --progress option: Cannot find option named '${v}'!`);
    } else if (REFUSED_FLAGS.has(flag)) throw new Error(`${flag} is not supported by an exported graph: ${REFUSED_FLAGS.get(flag)}`);
    else throw new Error(`unknown argument ${a}`);
  }
  // orchrt checks the strategy only for a run that has a store.
  if (state !== "none" && checkpoint !== undefined) parseCheckpoint(checkpoint);
  // With edges a super-step runs its whole level: a -j below the widest
  // level would have to hold steps back, which the graph cannot; refused
  // (exit 2) rather than ignored.
  if (opts.jobs !== undefined && P.wiring === "edges" && opts.jobs < P.widest)
    throw new Error(`-j ${opts.jobs} is below the ${P.widest} steps of this graph's widest level: an ` +
      "exported graph wired by edges runs a level's steps together; use -j " + P.widest + " or more");
  if (state === "none") opts.checkpoint = "none";
  else if (checkpoint !== undefined) opts.checkpoint = checkpoint;
  return { opts, out, file, pairs };
}

/**
 * `node run.mjs [--input k=v]... [--inputs FILE] [--model M] [--run-dir D]
 * [--out FILE] [-j N] [--state SPEC] [--checkpoint S]`. The last three are
 * orchrt's flags that change dispatch order or commit timing: `--state
 * none` runs as orchrt without a store (no step waits for a commit); any
 * other store behaves as orchrt's default one (run.mjs records nothing).
 */
export async function main(graph, P, argv) {
  let args;
  try {
    args = parseArgs(P, argv);
  } catch (e) {
    process.stderr.write(`run.mjs: error: ${e.message}\n`);
    process.exitCode = 2;
    return;
  }
  const { opts, out, file, pairs } = args;
  // As orchrt: the file first, then --input pairs; every problem reported.
  const given = newMap(), errors = [];
  if (file !== null) {
    let v;
    try {
      v = parseJson(fs.readFileSync(file, "utf8"));
    } catch (e) {
      errors.push(`--inputs: ${e.message}`);
    }
    if (v !== undefined && !isMap(v)) errors.push("--inputs: the file must hold a JSON object of input values");
    else if (v !== undefined) for (const k of Object.keys(v)) given[k] = v[k];
  }
  const pairErrors = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq < 0) {
      pairErrors.push(`--input \`${pair}\`: expected name=value`);
      continue;
    }
    const name = pair.slice(0, eq), text = pair.slice(eq + 1);
    const i = P.inputIndex.get(name);
    if (i === undefined) {
      pairErrors.push(`--input \`${pair}\`: the plan has no input \`${name}\``);
      continue;
    }
    const t = P.inputs[i].type;
    let v = text;
    if (t !== "string") {
      try {
        v = parseJson(text);
      } catch {
        v = t === "any" ? text : undefined;
      }
    }
    if (v === undefined || !fits(v, t)) {
      pairErrors.push(`--input \`${pair}\`: input \`${name}\` must be ${describeType(t)}`);
      continue;
    }
    given[name] = v;
  }
  let report;
  try {
    resolveInputs(P, given, [...errors.map((e) => e), ...pairErrors], file !== null ? "--inputs: " : "");
    report = await run(graph, P, given, opts);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const line of e.message.split("\n")) process.stderr.write(`run.mjs: error: ${line}\n`);
    process.exitCode = 2;
    return;
  }
  const text = toJsonText(report) + "\n";
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
  process.exitCode = report.status === "completed" ? 0 : 1;
}
