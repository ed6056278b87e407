// ---------------------------------------------------------------------------
// `value | date(format)` and `value | strftime(format)`, as ir/FilterDate.cpp:
// Python's datetime.strftime of a moment given as Unix seconds (UTC) or as
// ISO 8601 text (datetime.fromisoformat's common forms), the C locale's
// names, the directives docs/language.md lists. Integer division truncates
// toward zero as in C++ (Math.trunc), so the day arithmetic is the same.
// ---------------------------------------------------------------------------
import { TemplateError, isFloat, isHugeInt, isInt, isStr, pyTypeName } from "./orch_values.mjs";

const fail = (msg) => {
  throw new TemplateError(msg);
};
const div = (a, b) => Math.trunc(a / b);

/** Days since 1970-01-01 of a civil date (proleptic Gregorian). */
function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = div(y >= 0 ? y : y - 399, 400);
  const yoe = y - era * 400;
  const doy = div(153 * (m + (m > 2 ? -3 : 9)) + 2, 5) + d - 1;
  const doe = yoe * 365 + div(yoe, 4) - div(yoe, 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z, m) {
  z += 719468;
  const era = div(z >= 0 ? z : z - 146096, 146097);
  const doe = z - era * 146097;
  const yoe = div(doe - div(doe, 1460) + div(doe, 36524) - div(doe, 146096), 365);
  const doy = doe - (365 * yoe + div(yoe, 4) - div(yoe, 100));
  const mp = div(5 * doy + 2, 153);
  m.day = doy - div(153 * mp + 2, 5) + 1;
  m.month = mp < 10 ? mp + 3 : mp - 9;
  m.year = yoe + era * 400 + (m.month <= 2 ? 1 : 0);
}

const leap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (y, m) => (m === 2 && leap(y) ? 29 : DAYS[m - 1]);
const isDigit = (c) => c >= "0" && c <= "9";

function moment0() {
  return { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, micro: 0,
    aware: false, offsetMin: 0 };
}

function parseIso(text) {
  const bad = () =>
    fail(`\`${text}\` is not a date this filter reads (ISO 8601: YYYY-MM-DD, optionally ` +
      "followed by THH:MM[:SS[.ffffff]] and Z or +HH:MM)");
  let s = text;
  // Exactly n digits at the front of s.
  const digits = (n) => {
    if (s.length < n) bad();
    let out = 0;
    for (let i = 0; i < n; ++i) {
      if (!isDigit(s[i])) bad();
      out = out * 10 + (s.charCodeAt(i) - 48);
    }
    s = s.slice(n);
    return out;
  };
  const take = (p) => {
    if (!s.startsWith(p)) return false;
    s = s.slice(p.length);
    return true;
  };
  const m = moment0();
  m.year = digits(4);
  if (!take("-")) bad();
  m.month = digits(2);
  if (!take("-")) bad();
  m.day = digits(2);
  if (m.month < 1 || m.month > 12 || m.day < 1 || m.day > daysIn(m.year, m.month) || m.year < 1)
    bad();
  if (s === "") return m;
  if (!take("T") && !take(" ")) bad();
  m.hour = digits(2);
  if (!take(":")) bad();
  m.minute = digits(2);
  if (take(":")) {
    m.second = digits(2);
    if (take(".")) {
      let n = 0;
      while (n < s.length && isDigit(s[n])) ++n;
      if (n !== 3 && n !== 6) bad();
      m.micro = digits(n) * (n === 3 ? 1000 : 1);
    }
  }
  if (m.hour > 23 || m.minute > 59 || m.second > 59) bad();
  if (s === "") return m;
  if (s === "Z") {
    m.aware = true;
    return m;
  }
  const neg = s[0] === "-";
  if (!take("+") && !take("-")) bad();
  const h = digits(2);
  if (!take(":")) bad();
  const mi = digits(2);
  if (s !== "" || h > 23 || mi > 59) bad();
  m.aware = true;
  m.offsetMin = (neg ? -1 : 1) * (h * 60 + mi);
  return m;
}

/** x rounded to an integer, half to even (C's nearbyint). */
function halfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

