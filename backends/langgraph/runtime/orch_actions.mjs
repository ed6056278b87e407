// ---------------------------------------------------------------------------
// The built-in actions, as orchrt runs them (runtime/actions): the same
// parameters, result fields, messages and confinement rules. An action gets
// its rendered parameters and an AbortSignal (the step's timeout) and
// returns {ok, fields, error, retryable}.
// ---------------------------------------------------------------------------
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { applyFilter } from "./orch_eval.mjs";
import { confinePath, openBeneath, openProblem, systemMessage } from "./orch_files.mjs";
import { pyEquals, pyOrder } from "./orch_pyops.mjs";
import { displayString, isList, isMap, isStr, keys, newMap, parseJson, toJsonText, truthy } from "./orch_values.mjs";

const ok = (fields) => ({ ok: true, fields });
const failure = (error, retryable = true, fields = null) => ({ ok: false, error, retryable, fields });
const MAX_SLEEP_MS = 86400000n;
const MAX_READ_BYTES = 256 * 1024 * 1024;

function stringParam(p, name) {
  const v = p[name];
  if (v === undefined || v === null) return [null, `parameter \`${name}\` is missing`];
  if (isList(v) || isMap(v)) return [null, `parameter \`${name}\` must be text, found ${toJsonText(v)}`];
  return [displayString(v), null];
}
const withOutput = (v) => {
  const m = newMap();
  m.output = displayString(v);
  m.value = v;
  return m;
};
const fields = (o) => Object.assign(newMap(), o);

function echo(p) {
  if (!("message" in p)) return failure("parameter `message` is missing", false);
  const strip = p.strip === undefined || p.strip === null ? false : p.strip;
  if (typeof strip !== "boolean") return failure("parameter `strip` must be true or false", false);
  // As orchrt: Python's str.strip(), the `trim` filter's.
  const text = displayString(p.message);
  return ok(fields({ output: strip ? applyFilter("trim", text, []) : text }));
}

/** A sub-pipeline call's inputs and outputs (ir/Actions.cpp `pipeline`). */
function pipeline(p) {
  const inputs = p.inputs ?? newMap();
  const outputs = p.outputs ?? newMap();
  return ok(fields({ inputs, outputs, output: displayString(outputs) }));
}

function sleep(p, signal) {
  const ms = p.ms;
  if (typeof ms !== "bigint" || ms < 0n || ms > MAX_SLEEP_MS)
    return failure(`parameter \`ms\` must be an integer from 0 to ${MAX_SLEEP_MS}`, false);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(ok(fields({ output: "", slept_ms: ms }))), Number(ms));
    signal.addEventListener("abort", () => clearTimeout(t), { once: true });
  });
}

/** The order of nlohmann's operator< on JSON values (transform `sort`). */
function jsonLess(a, b) {
  const rank = (v) => (v === null ? 0 : typeof v === "boolean" ? 1 : typeof v === "bigint" || typeof v === "number" ? 2
    : isMap(v) ? 3 : isList(v) ? 4 : 5);
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra < rb;
  if (ra === 2) return pyOrder("<", a, b);
  if (ra === 1) return a < b;
  if (ra === 5) return pyOrder("<", a, b);
  if (ra === 4) {
    for (let i = 0; i < a.length && i < b.length; i++) {
      if (jsonLess(a[i], b[i])) return true;
      if (jsonLess(b[i], a[i])) return false;
    }
    return a.length < b.length;
  }
  return toJsonText(a) < toJsonText(b);
}

