//===- Eval.cpp - Template semantics --------------------------------------===//
#include "ir/Eval.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "ir/Filters.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::ir {

using nlohmann::json;

namespace {

/// A value, or the fact that it is undefined (and why).

std::string source(const Expr *E) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  printExpr(OS, E);
  return S;
}

llvm::Error fail(const Expr *E, const std::string &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 fmt::format("in `{}`: {}", source(E), Msg));
}

struct Val {
  json V;
  bool Undefined = false;
  std::string Why;  ///< What was undefined, for the error.
  /// `steps` or `inputs` itself: a namespace to index, not a value.
  enum class Space : uint8_t { None, Steps, Inputs } Root = Space::None;
};

llvm::Error notAValue(const Expr *E) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "in `" + source(E) + "`: `steps` and `inputs` are not values on their own");
}

Val undefined(std::string Why) { return {nullptr, true, std::move(Why)}; }

bool isNumber(const json &V) { return V.is_number(); }
bool isInt(const json &V) { return V.is_number_integer() || V.is_number_unsigned(); }

std::string typeName(const json &V) {
  if (V.is_null()) return "null";
  if (V.is_boolean()) return "a boolean";
  if (isInt(V)) return "an integer";
  if (V.is_number()) return "a number";
  if (V.is_string()) return "a string";
  if (V.is_array()) return "a list";
  return "a mapping";
}

class Evaluator {
 public:
  explicit Evaluator(const EvalScope &S) : Scope(S) {}

  llvm::Expected<Val> eval(const Expr *E);

 private:
  llvm::Expected<Val> name(const NameExpr *N);
  llvm::Expected<Val> member(const Expr *E, const Val &Base, const json &Key);
  llvm::Expected<Val> filter(const FilterExpr *F);
  llvm::Expected<Val> binary(const BinaryExpr *B);
  /// The step id \p E names (`steps.x`, `steps['x']`, or a bare `x` that
  /// is no input), or "" if it names none.
  llvm::StringRef stepRef(const Expr *E) const;
  /// `steps.x.<Key>` through EvalScope::stepField, or null to take the
  /// general path (which then says what is undefined).
  std::optional<Val> stepField(const Expr *Base, const json &Key) const;

  llvm::Expected<json> defined(const Expr *E) {
    llvm::Expected<Val> V = eval(E);
    if (!V) return V.takeError();
    if (V->Undefined) return fail(E, V->Why + " is undefined");
    if (V->Root != Val::Space::None) return notAValue(E);
    return std::move(V->V);
  }

  const EvalScope &Scope;
};

llvm::Expected<Val> Evaluator::name(const NameExpr *N) {
  llvm::StringRef Id = N->name();
  if (Id == "steps") return Val{nullptr, false, "", Val::Space::Steps};
  if (Id == "inputs") return Val{nullptr, false, "", Val::Space::Inputs};
  if (const json *I = Scope.input(Id)) return Val{*I};
  if (const json *S = Scope.step(Id)) return Val{*S};
  return undefined("`" + Id.str() + "`");
}

llvm::StringRef Evaluator::stepRef(const Expr *E) const {
  if (auto *N = llvm::dyn_cast<NameExpr>(E)) {
    llvm::StringRef Id = N->name();
    if (Id == "steps" || Id == "inputs" || Scope.input(Id)) return {};
    return Id;
  }
  const Expr *Base = nullptr;
  llvm::StringRef Id;
  if (auto *A = llvm::dyn_cast<AttrExpr>(E)) {
    Base = A->base();
    Id = A->attr();
  } else if (auto *I = llvm::dyn_cast<IndexExpr>(E)) {
    auto *L = llvm::dyn_cast<LiteralExpr>(I->index());
    if (!L || L->value().Ty != Type::String) return {};
    Base = I->base();
    Id = L->value().S;
  }
  auto *N = llvm::dyn_cast_or_null<NameExpr>(Base);
  return N && N->name() == "steps" ? Id : llvm::StringRef();
}

