// ---------------------------------------------------------------------------
// Template expressions (ir/Eval.cpp). orchc compiles each `{{ }}` to calls of
// these functions; every call gets the expression's source text for errors
// ("in `steps.a.output | int`: ..."). A Val is a value, or *undefined* (a
// missing name, attribute or index: an error at its first use unless
// `default` catches it), or the namespace `steps` / `inputs`.
// ---------------------------------------------------------------------------
import { FILTERS, NONE } from "./orch_filters.mjs";
import { GENERATOR_FILTERS } from "./orch_collections.mjs";
import { testNamed } from "./orch_tests.mjs";
import { concat, pyArithmetic, pyContains, pyEquals, pyNegate, pyOrder } from "./orch_pyops.mjs";
import {
  MAX_VALUE_BYTES, TOO_LARGE, TemplateError, asInt, chars, isHugeInt, isList, isMap, isStr, newMap, pyRepr,
  pyStr, pyTypeName, truthy,
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
    this.tuple = false; // a tuple literal: only after `in` and as the argument of `is in`
    this.lenient = false; // the implicit `else` of an inline `if`: '' where printed or tested
    this.gen = false; // the result of a filter Jinja2 answers with a generator (`unique`)
    this.pairs = false; // a `dictsort` result: a list of pairs, Python tuples
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
const INT64_MAX = 9223372036854775807n;

/** Where the result of a generator filter works (ir/Eval.cpp's GeneratorOnly). */
const GENERATOR_ONLY =
  "Jinja2 answers this filter with a generator, which prints as `<generator ...>`, has no length, " +
  "items, methods or tests (other than `iterable`), is compared by identity and is used up by its " +
  "first read; read it once through `list`, `join`, `first`, `sum`, `max`, `min`, `sort`, `map`, " +
  "... or a `{% for %}`, or take `| list` first";
/** The filters that read a generator once, as Jinja2 does (ir/Eval.cpp's generatorReader). */
const GENERATOR_READERS = new Set(["batch", "default", "first", "join", "list", "map", "max", "min",
  "rejectattr", "selectattr", "sort", "sum", "unique"]);
/** Where a `dictsort` result works (ir/Eval.cpp's PairsOnly). */
const PAIRS_ONLY =
  "the pairs of `dictsort` are Python tuples, which print and join differently from lists; " +
  "unpack them in a loop: `{% for k, v in d | dictsort %}`, print them whole, or read them with " +
  "`length`, `tojson`, `list`, `map('first')`, or print one with `first`, `last` or `[i]`";
/**
 * Whether filter \p fname with arguments \p av reads a `dictsort` result as
 * Jinja2 does: as a list, or each pair through a filter that reads a tuple
 * as a list (`map('first')`); ir/Eval.cpp's pairsFilter.
 */
function pairsFilter(fname, av) {
  const each = ["count", "first", "last", "length"];
  if (fname === "map") return av.length > 0 && isStr(av[0]) && each.includes(av[0]);
  return [...each, "list", "tojson", "to_json"].includes(fname);
}
/** Refuses a value that would sit inside another one (ir/Eval.cpp's notNested). */
function notNested(src, v) {
  if (v.pairs) fail(src, PAIRS_ONLY);
  if (v.gen) fail(src, GENERATOR_ONLY);
}
/** Python's str() of \p d as Jinja2 prints it: `dictsort` pairs as tuples. */
function strOf(d) {
  const tuple = (t) => `(${t.map((x) => pyRepr(x, 1)).join(", ")}${t.length === 1 ? ",)" : ")"}`;
  let out;
  if (d.tuple && isList(d.v)) out = tuple(d.v);
  else if (d.pairs && isList(d.v)) out = `[${d.v.map(tuple).join(", ")}]`;
  else return pyStr(d.v);
  if (out.length > MAX_VALUE_BYTES) throw new TemplateError(TOO_LARGE);
  return out;
}
/** Python's truth of \p x: a generator is true even when it yields nothing. */
const truthyVal = (x) => x.gen || truthy(x.v);
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
  // A step without a result reads as `steps.<id>` does (Eval.cpp's name()).
  return undef(`\`${id}\``, !!scope.stepNamed?.(id));
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
  // A generator has no items (`g[0]` is undefined) and no attributes.
  if (base.gen) {
    if (asInt(key) !== null) return undef(what());
    fail(src, GENERATOR_ONLY);
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
    if (!isList(b)) return val(items[Number(at)], base.markup);
    const item = val(items[Number(at)]);
    item.tuple = base.pairs; // `(d | dictsort)[0]` is a tuple
    return item;
  }
  return undef(what());
}

/** `base[key]`: \p key (a Val) is evaluated before the base (\p base, a thunk), as in orchrt. */
export function at(scope, src, key, base) {
  return member(scope, src, base(), key.v, false);
}

const TUPLE_ONLY = "a tuple is supported only after `in` and as the argument of `is in`";

/**
 * The value of a sub-expression that must be defined and not a namespace
 * (nor a tuple, unless tupleOk). With loose, the implicit `else` of an
 * inline `if` reads as '' (where Jinja2 prints, concatenates or tests it).
 */