function transform(p) {
  if (!("input" in p)) return failure("parameter `input` is missing", false);
  const seed = !("op" in p) && "transformation" in p;
  const [opName, err] = stringParam(p, seed ? "transformation" : "op");
  if (err) return failure(err, false);
  // Own names only: `constructor` or `__proto__` must not reach Object.prototype.
  const op = new Map([["lowercase", "lower"], ["uppercase", "upper"]]).get(opName) ?? opName;
  let args = [];
  if (p.args !== undefined && p.args !== null) {
    if (!isList(p.args)) return failure("parameter `args` must be a list", false);
    args = p.args;
  }
  const v = p.input;
  if (op === "parse_json") {
    try {
      return ok(withOutput(parseJson(displayString(v))));
    } catch {
      return failure("`parse_json`: the input is not valid JSON", false);
    }
  }
  if (op === "split") {
    const s = displayString(v), sep = args.length ? displayString(args[0]) : "\n";
    if (sep === "") return failure("`split`: the separator is empty", false);
    return ok(withOutput(s.split(sep)));
  }
  if (op === "keys" || op === "values") {
    if (!isMap(v)) return failure(`\`${op}\` needs a mapping input`, false);
    return ok(withOutput(keys(v).map((k) => (op === "keys" ? k : v[k]))));
  }
  if (op === "sort" || op === "unique" || op === "reverse") {
    if (!isList(v)) return failure(`\`${op}\` needs a list input`, false);
    let items = [...v];
    if (op === "reverse") items.reverse();
    else if (op === "sort") items.sort((a, b) => (jsonLess(a, b) ? -1 : jsonLess(b, a) ? 1 : 0));
    // Python's equality, as orchrt: 1 and 1.0 are one item.
    else items = items.filter((x, i) => items.findIndex((y) => pyEquals(y, x)) === i);
    return ok(withOutput(items));
  }
  if (op === "get") {
    if (!args.length) return failure("`get` needs a path argument", false);
    let cur = v;
    for (const part of displayString(args[0]).split(".").filter((s) => s !== "")) {
      if (isList(cur) && /^[0-9]+$/.test(part) && Number(part) < cur.length) cur = cur[Number(part)];
      else if (isMap(cur) && Object.prototype.hasOwnProperty.call(cur, part)) cur = cur[part];
      else return failure(`\`get\`: no \`${part}\` in ${toJsonText(cur).slice(0, 80)}`, false);
    }
    return ok(withOutput(cur));
  }
  try {
    return ok(withOutput(applyFilter(op, v, args)));
  } catch (e) {
    return failure(e.message, false);
  }
}

