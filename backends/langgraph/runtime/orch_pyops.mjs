// ---------------------------------------------------------------------------
// Python's operators on template values (ir/PyOps.cpp): bools are ints, ints
// and floats compare exactly, 64-bit int overflow is an error.
// ---------------------------------------------------------------------------
import {
  MAX_VALUE_BYTES, MAX_VALUE_DEPTH, OVERFLOW, TOO_DEEP, TOO_LARGE, TemplateError, asInt, checkInt,
  cmpStr, isFloat, isHugeInt, isInt, isList, isMap, isStr, keys, pyStr, pyTypeName,
} from "./orch_values.mjs";

const fail = (msg) => {
  throw new TemplateError(msg);
};
const isNum = (v) => typeof v === "boolean" || typeof v === "bigint" || isFloat(v);

/** -1, 0, 1 comparing an int (BigInt) with a float exactly; 2 for NaN. */
function cmpIntFloat(i, d) {
  if (Number.isNaN(d)) return 2;
  if (d === Infinity) return -1;
  if (d === -Infinity) return 1;
  const t = Math.trunc(d), ti = BigInt(t);
  if (i !== ti) return i < ti ? -1 : 1;
  const frac = d - t;
  return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}
function cmpNum(a, b) {
  const x = isFloat(a) ? a : BigInt(a), y = isFloat(b) ? b : BigInt(b);
  if (typeof x === "bigint" && typeof y === "bigint") return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === "bigint") return cmpIntFloat(x, y);
  if (typeof y === "bigint") {
    const c = cmpIntFloat(y, x);
    return c === 2 ? 2 : -c;
  }
  if (Number.isNaN(x) || Number.isNaN(y)) return 2;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function pyEquals(a, b, depth = 0) {
  if (depth > MAX_VALUE_DEPTH) fail(TOO_DEEP);
  if (isNum(a) && isNum(b)) return cmpNum(a, b) === 0;
  if (isStr(a) && isStr(b)) return a === b;
  if (a === null || b === null) return a === null && b === null;
  if (isList(a) && isList(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEquals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (isMap(a) && isMap(b)) {
    const ka = keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
      if (!pyEquals(a[k], b[k], depth + 1)) return false;
    }
    return true;
  }
  return false;
}

export function pyOrder(op, a, b, depth = 0) {
  if (depth > MAX_VALUE_DEPTH) fail(TOO_DEEP);
  const from = (c) =>
    c === 2 ? false : op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
  if (isNum(a) && isNum(b)) return from(cmpNum(a, b));
  if (isStr(a) && isStr(b)) return from(cmpStr(a, b));
  if (isList(a) && isList(b)) {
    for (let i = 0; i < a.length && i < b.length; i++)
      if (!pyEquals(a[i], b[i], depth + 1)) return pyOrder(op, a[i], b[i], depth + 1);
    return from(a.length < b.length ? -1 : a.length > b.length ? 1 : 0);
  }
  fail(`'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/** Python's `a in b`. */
export function pyContains(b, a) {
  if (isStr(b)) {
    if (!isStr(a)) fail(`'in <string>' requires string as left operand, not ${pyTypeName(a)}`);
    return b.includes(a);
  }
  if (isList(b)) return b.some((x) => pyEquals(x, a));
  if (isMap(b)) {
    if (isList(a) || isMap(a)) fail(`unhashable type: '${pyTypeName(a)}'`);
    return isStr(a) && Object.prototype.hasOwnProperty.call(b, a);
  }
  fail(`argument of type '${pyTypeName(b)}' is not iterable`);
}

function approxBytes(v) {
  let total = 0;
  const todo = [v];
  while (todo.length && total <= MAX_VALUE_BYTES) {
    const x = todo.pop();
    if (isStr(x)) total += Buffer.byteLength(x) + 2;
    else if (isList(x)) (total += 2), todo.push(...x);
    else if (isMap(x)) {
      total += 2;
      for (const k of Object.keys(x)) (total += Buffer.byteLength(k) + 4), todo.push(x[k]);
    } else total += 8;
  }
  return total;
}
export { approxBytes };

function repeat(seq, times) {
  let n = asInt(times);
  if (n < 0n) n = 0n;
  if (isStr(seq)) {
    if (n === 0n || seq === "") return "";
    if (n > BigInt(Math.floor(MAX_VALUE_BYTES / Buffer.byteLength(seq)))) fail(TOO_LARGE);
    return seq.repeat(Number(n));
  }
  if (n === 0n || seq.length === 0) return [];
  if (n > BigInt(Math.floor(MAX_VALUE_BYTES / approxBytes(seq)))) fail(TOO_LARGE);
  const out = [];
  for (let i = 0n; i < n; i++) out.push(...seq);
  return out;
}

/** The double nearest to a / b for ints, as Python's true division. */
function divideInts(a, b) {
  const exact = 1n << 53n;
  if (a > -exact && a < exact && b > -exact && b < exact) return Number(a) / Number(b);
  const neg = (a < 0n) !== (b < 0n);
  if (a === 0n) return neg ? -0 : 0;
  const x = a < 0n ? -a : a, y = b < 0n ? -b : b;
  let q = x / y, r = x % y, exp = 0;
  const bits = (v) => v.toString(2).length;
  while (bits(q) < 55) {
    r <<= 1n;
    q <<= 1n;
    if (r >= y) (r -= y), (q |= 1n);
    exp--;
  }
  const shift = BigInt(bits(q) - 53);
  const low = q & ((1n << shift) - 1n), half = 1n << (shift - 1n);
  q >>= shift;
  exp += Number(shift);
  if (low > half || (low === half && (r !== 0n || (q & 1n) === 1n))) q++;
  const d = Number(q) * 2 ** exp;
  return neg ? -d : d;
}

const SPELLING = { "+": "+", "-": "-", "*": "*", "/": "/", "%": "%" };

/** Python's `a op b` for + - * / %. */
export function pyArithmetic(op, a, b) {
  if (!isNum(a) || !isNum(b)) {
    if (op === "+" && isStr(a) && isStr(b)) {
      if (Buffer.byteLength(a) + Buffer.byteLength(b) > MAX_VALUE_BYTES) fail(TOO_LARGE);
      return a + b;
    }
    if (op === "+" && isList(a) && isList(b)) {
      if (a.length + b.length > MAX_VALUE_BYTES) fail(TOO_LARGE);
      return [...a, ...b];
    }
    if (op === "*") {
      if ((isStr(a) || isList(a)) && asInt(b) !== null) return repeat(a, b);
      if ((isStr(b) || isList(b)) && asInt(a) !== null) return repeat(b, a);
    }
    if (op === "%" && isStr(a)) fail("string formatting with `%` is not supported");
    fail(`unsupported operand type(s) for ${SPELLING[op]}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
  }
  if (isHugeInt(a) || isHugeInt(b)) fail(OVERFLOW);
  const x = isFloat(a) ? a : BigInt(a), y = isFloat(b) ? b : BigInt(b);
  const ints = typeof x === "bigint" && typeof y === "bigint";
  if ((op === "/" || op === "%") && (typeof y === "bigint" ? y === 0n : y === 0))
    fail(op === "/" ? "division by zero" : "modulo by zero");
  if (op === "/") return ints ? divideInts(x, y) : Number(x) / Number(y);
  if (op === "%") {
    if (ints) {
      if (y === -1n) return 0n;
      let r = x % y;
      if (r !== 0n && (r < 0n) !== (y < 0n)) r += y;
      return r;
    }
    const w = Number(y);
    let m = Number(x) % w;
    if (m !== 0) {
      if ((w < 0) !== (m < 0)) m += w;
    } else m = w < 0 || Object.is(w, -0) ? -0 : 0;
    return m;
  }
  if (ints) return checkInt(op === "+" ? x + y : op === "-" ? x - y : x * y);
  const p = Number(x), q = Number(y);
  return op === "+" ? p + q : op === "-" ? p - q : p * q;
}

/** Python's -a and +a. */
export function pyNegate(a, minus) {
  if (!isNum(a)) fail(`bad operand type for unary ${minus ? "-" : "+"}: '${pyTypeName(a)}'`);
  if (isHugeInt(a)) fail(OVERFLOW);
  if (isFloat(a)) return minus ? -a : a;
  const i = BigInt(a);
  return minus ? checkInt(-i) : i;
}

/** Jinja2's `~`. */
export function concat(a, b) {
  const out = pyStr(a) + pyStr(b);
  if (out.length > MAX_VALUE_BYTES) fail(TOO_LARGE);
  return out;
}
export { isInt };
