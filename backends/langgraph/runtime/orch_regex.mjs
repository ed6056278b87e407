// ---------------------------------------------------------------------------
// `regex_search`, `regex_replace` and `regex_findall`, as ir/FilterRegex.cpp:
// Python's re.search, re.sub and re.findall on str(value) with the subset
// of Python's pattern syntax that ir/Regex.cpp accepts, run on the same
// Pike VM (a port of it: JavaScript's RegExp reads `$`, `\d`, `\w`, `\s`
// and `\b` differently, and steps past an empty match where Python does
// not). The same patterns are refused with the same messages, matches and
// groups are the leftmost-first ones, and findall and sub stop at the same
// work bound. Text is code points. `\w` and `\d` are Unicode properties
// here (L, N and `_`; Nd), where the C++ tables are Python 3.11's
// (Unicode 14): they differ only for characters assigned since.
// ---------------------------------------------------------------------------
import { MAX_VALUE_BYTES, TOO_LARGE, TemplateError, isSpace, isStr, pyStr, pyTypeName } from "./orch_values.mjs";

const fail = (msg) => {
  throw new TemplateError(msg);
};

// Assertions, instructions and parse-tree kinds, as ir/Regex.cpp's.
const BOL = 0, EOL = 1, END_Z = 2, WORD_B = 3, NOT_WORD_B = 4;
const I_CHAR = 0, I_ANY = 1, I_CLASS = 2, I_SPLIT = 3, I_JMP = 4, I_SAVE = 5, I_ASSERT = 6, I_MATCH = 7;
const N_EMPTY = 0, N_CHAR = 1, N_ANY = 2, N_CLASS = 3, N_CAT = 4, N_ALT = 5, N_REPEAT = 6,
  N_GROUP = 7, N_ASSERT = 8;
const MAX_PROGRAM = 20000, MAX_REPEAT = 1000, INF = -1;
/** Groups nested deeper are refused (the parser and code generator recurse). */
const MAX_NESTING = 100;

const WORD = /^[\p{L}\p{N}_]$/u;
const ND = /^\p{Nd}$/u;
// ASCII answered directly (the usual text); beyond it, the properties.
const isAsciiWord = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isWordChar = (c) => (c < 0x80 ? isAsciiWord(c) : WORD.test(String.fromCodePoint(c)));
const isDecimal = (c) => (c < 0x80 ? c >= 48 && c <= 57 : ND.test(String.fromCodePoint(c)));
const isSpaceCp = (c) => (c < 0x80 ? (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20) : isSpace(String.fromCodePoint(c)));
const cp = (ch) => ch.codePointAt(0);
const codePoints = (s) => Array.from(s, cp);

/** The text of code points \p cs[b, e). */
function textOf(cs, b = 0, e = cs.length) {
  let out = "";
  for (let i = b; i < e; i += 4096) out += String.fromCodePoint(...cs.slice(i, Math.min(e, i + 4096)));
  return out;
}

function newClass() {
  return { ranges: [], digit: false, word: false, space: false, notDigit: false, notWord: false,
    notSpace: false, negated: false };
}
const isClassEscape = (k) => k.digit || k.notDigit || k.word || k.notWord || k.space || k.notSpace;

function classMatches(k, c) {
  let inside = false;
  for (const [lo, hi] of k.ranges) if (c >= lo && c <= hi) inside = true;
  const d = isDecimal(c), w = isWordChar(c), s = isSpaceCp(c);
  inside = inside || (k.digit && d) || (k.notDigit && !d) || (k.word && w) || (k.notWord && !w) ||
    (k.space && s) || (k.notSpace && !s);
  return inside !== k.negated;
}