function fileRead(p, signal, ctx) {
  const [file, err] = stringParam(p, "path");
  if (err) return failure(err, false);
  let root, rel;
  try {
    [root, rel] = confinePath(ctx.runDir, file);
  } catch (e) {
    return failure(e.message, false);
  }
  // orchrt's openBeneath refuses the run directory itself, and words a
  // failed open as the system does.
  if (rel === "") return failure(`cannot read \`${file}\` is the run directory`, false);
  let fd;
  try {
    fd = openBeneath(root, rel, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    return failure(`cannot read ${openProblem(file, e)}`, false);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return failure(`\`${file}\` is not a regular file`, false);
    if (st.size > MAX_READ_BYTES)
      return failure(`\`${file}\` is ${st.size} bytes; the limit is ${MAX_READ_BYTES}`, false);
    let text;
    try {
      text = fs.readFileSync(fd);
    } catch (e) {
      return failure(`cannot read \`${file}\`: ${systemMessage(e)}`, false);
    }
    return ok(fields({ output: text.toString("utf8"), bytes: BigInt(text.length) }));
  } finally {
    fs.closeSync(fd);
  }
}

function fileWrite(p, signal, ctx) {
  const [file, err] = stringParam(p, "path");
  if (err) return failure(err, false);
  if (!("content" in p)) return failure("parameter `content` is missing", false);
  const append = "append" in p && truthy(p.append);
  let root, rel;
  try {
    [root, rel] = confinePath(ctx.runDir, file);
  } catch (e) {
    return failure(e.message, false);
  }
  const text = Buffer.from(displayString(p.content), "utf8");
  const c = fs.constants;
  if (rel === "") return failure(`cannot write \`${file}\` is the run directory`, false);
  let fd;
  try {
    fd = openBeneath(root, rel, c.O_WRONLY | c.O_CREAT | c.O_NONBLOCK | c.O_NOCTTY |
      (append ? c.O_APPEND : c.O_TRUNC), 0o644, true);
  } catch (e) {
    return failure(`cannot write ${openProblem(file, e)}`, false);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return failure(`\`${file}\` is not a regular file`, false);
    try {
      fs.writeSync(fd, text);
    } catch (e) {
      return failure(`cannot write \`${file}\`: ${systemMessage(e)}`, false);
    }
  } finally {
    fs.closeSync(fd);
  }
  return ok(fields({ output: file, bytes: BigInt(text.length) }));
}

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
function httpTextProblem(text, isName) {
  if (text.includes("\r")) return "a carriage return (CR)";
  if (text.includes("\n")) return "a line feed (LF)";
  if (text.includes("\0")) return "a NUL byte";
  if (isName && !TOKEN.test(text)) return "a character that is not allowed in a header name";
  return "";
}

async function httpRequest(p, signal) {
  let method = "GET";
  if (p.method !== undefined && p.method !== null) {
    if (!isStr(p.method)) return failure("parameter `method` must be a string", false);
    method = p.method;
  }
  if (!HTTP_METHODS.includes(method))
    return failure(`unknown HTTP method \`${method}\`; expected GET, POST, PUT, PATCH, DELETE or HEAD`, false);
  const url = p.url !== undefined && !isList(p.url) && !isMap(p.url) ? displayString(p.url) : "";
  if (!url.startsWith("http://") && !url.startsWith("https://"))
    return failure("parameter `url` must be an http:// or https:// URL", false);
  const headers = [];
  if (isMap(p.headers)) for (const k of keys(p.headers)) headers.push([k, displayString(p.headers[k])]);
  let why = httpTextProblem(url, false);
  if (why) return failure(`parameter \`url\` contains ${why}; an HTTP request cannot carry it`, false);
  for (const [k, v] of headers) {
    if ((why = httpTextProblem(k, true)))
      return failure(`header name ${toJsonText(k)} contains ${why}; an HTTP request cannot carry it`, false);
    if ((why = httpTextProblem(v, false)))
      return failure(`the value of header \`${k}\` contains ${why}; an HTTP request cannot carry it`, false);
  }
  let body;
  if (p.body !== undefined && p.body !== null) {
    body = isStr(p.body) ? p.body : toJsonText(p.body);
    if (!isStr(p.body)) headers.push(["Content-Type", "application/json"]);
  }
  let resp, text;
  try {
    resp = await fetch(url, { method, headers, body, signal, redirect: "manual" });
    text = await resp.text();
  } catch (e) {
    if (signal.aborted) throw e;
    return failure(`HTTP request failed: ${e.cause?.message ?? e.message}`);
  }
  const h = newMap();
  resp.headers.forEach((v, k) => (h[k.toLowerCase()] = v));
  let parsed = null;
  try {
    parsed = parseJson(text);
  } catch {
    parsed = null;
  }
  const status = BigInt(resp.status);
  const failOnStatus = truthy(p.fail_on_status === undefined ? true : p.fail_on_status);
  if (failOnStatus && resp.status >= 400)
    return failure(`HTTP ${resp.status}: ${Buffer.from(text).subarray(0, 200).toString()}`,
      resp.status === 429 || resp.status >= 500, fields({ status_code: status, headers: h, json: parsed }));
  return ok(fields({ output: text, status_code: status, headers: h, json: parsed }));
}

/**
 * `shell`, without orchrt's sandbox (bwrap, seccomp, cgroup): orchc exports a
 * shell step only when asked to (docs/backends/langgraph.md). The command
 * string is the one orchrt runs (non-constant values already quoted); the
 * environment is PATH, HOME and LANG plus the step's `env`, never secrets.
 */
/** ir::envNameProblem: why \p name may not be set, or "". */
const UNSAFE_ENV = new Set(["BASH_ENV", "ENV", "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES",
  "HOSTALIASES", "LOCALDOMAIN", "LOCPATH", "MALLOC_TRACE", "NIS_PATH", "NLSPATH", "RES_OPTIONS",
  "RESOLV_HOST_CONF"]);
export function envNameProblem(name) {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return `\`${name}\` is not a variable name (letters, digits and \`_\`, not starting with a digit)`;
  if (name.startsWith("LD_") || UNSAFE_ENV.has(name))
    return `\`${name}\` makes the loader or the C library load code or data: it may not be set`;
  return "";
}

function shell(p, signal, ctx) {
  // As orchrt (runtime/actions/Shell.cpp): scalars print, lists and mappings do not.
  const c = p.command;
  const command = c === undefined || c === null || Array.isArray(c) || isMap(c) ? "" : displayString(c);
  if (!command) return failure("parameter `command` must be a non-empty string", false);
  const rd = p.run_dir;
  if (rd !== undefined && rd !== null) {
    if (!isStr(rd)) return failure("parameter `run_dir` must be none, read or write", false);
    if (rd !== "none" && rd !== "read" && rd !== "write")
      return failure(`parameter \`run_dir\` must be \`none\`, \`read\` or \`write\`, found \`${rd}\``, false);
  }
  const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: ctx.runDir, LANG: "C.UTF-8" };
  if (isMap(p.env))
    for (const k of keys(p.env)) {
      const why = envNameProblem(k);
      if (why) return failure("env: cannot set " + why, false);
      // The environment block is C strings: orchrt's value ends at a NUL.
      env[k] = displayString(p.env[k]).split("\0")[0];
    }
  const stdin = p.stdin === undefined || p.stdin === null ? "" : displayString(p.stdin);
  // orchrt's default: a private work directory, removed afterwards.
  const shared = rd === "read" || rd === "write";
  const runDir = shared ? ctx.runDir : ctx.workDir();
  const done = (r) => {
    if (!shared) fs.rmSync(runDir, { recursive: true, force: true });
    return r;
  };
  return new Promise((settle) => {
    const resolve = (r) => settle(done(r));
    let child;
    try {
      child = spawn("/bin/sh", ["-c", command], { cwd: runDir, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    } catch (e) {
      // A NUL byte in the command or the environment, for one.
      return resolve(failure(`cannot start the command: ${e.message}`, false));
    }
    const out = [], err = [];
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.stdin.end(stdin);
    child.stdin.on("error", () => {});
    const kill = () => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    };
    signal.addEventListener("abort", kill, { once: true });
    child.on("error", (e) => resolve(failure(`cannot start the command: ${e.message}`)));
    child.on("close", (code, sig) => {
      signal.removeEventListener("abort", kill);
      kill(); // whatever it left running ends with it
      const stdout = Buffer.concat(out).toString("utf8"), stderr = Buffer.concat(err).toString("utf8");
      // As orchrt: the command as it reached /bin/sh.
      if (code === 0) {
        return resolve(ok(fields({ output: stdout.endsWith("\n") ? stdout.slice(0, -1) : stdout,
          stdout, stderr, exit_code: 0n, command })));
      }
      const trimmed = stderr.replace(/[ \t\n\v\f\r]+$/, "");
      const tail = trimmed.slice(trimmed.lastIndexOf("\n") + 1);
      const signo = sig ? ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGSEGV: 11, SIGABRT: 6 }[sig] ?? 0) : 0;
      let why = code !== null ? `command exited with status ${code}` : `command was killed by signal ${signo}`;
      if (tail) why += ": " + tail;
      resolve(failure(why, true, fields({ stdout, stderr, exit_code: BigInt(code ?? 128 + signo),
        command })));
    });
  });
}

/** Built-in action name -> implementation (the rows of ir/Actions.cpp). */
export const ACTIONS = {
  echo,
  "file.read": fileRead,
  "file.write": fileWrite,
  "http.request": httpRequest,
  pipeline,
  shell,
  sleep,
  transform,
};
export { failure, ok, pyEquals };