std::optional<Val> Evaluator::stepField(const Expr *Base, const json &Key) const {
  if (!Key.is_string()) return std::nullopt;
  llvm::StringRef Id = stepRef(Base);
  if (Id.empty()) return std::nullopt;
  if (const json *F = Scope.stepField(Id, Key.get_ref<const std::string &>()))
    return Val{*F, false, {}, Val::Space::None};
  return std::nullopt;
}

llvm::Expected<Val> Evaluator::member(const Expr *E, const Val &Base, const json &Key) {
  std::string What = "`" + source(E) + "`";
  if (Base.Undefined) return Base;
  const json &B = Base.V;
  if (Base.Root != Val::Space::None) {
    if (!Key.is_string()) return undefined(What);
    const json *X = Base.Root == Val::Space::Steps ? Scope.step(Key.get<std::string>())
                                                   : Scope.input(Key.get<std::string>());
    if (X) return Val{*X};
    return undefined(What);
  }
  if (B.is_object()) {
    std::string K = Key.is_string() ? Key.get<std::string>() : toJsonText(Key);
    auto It = B.find(K);
    if (It == B.end()) return undefined(What);
    return Val{*It};
  }
  if (B.is_array() || B.is_string()) {
    int64_t I;
    if (isInt(Key))
      I = Key.get<int64_t>();
    else if (!Key.is_string() ||
             llvm::StringRef(Key.get<std::string>()).getAsInteger(10, I))
      return fail(
          E, fmt::format("{} cannot be indexed by {}", typeName(B), toJsonText(Key)));
    int64_t N = B.is_array() ? static_cast<int64_t>(B.size())
                             : static_cast<int64_t>(B.get<std::string>().size());
    if (I < 0) I += N;
    if (I < 0 || I >= N) return undefined(What);
    if (B.is_array()) return Val{B[static_cast<size_t>(I)]};
    return Val{json(B.get<std::string>().substr(static_cast<size_t>(I), 1))};
  }
  return fail(
      E, fmt::format("{} has no attribute or item {}", typeName(B), toJsonText(Key)));
}

llvm::Expected<Val> Evaluator::eval(const Expr *E) {
  switch (E->kind()) {
    case Expr::Kind::Literal:
      return Val{scalarToJson(llvm::cast<LiteralExpr>(E)->value())};
    case Expr::Kind::Name:
      return name(llvm::cast<NameExpr>(E));
    case Expr::Kind::Attr: {
      auto *A = llvm::cast<AttrExpr>(E);
      if (std::optional<Val> F = stepField(A->base(), json(A->attr().str())))
        return std::move(*F);
      llvm::Expected<Val> B = eval(A->base());
      if (!B) return B.takeError();
      return member(E, *B, json(A->attr().str()));
    }
    case Expr::Kind::Index: {
      auto *I = llvm::cast<IndexExpr>(E);
      if (!stepRef(I->base()).empty()) {
        llvm::Expected<json> K = defined(I->index());
        if (!K) return K.takeError();
        if (std::optional<Val> F = stepField(I->base(), *K)) return std::move(*F);
      }
      llvm::Expected<Val> B = eval(I->base());
      if (!B) return B.takeError();
      llvm::Expected<json> K = defined(I->index());
      if (!K) return K.takeError();
      return member(E, *B, *K);
    }
    case Expr::Kind::Filter:
      return filter(llvm::cast<FilterExpr>(E));
    case Expr::Kind::Unary: {
      auto *U = llvm::cast<UnaryExpr>(E);
      llvm::Expected<json> V = defined(U->operand());
      if (!V) return V.takeError();
      if (U->op() == UnaryOp::Not) return Val{json(!truthy(*V))};
      if (!isNumber(*V)) return fail(E, "cannot negate " + typeName(*V));
      if (U->op() == UnaryOp::Plus) return Val{*V};
      if (isInt(*V)) return Val{json(-V->get<int64_t>())};
      return Val{json(-V->get<double>())};
    }
    case Expr::Kind::Binary:
      return binary(llvm::cast<BinaryExpr>(E));
    case Expr::Kind::List: {
      json L = json::array();
      for (const Expr *I : llvm::cast<ListExpr>(E)->items()) {
        llvm::Expected<json> V = defined(I);
        if (!V) return V.takeError();
        L.push_back(std::move(*V));
      }
      return Val{L};
    }
  }
  return fail(E, "unknown expression");
}