/** Parses a pattern into a tree of nodes (in a vector), as ir/Regex.cpp's Parser. */
class Parser {
  constructor(p, re) {
    this.p = p;
    this.re = re;
    this.i = 0;
    this.depth = 0; // groups open at i
    this.nodes = [];
  }
  at(c) {
    return this.i < this.p.length && this.p[this.i] === cp(c);
  }
  add(n) {
    this.nodes.push({ k: n.k, v: n.v ?? 0, min: n.min ?? 0, max: n.max ?? 0,
      greedy: n.greedy ?? true, kids: n.kids ?? [] });
    return this.nodes.length - 1;
  }
  run() {
    const n = this.alt();
    if (this.i < this.p.length) fail("unbalanced parenthesis");
    return n;
  }
  alt() {
    const kids = [];
    do kids.push(this.cat());
    while (this.at("|") && ++this.i);
    return kids.length === 1 ? kids[0] : this.add({ k: N_ALT, kids });
  }
  cat() {
    const kids = [];
    while (this.i < this.p.length && !this.at("|") && !this.at(")")) kids.push(this.repeat());
    if (!kids.length) return this.add({ k: N_EMPTY });
    return kids.length === 1 ? kids[0] : this.add({ k: N_CAT, kids });
  }
  /** `{m}`, `{m,}`, `{,n}`, `{m,n}` at i: the bounds and the end, or null (a literal `{`). */
  braces() {
    const p = this.p;
    let j = this.i + 1;
    const num = () => {
      const s = j;
      let out = 0;
      while (j < p.length && p[j] >= 48 && p[j] <= 57) out = Math.min(out * 10 + (p[j++] - 48), 2 ** 40);
      return j > s ? out : null;
    };
    const lo = num();
    const min = lo ?? 0;
    if (j < p.length && p[j] === cp("}")) return lo === null ? null : { min, max: min, end: j + 1 };
    if (j >= p.length || p[j] !== cp(",")) return null;
    ++j;
    const hi = num();
    if (j >= p.length || p[j] !== cp("}")) return null;
    return { min, max: hi ?? INF, end: j + 1 };
  }
  quantifierAhead() {
    return this.at("*") || this.at("+") || this.at("?") || (this.at("{") && this.braces() !== null);
  }
  repeat() {
    if (this.quantifierAhead()) fail("nothing to repeat");
    const a = this.atom();
    if (!this.quantifierAhead()) return a;
    if (this.nodes[a].k === N_ASSERT) fail("nothing to repeat");
    const r = { k: N_REPEAT, kids: [a], min: 0, max: 0, greedy: true };
    if (this.at("*")) (r.min = 0), (r.max = INF), ++this.i;
    else if (this.at("+")) (r.min = 1), (r.max = INF), ++this.i;
    else if (this.at("?")) (r.min = 0), (r.max = 1), ++this.i;
    else {
      const b = this.braces();
      (r.min = b.min), (r.max = b.max), (this.i = b.end);
      if (r.max !== INF && r.min > r.max) fail("min repeat greater than max repeat");
      if (r.min > MAX_REPEAT || r.max > MAX_REPEAT)
        fail(`a repeat count above ${MAX_REPEAT} is not supported`);
    }
    if (this.at("?")) {
      r.greedy = false;
      ++this.i;
    } else if (this.at("+")) {
      fail("possessive quantifiers are not supported");
    }
    if (this.quantifierAhead()) fail("multiple repeat");
    if (r.max === INF && this.nullable(a))
      fail("an unbounded repeat of a part that can match the empty string is not supported");
    return this.add(r);
  }
  nullable(n) {
    const x = this.nodes[n];
    switch (x.k) {
      case N_EMPTY:
      case N_ASSERT:
        return true;
      case N_CHAR:
      case N_ANY:
      case N_CLASS:
        return false;
      case N_CAT:
      case N_GROUP:
        return x.kids.every((k) => this.nullable(k));
      case N_ALT:
        return x.kids.some((k) => this.nullable(k));
      case N_REPEAT:
        return x.min === 0 || this.nullable(x.kids[0]);
    }
    return true;
  }
  atom() {
    const c = this.p[this.i++];
    switch (c) {
      case cp("("): {
        if (++this.depth > MAX_NESTING) fail(`groups nested more than ${MAX_NESTING} deep are not supported`);
        let k = N_GROUP, v = 0;
        if (this.at("?")) {
          if (this.i + 1 < this.p.length && this.p[this.i + 1] === cp(":")) {
            this.i += 2;
            k = N_CAT; // a non-capturing group: just its contents
          } else {
            fail("this group syntax `(?...)` is not supported (only `(?:...)`: no lookaround, " +
              "named groups or flags)");
          }
        } else {
          v = ++this.re.groups;
        }
        const inner = this.alt();
        if (!this.at(")")) fail("missing ), unterminated subpattern");
        ++this.i;
        --this.depth;
        return this.add({ k, v, kids: [inner] });
      }
      case cp(")"):
        fail("unbalanced parenthesis");
        break;
      case cp("["):
        return this.set();
      case cp("."):
        return this.add({ k: N_ANY });
      case cp("^"):
        return this.add({ k: N_ASSERT, v: BOL });
      case cp("$"):
        return this.add({ k: N_ASSERT, v: EOL });
      case cp("\\"):
        return this.escape(false, null);
    }
    return this.add({ k: N_CHAR, v: c });
  }
  /**
   * `\x`: an assertion, a class or a character. With \p probe (in a set),
   * a class sets its flags on probe.cls and a character goes in probe.ch;
   * in a set, assertions are errors.
   */
  escape(inSet, probe) {
    if (this.i >= this.p.length) fail("bad escape (end of pattern)");
    const c = this.p[this.i++];
    const ch = (x) => {
      if (probe) {
        probe.ch = x;
        return 0;
      }
      return this.add({ k: N_CHAR, v: x });
    };
    const cls = (flag) => {
      if (probe) {
        probe.cls[flag] = true;
        return 0;
      }
      const k = newClass();
      k[flag] = true;
      this.re.classes.push(k);
      return this.add({ k: N_CLASS, v: this.re.classes.length - 1 });
    };
    const letter = String.fromCodePoint(c);
    const classes = { d: "digit", D: "notDigit", w: "word", W: "notWord", s: "space", S: "notSpace" };
    if (c < 0x80 && classes[letter]) return cls(classes[letter]);
    const controls = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };
    if (c < 0x80 && controls[letter] !== undefined) return ch(controls[letter]);
    if (letter === "x" || letter === "u" || letter === "U") {
      const len = letter === "x" ? 2 : letter === "u" ? 4 : 8;
      let v = 0;
      for (let k = 0; k < len; ++k, ++this.i) {
        if (this.i >= this.p.length) fail(`incomplete escape \\${letter}`);
        const h = this.p[this.i];
        const d = h >= 48 && h <= 57 ? h - 48 : h >= 97 && h <= 102 ? h - 87 : h >= 65 && h <= 70 ? h - 55 : -1;
        if (d < 0) fail(`incomplete escape \\${letter}`);
        v = v * 16 + d;
      }
      if (v > 0x10ffff) fail("bad escape: code point out of range");
      return ch(v);
    }
    if (inSet && letter === "b") return ch(8);
    if (!inSet) {
      if (letter === "A") return this.add({ k: N_ASSERT, v: BOL });
      if (letter === "Z") return this.add({ k: N_ASSERT, v: END_Z });
      if (letter === "b") return this.add({ k: N_ASSERT, v: WORD_B });
      if (letter === "B") return this.add({ k: N_ASSERT, v: NOT_WORD_B });
    }
    if (c >= 48 && c <= 57) fail("backreferences and octal escapes are not supported");
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) fail(`bad escape \\${letter}`);
    return ch(c);
  }
  /** The end of a range after `-`, or the start of an item: a character, or a class escape. */
  setItem() {
    if (!this.at("\\")) return { ch: this.p[this.i++], cls: null };
    ++this.i;
    const probe = { ch: 0, cls: newClass() };
    this.escape(true, probe);
    return isClassEscape(probe.cls) ? probe : { ch: probe.ch, cls: null };
  }
  set() {
    const k = newClass();
    if (this.at("^")) {
      k.negated = true;
      ++this.i;
    }
    const rangeAhead = () => this.at("-") && this.i + 1 < this.p.length && this.p[this.i + 1] !== cp("]");
    for (let first = true; ; first = false) {
      if (this.i >= this.p.length) fail("unterminated character set");
      if (this.at("]") && !first) {
        ++this.i;
        break;
      }
      const lo = this.setItem();
      if (lo.cls) {
        for (const f of ["digit", "notDigit", "word", "notWord", "space", "notSpace"]) k[f] ||= lo.cls[f];
        if (rangeAhead()) fail("bad character range");
        continue;
      }
      let hi = lo.ch;
      if (rangeAhead()) {
        ++this.i;
        const end = this.setItem();
        if (end.cls) fail("bad character range");
        hi = end.ch;
        if (hi < lo.ch) fail("bad character range");
      }
      k.ranges.push([lo.ch, hi]);
    }
    this.re.classes.push(k);
    return this.add({ k: N_CLASS, v: this.re.classes.length - 1 });
  }
}

