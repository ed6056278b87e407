//===- PyOps.cpp ----------------------------------------------------------===//
#include "ir/PyOps.h"

#include <fmt/format.h>

#include <cmath>

#include "ir/MakeError.h"
#include "ir/PyText.h"

namespace orch::ir {

using json = orch::ir::Json;

namespace {

llvm::Error tooLargeInt() {
  return makeError(
      "integer overflow: the result does not fit in 64 bits (Jinja would use "
      "an arbitrary-precision integer)");
}

/// A Python number: an int (bools included) or a float.
struct Num {
  bool IsInt = false;
  int64_t I = 0;
  double F = 0;
  double asDouble() const { return IsInt ? static_cast<double>(I) : F; }
};

bool isNum(const json &V) { return V.is_number() || V.is_boolean(); }

llvm::Expected<Num> num(const json &V) {
  if (V.is_number_float()) return Num{false, 0, V.get<double>()};
  if (std::optional<int64_t> I = asInt(V)) return Num{true, *I, 0};
  return tooLargeInt();
}

/// -1, 0, 1 comparing an int with a float exactly; 2 if \p D is NaN.
int cmpIntFloat(int64_t I, double D) {
  if (std::isnan(D)) return 2;
  if (D >= 9223372036854775808.0) return -1;
  if (D < -9223372036854775808.0) return 1;
  double T = std::trunc(D);
  int64_t TI = static_cast<int64_t>(T);
  if (I != TI) return I < TI ? -1 : 1;
  double Frac = D - T;
  return Frac > 0 ? -1 : Frac < 0 ? 1 : 0;
}

/// -1, 0, 1, or 2 if unordered (NaN).
llvm::Expected<int> cmpNum(const json &A, const json &B) {
  if (isHugeInt(A) || isHugeInt(B)) {
    // Compare through 128 bits or exact float conversion.
    auto Wide = [](const json &V) -> std::optional<__int128> {
      if (isHugeInt(V)) return static_cast<__int128>(V.get<uint64_t>());
      if (std::optional<int64_t> I = asInt(V)) return *I;
      return std::nullopt;
    };
    std::optional<__int128> X = Wide(A), Y = Wide(B);
    if (X && Y) return *X < *Y ? -1 : *X > *Y ? 1 : 0;
    double D = X ? B.get<double>() : A.get<double>();
    __int128 W = X ? *X : *Y;
    int C;
    if (std::isnan(D))
      C = 2;
    else if (D >= 1.7e38 || D <= -1.7e38)
      C = D > 0 ? -1 : 1;
    else {
      __int128 T = static_cast<__int128>(std::trunc(D));
      double Frac = D - std::trunc(D);
      C = W != T ? (W < T ? -1 : 1) : Frac > 0 ? -1 : Frac < 0 ? 1 : 0;
    }
    return X || C == 2 ? C : -C;
  }
  llvm::Expected<Num> X = num(A), Y = num(B);
  if (!X) return X.takeError();
  if (!Y) return Y.takeError();
  if (X->IsInt && Y->IsInt) return X->I < Y->I ? -1 : X->I > Y->I ? 1 : 0;
  if (X->IsInt) return cmpIntFloat(X->I, Y->F);
  if (Y->IsInt) {
    int C = cmpIntFloat(Y->I, X->F);
    return C == 2 ? 2 : -C;
  }
  if (std::isnan(X->F) || std::isnan(Y->F)) return 2;
  return X->F < Y->F ? -1 : X->F > Y->F ? 1 : 0;
}

/// The double nearest to A / B for integers, as Python's true division.
double divideInts(int64_t A, int64_t B) {
  const int64_t Exact = int64_t(1) << 53;
  if (A > -Exact && A < Exact && B > -Exact && B < Exact)
    return static_cast<double>(A) / static_cast<double>(B);
  bool Neg = (A < 0) != (B < 0);
  if (A == 0) return Neg ? -0.0 : 0.0;
  unsigned __int128 X = A < 0 ? -static_cast<__int128>(A) : A;
  unsigned __int128 Y = B < 0 ? -static_cast<__int128>(B) : B;
  // Long division to 55+ significant bits, then round half to even.
  unsigned __int128 Q = X / Y, R = X % Y;
  int Exp = 0;
  auto Bits = [](unsigned __int128 V) {
    int N = 0;
    while (V) V >>= 1, ++N;
    return N;
  };
  while (Bits(Q) < 55) {
    R <<= 1;
    Q <<= 1;
    if (R >= Y) {
      R -= Y;
      Q |= 1;
    }
    --Exp;
  }
  int Shift = Bits(Q) - 53;
  unsigned __int128 Low = Q & ((static_cast<unsigned __int128>(1) << Shift) - 1);
  unsigned __int128 Half = static_cast<unsigned __int128>(1) << (Shift - 1);
  Q >>= Shift;
  Exp += Shift;
  if (Low > Half || (Low == Half && (R != 0 || (Q & 1)))) ++Q;
  double D = std::ldexp(static_cast<double>(static_cast<uint64_t>(Q)), Exp);
  return Neg ? -D : D;
}

llvm::Expected<json> repeat(const json &Seq, const json &Times) {
  int64_t N = std::max<int64_t>(0, *asInt(Times));
  if (Seq.is_string() && (N == 0 || Seq.get_ref<const std::string &>().empty()))
    return json("");
  if (Seq.is_array() && (N == 0 || Seq.empty())) return json::array();
  if (Seq.is_string()) {
    const std::string &S = Seq.get_ref<const std::string &>();
    if (!S.empty() && static_cast<uint64_t>(N) > MaxValueBytes / S.size())
      return makeError(describe(TextStatus::TooLarge));
    std::string Out;
    Out.reserve(S.size() * static_cast<size_t>(N));
    for (int64_t I = 0; I < N; ++I) Out += S;
    return json(std::move(Out));
  }
  // A list: its size bounds what the copies hold.
  if (static_cast<uint64_t>(N) > MaxValueBytes / approxBytes(Seq))
    return makeError(describe(TextStatus::TooLarge));
  json Out = json::array();
  for (int64_t I = 0; I < N; ++I)
    for (const json &X : Seq) Out.push_back(X);
  return Out;
}

}  // namespace

std::string pyTypeName(const json &V) {
  if (V.is_null()) return "NoneType";
  if (V.is_boolean()) return "bool";
  if (V.is_number_float()) return "float";
  if (V.is_number()) return "int";
  if (V.is_string()) return "str";
  if (V.is_array()) return "list";
  return "dict";
}

llvm::Expected<bool> pyEquals(const json &A, const json &B, unsigned Depth) {
  if (Depth > MaxEvalValueDepth) return makeError(describe(TextStatus::TooDeep));
  if (isNum(A) && isNum(B)) {
    llvm::Expected<int> C = cmpNum(A, B);
    if (!C) return C.takeError();
    return *C == 0;
  }
  if (A.is_string() && B.is_string()) return A == B;
  if (A.is_null() || B.is_null()) return A.is_null() && B.is_null();
  if (A.is_array() && B.is_array()) {
    if (A.size() != B.size()) return false;
    for (size_t I = 0; I < A.size(); ++I) {
      llvm::Expected<bool> E = pyEquals(A[I], B[I], Depth + 1);
      if (!E || !*E) return E;
    }
    return true;
  }
  if (A.is_object() && B.is_object()) {
    if (A.size() != B.size()) return false;
    for (auto It = A.begin(); It != A.end(); ++It) {
      auto Jt = B.find(It.key());
      if (Jt == B.end()) return false;
      llvm::Expected<bool> E = pyEquals(*It, *Jt, Depth + 1);
      if (!E || !*E) return E;
    }
    return true;
  }
  return false;
}

llvm::Expected<bool> pyOrder(BinaryOp Op, const json &A, const json &B, unsigned Depth) {
  if (Depth > MaxEvalValueDepth) return makeError(describe(TextStatus::TooDeep));
  auto From = [&](int C) {
    if (C == 2) return false;  // NaN: every ordering is false
    switch (Op) {
      case BinaryOp::Lt:
        return C < 0;
      case BinaryOp::Le:
        return C <= 0;
      case BinaryOp::Gt:
        return C > 0;
      default:
        return C >= 0;
    }
  };
  if (isNum(A) && isNum(B)) {
    llvm::Expected<int> C = cmpNum(A, B);
    if (!C) return C.takeError();
    return From(*C);
  }
  if (A.is_string() && B.is_string()) {
    // UTF-8 byte order is code point order.
    int C = A.get_ref<const std::string &>().compare(B.get_ref<const std::string &>());
    return From(C < 0 ? -1 : C > 0 ? 1 : 0);
  }
  if (A.is_array() && B.is_array()) {
    size_t I = 0;
    for (; I < A.size() && I < B.size(); ++I) {
      llvm::Expected<bool> E = pyEquals(A[I], B[I], Depth + 1);
      if (!E) return E.takeError();
      if (!*E) return pyOrder(Op, A[I], B[I], Depth + 1);
    }
    return From(A.size() < B.size() ? -1 : A.size() > B.size() ? 1 : 0);
  }
  return makeError(fmt::format("'{}' not supported between instances of '{}' and '{}'",
                               binaryOpSpelling(Op).str(), pyTypeName(A), pyTypeName(B)));
}

llvm::Expected<bool> pyContains(const json &B, const json &A) {
  if (B.is_string()) {
    if (!A.is_string())
      return makeError(fmt::format(
          "'in <string>' requires string as left operand, not {}", pyTypeName(A)));
    return B.get_ref<const std::string &>().find(A.get_ref<const std::string &>()) !=
           std::string::npos;
  }
  if (B.is_array()) {
    for (const json &X : B) {
      llvm::Expected<bool> E = pyEquals(X, A);
      if (!E || *E) return E;
    }
    return false;
  }
  if (B.is_object()) {
    if (A.is_array() || A.is_object())
      return makeError(fmt::format("unhashable type: '{}'", pyTypeName(A)));
    return A.is_string() && B.contains(A.get_ref<const std::string &>());
  }
  return makeError(fmt::format("argument of type '{}' is not iterable", pyTypeName(B)));
}

llvm::Expected<json> pyArithmetic(BinaryOp Op, const json &A, const json &B) {
  auto Unsupported = [&] {
    return makeError(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'",
                                 binaryOpSpelling(Op).str(), pyTypeName(A),
                                 pyTypeName(B)));
  };
  if (!isNum(A) || !isNum(B)) {
    if (Op == BinaryOp::Add && A.is_string() && B.is_string()) {
      if (A.get_ref<const std::string &>().size() +
              B.get_ref<const std::string &>().size() >
          MaxValueBytes)
        return makeError(describe(TextStatus::TooLarge));
      return json(A.get<std::string>() + B.get<std::string>());
    }
    if (Op == BinaryOp::Add && A.is_array() && B.is_array()) {
      json Out = A;
      if (A.size() + B.size() > MaxValueBytes)
        return makeError(describe(TextStatus::TooLarge));
      Out.insert(Out.end(), B.begin(), B.end());
      return Out;
    }
    if (Op == BinaryOp::Mul) {
      bool AInt = asInt(A).has_value(), BInt = asInt(B).has_value();
      if ((A.is_string() || A.is_array()) && BInt) return repeat(A, B);
      if ((B.is_string() || B.is_array()) && AInt) return repeat(B, A);
    }
    if (Op == BinaryOp::Mod && A.is_string())
      return makeError("string formatting with `%` is not supported");
    return Unsupported();
  }
  llvm::Expected<Num> XE = num(A), YE = num(B);
  if (!XE) return XE.takeError();
  if (!YE) return YE.takeError();
  Num X = *XE, Y = *YE;
  bool Ints = X.IsInt && Y.IsInt;
  if ((Op == BinaryOp::Div || Op == BinaryOp::Mod) && (Y.IsInt ? Y.I == 0 : Y.F == 0.0))
    return makeError(Op == BinaryOp::Div ? "division by zero" : "modulo by zero");
  if (Op == BinaryOp::Div)
    return json(Ints ? divideInts(X.I, Y.I) : X.asDouble() / Y.asDouble());
  if (Op == BinaryOp::Mod) {
    if (Ints) {
      if (Y.I == -1) return json(0);  // also INT64_MIN % -1
      int64_t R = X.I % Y.I;
      if (R != 0 && ((R < 0) != (Y.I < 0))) R += Y.I;
      return json(R);
    }
    double W = Y.asDouble(), M = std::fmod(X.asDouble(), W);
    if (M != 0) {
      if ((W < 0) != (M < 0)) M += W;
    } else {
      M = std::copysign(0.0, W);
    }
    return json(M);
  }
  if (Ints) {
    int64_t Out = 0;
    bool Overflow = Op == BinaryOp::Add   ? __builtin_add_overflow(X.I, Y.I, &Out)
                    : Op == BinaryOp::Sub ? __builtin_sub_overflow(X.I, Y.I, &Out)
                                          : __builtin_mul_overflow(X.I, Y.I, &Out);
    if (Overflow) return tooLargeInt();
    return json(Out);
  }
  double P = X.asDouble(), Q = Y.asDouble();
  return json(Op == BinaryOp::Add ? P + Q : Op == BinaryOp::Sub ? P - Q : P * Q);
}

llvm::Expected<json> pyNegate(const json &A, bool Minus) {
  if (!isNum(A))
    return makeError(fmt::format("bad operand type for unary {}: '{}'", Minus ? '-' : '+',
                                 pyTypeName(A)));
  llvm::Expected<Num> X = num(A);
  if (!X) return X.takeError();
  if (!X->IsInt) return json(Minus ? -X->F : X->F);
  if (!Minus) return json(X->I);
  if (X->I == INT64_MIN) return tooLargeInt();
  return json(-X->I);
}

}  // namespace orch::ir
