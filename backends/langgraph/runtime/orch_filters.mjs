// ---------------------------------------------------------------------------
// The template filters: one row a filter, keyed by the names of ir/Filters.cpp
// (orchc refuses to export a filter this table lacks). Each is Jinja2 3.1's
// filter run on Python values, as ir/FilterImpls.cpp implements it.
// A filter returns a value, or NONE for "undefined" (`first` of nothing).
// ---------------------------------------------------------------------------
import {
  MAX_VALUE_BYTES, TOO_LARGE, TOO_LARGE_INT, TemplateError, asInt, chars, isFloat, isHugeInt,
  isList, isMap, isSpace, isStr, keys, parsePyFloat, parsePyInt, pyJson, pyLower, pyRepr, pyStr, pyUpper, pyTypeName,
  truthy,
} from "./orch_values.mjs";
import { center, extreme, fromJson, list, pathPart, slugify, sum, unique } from "./orch_itemfilters.mjs";
import { batch, dictsort, indent, map, selectOrReject } from "./orch_collections.mjs";
import { date } from "./orch_dates.mjs";
import { regexFindall, regexReplace, regexSearch } from "./orch_regex.mjs";

const fail = (msg) => {
  throw new TemplateError(msg);
};
/** What `first` and `last` of nothing give: undefined, for `default`. */
export const NONE = Symbol("undefined");
const text = (s) => {
  if (Buffer.byteLength(s) > MAX_VALUE_BYTES) fail(TOO_LARGE);
  return s;
};
const INT64_MAX = 9223372036854775807n, INT64_MIN = -9223372036854775808n;

// A value in Python code (passes/PythonContext.h): a literal, never text.
function hasNonFinite(v) {
  if (isFloat(v)) return !Number.isFinite(v);
  if (isList(v)) return v.some(hasNonFinite);
  if (isMap(v)) return Object.values(v).some(hasNonFinite);
  return false;
}
function pyLiteral(v) {
  if (isStr(v))
    fail(
      "a `{{ }}` in Python code outside a string literal must be a number, a boolean, none, a list or a " +
        "mapping, not text (ContextLab would run the text as code): put the placeholder inside quotes",
    );
  if (hasNonFinite(v)) fail("a float that is nan or infinite has no Python literal");
  return text(pyRepr(v));
}
// The text escaped inside a Python string literal of quote a[0].
function pyQuote(v, a) {
  const quote = a[0] === '"' ? '"' : "'";
  let out = "";
  for (const c of pyStr(v)) {
    const u = c.codePointAt(0);
    if (c === "\\" || c === quote) out += "\\" + c;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (u < 0x20 || u === 0x7f) out += "\\x" + u.toString(16).padStart(2, "0");
    else out += c;
  }
  return text(out);
}

function intArg(v, what) {
  const i = asInt(v);
  if (i !== null) return i;
  if (isHugeInt(v)) fail(`${what} is too large`);
  fail(`${what} must be an integer, not ${pyTypeName(v)}`);
}
function pyLen(v) {
  if (isStr(v)) return chars(v).length;
  if (isList(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  fail(`object of type '${pyTypeName(v)}' has no len()`);
}

// Title case where it differs from upper case (Python's str.capitalize).
const TITLE = {
  "\u01c4": "\u01c5", "\u01c5": "\u01c5", "\u01c6": "\u01c5", "\u01c7": "\u01c8", "\u01c8": "\u01c8",
  "\u01c9": "\u01c8", "\u01ca": "\u01cb", "\u01cb": "\u01cb", "\u01cc": "\u01cb", "\u01f1": "\u01f2",
  "\u01f2": "\u01f2", "\u01f3": "\u01f2", "\u00df": "Ss", "\ufb00": "Ff", "\ufb01": "Fi", "\ufb02": "Fl",
  "\ufb03": "Ffi", "\ufb04": "Ffl", "\ufb05": "St", "\ufb06": "St", "\u0587": "\u0535\u0582",
  "\ufb13": "\u0544\u0576", "\ufb14": "\u0544\u0565", "\ufb15": "\u0544\u056b", "\ufb16": "\u054e\u0576",
  "\ufb17": "\u0544\u056d", "\u0149": "\u02bcN", "\u01f0": "J\u030c", "\u1e96": "H\u0331",
  "\u1e97": "T\u0308", "\u1e98": "W\u030a", "\u1e99": "Y\u030a", "\u1e9a": "A\u02be",
};
const titleOf = (ch) => TITLE[ch] ?? pyUpper(ch);
const WORD = /^[\p{L}\p{N}_]$/u;

/** Python's round() of a finite double at `digits`, half to even, exactly. */
function roundDecimal(d, digits) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(d));
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n), exp;
  if (expBits === 0) exp = -1074;
  else (mant |= 1n << 52n), (exp = expBits - 1075);
  let num = mant, den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (digits >= 0n) num *= 10n ** digits;
  else den *= 10n ** -digits;
  let k = num / den;
  const twice = 2n * (num % den);
  if (twice > den || (twice === den && k % 2n === 1n)) k++;
  const r = Number(`${k}e${-digits}`);
  return d < 0 || Object.is(d, -0) ? -r : r;
}