/** Emits the program of a parse tree, as ir/Regex.cpp's CodeGen. */
function emit(nodes, re, n) {
  const prog = re.prog;
  const tooLarge = () => fail("the pattern is too large once its repeats are expanded");
  if (prog.length > MAX_PROGRAM) tooLarge();
  const x = nodes[n];
  const push = (k, a = 0, b = 0) => prog.push({ k, x: a, y: b });
  const split = (at, body, out, greedy) => {
    prog[at].x = greedy ? body : out;
    prog[at].y = greedy ? out : body;
  };
  switch (x.k) {
    case N_EMPTY:
      return;
    case N_CHAR:
      return void push(I_CHAR, x.v);
    case N_ANY:
      return void push(I_ANY);
    case N_CLASS:
      return void push(I_CLASS, x.v);
    case N_ASSERT:
      return void push(I_ASSERT, x.v);
    case N_CAT:
      for (const k of x.kids) emit(nodes, re, k);
      return;
    case N_GROUP:
      push(I_SAVE, 2 * x.v);
      emit(nodes, re, x.kids[0]);
      return void push(I_SAVE, 2 * x.v + 1);
    case N_ALT: {
      const jumps = [];
      x.kids.forEach((kid, k) => {
        const at = prog.length, last = k + 1 === x.kids.length;
        if (!last) push(I_SPLIT);
        emit(nodes, re, kid);
        if (!last) {
          jumps.push(prog.length);
          push(I_JMP);
          prog[at].x = at + 1;
          prog[at].y = prog.length;
        }
      });
      for (const j of jumps) prog[j].x = prog.length;
      return;
    }
    case N_REPEAT: {
      const body = x.kids[0];
      for (let k = 0; k < x.min; ++k) emit(nodes, re, body);
      if (x.max === INF) {
        const at = prog.length;
        push(I_SPLIT);
        emit(nodes, re, body);
        push(I_JMP, at);
        return void split(at, at + 1, prog.length, x.greedy);
      }
      const splits = [];
      for (let k = x.min; k < x.max; ++k) {
        splits.push(prog.length);
        push(I_SPLIT);
        emit(nodes, re, body);
        if (prog.length > MAX_PROGRAM) tooLarge();
      }
      for (const s of splits) split(s, s + 1, prog.length, x.greedy);
    }
  }
}

