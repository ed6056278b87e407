// ---------------------------------------------------------------------------
// Template expressions (ir/Eval.cpp). orchc compiles each `{{ }}` to calls of
// these functions; every call gets the expression's source text for errors
// ("in `steps.a.output | int`: ..."). A Val is a value, or *undefined* (a
// missing name, attribute or index: an error at its first use unless
// `default` catches it), or the namespace `steps` / `inputs`.
// ---------------------------------------------------------------------------
import { FILTERS, NONE } from "./orch_filters.mjs";
import { concat, pyArithmetic, pyContains, pyEquals, pyNegate, pyOrder } from "./orch_pyops.mjs";
import {
  MAX_VALUE_BYTES, TOO_LARGE, TemplateError, asInt, chars, isList, isMap, isStr, pyStr, pyTypeName,
  truthy,
} from "./orch_values.mjs";
import { approxBytes } from "./orch_pyops.mjs";

class Val {
  constructor(v) {
    this.v = v;
    this.undef = false;
    this.why = "";
    this.space = null; // "steps" | "inputs"
    this.chain = false; // a step without a result: its fields are undefined too
    this.markup = false; // a `tojson` result (Jinja2 Markup)
  }
}
const val = (v, markup = false) => {
  const r = new Val(v);
  r.markup = markup;
  return r;
};
const undef = (why, chain = false) => {
  const r = new Val(null);
  r.undef = true;
  r.why = why;
  r.chain = chain;
  return r;
};
const fail = (src, msg) => {
  throw new TemplateError(`in \`${src}\`: ${msg}`);
};
const has = (m, k) => Object.prototype.hasOwnProperty.call(m, k);

const PY_ATTRS = {
  dict: "clear copy fromkeys get items keys pop popitem setdefault update values",
  list: "append clear copy count extend index insert pop remove reverse sort",
  str: "capitalize casefold center count encode endswith expandtabs find format format_map index " +
    "isalnum isalpha isascii isdecimal isdigit isidentifier islower isnumeric isprintable isspace " +
    "istitle isupper join ljust lower lstrip maketrans partition removeprefix removesuffix replace " +
    "rfind rindex rjust rpartition rsplit rstrip split splitlines startswith strip swapcase title " +
    "translate upper zfill",
  num: "as_integer_ratio bit_count bit_length conjugate denominator from_bytes fromhex hex imag " +
    "is_integer numerator real to_bytes",
};
const ATTR_SETS = Object.fromEntries(Object.entries(PY_ATTRS).map(([k, v]) => [k, new Set(v.split(" "))]));
function isPythonAttribute(v, name) {
  if (name.startsWith("__") && name.endsWith("__")) return true;
  if (isMap(v)) return ATTR_SETS.dict.has(name);
  if (isList(v)) return ATTR_SETS.list.has(name);
  if (isStr(v)) return ATTR_SETS.str.has(name);
  if (typeof v === "bigint" || typeof v === "number" || typeof v === "boolean") return ATTR_SETS.num.has(name);
  return false;
}

/** A literal. */
export const lit = (v) => val(v);

/** A bare name: `steps`, `inputs`, an input, or a step (short form). */
export function name(scope, id) {
  if (id === "steps" || id === "inputs") {
    const r = new Val(null);
    r.space = id;
    return r;
  }
  const i = scope.input(id);
  if (i !== undefined) return val(i);
  const s = scope.step(id);
  if (s !== undefined) return val(s);
  return undef(`\`${id}\``);
}

/** `base.attr` (byAttr) or `base[key]` / `base.0`. */
export function member(scope, src, base, key, byAttr) {
  const what = () => `\`${src}\``;
  if (base.undef) {
    if (base.chain) return base;
    fail(src, `${base.why} is undefined`);
  }
  if (base.space) {
    if (!isStr(key)) return undef(what());
    if (base.space === "steps") {
      const s = scope.step(key);
      return s !== undefined ? val(s) : undef(what(), true);
    }
    const i = scope.input(key);
    return i !== undefined ? val(i) : undef(what());
  }
  const b = base.v;
  if (isStr(key) && isPythonAttribute(b, key) && (byAttr || !isMap(b) || !has(b, key)))
    fail(src, `\`${key}\` of a Python ${pyTypeName(b)} is a method or attribute in Jinja, not supported here`);
  if (isMap(b)) {
    if (!isStr(key) || !has(b, key)) return undef(what());
    return val(b[key]);
  }
  if (isList(b) || isStr(b)) {
    const i = asInt(key);
    if (i === null) return undef(what());
    const items = isList(b) ? b : chars(b);
    const n = BigInt(items.length), at = i < 0n ? i + n : i;
    if (at < 0n || at >= n) return undef(what());
    return isList(b) ? val(items[Number(at)]) : val(items[Number(at)], base.markup);
  }
  return undef(what());
}

/** The value of a sub-expression that must be defined and not a namespace. */
export function def(src, v) {
  if (v.undef) fail(src, `${v.why} is undefined`);
  if (v.space) fail(src, "`steps` and `inputs` are not values on their own");
  return v;
}