function moment(v) {
  if (isStr(v)) return parseIso(String(v));
  if (!isFloat(v) && !isInt(v) && !isHugeInt(v))
    fail(`\`date\` needs Unix seconds or ISO 8601 text, not ${pyTypeName(v)}`);
  const secs = Number(v);
  // 0001-01-01 to 9999-12-31, as Python's datetime.
  if (!Number.isFinite(secs) || secs < -62135596800.0 || secs >= 253402300800.0)
    fail("the timestamp is out of range");
  let whole = Math.floor(secs);
  let micro = 0;
  if (isFloat(v)) {
    // Python rounds to microseconds, half to even.
    micro = halfEven((secs - whole) * 1e6);
    if (micro >= 1000000) {
      whole += 1;
      micro -= 1000000;
    }
  }
  const m = moment0();
  const days = whole >= 0 ? div(whole, 86400) : -div(-whole + 86399, 86400);
  const rem = whole - days * 86400;
  civilFromDays(days, m);
  m.hour = div(rem, 3600);
  m.minute = div(rem, 60) % 60;
  m.second = rem % 60;
  m.micro = micro;
  m.aware = true;
  return m;
}

const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const pad = (n, w) => String(n).padStart(w, "0");
const MAX_OUT = 1 << 20;  // bytes, checked after each directive as the C++ does

function formatMoment(m, f) {
  let out = "";
  let bytes = 0;
  const put = (s) => {
    out += s;
    bytes += Buffer.byteLength(s);
  };
  const epochDay = daysFromCivil(m.year, m.month, m.day);
  const weekday = ((epochDay % 7) + 7 + 3) % 7;  // Monday 0
  const yearDay = epochDay - daysFromCivil(m.year, 1, 1) + 1;
  const offset = () => {
    const o = Math.abs(m.offsetMin);
    return [m.offsetMin < 0 ? "-" : "+", pad(div(o, 60), 2), pad(o % 60, 2)];
  };
  for (let i = 0; i < f.length; ++i) {
    if (f[i] !== "%") {
      // A code point at a time: a surrogate pair is its 4 UTF-8 bytes.
      const n = f.codePointAt(i) > 0xffff ? 2 : 1;
      put(f.slice(i, i + n));
      i += n - 1;
      continue;
    }
    if (++i >= f.length) fail("the format ends in a lone `%`");
    switch (f[i]) {
      case "Y": put(String(m.year)); break;
      case "y": put(pad(m.year % 100, 2)); break;
      case "m": put(pad(m.month, 2)); break;
      case "d": put(pad(m.day, 2)); break;
      case "H": put(pad(m.hour, 2)); break;
      case "I": put(pad(m.hour % 12 === 0 ? 12 : m.hour % 12, 2)); break;
      case "M": put(pad(m.minute, 2)); break;
      case "S": put(pad(m.second, 2)); break;
      case "f": put(pad(m.micro, 6)); break;
      case "p": put(m.hour < 12 ? "AM" : "PM"); break;
      case "j": put(pad(yearDay, 3)); break;
      case "a": put(WEEKDAYS[weekday].slice(0, 3)); break;
      case "A": put(WEEKDAYS[weekday]); break;
      case "b": put(MONTHS[m.month - 1].slice(0, 3)); break;
      case "B": put(MONTHS[m.month - 1]); break;
      case "z":
        if (m.aware) put(offset().join(""));
        break;
      case "Z":
        if (m.aware) {
          const [sign, h, mi] = offset();
          put(m.offsetMin === 0 ? "UTC" : `UTC${sign}${h}:${mi}`);
        }
        break;
      case "%": put("%"); break;
      default: {
        // The C++ names the byte after `%`: a code point beyond ASCII is
        // refused as the export's own (it has no one-byte name to give).
        const c = f.codePointAt(i);
        if (c > 0x7f) fail("a `date` format with `%` before a non-ASCII character");
        fail(`the directive \`%${f[i]}\` is not supported by \`date\``);
      }
    }
    if (bytes > MAX_OUT) fail("the formatted date is too long");
  }
  return out;
}

/** The `date` and `strftime` filters (strftime: the format is required). */
export function date(v, a) {
  const m = moment(v);
  let f = "%Y-%m-%d";
  if (a.length) {
    if (!isStr(a[0])) fail(`the format of \`date\` must be a str, not ${pyTypeName(a[0])}`);
    f = String(a[0]);
  }
  return formatMoment(m, f);
}