const CACHE = new Map();

/** The compiled \p pattern (each distinct one compiled once; 256 kept). */
export function compile(pattern) {
  const hit = CACHE.get(pattern);
  if (hit) return hit;
  const re = { prog: [], classes: [], groups: 0 };
  const parser = new Parser(codePoints(pattern), re);
  const root = parser.run();
  re.prog.push({ k: I_SAVE, x: 0, y: 0 });
  emit(parser.nodes, re, root);
  re.prog.push({ k: I_SAVE, x: 1, y: 0 }, { k: I_MATCH, x: 0, y: 0 });
  if (CACHE.size > 256) CACHE.clear();
  CACHE.set(pattern, re);
  return re;
}

/**
 * The leftmost-first match of \p re in code points \p s at or after \p from:
 * the start and end of the match and of each group (-1: did not take part),
 * or null. An empty match at \p noEmptyAt is skipped. Each VM thread step
 * takes one from budget.left; when it runs out the search gives up (null,
 * budget.left 0).
 */
export function search(re, s, from, noEmptyAt = -1, budget = null) {
  const prog = re.prog, nCaps = 2 * (re.groups + 1), n = s.length;
  // One array of generations per pattern, kept across searches (findall and
  // sub search once a match: a fresh array each time would cost the
  // program's size a match, outside the work bound).
  // A search adds at most two generations a character (2^27 for 64 MiB).
  if (!re.seen || re.gen > 2 ** 31) (re.seen = new Uint32Array(prog.length)), (re.gen = 0);
  const seen = re.seen;
  let gen = re.gen, matched = null, cur = [], next = [];
  const word = (p) => p < n && isWordChar(s[p]);
  const holds = (kind, p) => {
    switch (kind) {
      case BOL:
        return p === 0;
      case EOL:
        return p === n || (p + 1 === n && s[p] === 10);
      case END_Z:
        return p === n;
      default: {
        const b = (p > 0 && word(p - 1)) !== word(p);
        // As in sre, `\B` never matches in an empty string.
        return kind === WORD_B ? b : !b && n > 0;
      }
    }
  };
  // Follows the empty-width instructions from pc at position p, adding the
  // threads that wait for a character (or match) to list in priority order.
  const addThread = (list, pc0, caps0, p) => {
    const stack = [[pc0, caps0]];
    while (stack.length) {
      const [pc, caps] = stack.pop();
      if (seen[pc] === gen) continue;
      seen[pc] = gen;
      const x = prog[pc];
      switch (x.k) {
        case I_JMP:
          stack.push([x.x, caps]);
          break;
        case I_SPLIT:
          stack.push([x.y, caps.slice()], [x.x, caps]);
          break;
        case I_SAVE:
          caps[x.x] = p;
          stack.push([pc + 1, caps]);
          break;
        case I_ASSERT:
          if (holds(x.x, p)) stack.push([pc + 1, caps]);
          break;
        default:
          list.push({ pc, caps });
      }
    }
  };
  for (let p = from; ; ++p) {
    ++gen;
    // Threads carried over were added under the previous generation: mark
    // them seen so a new thread does not duplicate them.
    for (const t of cur) seen[t.pc] = gen;
    if (!matched) {
      const fresh = [];
      addThread(fresh, 0, new Array(nCaps).fill(-1), p);
      cur.push(...fresh);
    }
    if (!cur.length && matched) break;
    ++gen;
    next = [];
    if (budget) {
      if (budget.left < cur.length + 1) {
        budget.left = 0;
        re.gen = gen;
        return null;
      }
      budget.left -= cur.length + 1;
    }
    for (const t of cur) {
      const x = prog[t.pc];
      if (x.k === I_MATCH) {
        if (noEmptyAt >= 0 && t.caps[0] === noEmptyAt && t.caps[1] === noEmptyAt) continue;
        matched = t.caps;
        break; // lower-priority threads lose
      }
      if (p >= n) continue;
      const c = s[p];
      const ok = x.k === I_CHAR ? c === x.x : x.k === I_ANY ? c !== 10 : x.k === I_CLASS ? classMatches(re.classes[x.x], c) : false;
      if (ok) addThread(next, t.pc + 1, t.caps, p + 1);
    }
    cur = next;
    if (p >= n) break;
  }
  re.gen = gen;
  return matched;
}

