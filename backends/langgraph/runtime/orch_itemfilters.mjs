// ---------------------------------------------------------------------------
// Filters over the items of a value (ir/FilterImpls.cpp): `list`, `sum`,
// `min`, `max`, `unique`, and the extensions `basename`, `dirname`,
// `center`, `slugify`, `from_json`, as the C++ evaluator runs them. Rows of
// FILTERS (orch_filters.mjs).
// ---------------------------------------------------------------------------
import { pyArithmetic, pyOrder } from "./orch_pyops.mjs";
import {
  MAX_VALUE_BYTES, TOO_LARGE, TemplateError, asInt, chars, floatRepr, isFloat,
  isHugeInt, isList, isMap, isStr, parseJson, pyLower, pyStr, pyTypeName, truthy,
} from "./orch_values.mjs";

const fail = (msg) => {
  throw new TemplateError(msg);
};
const text = (s) => {
  if (Buffer.byteLength(s) > MAX_VALUE_BYTES) fail(TOO_LARGE);
  return s;
};

/** What a Python for loop sees: a list's items, a string's characters, a mapping's keys. */
export function list(v) {
  if (isList(v)) return v;
  if (isStr(v)) return chars(v);
  if (isMap(v)) return Object.keys(v);
  fail(`'${pyTypeName(v)}' object is not iterable`);
}

/** Jinja2's ignore_case: strings compare lower-cased unless case_sensitive. */
const sortKey = (x, caseSensitive) => (caseSensitive || !isStr(x) ? x : pyLower(x));
const noAttribute = (a) => {
  if (a !== undefined && a !== null) fail("the `attribute` argument is not supported");
};

/** `min` / `max`: the first item with the least (greatest) key; NONE when empty. */
export function extreme(v, a, max, NONE) {
  noAttribute(a[1]);
  const cs = a.length > 0 && truthy(a[0]);
  const xs = list(v);
  if (!xs.length) return NONE;
  let best = 0, bestKey = sortKey(xs[0], cs);
  for (let i = 1; i < xs.length; i++) {
    const k = sortKey(xs[i], cs);
    if (pyOrder(max ? ">" : "<", k, bestKey)) (best = i), (bestKey = k);
  }
  return xs[best];
}

/** A key equal for values Python's set treats as one (1, 1.0 and true). */
function hashKey(x, index) {
  if (x === null) return "n";
  if (isStr(x)) return "s" + x;
  const i = asInt(x);
  if (i !== null) return "i" + i;
  if (isFloat(x)) {
    if (Number.isNaN(x)) return "nan" + index;
    if (x === Math.floor(x) && Math.abs(x) < 9.2e18) return "i" + BigInt(x);
    return "f" + floatRepr(x);
  }
  if (isHugeInt(x)) return "u" + x;
  fail(`unhashable type: '${pyTypeName(x)}'`);
}

export function unique(v, a) {
  noAttribute(a[1]);
  const cs = a.length > 0 && truthy(a[0]);
  const seen = new Set(), out = [];
  list(v).forEach((x, i) => {
    const k = hashKey(sortKey(x, cs), i);
    if (!seen.has(k)) seen.add(k), out.push(x);
  });
  return out;
}

/** Python's sum(iterable, start), left to right. */
export function sum(v, a) {
  noAttribute(a[0]);
  let total = a.length > 1 ? a[1] : 0n;
  if (isStr(total)) fail("sum() can't sum strings [use ''.join(seq) instead]");
  for (const x of list(v)) total = pyArithmetic("+", total, x);
  return total;
}

/** Python's os.path.split on `/`. */
function splitPath(p) {
  const cut = p.lastIndexOf("/") + 1;
  let head = p.slice(0, cut);
  if (/[^/]/.test(head)) head = head.replace(/\/+$/, "");
  return [head, p.slice(cut)];
}
export function pathPart(v, tail) {
  if (!isStr(v)) fail(`expected str, not ${pyTypeName(v)}`);
  return text(splitPath(v)[tail ? 1 : 0]);
}

/** str(value).center(width): the odd space on the left when the width is odd. */
export function center(v, a) {
  const cs = chars(pyStr(v));
  let width = 80n;
  if (a.length) {
    const w = asInt(a[0]);
    if (w === null) {
      if (isHugeInt(a[0])) fail("the width of `center` is too large");
      fail(`the width of \`center\` must be an integer, not ${pyTypeName(a[0])}`);
    }
    width = w;
  }
  const len = BigInt(cs.length);
  if (width <= len) return text(cs.join(""));
  if (width > BigInt(MAX_VALUE_BYTES)) fail(TOO_LARGE);
  const marg = width - len, left = marg / 2n + (marg & width & 1n);
  return text(" ".repeat(Number(left)) + cs.join("") + " ".repeat(Number(marg - left)));
}

export function slugify(v) {
  let out = "", dash = false;
  for (const x of pyLower(pyStr(v))) {
    if ((x >= "a" && x <= "z") || (x >= "0" && x <= "9")) {
      if (dash && out) out += "-";
      dash = false;
      out += x;
    } else dash = true;
  }
  return text(out);
}

/** ir/JsonLimits.h MaxValueDepth: how deep JSON text may nest. */
const JSON_DEPTH = 256;

/** ir/JsonLimits.cpp jsonDepthProblem: nesting past the limit, at its byte. */
function depthProblem(s) {
  const bytes = Buffer.from(s, "utf8");
  let depth = 0, inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > JSON_DEPTH) return `nesting deeper than ${JSON_DEPTH} levels at byte ${i}`;
    } else if ((c === 0x5d || c === 0x7d) && depth) depth--;
  }
  return "";
}

export function fromJson(v) {
  if (!isStr(v)) fail(`the JSON object must be str, not ${pyTypeName(v)}`);
  const problem = depthProblem(v);
  if (problem) fail(problem);
  try {
    return parseJson(v);
  } catch {
    fail("the text is not valid JSON");
  }
}