llvm::Expected<Val> Evaluator::binary(const BinaryExpr *B) {
  BinaryOp Op = B->op();
  if (Op == BinaryOp::And || Op == BinaryOp::Or) {
    // Jinja: the deciding operand itself.
    llvm::Expected<json> L = defined(B->lhs());
    if (!L) return L.takeError();
    if (Op == BinaryOp::And ? !truthy(*L) : truthy(*L)) return Val{*L};
    llvm::Expected<json> R = defined(B->rhs());
    if (!R) return R.takeError();
    return Val{*R};
  }
  llvm::Expected<json> L = defined(B->lhs());
  if (!L) return L.takeError();
  llvm::Expected<json> R = defined(B->rhs());
  if (!R) return R.takeError();
  const json &X = *L, &Y = *R;
  auto Mismatch = [&] {
    return fail(B, fmt::format("`{}` does not apply to {} and {}",
                               binaryOpSpelling(Op).str(), typeName(X), typeName(Y)));
  };
  switch (Op) {
    case BinaryOp::Concat:
      return Val{json(displayString(X) + displayString(Y))};
    case BinaryOp::Eq:
      return Val{json(
          X == Y || (isNumber(X) && isNumber(Y) && X.get<double>() == Y.get<double>()))};
    case BinaryOp::Ne:
      return Val{json(!(
          X == Y || (isNumber(X) && isNumber(Y) && X.get<double>() == Y.get<double>())))};
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge: {
      int C;
      if (isNumber(X) && isNumber(Y)) {
        double A = X.get<double>(), Bv = Y.get<double>();
        C = A < Bv ? -1 : A > Bv ? 1 : 0;
      } else if (X.is_string() && Y.is_string()) {
        C = X.get<std::string>().compare(Y.get<std::string>());
      } else {
        return Mismatch();
      }
      bool R2 = Op == BinaryOp::Lt   ? C < 0
                : Op == BinaryOp::Le ? C <= 0
                : Op == BinaryOp::Gt ? C > 0
                                     : C >= 0;
      return Val{json(R2)};
    }
    case BinaryOp::In:
    case BinaryOp::NotIn: {
      bool Found;
      if (Y.is_string() && X.is_string())
        Found = Y.get<std::string>().find(X.get<std::string>()) != std::string::npos;
      else if (Y.is_array())
        Found = std::find(Y.begin(), Y.end(), X) != Y.end();
      else if (Y.is_object() && X.is_string())
        Found = Y.contains(X.get<std::string>());
      else
        return Mismatch();
      return Val{json(Op == BinaryOp::In ? Found : !Found)};
    }
    case BinaryOp::Add:
      if (X.is_string() && Y.is_string())
        return Val{json(X.get<std::string>() + Y.get<std::string>())};
      if (X.is_array() && Y.is_array()) {
        json Out = X;
        Out.insert(Out.end(), Y.begin(), Y.end());
        return Val{Out};
      }
      [[fallthrough]];
    case BinaryOp::Sub:
    case BinaryOp::Mul:
    case BinaryOp::Div:
    case BinaryOp::Mod: {
      if (!isNumber(X) || !isNumber(Y)) {
        if (Op == BinaryOp::Mul && X.is_string() && isInt(Y))  // "ab" * 2
        {
          std::string Out;
          for (int64_t I = 0; I < std::min<int64_t>(Y.get<int64_t>(), 1 << 20); ++I)
            Out += X.get<std::string>();
          return Val{json(Out)};
        }
        return Mismatch();
      }
      bool Ints = isInt(X) && isInt(Y);
      if (Op == BinaryOp::Div) {
        if (Y.get<double>() == 0) return fail(B, "division by zero");
        return Val{json(X.get<double>() / Y.get<double>())};
      }
      if (Op == BinaryOp::Mod) {
        if (Y.get<double>() == 0) return fail(B, "division by zero");
        if (Ints) {
          int64_t A = X.get<int64_t>(), M = Y.get<int64_t>();
          int64_t R2 = A % M;
          if (R2 != 0 && ((R2 < 0) != (M < 0))) R2 += M;  // Python's sign rule
          return Val{json(R2)};
        }
        return Val{json(std::fmod(X.get<double>(), Y.get<double>()))};
      }
      if (Ints) {
        int64_t A = X.get<int64_t>(), C = Y.get<int64_t>(), Out;
        bool Overflow = Op == BinaryOp::Add   ? __builtin_add_overflow(A, C, &Out)
                        : Op == BinaryOp::Sub ? __builtin_sub_overflow(A, C, &Out)
                                              : __builtin_mul_overflow(A, C, &Out);
        if (!Overflow) return Val{json(Out)};
      }
      double A = X.get<double>(), C = Y.get<double>();
      return Val{json(Op == BinaryOp::Add ? A + C : Op == BinaryOp::Sub ? A - C : A * C)};
    }
    default:
      return Mismatch();
  }
}

