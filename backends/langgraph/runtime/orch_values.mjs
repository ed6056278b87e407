// ---------------------------------------------------------------------------
// Values. Template values are JSON with Python's distinctions: an int is a
// BigInt (64-bit, checked), a float is a number, a mapping is a plain object
// whose keys keep insertion order as orchrt's ordered ir::Json (newMap),
// null is null.
// ---------------------------------------------------------------------------

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const UINT64_MAX = 18446744073709551615n;
/** The largest string or list a template may build: 64 MiB. */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;
/** The deepest value a template may print or compare. */
export const MAX_VALUE_DEPTH = 512;

/** A failed template operation; the message is orchrt's. */
export class TemplateError extends Error {}
const fail = (msg) => {
  throw new TemplateError(msg);
};
export const TOO_LARGE = "the result would be larger than the limit of 64 MiB";
export const TOO_DEEP = `the value is nested more than ${MAX_VALUE_DEPTH} levels deep`;
export const TOO_LARGE_INT =
  "the integer is too large (Jinja would use an arbitrary-precision integer; here integers are 64-bit)";
export const OVERFLOW =
  "integer overflow: the result does not fit in 64 bits (Jinja would use an arbitrary-precision integer)";

export const isInt = (v) => typeof v === "bigint" && v <= INT64_MAX;
export const isHugeInt = (v) => typeof v === "bigint" && v > INT64_MAX;
export const isFloat = (v) => typeof v === "number";
export const isStr = (v) => typeof v === "string";

/** An integer parameter's rendered value, as ir::wholeToInteger: a whole
 * number in int64's range is that integer (10.0 is 10n); anything else is
 * left for the action to refuse. */
export function wholeToInteger(v) {
  return typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63 ? BigInt(v) : v;
}
export const isList = Array.isArray;
export const isMap = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
/** An int for Python: an int64 or a bool. */
export const asInt = (v) => (typeof v === "boolean" ? BigInt(v) : isInt(v) ? v : null);
export const checkInt = (b) => {
  if (b > INT64_MAX || b < INT64_MIN) fail(OVERFLOW);
  return b;
};

/** Code point order of two strings (UTF-8 byte order). */
export function cmpStr(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i), y = b.codePointAt(i);
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
/** A mapping's keys in orchrt's order: insertion order (ir::Json is ordered). */
export const keys = (m) => Object.keys(m);
/** A mapping's keys in code point order (`tojson`, Python's sort_keys). */
export const sortedKeys = (m) => Object.keys(m).sort(cmpStr);

/**
 * A new mapping: an object without a prototype whose keys keep insertion
 * order. A plain object lists integer-like keys ("2", "10") first, so a
 * Proxy keeps the order of first insertion for Object.keys, `for in`,
 * Object.entries and JSON.stringify alike.
 */
const MAP_HANDLER = {
  set(t, k, v) {
    if (typeof k === "string" && !Object.hasOwn(t.d, k)) t.order.push(k);
    t.d[k] = v;
    return true;
  },
  get: (t, k) => (Object.hasOwn(t.d, k) ? t.d[k] : undefined),
  has: (t, k) => Object.hasOwn(t.d, k),
  deleteProperty(t, k) {
    if (Object.hasOwn(t.d, k)) {
      t.order.splice(t.order.indexOf(k), 1);
      delete t.d[k];
    }
    return true;
  },
  defineProperty(t, k, desc) {
    if (typeof k === "string" && !Object.hasOwn(t.d, k)) t.order.push(k);
    t.d[k] = desc.value;
    return true;
  },
  ownKeys: (t) => [...t.order],
  getOwnPropertyDescriptor(t, k) {
    if (!Object.hasOwn(t.d, k)) return undefined;
    return { value: t.d[k], writable: true, enumerable: true, configurable: true };
  },
  getPrototypeOf: () => null,
};
export const newMap = () => new Proxy({ d: Object.create(null), order: [] }, MAP_HANDLER);
/** Code points of a string. */
export const chars = (s) => Array.from(s);

export function pyTypeName(v) {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (isFloat(v)) return "float";
  if (typeof v === "bigint") return "int";
  if (isStr(v)) return "str";
  if (isList(v)) return "list";
  return "dict";
}