/** `round(p, 'floor' | 'ceil')` (ir/FilterImpls.cpp roundDirected). */
function roundDirected(v, a, ceil) {
  const p = intArg(a[0], "the precision of `round`");
  if (typeof v !== "bigint" && !isFloat(v) && typeof v !== "boolean") fail(`must be real number, not ${pyTypeName(v)}`);
  if (p > 15n || p < -15n) fail("a precision beyond 15 digits with `floor` or `ceil` is not supported");
  const scale = Math.pow(10, Number(p));
  if (isHugeInt(v)) fail(TOO_LARGE_INT);
  const x = isFloat(v) ? v : Number(asInt(v));
  if (!isFloat(v) && p >= 0n) return x;
  if (Number.isNaN(x)) fail("cannot convert float NaN to integer");
  if (!Number.isFinite(x * scale)) fail("cannot convert float infinity to integer");
  const r = (ceil ? Math.ceil(x * scale) : Math.floor(x * scale)) + 0;
  return r / scale;
}

function round(v, a) {
  if (a.length > 1) {
    if (a[1] !== "common" && a[1] !== "floor" && a[1] !== "ceil") fail("method must be common, ceil or floor");
    if (a[1] !== "common") return roundDirected(v, a, a[1] === "ceil");
    return round(v, a.slice(0, 1));
  }
  if (a.length && a[0] === null) {
    if (!isFloat(v)) return round(v, []);
    if (Number.isNaN(v)) fail("cannot convert float NaN to integer");
    if (!Number.isFinite(v)) fail("cannot convert float infinity to integer");
    const r = roundDecimal(v, 0n);
    if (r >= 9223372036854775808 || r < -9223372036854775808) fail(TOO_LARGE_INT);
    return BigInt(r);
  }
  const digits = a.length ? intArg(a[0], "the precision of `round`") : 0n;
  if (isFloat(v)) {
    if (!Number.isFinite(v) || digits > 323n) return v;
    if (digits < -308n) return Object.is(v, -0) || v < 0 ? -0 : 0;
    const r = roundDecimal(v, digits);
    if (!Number.isFinite(r)) fail("rounded value too large to represent");
    return r;
  }
  if (isHugeInt(v)) fail(TOO_LARGE_INT);
  const i = asInt(v);
  if (i === null) fail(`type ${pyTypeName(v)} doesn't define __round__ method`);
  if (digits >= 0n) return i;
  if (digits < -19n) return 0n;
  const pow = 10n ** -digits;
  let q = i / pow, r = i % pow;
  if (r < 0n) (r += pow), q--;
  if (2n * r > pow || (2n * r === pow && q % 2n !== 0n)) q++;
  const out = q * pow;
  if (out > INT64_MAX || out < INT64_MIN) fail(TOO_LARGE_INT);
  return out;
}

function toInt(v, a) {
  const fallback = a.length ? a[0] : 0n;
  const i = asInt(v);
  if (i !== null) return i;
  if (isHugeInt(v)) fail(TOO_LARGE_INT);
  let d = null;
  if (isFloat(v)) d = v;
  else if (isStr(v)) {
    const p = parsePyInt(v);
    if (typeof p === "bigint") return p;
    if (p === "toolarge") fail(TOO_LARGE_INT);
    d = parsePyFloat(v);
  }
  if (d === null || Number.isNaN(d)) return fallback;
  if (!Number.isFinite(d)) fail("cannot convert float infinity to integer");
  const t = Math.trunc(d);
  if (t < -9223372036854775808 || t >= 9223372036854775808) fail(TOO_LARGE_INT);
  return BigInt(t);
}

function toFloat(v, a) {
  const fallback = a.length ? a[0] : 0.0;
  if (isFloat(v)) return v;
  const i = asInt(v);
  if (i !== null || isHugeInt(v)) return Number(i ?? v);
  if (isStr(v)) {
    const d = parsePyFloat(v);
    if (d !== null) return d;
  }
  return fallback;
}