llvm::Expected<Val> Evaluator::filter(const FilterExpr *F) {
  llvm::StringRef N = F->name();
  llvm::Expected<Val> BaseV = eval(F->base());
  if (!BaseV) return BaseV.takeError();
  std::vector<json> Args;
  for (const Expr *A : F->args()) {
    llvm::Expected<json> V = defined(A);
    if (!V) return V.takeError();
    Args.push_back(std::move(*V));
  }
  if (!findFilter(N)) return fail(F, "unknown filter `" + N.str() + "`");
  if (N == "default") {
    bool Falsy = Args.size() > 1 && truthy(Args[1]);
    if (BaseV->Undefined || (Falsy && !truthy(BaseV->V))) return Val{Args[0]};
    return *BaseV;
  }
  if (BaseV->Undefined) return fail(F, BaseV->Why + " is undefined");
  if (BaseV->Root != Val::Space::None) return notAValue(F->base());
  const json &V = BaseV->V;
  // `first` and `last` of nothing are undefined, so `default` catches them.
  if ((N == "first" || N == "last") && (V.is_string() || V.is_array()) && V.empty())
    return undefined("`" + source(F) + "`");
  llvm::Expected<json> R = applyFilter(N, V, Args);
  if (!R) return fail(F, llvm::toString(R.takeError()));
  return Val{std::move(*R)};
}

}  // namespace