export function def(src, v, tupleOk = false, loose = false) {
  if (v.undef && v.lenient && loose) return val("");
  if (v.undef) fail(src, `${v.why} is undefined`);
  if (v.space) fail(src, "`steps` and `inputs` are not values on their own");
  if (v.tuple && !tupleOk) fail(src, TUPLE_ONLY);
  return v;
}

export function not(v) {
  return val(!truthyVal(v));
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
  return !truthyVal(l) ? l : rhs();
}
export function or(l, rhs) {
  return truthyVal(l) ? l : rhs();
}

const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c]);

/** Every other binary operator; \p lsrc and \p rsrc are the operands' sources. */
export function bin(src, op, l, r, lsrc, rsrc) {
  // A generator is compared by identity and printed as `<generator ...>`;
  // only `x in g` reads it as Jinja2 does.
  const membership = op === "in" || op === "not in";
  // Python compares tuples with lists as unequal and orders them not at
  // all: under `in`, a needle of pairs is refused; a container of pairs
  // holds no list, and its scalars are compared as usual.
  if ((l.pairs || r.pairs) && op !== "~" && (!membership || l.pairs)) fail(l.pairs ? lsrc : rsrc, PAIRS_ONLY);
  if (l.gen || (r.gen && !membership)) fail(l.gen ? lsrc : rsrc, GENERATOR_ONLY);
  const x = l.v, y = r.v;
  if (membership && r.pairs && isList(x)) return val(op === "not in");
  try {
    switch (op) {
      case "~":
        return val(l.pairs || r.pairs ? concat(strOf(l), strOf(r)) : concat(x, y));
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

/** `[a, b]`; items are [source, thunk] pairs, each evaluated and checked in turn. */
export function list(src, items) {
  const out = [];
  let bytes = 0;
  for (const [isrc, item] of items) {
    const v = item();
    notNested(isrc, v);
    if (v.markup) fail(isrc, "a `tojson` result inside a list is not supported (Jinja prints it as `Markup(...)`)");
    bytes += approxBytes(v.v);
    if (bytes > MAX_VALUE_BYTES) fail(src, TOO_LARGE);
    out.push(v.v);
  }
  return val(out);
}

/**
 * The arguments of a filter or test: `args()` gives [source, thunk]
 * pairs, each evaluated (defined) and checked in turn; `bind` places keyword arguments (orchc bound them: for each
 * position the index of the argument given, or [Jinja2's default]), or is
 * the binding's error message.
 */
function argumentValues(src, fname, isTest, args, bind) {
  let markup = false;
  const given = [];
  for (const [asrc, arg] of args()) {
    const a = arg();
    notNested(asrc, a);
    if (a.markup && (isTest || fname !== "default")) fail(asrc, "a `tojson` result as a filter argument is not supported");
    markup ||= a.markup;
    given.push(a.v);
  }
  if (bind === undefined || bind === null) return [given, markup];
  if (typeof bind === "string") fail(src, bind);
  return [bind.map((slot) => (typeof slot === "number" ? given[slot] : slot[0])), markup];
}

/** `base | name(args)`; see argumentValues for args and bind. */
export function filter(src, baseSrc, fname, base, args, bind) {
  const info = Object.hasOwn(FILTERS, fname) ? FILTERS[fname] : undefined;
  if (!info) fail(src, `unknown filter \`${fname}\``);
  const [min, max, keepsMarkup, fn] = info;
  if (base.tuple) fail(baseSrc, TUPLE_ONLY);
  const [av, argMarkup] = argumentValues(src, fname, false, args, bind);
  if (base.pairs && !pairsFilter(fname, av)) fail(baseSrc, PAIRS_ONLY);
  if (base.gen && !GENERATOR_READERS.has(fname)) fail(baseSrc, GENERATOR_ONLY);
  if (av.length < min || av.length > max)
    fail(src, `filter \`${fname}\` takes ${min} to ${max} arguments, ${av.length} given`);
  if (fname === "default") {
    const falsy = av.length > 1 && truthy(av[1]);
    if (base.undef || (falsy && !base.space && !truthyVal(base)))
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
  const m = fname === "tojson" || fname === "to_json" ||
    (keepsMarkup && base.markup && isStr(r) && (fname !== "truncate" || isStr(base.v)));
  const out = val(r, m);
  out.gen = GENERATOR_FILTERS.has(fname);
  out.pairs = fname === "dictsort" || (base.pairs && fname === "list");
  out.tuple = base.pairs && (fname === "first" || fname === "last");
  return out;
}

/** `base is [not] name(args)`; see argumentValues for args and bind. */
export function test(src, baseSrc, tname, negate, base, args, bind) {
  const info = testNamed(tname);
  if (!info) fail(src, `unknown test \`${tname}\``);
  const [min, max, fn] = info;
  const answer = (b) => val(b !== negate);
  if (!fn) return answer(tname === "defined" ? !base.undef : base.undef);
  if (base.undef) fail(src, `${base.why} is undefined`);
  if (base.space) fail(baseSrc, "`steps` and `inputs` are not values on their own");
  if (base.tuple) fail(baseSrc, TUPLE_ONLY);
  // Jinja2 tests the generator object itself.
  if (base.gen && tname !== "iterable") fail(baseSrc, GENERATOR_ONLY);
  // `[('a', 1)]` is not equal to `[['a', 1]]` in Python.
  if (base.pairs && info[3]) fail(baseSrc, PAIRS_ONLY);
  const [av] = argumentValues(src, tname, true, args, bind);
  if (av.length < min || av.length > max)
    fail(src, `test \`${tname}\` takes ${min} to ${max} arguments, ${av.length} given`);
  try {
    return answer(fn(base.v, av));
  } catch (e) {
    if (e instanceof TemplateError) fail(src, e.message);
    throw e;
  }
}

/** `a if c else b`: the branches are thunks, `no` null without `else`. */
export function cond(src, yes, c, no) {
  if (truthyVal(c)) return yes();
  if (no) return no();
  const u = undef(`\`${src}\` (an inline \`if\` without \`else\`, when false)`);
  u.lenient = true;
  return u;
}

/** `{k: v, ...}`: entries are [keySource, key thunk, valueSource, value thunk]. */
export function dict(src, entries) {
  const m = newMap();
  let bytes = 0;
  for (const [ksrc, k, vsrc, v] of entries) {
    const key = k().v;
    if (!isStr(key)) fail(ksrc, `a mapping's key must be a string here, not ${pyTypeName(key)}`);
    const x = v();
    notNested(vsrc, x);
    if (x.markup) fail(vsrc, "a `tojson` result inside a mapping is not supported (Jinja prints it as `Markup(...)`)");
    bytes += approxBytes(key) + approxBytes(x.v);
    if (bytes > MAX_VALUE_BYTES) fail(src, TOO_LARGE);
    // Python: a repeated key keeps its first place and its last value.
    m[key] = x.v;
  }
  return val(m);
}

/** `(a, b)`: items are [source, thunk] pairs; a tuple acts as a list after `in`. */
export function tuple(src, items) {
  const out = [];
  let bytes = 0;
  for (const [isrc, item] of items) {
    const x = item();
    notNested(isrc, x);
    if (x.markup) fail(isrc, "a `tojson` result inside a tuple is not supported");
    bytes += approxBytes(x.v);
    if (bytes > MAX_VALUE_BYTES) fail(src, TOO_LARGE);
    out.push(x.v);
  }
  const r = val(out);
  r.tuple = true;
  return r;
}

/**
 * Python's `base[lo:hi:step]` of a str (code points) or list; bounds are
 * [source, thunk] or null, each evaluated and checked in turn after the
 * base; \p baseSrc is the base's source.
 */
export function slice(src, base, bounds, baseSrc) {
  // Jinja2's generator is not subscriptable.
  if (base.gen) fail(baseSrc, GENERATOR_ONLY);
  const b = base.v;
  const bound = bounds.map((p) => {
    if (!p) return null;
    const v = p[1]().v;
    if (v === null) return null;
    const x = asInt(v);
    if (x !== null) return x;
    if (isHugeInt(v)) fail(p[0], "the slice index is too large");
    fail(p[0], "slice indices must be integers or None or have an __index__ method");
  });
  if (!isStr(b) && !isList(b))
    fail(src, isMap(b) ? "unhashable type: 'slice'" : `'${pyTypeName(b)}' object is not subscriptable`);
  let step = bound[2] ?? 1n;
  if (step === 0n) fail(src, "slice step cannot be zero");
  if (step < -INT64_MAX) step = -INT64_MAX;
  const items = isStr(b) ? chars(b) : b;
  const len = BigInt(items.length);
  // CPython's PySlice_AdjustIndices.
  const adjust = (x, isStart) => {
    if (x === null) return step < 0n ? (isStart ? len - 1n : -1n) : isStart ? 0n : len;
    if (x < 0n) {
      x += len;
      if (x < 0n) x = step < 0n ? -1n : 0n;
    } else if (x >= len) x = step < 0n ? len - 1n : len;
    return x;
  };
  const start = adjust(bound[0], true), stop = adjust(bound[1], false);
  const picks = [];
  if (step > 0n) for (let i = start; i < stop; i += step) picks.push(items[Number(i)]);
  else for (let i = start; i > stop; i += step) picks.push(items[Number(i)]);
  if (isStr(b)) return val(picks.join(""), base.markup);
  const r = val(picks);
  r.pairs = base.pairs; // a slice of a list of tuples
  return r;
}

/** A parameter that is one placeholder: the value itself. */
export function value(src, v) {
  return def(src, v, false, true).v;
}
/** A placeholder inside text: Python's str(). */
export function str(src, v) {
  // A tuple prints as Python prints it (only a `dictsort` pair reaches here).
  const d = def(src, v, true, true);
  if (d.gen) fail(src, GENERATOR_ONLY);
  try {
    return strOf(d);
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