function join(v, a) {
  const sep = pyStr(a.length ? a[0] : "");
  let items;
  if (isStr(v)) items = chars(v);
  else if (isList(v)) items = v;
  else if (isMap(v)) items = keys(v);
  else fail(`can only join an iterable, not '${pyTypeName(v)}'`);
  let out = "";
  items.forEach((x, i) => {
    if (i) out += sep;
    out += pyStr(x);
    if (out.length > MAX_VALUE_BYTES) fail(TOO_LARGE);
  });
  return text(out);
}

function replace(v, a) {
  const s = chars(pyStr(v)), old = pyStr(a[0]), neu = pyStr(a[1]);
  let count = -1n;
  if (a.length > 2 && a[2] !== null) count = intArg(a[2], "the count of `replace`");
  let out = "";
  if (old === "") {
    for (let i = 0; i <= s.length; i++) {
      if (count !== 0n) {
        out += neu;
        if (count > 0n) count--;
      }
      if (i < s.length) out += s[i];
      if (out.length > MAX_VALUE_BYTES) fail(TOO_LARGE);
    }
    return text(out);
  }
  const str = s.join("");
  let p = 0;
  for (;;) {
    const q = count === 0n ? -1 : str.indexOf(old, p);
    if (q < 0) {
      out += str.slice(p);
      break;
    }
    out += str.slice(p, q) + neu;
    p = q + old.length;
    if (count > 0n) count--;
    if (out.length > MAX_VALUE_BYTES) fail(TOO_LARGE);
  }
  return text(out);
}

function title(v) {
  const s = chars(pyStr(v));
  const isSep = (c) => "-({[<".includes(c) || isSpace(c);
  let out = "";
  for (let i = 0; i < s.length; ) {
    let j = i;
    const sep = isSep(s[i]);
    while (j < s.length && isSep(s[j]) === sep) j++;
    out += pyUpper(s[i]) + pyLower(s.slice(i + 1, j).join(""));
    i = j;
  }
  return text(out);
}

function tojson(v, a) {
  let indent = null;
  if (a.length && a[0] !== null && !isStr(v)) {
    if (isStr(a[0])) indent = a[0];
    else if (asInt(a[0]) !== null) {
      const n = asInt(a[0]);
      if (n > BigInt(MAX_VALUE_BYTES)) fail(TOO_LARGE);
      indent = " ".repeat(n < 0n ? 0 : Number(n));
    } else fail(`the indent of \`tojson\` must be an integer or a string, not ${pyTypeName(a[0])}`);
  }
  return pyJson(v, indent);
}

function trim(v, a) {
  const s = chars(pyStr(v));
  let strip = isSpace;
  if (a.length && a[0] !== null) {
    if (!isStr(a[0])) fail(`strip arg must be None or str, not ${pyTypeName(a[0])}`);
    const set = new Set(chars(a[0]));
    strip = (c) => set.has(c);
  }
  let b = 0, e = s.length;
  while (b < e && strip(s[b])) b++;
  while (e > b && strip(s[e - 1])) e--;
  return text(s.slice(b, e).join(""));
}

function truncate(v, a) {
  const length = a.length > 0 ? a[0] : 255n;
  const killWords = a.length > 1 && truthy(a[1]);
  const end = a.length > 2 ? a[2] : "...";
  const leeway = a.length > 3 && a[3] !== null ? a[3] : 5n;
  const num = (x) => (typeof x === "boolean" ? (x ? 1 : 0) : typeof x === "bigint" || isFloat(x) ? Number(x) : null);
  const len = num(length), lee = num(leeway);
  if (len === null) fail(`the length of \`truncate\` must be a number, not ${pyTypeName(length)}`);
  if (lee === null) fail(`the leeway of \`truncate\` must be a number, not ${pyTypeName(leeway)}`);
  const endLen = pyLen(end);
  const dump = (x) => (isFloat(x) ? JSON.stringify(x) : String(x));
  if (len < endLen) fail(`expected length >= ${endLen}, got ${dump(length)}`);
  if (lee < 0) fail(`expected leeway >= 0, got ${dump(leeway)}`);
  const n = pyLen(v);
  if (n <= len + lee) return v;
  if (!isStr(v)) fail(`cannot truncate a ${pyTypeName(v)}: only strings`);
  const li = asInt(length);
  if (li === null) fail(`slice indices must be integers, not ${pyTypeName(length)}`);
  if (!isStr(end)) fail(`can only concatenate str (not "${pyTypeName(end)}") to str`);
  const keep = li - BigInt(endLen);
  let cut = chars(v).slice(0, keep > 0n ? Number(keep) : 0);
  if (!killWords) {
    const sp = cut.lastIndexOf(" ");
    if (sp >= 0) cut = cut.slice(0, sp);
  }
  return text(cut.join("") + end);
}