export function truthy(v) {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "bigint") return v !== 0n;
  if (isFloat(v)) return v !== 0;
  if (isStr(v)) return v.length > 0;
  if (isList(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

// --- JSON text in and out --------------------------------------------------

/** Parses JSON text keeping ints (BigInt) apart from floats, as nlohmann does. */
export function parseJson(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const bad = () => {
    throw new SyntaxError(`invalid JSON at offset ${i}`);
  };
  const value = (depth) => {
    if (depth > 256) bad();
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const m = newMap();
      ws();
      if (text[i] === "}") return i++, m;
      for (;;) {
        ws();
        if (text[i] !== '"') bad();
        const k = string();
        ws();
        if (text[i++] !== ":") bad();
        m[k] = value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return i++, m;
        else bad();
      }
    }
    if (c === "[") {
      i++;
      const l = [];
      ws();
      if (text[i] === "]") return i++, l;
      for (;;) {
        l.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return i++, l;
        else bad();
      }
    }
    if (c === '"') return string();
    if (text.startsWith("true", i)) return (i += 4), true;
    if (text.startsWith("false", i)) return (i += 5), false;
    if (text.startsWith("null", i)) return (i += 4), null;
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0) bad();
    i += m[0].length;
    if (!m[2] && !m[3]) {
      const b = BigInt(m[0]);
      if (b >= INT64_MIN && b <= UINT64_MAX) return b;
    }
    return Number(m[0]);
  };
  const string = () => {
    let j = i + 1, out = "";
    for (;;) {
      const k = text.indexOf('"', j);
      if (k < 0) bad();
      let back = 0;
      for (let p = k - 1; p > i && text[p] === "\\"; p--) back++;
      if (back % 2 === 0) {
        out = JSON.parse(text.slice(i, k + 1));
        i = k + 1;
        return out;
      }
      j = k + 1;
    }
  };
  const v = value(0);
  ws();
  if (i !== text.length) bad();
  return v;
}

/** nlohmann's number formatting of a double (orchrt's JSON output). */
function jsonFloat(d) {
  if (!Number.isFinite(d)) return "null";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const [mant, expText] = Math.abs(d).toExponential().split("e");
  const digits = mant.replace(".", "");
  const k = digits.length, n = Number(expText) + 1;
  let s;
  if (k <= n && n <= 15) s = digits + "0".repeat(n - k) + ".0";
  else if (0 < n && n <= 15) s = digits.slice(0, n) + "." + digits.slice(n);
  else if (-4 < n && n <= 0) s = "0." + "0".repeat(-n) + digits;
  else {
    const e = n - 1;
    s = digits[0] + (k > 1 ? "." + digits.slice(1) : "") + "e" + (e < 0 ? "-" : "+") +
      String(Math.abs(e)).padStart(2, "0");
  }
  return d < 0 ? "-" + s : s;
}

/** Compact JSON as orchrt writes it (keys sorted, UTF-8 kept). */
export function toJsonText(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  if (isFloat(v)) return jsonFloat(v);
  if (isStr(v)) return JSON.stringify(v);
  if (isList(v)) return "[" + v.map(toJsonText).join(",") + "]";
  return "{" + keys(v).map((k) => JSON.stringify(k) + ":" + toJsonText(v[k])).join(",") + "}";
}

/** How an action prints a parameter: strings as they are, null as "", JSON else. */
export const displayString = (v) => (isStr(v) ? v : v === null || v === undefined ? "" : toJsonText(v));

// --- Python's str(), repr() and json.dumps ----------------------------------

/** Python's repr() of a float. */
export function floatRepr(d) {
  if (Number.isNaN(d)) return "nan";
  if (!Number.isFinite(d)) return d < 0 ? "-inf" : "inf";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const [mant, expText] = Math.abs(d).toExponential().split("e");
  const digits = mant.replace(".", "");
  const n = digits.length, dec = Number(expText) + 1;
  let s;
  if (dec > -4 && dec <= 16) {
    if (dec <= 0) s = "0." + "0".repeat(-dec) + digits;
    else if (dec >= n) s = digits + "0".repeat(dec - n) + ".0";
    else s = digits.slice(0, dec) + "." + digits.slice(dec);
  } else {
    const e = dec - 1;
    s = digits[0] + (n > 1 ? "." + digits.slice(1) : "") + (e < 0 ? "e-" : "e+") +
      String(Math.abs(e)).padStart(2, "0");
  }
  return d < 0 || Object.is(d, -0) ? "-" + s : s;
}

// Python's str.isprintable(): not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs
// (the space itself is printable).
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const isPrintable = (ch) => ch === " " || !NON_PRINTABLE.test(ch);
const hex = (v, n) => v.toString(16).padStart(n, "0");

function reprString(s) {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + hex(c, 2);
    else if (c < 0x7f || isPrintable(ch)) out += ch;
    else if (c <= 0xff) out += "\\x" + hex(c, 2);
    else if (c <= 0xffff) out += "\\u" + hex(c, 4);
    else out += "\\U" + hex(c, 8);
  }
  return out + q;
}

