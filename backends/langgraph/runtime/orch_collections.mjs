// ---------------------------------------------------------------------------
// Filters that look items up by attribute or apply another filter or test,
// and `indent` (ir/FilterCollections.cpp), as the C++ evaluator runs them:
// `map`, `selectattr`, `rejectattr`, `batch`, `indent`, `dictsort`. Their results are
// lists; orch_eval.mjs marks those of map, selectattr, rejectattr and batch
// as Jinja2's generators. Rows of FILTERS (orch_filters.mjs).
// ---------------------------------------------------------------------------
import { approxBytes, pyOrder } from "./orch_pyops.mjs";
import { testNamed } from "./orch_tests.mjs";
import { list } from "./orch_itemfilters.mjs";
import {
  MAX_VALUE_BYTES, TOO_LARGE, TemplateError, asInt, chars, isList, isMap, isStr, pyLower, pyStr, pyTypeName, truthy,
} from "./orch_values.mjs";

const fail = (msg) => {
  throw new TemplateError(msg);
};
const has = (m, k) => Object.prototype.hasOwnProperty.call(m, k);
/** The filters Jinja2 answers with a generator (ir/Filters.cpp's isGeneratorFilter). */
export const GENERATOR_FILTERS = new Set(["batch", "map", "rejectattr", "selectattr", "unique"]);
const isDigits = (p) => p.length > 0 && /^[0-9]+$/.test(p);

/**
 * Jinja2's make_attrgetter: `a.b.0` looks up `a`, then `b`, then item 0
 * (digit parts are integers). undefined if a part is missing; \p dflt (if
 * not null) replaces a missing part.
 */
function attribute(item, path, dflt) {
  let parts;
  if (isStr(path)) parts = path.split(".");
  else if (asInt(path) !== null) parts = [String(asInt(path))];
  else return undefined;
  let cur = item;
  for (const p of parts) {
    let next;
    const digits = isDigits(p);
    if (isMap(cur) && !digits) {
      if (has(cur, p)) next = cur[p];
    } else if ((isList(cur) || isStr(cur)) && digits && p.length < 18) {
      const n = Number(p);
      if (isList(cur) && n < cur.length) next = cur[n];
      if (isStr(cur)) {
        const cs = chars(cur);
        if (n < cs.length) next = cs[n];
      }
    }
    if (next === undefined && dflt !== null && dflt !== undefined) next = dflt;
    if (next === undefined) return undefined;
    cur = next;
  }
  return cur;
}

/** The attribute \p path of item \p i, or the C++ evaluator's error naming it. */
function attributeOf(item, i, path, dflt = null) {
  const v = attribute(item, path, dflt);
  if (v !== undefined) return v;
  fail(`attribute \`${pyStr(path)}\` of item ${i} is undefined`);
}

/**
 * `map('filter', args...)` or `map(attribute=..., default=...)`; \p filters
 * is FILTERS, \p none the result that means undefined.
 */
export function map(v, a, filters, none) {
  const xs = list(v);
  if (a.length === 0 || a[0] === null) {
    if (a.length < 2 || a[1] === null) fail("map requires a filter argument");
    const dflt = a.length > 2 ? a[2] : null;
    return xs.map((x, i) => attributeOf(x, i, a[1], dflt));
  }
  if (!isStr(a[0])) fail("the filter's name must be a string");
  const name = a[0];
  const info = Object.hasOwn(filters, name) ? filters[name] : undefined;
  if (!info) fail(`no filter named \`${name}\``);
  if (name === "tojson" || name === "to_json")
    fail("a `tojson` result inside a list is not supported (Jinja prints it as `Markup(...)`)");
  // A result per item a list cannot hold as Jinja2 prints it.
  if (name === "dictsort" || GENERATOR_FILTERS.has(name))
    fail(`\`map('${name}')\` is not supported: Jinja2 answers each item with ` +
      `${name === "dictsort" ? "a list of Python tuples" : "a generator"}, which a list here cannot hold; ` +
      "read each item in a `{% for %}` loop");
  let rest = a.slice(1);
  while (rest.length && rest[rest.length - 1] === null) rest = rest.slice(0, -1);
  const [min, max, , fn] = info;
  if (rest.length < min || rest.length > max)
    fail(`filter \`${name}\` takes ${min} to ${max} arguments, ${rest.length} given`);
  if (name === "default") {
    // An item is a value, never undefined (null included): Jinja2's
    // `default` gives it back, or with its `boolean` flag the default in
    // place of a falsy one (ir/FilterCollections.cpp).
    const falsy = rest.length > 1 && truthy(rest[1]);
    return xs.map((x) => (falsy && !truthy(x) ? rest[0] : x));
  }
  return xs.map((x) => {
    const r = fn(x, rest);
    if (r === none) fail(`\`${name}\` of an item is undefined`);
    return r;
  });
}

/** `selectattr` (\p select) and `rejectattr`: items whose attribute passes test a[1] (a[2] its argument), or is true. */
export function selectOrReject(v, a, select) {
  const xs = list(v);
  let test = null, testName = null;
  if (a.length > 1 && a[1] !== null) {
    if (!isStr(a[1])) fail("the test's name must be a string");
    test = testNamed(a[1]);
    if (!test) fail(`no test named \`${a[1]}\``);
    testName = a[1] === "==" || a[1] === "equalto" ? "eq" : a[1];
  }
  const testArgs = a.length > 2 ? [a[2]] : [];
  if (test && (testArgs.length < test[0] || testArgs.length > test[1]))
    fail(`test \`${testName}\` takes ${test[0]} to ${test[1]} arguments, ${testArgs.length} given`);
  const out = [];
  xs.forEach((item, i) => {
    const attr = attribute(item, a[0], null);
    let pass;
    if (test && !test[2]) {
      pass = (attr !== undefined) === (testName === "defined");
    } else {
      if (attr === undefined) attributeOf(item, i, a[0]);
      pass = test ? test[2](attr, testArgs) : truthy(attr);
    }
    if (pass === select) out.push(item);
  });
  return out;
}