llvm::Expected<json> applyFilter(llvm::StringRef N, const json &V,
                                 llvm::ArrayRef<json> Args) {
  const FilterInfo *Info = findFilter(N);
  if (!Info) return llvm::createStringError("unknown filter `" + N.str() + "`");
  if (Args.size() < Info->MinArgs || Args.size() > Info->MaxArgs)
    return llvm::createStringError(
        fmt::format("filter `{}` takes {} to {} arguments, {} given", N.str(),
                    Info->MinArgs, Info->MaxArgs, Args.size()));
  auto Str = [&] { return V.is_string() ? V.get<std::string>() : displayString(V); };
  auto Need = [&](bool Ok, const char *What) -> llvm::Error {
    if (Ok) return llvm::Error::success();
    return llvm::createStringError(
        fmt::format("`{}` needs {}, found {}", N.str(), What, typeName(V)));
  };
  if (N == "default") return V.is_null() ? Args[0] : V;
  if (N == "upper") return json(llvm::StringRef(Str()).upper());
  if (N == "lower") return json(llvm::StringRef(Str()).lower());
  if (N == "trim") return json(llvm::StringRef(Str()).trim().str());
  if (N == "string") return json(Str());
  if (N == "capitalize") {
    std::string S = llvm::StringRef(Str()).lower();
    if (!S.empty()) S[0] = llvm::toUpper(S[0]);
    return json(S);
  }
  if (N == "title") {
    std::string S = Str();
    bool Start = true;
    for (char &C : S) {
      C = Start ? llvm::toUpper(C) : llvm::toLower(C);
      Start = !llvm::isAlnum(C);
    }
    return json(S);
  }
  if (N == "length") {
    if (V.is_string()) return json(V.get<std::string>().size());
    if (llvm::Error E = Need(V.is_array() || V.is_object(), "a string, list or mapping"))
      return std::move(E);
    return json(V.size());
  }
  if (N == "first" || N == "last") {
    if (V.is_string()) {
      std::string S = V.get<std::string>();
      if (S.empty())
        return llvm::createStringError("`" + N.str() + "` of an empty string");
      return json(N == "first" ? S.substr(0, 1) : S.substr(S.size() - 1));
    }
    if (llvm::Error E = Need(V.is_array(), "a list or string")) return std::move(E);
    if (V.empty()) return llvm::createStringError("`" + N.str() + "` of an empty list");
    return N == "first" ? V.front() : V.back();
  }
  if (N == "join") {
    if (llvm::Error E = Need(V.is_array(), "a list")) return std::move(E);
    std::string Sep = Args.empty() ? "" : displayString(Args[0]), Out;
    for (size_t I = 0; I < V.size(); ++I) Out += (I ? Sep : "") + displayString(V[I]);
    return json(Out);
  }
  if (N == "replace") {
    std::string S = Str(), From = displayString(Args[0]), To = displayString(Args[1]);
    int64_t Count = Args.size() > 2 && isInt(Args[2]) ? Args[2].get<int64_t>() : -1;
    if (From.empty()) return json(S);
    std::string Out;
    size_t P = 0;
    for (size_t Q; Count != 0 && (Q = S.find(From, P)) != std::string::npos; --Count) {
      Out += S.substr(P, Q - P) + To;
      P = Q + From.size();
    }
    return json(Out + S.substr(P));
  }
  if (N == "truncate") {
    std::string S = Str(), End = Args.size() > 1 ? displayString(Args[1]) : "...";
    int64_t Len = isInt(Args[0]) ? Args[0].get<int64_t>() : 255;
    if (Len < 0 || static_cast<size_t>(Len) >= S.size()) return json(S);
    size_t Keep =
        static_cast<size_t>(std::max<int64_t>(0, Len - static_cast<int64_t>(End.size())));
    return json(S.substr(0, Keep) + End);
  }
  if (N == "tojson") {
    int Indent =
        !Args.empty() && isInt(Args[0]) ? static_cast<int>(Args[0].get<int64_t>()) : -1;
    return json(toJsonText(V, Indent));
  }
  if (N == "int" || N == "float") {
    std::optional<json> Fallback;
    if (!Args.empty()) Fallback = Args[0];
    double D;
    if (isNumber(V))
      D = V.get<double>();
    else if (V.is_boolean())
      D = V.get<bool>();
    else if (V.is_string() &&
             !llvm::StringRef(V.get<std::string>()).trim().getAsDouble(D)) {
    } else if (Fallback)
      return *Fallback;
    else
      return llvm::createStringError(
          fmt::format("cannot convert {} to a number", toJsonText(V)));
    if (N == "int") return json(static_cast<int64_t>(std::trunc(D)));
    return json(D);
  }
  if (N == "abs") {
    if (llvm::Error E = Need(isNumber(V), "a number")) return std::move(E);
    if (isInt(V)) return json(std::llabs(V.get<int64_t>()));
    return json(std::fabs(V.get<double>()));
  }
  if (N == "round") {
    if (llvm::Error E = Need(isNumber(V), "a number")) return std::move(E);
    int64_t Digits = !Args.empty() && isInt(Args[0]) ? Args[0].get<int64_t>() : 0;
    double Scale = std::pow(10.0, static_cast<double>(Digits));
    return json(std::round(V.get<double>() * Scale) / Scale);
  }
  return llvm::createStringError("filter `" + N.str() + "` is not implemented");
}

json scalarToJson(const Scalar &S) {
  switch (S.Ty) {
    case Type::Bool:
      return S.B;
    case Type::Int:
      return S.I;
    case Type::Float:
      return S.F;
    case Type::String:
      return S.S.str();
    default:
      return nullptr;
  }
}