export function pyRepr(v, depth = 0) {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  if (isFloat(v)) return floatRepr(v);
  if (isStr(v)) return reprString(v);
  if (depth >= MAX_VALUE_DEPTH) fail(TOO_DEEP);
  let out;
  if (isList(v)) out = "[" + v.map((x) => pyRepr(x, depth + 1)).join(", ") + "]";
  else out = "{" + keys(v).map((k) => reprString(k) + ": " + pyRepr(v[k], depth + 1)).join(", ") + "}";
  if (out.length > MAX_VALUE_BYTES) fail(TOO_LARGE);
  return out;
}

/** Python's str(): how Jinja2 prints a placeholder. */
export const pyStr = (v) => (isStr(v) ? v : pyRepr(v));

// The code points where Node's ICU (Unicode 17) and Python 3.11 (Unicode
// 14, the Jinja2 oracle and ir/UnicodeTables.inc) disagree on case: pairs
// added since, which Node maps and Python keeps as they are, and letters
// and marks assigned since, which Node counts as cased or case-ignorable
// (the context of a final sigma) and Python as unassigned, and U+0295,
// cased to Python and not to Node. pyLower and
// pyUpper keep them as they are and map the text between them on its own.
// test/langgraph/case_mapping.py compares every code point, alone and as
// a final sigma's context, with Python's, and prints the ones to add when
// Node's Unicode moves on.
const NEWER_CASE =
  "\\u019b\\u0264\\u0295\\u0897\\u0ece\\u1acf-\\u1add\\u1ae0-\\u1aeb\\u1c89-\\u1c8a" +
  "\\ua7cb-\\ua7cf\\ua7d2-\\ua7d5\\ua7da-\\ua7dc\\ua7f1\\u{10d4e}\\u{10d50}-\\u{10d65}" +
  "\\u{10d69}-\\u{10d6d}\\u{10d6f}-\\u{10d85}\\u{10ec5}\\u{10efa}-\\u{10eff}\\u{11241}" +
  "\\u{113bb}-\\u{113c0}\\u{113ce}\\u{113d0}\\u{113d2}\\u{113e1}-\\u{113e2}\\u{11b60}" +
  "\\u{11b62}-\\u{11b64}\\u{11b66}\\u{11dd9}\\u{11f00}-\\u{11f01}\\u{11f36}-\\u{11f3a}" +
  "\\u{11f40}\\u{11f42}\\u{11f5a}\\u{13439}-\\u{13440}\\u{13447}-\\u{13455}" +
  "\\u{1611e}-\\u{16129}\\u{1612d}-\\u{1612f}\\u{16d40}-\\u{16d42}\\u{16d6b}-\\u{16d6c}" +
  "\\u{16ea0}-\\u{16eb8}\\u{16ebb}-\\u{16ed3}\\u{16ff2}-\\u{16ff3}\\u{1df25}-\\u{1df2a}" +
  "\\u{1e030}-\\u{1e06d}\\u{1e08f}\\u{1e4eb}-\\u{1e4ef}\\u{1e5ee}-\\u{1e5ef}\\u{1e6e3}" +
  "\\u{1e6e6}\\u{1e6ee}-\\u{1e6ef}\\u{1e6f5}\\u{1e6ff}";
const HAS_NEWER_CASE = new RegExp(`[${NEWER_CASE}]`, "u");
const SPLIT_NEWER_CASE = new RegExp(`([${NEWER_CASE}])`, "u");
// Of those, the ones Unicode 14 already has, as lower-case letters: cased
// to Python, so they are context for a final sigma next to them.
const CASED_IN_14 = new Set(["\u019b", "\u0264", "\u0295", "\ua7d3", "\ua7d5"]);
// A stand-in for them in that context: cased, and mapped to itself.
const KRA = "\u0138";
/**
 * \p s mapped by \p map (the engine's toLowerCase or toUpperCase), with the
 * code points of NEWER_CASE kept: they split the text into pieces mapped on
 * their own, with a stand-in for a neighbour Unicode 14 calls cased.
 */
function caseMapped(s, map) {
  if (!HAS_NEWER_CASE.test(s)) return map(s);
  const parts = s.split(SPLIT_NEWER_CASE);
  return parts
    .map((t, i) => {
      if (i % 2) return t;
      const before = i > 0 && CASED_IN_14.has(parts[i - 1]);
      const after = i + 1 < parts.length && CASED_IN_14.has(parts[i + 1]);
      const m = map((before ? KRA : "") + t + (after ? KRA : ""));
      return m.slice(before ? 1 : 0, after ? -1 : undefined);
    })
    .join("");
}
/** Python 3.11's str.lower(). */
export const pyLower = (s) => caseMapped(s, (t) => t.toLowerCase());
/** Python 3.11's str.upper(). */
export const pyUpper = (s) => caseMapped(s, (t) => t.toUpperCase());