export function not(v) {
  return val(!truthy(v.v));
}
export function neg(src, v, minus) {
  try {
    return val(pyNegate(v.v, minus));
  } catch (e) {
    if (e instanceof TemplateError) fail(src, e.message);
    throw e;
  }
}

/** `and` / `or`: the deciding operand itself; `rhs` is a thunk. */
export function and(l, rhs) {
  return !truthy(l.v) ? l : rhs();
}
export function or(l, rhs) {
  return truthy(l.v) ? l : rhs();
}

const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c]);

/** Every other binary operator. */
export function bin(src, op, l, r) {
  const x = l.v, y = r.v;
  try {
    switch (op) {
      case "~":
        return val(concat(x, y));
      case "==":
        return val(pyEquals(x, y));
      case "!=":
        return val(!pyEquals(x, y));
      case "<": case "<=": case ">": case ">=":
        return val(pyOrder(op, x, y));
      case "in":
        return val(pyContains(y, x));
      case "not in":
        return val(!pyContains(y, x));
      default:
        break;
    }
    if (op === "+" && (l.markup || r.markup) && isStr(x) && isStr(y)) {
      const a = l.markup ? x : escapeHtml(x), c = r.markup ? y : escapeHtml(y);
      if (a.length + c.length > MAX_VALUE_BYTES) fail(src, TOO_LARGE);
      return val(a + c, true);
    }
    const out = pyArithmetic(op, x, y);
    return val(out, op === "*" && isStr(out) && (l.markup || r.markup));
  } catch (e) {
    if (e instanceof TemplateError && !e.message.startsWith("in `")) fail(src, e.message);
    throw e;
  }
}

/** `[a, b]`; items are [source, Val] pairs. */
export function list(src, items) {
  const out = [];
  let bytes = 0;
  for (const [isrc, v] of items) {
    if (v.markup) fail(isrc, "a `tojson` result inside a list is not supported (Jinja prints it as `Markup(...)`)");
    bytes += approxBytes(v.v);
    if (bytes > MAX_VALUE_BYTES) fail(src, TOO_LARGE);
    out.push(v.v);
  }
  return val(out);
}

/** `base | name(args)`; args are [source, Val] pairs, already defined. */
export function filter(src, baseSrc, fname, base, args) {
  const info = Object.hasOwn(FILTERS, fname) ? FILTERS[fname] : undefined;
  if (!info) fail(src, `unknown filter \`${fname}\``);
  const [min, max, keepsMarkup, fn] = info;
  let argMarkup = false;
  for (const [asrc, a] of args) {
    if (a.markup && fname !== "default") fail(asrc, "a `tojson` result as a filter argument is not supported");
    argMarkup ||= a.markup;
  }
  const av = args.map(([, a]) => a.v);
  if (av.length < min || av.length > max)
    fail(src, `filter \`${fname}\` takes ${min} to ${max} arguments, ${av.length} given`);
  if (fname === "default") {
    const falsy = av.length > 1 && truthy(av[1]);
    if (base.undef || (falsy && !base.space && !truthy(base.v)))
      return val(av.length ? av[0] : "", argMarkup);
    if (!base.space) return base;
  }
  if (base.undef) fail(src, `${base.why} is undefined`);
  if (base.space) fail(baseSrc, "`steps` and `inputs` are not values on their own");
  let r;
  try {
    r = fn(base.v, av);
  } catch (e) {
    if (e instanceof TemplateError) fail(src, e.message);
    throw e;
  }
  if (r === NONE) return undef(`\`${src}\``);
  const m = fname === "tojson" ||
    (keepsMarkup && base.markup && isStr(r) && (fname !== "truncate" || isStr(base.v)));
  return val(r, m);
}

/** A parameter that is one placeholder: the value itself. */
export function value(src, v) {
  return def(src, v).v;
}
/** A placeholder inside text: Python's str(). */
export function str(src, v) {
  try {
    return pyStr(def(src, v).v);
  } catch (e) {
    if (e instanceof TemplateError && !e.message.startsWith("in `")) fail(src, e.message);
    throw e;
  }
}
/** Text and placeholders joined. */
export function text(parts) {
  const out = parts.join("");
  if (out.length > MAX_VALUE_BYTES) throw new TemplateError(TOO_LARGE);
  return out;
}

/** Applies filter `fname` outside templates (the `transform` action). */
export function applyFilter(fname, v, args) {
  const info = Object.hasOwn(FILTERS, fname) ? FILTERS[fname] : undefined;
  if (!info) throw new TemplateError(`unknown filter \`${fname}\``);
  const [min, max, , fn] = info;
  if (args.length < min || args.length > max)
    throw new TemplateError(`filter \`${fname}\` takes ${min} to ${max} arguments, ${args.length} given`);
  const r = fn(v, args);
  if (r === NONE) throw new TemplateError(`\`${fname}\` of an empty value`);
  return r;
}