/** VM thread steps one findall or sub may take, as ir/FilterRegex.cpp. */
const FIXED_STEPS = 20000000, STEPS_PER_CHAR = 64;

function prepare(v, pattern, who) {
  if (!isStr(pattern)) fail(`the pattern of \`${who}\` must be a str, not ${pyTypeName(pattern)}`);
  const re = compile(pattern);
  return { re, text: codePoints(pyStr(v)) };
}

/** Calls \p each with every match's captures, as Python's finditer finds them. */
function eachMatch(subject, who, each) {
  const { re, text } = subject;
  const budget = { left: FIXED_STEPS + STEPS_PER_CHAR * text.length };
  let pos = 0, noEmpty = -1;
  for (;;) {
    if (pos > text.length) break;
    const caps = search(re, text, pos, noEmpty, budget);
    if (!caps) break;
    each(caps);
    pos = caps[1];
    noEmpty = caps[1] === caps[0] ? caps[1] : -1;
  }
  if (budget.left === 0)
    fail(`\`${who}\` gave up: the pattern rescans the text after each match, which would take more ` +
      `than ${FIXED_STEPS} + ${STEPS_PER_CHAR} per character VM steps`);
}

function group(subject, caps, g) {
  const b = caps[2 * g], e = caps[2 * g + 1];
  return b < 0 || e < b ? "" : textOf(subject.text, b, e);
}