function jsonString(s) {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    const esc = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" }[ch];
    if (esc) out += esc;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xffff) out += "\\u" + hex(c, 4);
    else {
      const w = c - 0x10000;
      out += "\\u" + hex(0xd800 | (w >> 10), 4) + "\\u" + hex(0xdc00 | (w & 0x3ff), 4);
    }
  }
  return out + '"';
}

function pyJsonRaw(v, indent, depth) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  if (isFloat(v)) return Number.isNaN(v) ? "NaN" : !Number.isFinite(v) ? (v > 0 ? "Infinity" : "-Infinity") : floatRepr(v);
  if (isStr(v)) return jsonString(v);
  if (depth >= MAX_VALUE_DEPTH) fail(TOO_DEEP);
  const list = isList(v);
  const items = list ? v.map((x) => pyJsonRaw(x, indent, depth + 1))
    : sortedKeys(v).map((k) => jsonString(k) + ": " + pyJsonRaw(v[k], indent, depth + 1));
  if (items.length === 0) return list ? "[]" : "{}";
  const [open, close] = list ? ["[", "]"] : ["{", "}"];
  if (indent === null) return open + items.join(", ") + close;
  const nl = (level) => "\n" + indent.repeat(level);
  return open + items.map((x) => nl(depth + 1) + x).join(",") + nl(depth) + close;
}

/** json.dumps(v, sort_keys=True) made HTML-safe, as Jinja2's `tojson`. */
export function pyJson(v, indent) {
  const out = pyJsonRaw(v, indent, 0)
    .replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026").replace(/'/g, "\\u0027");
  if (out.length > MAX_VALUE_BYTES) fail(TOO_LARGE);
  return out;
}

// --- Python's int() and float() of text ---------------------------------------

const SPACE = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
export const isSpace = (ch) => SPACE.test(ch);
const ND = /^\p{Nd}$/u;
/** The decimal value of a digit of any script, or -1. */
function decimalValue(ch) {
  if (ch >= "0" && ch <= "9") return ch.charCodeAt(0) - 48;
  if (!ND.test(ch)) return -1;
  let c = ch.codePointAt(0), first = c;
  while (ND.test(String.fromCodePoint(first - 1))) first--;
  return (c - first) % 10;
}

function asciiNumber(s) {
  const cs = chars(s);
  let b = 0, e = cs.length;
  while (b < e && isSpace(cs[b])) b++;
  while (e > b && isSpace(cs[e - 1])) e--;
  let out = "";
  for (let i = b; i < e; i++) {
    const d = decimalValue(cs[i]);
    if (d >= 0) out += String(d);
    else if (cs[i].codePointAt(0) < 0x80) out += cs[i];
    else return null;
  }
  return out;
}
function dropUnderscores(s) {
  const isD = (c) => c >= "0" && c <= "9";
  for (let i = 0; i < s.length; i++)
    if (s[i] === "_" && (i === 0 || i + 1 === s.length || !isD(s[i - 1]) || !isD(s[i + 1]))) return null;
  return s.replace(/_/g, "");
}

/** Python's int(s): a BigInt, "invalid" or "toolarge". */
export function parsePyInt(s) {
  let t = asciiNumber(s);
  if (t === null) return "invalid";
  let neg = false;
  if (t.startsWith("-")) (neg = true), (t = t.slice(1));
  else if (t.startsWith("+")) t = t.slice(1);
  const d = dropUnderscores(t);
  if (d === null || !/^[0-9]+$/.test(d)) return "invalid";
  const b = neg ? -BigInt(d) : BigInt(d);
  if (b > INT64_MAX || b < INT64_MIN) return "toolarge";
  return b;
}

/** Python's float(s), or null. */
export function parsePyFloat(s) {
  let t = asciiNumber(s);
  if (t === null) return null;
  let sign = "";
  if (t.startsWith("-") || t.startsWith("+")) (sign = t[0]), (t = t.slice(1));
  const low = t.toLowerCase();
  if (low === "inf" || low === "infinity") return sign === "-" ? -Infinity : Infinity;
  if (low === "nan") return NaN;
  const c = dropUnderscores(t);
  if (c === null || !/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(c)) return null;
  const d = Number(c);
  return sign === "-" ? -d : d;
}
