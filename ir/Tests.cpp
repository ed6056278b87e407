//===- Tests.cpp - Jinja2's tests on JSON values --------------------------===//
#include "ir/Tests.h"

#include <fmt/format.h>

#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "ir/Unicode.h"

namespace orch::ir {

namespace {

using Args = llvm::ArrayRef<Json>;

llvm::Expected<bool> isNone(const Json &V, Args) { return V.is_null(); }
llvm::Expected<bool> isString(const Json &V, Args) { return V.is_string(); }
/// numbers.Number: bool is an int in Python.
llvm::Expected<bool> isNumber(const Json &V, Args) {
  return V.is_number() || V.is_boolean();
}
llvm::Expected<bool> isInteger(const Json &V, Args) { return V.is_number_integer(); }
llvm::Expected<bool> isFloat(const Json &V, Args) { return V.is_number_float(); }
llvm::Expected<bool> isBoolean(const Json &V, Args) { return V.is_boolean(); }
llvm::Expected<bool> isTrue(const Json &V, Args) {
  return V.is_boolean() && V.get<bool>();
}
llvm::Expected<bool> isFalse(const Json &V, Args) {
  return V.is_boolean() && !V.get<bool>();
}
llvm::Expected<bool> isMapping(const Json &V, Args) { return V.is_object(); }
/// Jinja2: anything with len() and [] (strings and dicts too).
llvm::Expected<bool> isSequence(const Json &V, Args) {
  return V.is_string() || V.is_array() || V.is_object();
}
llvm::Expected<bool> isIterable(const Json &V, Args) {
  return V.is_string() || V.is_array() || V.is_object();
}

/// `value % n == 0`, with Python's `%` (an error for strings and None).
llvm::Expected<bool> divisible(const Json &V, const Json &N) {
  llvm::Expected<Json> R = pyArithmetic(BinaryOp::Mod, V, N);
  if (!R) return R.takeError();
  return pyEquals(*R, Json(0));
}
llvm::Expected<bool> isEven(const Json &V, Args) { return divisible(V, Json(2)); }
llvm::Expected<bool> isOdd(const Json &V, Args) {
  llvm::Expected<Json> R = pyArithmetic(BinaryOp::Mod, V, Json(2));
  if (!R) return R.takeError();
  return pyEquals(*R, Json(1));
}
llvm::Expected<bool> isDivisibleBy(const Json &V, Args A) { return divisible(V, A[0]); }

/// str(value).islower() / .isupper(): cased characters, all of one case.
llvm::Expected<bool> caseTest(const Json &V, bool Lower) {
  std::string S;
  if (TextStatus St = appendPyStr(S, V); St != TextStatus::Ok)
    return llvm::createStringError(describe(St));
  bool Cased = false;
  for (char32_t C : decodeUtf8(S)) {
    CodePoints One(1, C);
    bool IsLower = toUpper(One) != One, IsUpper = toLower(One) != One;
    if (Lower ? IsUpper : IsLower) return false;
    Cased |= IsLower || IsUpper;
  }
  return Cased;
}
llvm::Expected<bool> isLower(const Json &V, Args) { return caseTest(V, true); }
llvm::Expected<bool> isUpper(const Json &V, Args) { return caseTest(V, false); }

llvm::Expected<bool> isEq(const Json &V, Args A) { return pyEquals(V, A[0]); }
llvm::Expected<bool> isNe(const Json &V, Args A) {
  llvm::Expected<bool> E = pyEquals(V, A[0]);
  if (!E) return E.takeError();
  return !*E;
}
llvm::Expected<bool> isIn(const Json &V, Args A) { return pyContains(A[0], V); }

constexpr TestInfo Table[] = {
    {"boolean", 0, 0, "a boolean", isBoolean},
    {"defined", 0, 0, "the value is defined", nullptr},
    {"divisibleby", 1, 1, "value % n == 0", isDivisibleBy},
    {"eq", 1, 1, "equal to the argument (also `==`)", isEq, /*Compares=*/true},
    {"even", 0, 0, "an even number", isEven},
    {"false", 0, 0, "the value false", isFalse},
    {"float", 0, 0, "a float", isFloat},
    {"in", 1, 1, "contained in the argument", isIn, /*Compares=*/true},
    {"integer", 0, 0, "an integer (not a boolean)", isInteger},
    {"iterable", 0, 0, "a string, list or mapping", isIterable},
    {"lower", 0, 0, "text that is all lower case", isLower},
    {"mapping", 0, 0, "a mapping", isMapping},
    {"ne", 1, 1, "not equal to the argument (also `!=`)", isNe, /*Compares=*/true},
    {"none", 0, 0, "the value none", isNone},
    {"number", 0, 0, "a number (booleans too, as in Python)", isNumber},
    {"odd", 0, 0, "an odd number", isOdd},
    {"sequence", 0, 0, "a string, list or mapping (Jinja2's definition)", isSequence},
    {"string", 0, 0, "a string", isString},
    {"true", 0, 0, "the value true", isTrue},
    {"undefined", 0, 0, "the value is undefined", nullptr},
    {"upper", 0, 0, "text that is all upper case", isUpper},
};

}  // namespace

llvm::ArrayRef<TestInfo> tests() { return Table; }

const TestInfo *findTest(llvm::StringRef Name) {
  // Jinja2's aliases.
  if (Name == "==" || Name == "equalto") Name = "eq";
  for (const TestInfo &T : Table)
    if (T.Name == Name) return &T;
  return nullptr;
}

}  // namespace orch::ir