/** `batch(n, fill_with)`: lists of n items, the last filled. */
export function batch(v, a) {
  const xs = list(v);
  const n = asInt(a[0]);
  if (n === null) fail(`the size of \`batch\` must be an integer, not ${pyTypeName(a[0])}`);
  const fill = a.length > 1 ? a[1] : null;
  const out = [];
  let tmp = [];
  for (const x of xs) {
    if (BigInt(tmp.length) === n) {
      out.push(tmp);
      tmp = [];
    }
    tmp.push(x);
  }
  if (tmp.length) {
    if (fill !== null && BigInt(tmp.length) < n) {
      // The padding is bounded like any other built value.
      const missing = n - BigInt(tmp.length);
      const each = BigInt(Math.max(approxBytes(fill), 1));
      if (missing > BigInt(MAX_VALUE_BYTES) / each) fail(TOO_LARGE);
      while (BigInt(tmp.length) < n) tmp.push(fill);
    }
    out.push(tmp);
  }
  return out;
}

/** The line boundaries of Python's str.splitlines(). */
const BREAKS = new Set(["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]);

/** Python's str.splitlines() on code points. */
function splitLines(cs) {
  const out = [];
  let start = 0;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (!BREAKS.has(c)) continue;
    out.push(cs.slice(start, i));
    if (c === "\r" && i + 1 < cs.length && cs[i + 1] === "\n") ++i;
    start = i + 1;
  }
  if (start < cs.length) out.push(cs.slice(start));
  return out;
}

/** `indent(width, first, blank)`: lines after the first (and the first, blank ones) indented. */
export function indent(v, a) {
  if (!isStr(v)) fail(`\`indent\` needs a str, not ${pyTypeName(v)}`);
  // The indentation as text and its length in code points.
  let ind, indLen;
  if (a.length && isStr(a[0])) {
    ind = a[0];
    indLen = chars(a[0]).length;
  } else {
    const w = a.length === 0 ? 4n : asInt(a[0]);
    if (w === null) fail(`the width of \`indent\` must be an integer or a str, not ${pyTypeName(a[0])}`);
    if (w > 0n && w > BigInt(MAX_VALUE_BYTES)) fail(TOO_LARGE);
    indLen = Number(w > 0n ? w : 0n);
    ind = " ".repeat(indLen);
  }
  const first = a.length > 1 && truthy(a[1]);
  const blank = a.length > 2 && truthy(a[2]);
  const lines = splitLines([...chars(v), "\n"]);
  const out = [];
  let size = 0;
  lines.forEach((line, i) => {
    if (i) out.push("\n");
    if (i && (blank || line.length)) out.push(ind);
    out.push(line.join(""));
    size += line.length + indLen + 1;
    if (size > MAX_VALUE_BYTES) fail(TOO_LARGE);
  });
  return (first ? ind : "") + out.join("");
}

/**
 * Sorts \p items stably with ir/FilterCollections.cpp's merge sort: the
 * same comparisons in the same order, so where keys do not compare the
 * first failure, and its message, is the C++ one.
 */
function mergeSort(items, less) {
  const tmp = new Array(items.length);
  const sort = (lo, hi) => {
    if (hi - lo < 2) return;
    const mid = lo + Math.floor((hi - lo) / 2);
    sort(lo, mid);
    sort(mid, hi);
    let i = lo, j = mid, k = lo;
    while (i < mid && j < hi) tmp[k++] = less(items[j], items[i]) ? items[j++] : items[i++];
    while (i < mid) tmp[k++] = items[i++];
    while (j < hi) tmp[k++] = items[j++];
    for (k = lo; k < hi; k++) items[k] = tmp[k];
  };
  sort(0, items.length);
}

/**
 * `dictsort(case_sensitive=false, by='key', reverse=false)`: the mapping's
 * [key, value] pairs sorted by key or value (strings without case unless
 * case_sensitive). The pairs are Python tuples: orch_eval.mjs marks the
 * result, as ir/Eval.cpp does.
 */
export function dictsort(v, a) {
  if (!isMap(v)) fail(`\`dictsort\` needs a mapping, not ${pyTypeName(v)}`);
  const caseSensitive = a.length > 0 && truthy(a[0]);
  let pos = 0;
  if (a.length > 1) {
    if (a[1] === "value") pos = 1;
    else if (a[1] !== "key") fail('You can only sort by either "key" or "value"');
  }
  const reverse = a.length > 2 && truthy(a[2]);
  const items = Object.keys(v).map((k) => {
    const pair = [k, v[k]];
    const key = !caseSensitive && isStr(pair[pos]) ? pyLower(pair[pos]) : pair[pos];
    return [key, pair];
  });
  let err = null;
  mergeSort(items, (x, y) => {
    if (err) return false;
    try {
      return reverse ? pyOrder("<", y[0], x[0]) : pyOrder("<", x[0], y[0]);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      err = e;
      return false;
    }
  });
  if (err) throw err;
  return items.map((p) => p[1]);
}