/** Appends \p repl with its group references expanded to \p out (code points), as re.sub. */
function expandReplacement(re, repl, s, caps, out) {
  const t = codePoints(repl);
  const addGroup = (g) => {
    if (g < 0 || g > re.groups) fail(`invalid group reference ${g}`);
    const b = caps[2 * g], e = caps[2 * g + 1];
    if (b >= 0 && e >= b) for (let i = b; i < e; ++i) out.push(s[i]);
  };
  const isDigit = (c) => c >= 48 && c <= 57;
  const escapes = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7, b: 8, "\\": 92 };
  for (let i = 0; i < t.length; ++i) {
    let c = t[i];
    if (c !== 92) {
      out.push(c);
      continue;
    }
    if (++i >= t.length) fail("bad escape (end of pattern)");
    c = t[i];
    if (c >= 49 && c <= 57) {
      let g = c - 48;
      if (i + 1 < t.length && isDigit(t[i + 1])) g = g * 10 + (t[++i] - 48);
      addGroup(g);
      continue;
    }
    if (c === cp("g")) {
      if (i + 1 >= t.length || t[i + 1] !== cp("<")) fail("missing < in \\g");
      let j = i + 2, g = 0, digits = j < t.length && t[j] !== cp(">");
      for (; j < t.length && t[j] !== cp(">"); ++j) {
        if (!isDigit(t[j])) digits = false;
        if (digits) g = Math.min(g * 10 + (t[j] - 48), 1 << 20);
      }
      if (j >= t.length) fail("missing >, unterminated name");
      if (!digits) fail("named group references are not supported");
      addGroup(g);
      i = j;
      continue;
    }
    const letter = String.fromCodePoint(c);
    if (c < 0x80 && escapes[letter] !== undefined) {
      out.push(escapes[letter]);
      continue;
    }
    if (c === 48 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90))
      fail(`bad escape \\${letter} in the replacement`);
    out.push(92, c);
  }
}

/** `regex_search(pattern)`: the first match, or none. */
export function regexSearch(v, a) {
  const s = prepare(v, a[0], "regex_search");
  const caps = search(s.re, s.text, 0);
  return caps ? group(s, caps, 0) : null;
}

/** `regex_replace(pattern, replacement="")`: re.sub. */
export function regexReplace(v, a) {
  const s = prepare(v, a[0], "regex_replace");
  let repl = "";
  if (a.length > 1) {
    if (!isStr(a[1]))
      fail(`the replacement of \`regex_replace\` must be a str, not ${pyTypeName(a[1])}`);
    repl = a[1];
  }
  const out = [];
  let last = 0;
  eachMatch(s, "regex_replace", (caps) => {
    for (let i = last; i < caps[0]; ++i) out.push(s.text[i]);
    expandReplacement(s.re, repl, s.text, caps, out);
    last = caps[1];
    if (out.length * 4 > MAX_VALUE_BYTES) fail(TOO_LARGE);
  });
  for (let i = last; i < s.text.length; ++i) out.push(s.text[i]);
  return textOf(out);
}

/** `regex_findall(pattern)`: re.findall with at most one group. */
export function regexFindall(v, a) {
  const s = prepare(v, a[0], "regex_findall");
  if (s.re.groups > 1)
    fail("`regex_findall` with more than one group is not supported (Python returns tuples)");
  const out = [];
  let bytes = 0;
  eachMatch(s, "regex_findall", (caps) => {
    const g = group(s, caps, s.re.groups === 1 ? 1 : 0);
    bytes += Buffer.byteLength(g) + 8;
    if (bytes > MAX_VALUE_BYTES) fail(TOO_LARGE);
    out.push(g);
  });
  return out;
}
