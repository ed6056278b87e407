// ---------------------------------------------------------------------------
// Jinja2's tests (`x is odd`), one row a test, keyed by the names of
// ir/Tests.cpp (orchc refuses to export a test this table lacks). A row is
// [min args, max args, fn(value, args) -> boolean, compares]; `defined` and
// `undefined` have no fn (orch_eval.mjs answers them from the Val);
// `compares` marks the tests that compare the value with their argument
// (where a `dictsort` result, Python tuples, is refused).
// ---------------------------------------------------------------------------
import { pyArithmetic, pyContains, pyEquals } from "./orch_pyops.mjs";
import { isFloat, isList, isMap, isStr, pyLower, pyStr, pyUpper } from "./orch_values.mjs";

const iterable = (v) => isStr(v) || isList(v) || isMap(v);
const modEquals = (v, n, r) => pyEquals(pyArithmetic("%", v, n), r);

/** str(value).islower() / .isupper(): cased characters, all of one case. */
function caseTest(v, lower) {
  let cased = false;
  for (const c of pyStr(v)) {
    const isLower = pyUpper(c) !== c, isUpper = pyLower(c) !== c;
    if (lower ? isUpper : isLower) return false;
    cased ||= isLower || isUpper;
  }
  return cased;
}

export const TESTS = {
  boolean: [0, 0, (v) => typeof v === "boolean"],
  defined: [0, 0, null],
  divisibleby: [1, 1, (v, a) => modEquals(v, a[0], 0n)],
  eq: [1, 1, (v, a) => pyEquals(v, a[0]), true],
  even: [0, 0, (v) => modEquals(v, 2n, 0n)],
  false: [0, 0, (v) => v === false],
  float: [0, 0, (v) => isFloat(v)],
  in: [1, 1, (v, a) => pyContains(a[0], v), true],
  integer: [0, 0, (v) => typeof v === "bigint"],
  iterable: [0, 0, iterable],
  lower: [0, 0, (v) => caseTest(v, true)],
  mapping: [0, 0, (v) => isMap(v)],
  ne: [1, 1, (v, a) => !pyEquals(v, a[0]), true],
  none: [0, 0, (v) => v === null],
  number: [0, 0, (v) => typeof v === "bigint" || isFloat(v) || typeof v === "boolean"],
  odd: [0, 0, (v) => modEquals(v, 2n, 1n)],
  sequence: [0, 0, iterable],
  string: [0, 0, (v) => isStr(v)],
  true: [0, 0, (v) => v === true],
  undefined: [0, 0, null],
  upper: [0, 0, (v) => caseTest(v, false)],
};

/** Jinja2's aliases (ir/Tests.cpp findTest). */
export const testNamed = (name) => {
  const n = name === "==" || name === "equalto" ? "eq" : name;
  return Object.hasOwn(TESTS, n) ? TESTS[n] : undefined;
};