Value *jsonToValue(const json &J, Arena &A, SourceLoc L, uint32_t Len) {
  if (J.is_array()) {
    llvm::SmallVector<Value *, 8> Items;
    for (const json &I : J) Items.push_back(jsonToValue(I, A, L, Len));
    return A.create<ListValue>(L, Len, A.copyArray<Value *>(Items));
  }
  if (J.is_object()) {
    llvm::SmallVector<MapEntry, 8> Entries;
    for (auto &[K, V] : J.items())
      Entries.push_back({A.save(K), L, jsonToValue(V, A, L, Len)});
    return A.create<MapValue>(L, Len, A.copyArray<MapEntry>(Entries));
  }
  Scalar S;
  if (J.is_boolean())
    S = Scalar::boolean(J.get<bool>());
  else if (J.is_number_integer())
    S = Scalar::integer(J.get<int64_t>());
  else if (J.is_number())
    S = Scalar::real(J.get<double>());
  else if (J.is_string())
    S = Scalar::string(A.save(J.get<std::string>()));
  return A.create<ScalarValue>(L, Len, S);
}

std::string toJsonText(const json &V, int Indent) {
  return V.dump(Indent, ' ', false, json::error_handler_t::replace);
}

std::string displayString(const json &V) {
  if (V.is_string()) return V.get<std::string>();
  if (V.is_null()) return "";
  return toJsonText(V);
}

bool truthy(const json &V) {
  if (V.is_null()) return false;
  if (V.is_boolean()) return V.get<bool>();
  if (V.is_number()) return V.get<double>() != 0;
  if (V.is_string()) return !V.get<std::string>().empty();
  return !V.empty();
}

llvm::Expected<json> evaluate(const Expr *E, const EvalScope &S) {
  Evaluator Ev(S);
  llvm::Expected<Val> V = Ev.eval(E);
  if (!V) return V.takeError();
  if (V->Undefined) return fail(E, V->Why + " is undefined");
  if (V->Root != Val::Space::None) return notAValue(E);
  return std::move(V->V);
}

llvm::Expected<json> evaluateValue(const Value *V, const EvalScope &S) {
  switch (V->kind()) {
    case Value::Kind::Scalar:
      return scalarToJson(llvm::cast<ScalarValue>(V)->scalar());
    case Value::Kind::Auto: {
      const AutoTag *T = llvm::cast<AutoValue>(V)->tag();
      if (!T->Resolved)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "AUTO tag `" + T->Path.str() + "` is unresolved");
      return evaluateValue(T->Resolved, S);
    }
    case Value::Kind::Template: {
      auto *T = llvm::cast<TemplateValue>(V);
      if (Expr *E = T->soleExpr()) return evaluate(E, S);
      std::string Out;
      for (const Segment &Seg : T->segments()) {
        if (Seg.K == Segment::Kind::Text) {
          Out += Seg.Text.str();
        } else if (Seg.K == Segment::Kind::Expr) {
          llvm::Expected<json> X = evaluate(Seg.E, S);
          if (!X) return X.takeError();
          Out += displayString(*X);
        } else {
          if (!Seg.Tag->Resolved)
            return llvm::createStringError(
                llvm::inconvertibleErrorCode(),
                "AUTO tag `" + Seg.Tag->Path.str() + "` is unresolved");
          llvm::Expected<json> X = evaluateValue(Seg.Tag->Resolved, S);
          if (!X) return X.takeError();
          Out += displayString(*X);
        }
      }
      return json(Out);
    }
    case Value::Kind::List: {
      json L = json::array();
      for (const Value *I : llvm::cast<ListValue>(V)->items()) {
        llvm::Expected<json> X = evaluateValue(I, S);
        if (!X) return X.takeError();
        L.push_back(std::move(*X));
      }
      return L;
    }
    case Value::Kind::Map: {
      json M = json::object();
      for (const MapEntry &E : llvm::cast<MapValue>(V)->entries()) {
        llvm::Expected<json> X = evaluateValue(E.V, S);
        if (!X) return X.takeError();
        M[E.Key.str()] = std::move(*X);
      }
      return M;
    }
  }
  return nullptr;
}

}  // namespace orch::ir