function firstOrLast(v, first) {
  if (isStr(v)) {
    const c = chars(v);
    return c.length ? (first ? c[0] : c[c.length - 1]) : NONE;
  }
  if (isList(v)) return v.length ? (first ? v[0] : v[v.length - 1]) : NONE;
  if (isMap(v)) {
    const k = keys(v);
    return k.length ? (first ? k[0] : k[k.length - 1]) : NONE;
  }
  fail(`'${pyTypeName(v)}' object is not ${first ? "iterable" : "reversible"}`);
}

/** name -> {min, max, keepsMarkup, fn(value, args)}; as ir/Filters.cpp. */
export const FILTERS = {
  abs: [0, 0, false, (v) => {
    if (isFloat(v)) return Math.abs(v);
    const i = asInt(v);
    if (i !== null) {
      if (i === INT64_MIN) fail(TOO_LARGE_INT);
      return i < 0n ? -i : i;
    }
    if (isHugeInt(v)) fail(TOO_LARGE_INT);
    fail(`bad operand type for abs(): '${pyTypeName(v)}'`);
  }],
  basename: [0, 0, false, (v) => pathPart(v, true)],
  batch: [1, 2, false, batch],
  capitalize: [0, 0, true, (v) => {
    // The rest is lowered with the first character before it, as Python
    // does (a final sigma sees it): the whole lowered, less the first
    // character's own lowering, which no context changes.
    const t = pyStr(v), s = chars(t);
    return text(s.length ? titleOf(s[0]) + pyLower(t).slice(pyLower(s[0]).length) : "");
  }],
  center: [0, 1, false, center],
  date: [0, 1, false, date],
  default: [0, 2, true, (v, a) => (v === null ? (a.length ? a[0] : "") : v)],
  dictsort: [0, 3, false, dictsort],
  dirname: [0, 0, false, (v) => pathPart(v, false)],
  first: [0, 0, false, (v) => firstOrLast(v, true)],
  float: [0, 1, false, toFloat],
  from_json: [0, 0, false, fromJson],
  indent: [0, 3, true, indent],
  int: [0, 1, false, toInt],
  join: [0, 1, false, join],
  last: [0, 0, false, (v) => firstOrLast(v, false)],
  length: [0, 0, false, (v) => BigInt(pyLen(v))],
  list: [0, 0, false, (v) => list(v)],
  lower: [0, 0, true, (v) => text(pyLower(pyStr(v)))],
  map: [0, 4, false, (v, a) => map(v, a, FILTERS, NONE)],
  max: [0, 2, false, (v, a) => extreme(v, a, true, NONE)],
  min: [0, 2, false, (v, a) => extreme(v, a, false, NONE)],
  py_literal: [0, 0, false, pyLiteral],
  py_quote: [1, 1, false, pyQuote],
  raw: [0, 0, true, (v) => v],
  regex_findall: [1, 1, false, regexFindall],
  regex_replace: [1, 2, false, regexReplace],
  regex_search: [1, 1, false, regexSearch],
  rejectattr: [1, 3, false, (v, a) => selectOrReject(v, a, false)],
  replace: [2, 3, false, replace],
  round: [0, 2, false, round],
  selectattr: [1, 3, false, (v, a) => selectOrReject(v, a, true)],
  shell_quote: [0, 0, false, (v) => text("'" + pyStr(v).replace(/'/g, "'\\''") + "'")],
  slugify: [0, 0, false, slugify],
  string: [0, 0, true, (v) => text(pyStr(v))],
  strftime: [1, 1, false, date],
  sum: [0, 2, false, sum],
  title: [0, 0, false, title],
  to_json: [0, 1, false, tojson],
  tojson: [0, 1, false, tojson],
  trim: [0, 1, true, trim],
  truncate: [0, 4, true, truncate],
  unique: [0, 2, false, unique],
  upper: [0, 0, true, (v) => text(pyUpper(pyStr(v)))],
  wordcount: [0, 0, false, (v) => {
    let words = 0n, inWord = false;
    for (const c of pyStr(v)) {
      const w = WORD.test(c);
      if (w && !inWord) words++;
      inWord = w;
    }
    return words;
  }],
};
