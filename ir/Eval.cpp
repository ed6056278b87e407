//===- Eval.cpp - Template semantics --------------------------------------===//
#include "ir/Eval.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <utility>

#include "ir/Filters.h"
#include "ir/Functions.h"
#include "ir/Methods.h"
#include "ir/PyOps.h"
#include "ir/PyText.h"
#include "ir/Tests.h"
#include "ir/Unicode.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::ir {

using json = orch::ir::Json;

namespace {

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

/// Where a tuple literal works: where it acts as a list (Python prints and
/// compares a tuple differently).
constexpr const char *TupleOnly =
    "a tuple is supported only after `in` and as the argument of `is in`";

/// How deep the evaluator recurses into an expression tree.
constexpr unsigned MaxEvalDepth = 256;

/// A value, or the fact that it is undefined (and why).
struct Val {
  Val() = default;
  explicit Val(json J) : V(std::move(J)) {}
  json V;
  bool Undefined = false;
  std::string Why{};  ///< What was undefined, for the error.
  /// `steps` or `inputs` itself: a namespace to index, not a value.
  enum class Space : uint8_t { None, Steps, Inputs } Root = Space::None;
  /// A step without a result: its fields are undefined too (not an error).
  bool Chainable = false;
  /// Jinja2 Markup (a `tojson` result): `+` escapes the other operand.
  bool Markup = false;
  /// A tuple literal: supported where it acts like a list (after `in`, as
  /// the argument of `is in`).
  bool Tuple = false;
  /// The implicit `else` of an inline `if`: Jinja2 uses its plain Undefined
  /// there (even under StrictUndefined), which prints and concatenates as
  /// '' and is false. Any other use is still an error.
  bool Lenient = false;
  /// The `loop` of a `{% for %}`: its fields are values, printing it is
  /// not supported (Jinja2 prints `<LoopContext 1/3>`).
  bool Loop = false;
  /// A dict view (`d.keys()`, `d.values()`, `d.items()`): a list here,
  /// which Python prints, compares and serializes differently; iterated,
  /// tested with `in` and read by the list filters of ViewFilters only.
  MethodResult View = MethodResult::Value;
  /// The result of a filter Jinja2 answers with a generator (`map`,
  /// `batch`, ...): a list here, which Jinja2 has no methods, items or
  /// tests of, so those are refused; filters and loops read it.
  bool Generator = false;
  /// A `dictsort` result: a list of pairs, Python tuples, so its items
  /// act as tuples and `.count()`/`.index()` (which compare them) are
  /// refused.
  bool Pairs = false;
  /// A `range(...)` result (View is View): Python's range object, which
  /// prints as `range(0, 3)` and compares unequal to a list; works where a
  /// dict view does.
  bool Range = false;
};

/// Python's str() of \p V, as Jinja2 prints it: the pairs of a `dictsort`
/// result as tuples.
TextStatus appendStr(std::string &Out, const Val &V) {
  if (V.Tuple && V.V.is_array()) {  // a pair, or a tuple literal
    Out += '(';
    for (size_t J = 0; J < V.V.size(); ++J) {
      if (J) Out += ", ";
      if (TextStatus S = appendPyRepr(Out, V.V[J], 1); S != TextStatus::Ok) return S;
    }
    Out += V.V.size() == 1 ? ",)" : ")";
    return TextStatus::Ok;
  }
  if (!V.Pairs || !V.V.is_array()) return appendPyStr(Out, V.V);
  Out += '[';
  for (size_t I = 0; I < V.V.size(); ++I) {
    if (I) Out += ", ";
    Out += '(';
    const json &Pair = V.V[I];
    for (size_t J = 0; J < Pair.size(); ++J) {
      if (J) Out += ", ";
      if (TextStatus S = appendPyRepr(Out, Pair[J], 1); S != TextStatus::Ok) return S;
    }
    Out += ')';
  }
  Out += ']';
  return TextStatus::Ok;
}

/// Python's truth of \p V: a generator is true even when it yields nothing.
bool truthy(const Val &V) { return V.Generator || truthy(V.V); }

/// Where a dict view works.
constexpr const char *ViewOnly =
    "a dict view (`.keys()`, `.values()`, `.items()`) is supported only in a "
    "`{% for %}`, after `in` and through a filter such as `list`, `join` or "
    "`length` (Python prints it as `dict_keys([...])`)";

/// Where a `range(...)` result works.
constexpr const char *RangeOnly =
    "a `range(...)` is supported only in a `{% for %}`, after `in` and through a "
    "filter such as `list`, `join` or `length` (Python prints it as `range(0, 3)` "
    "and compares it unequal to a list)";

/// Where \p V, a dict view or a range, works.
const char *viewOnly(const Val &V) { return V.Range ? RangeOnly : ViewOnly; }

/// Where the result of a generator filter works.
constexpr const char *GeneratorOnly =
    "Jinja2 answers this filter with a generator, which prints as `<generator "
    "...>`, has no length, items, methods or tests (other than `iterable`), is "
    "compared by identity and is used up by its first read; read it once "
    "through `list`, `join`, `first`, `sum`, `max`, `min`, `sort`, `map`, ... "
    "or a `{% for %}`, or take `| list` first";

/// The filters that read a generator as Jinja2 does: they iterate it once.
bool generatorReader(llvm::StringRef Name) {
  static const llvm::StringRef Ok[] = {
      "batch", "d",   "default",    "first",      "join", "list", "map",
      "max",   "min", "rejectattr", "selectattr", "sort", "sum",  "unique"};
  return llvm::is_contained(Ok, Name);
}

/// Where a `dictsort` result works.
constexpr const char *PairsOnly =
    "the pairs of `dictsort` are Python tuples, which print and join "
    "differently from lists; unpack them in a loop: `{% for k, v in d | dictsort %}`, "
    "print them whole, or read them with `length`, `tojson`, `list`, `map('first')`, "
    "or print one with `first`, `last` or `[i]`";

/// Whether filter \p Name with \p Args reads a `dictsort` result (a list
/// of tuples) as Jinja2 does: as a list, or each pair through a filter
/// that reads a tuple as a list (`map('first')`).
bool pairsFilter(llvm::StringRef Name, llvm::ArrayRef<json> Args) {
  static const llvm::StringRef Whole[] = {"count", "first",  "last",   "length",
                                          "list",  "tojson", "to_json"};
  static const llvm::StringRef Each[] = {"count", "first", "last", "length"};
  if (Name == "map")
    return !Args.empty() && Args[0].is_string() &&
           llvm::is_contained(Each, Args[0].get_ref<const std::string &>());
  return llvm::is_contained(Whole, Name);
}

/// The filters that read a `.keys()` or `.values()` view as the list it
/// holds (Jinja2 iterates it); of `.items()` (whose items are tuples), only
/// `length`.
bool viewFilter(llvm::StringRef Name, MethodResult View) {
  if (Name == "length") return true;
  static const llvm::StringRef Ok[] = {"first",  "join",       "last",      "list",
                                       "map",    "max",        "min",       "sum",
                                       "unique", "selectattr", "rejectattr"};
  return View == MethodResult::View && llvm::is_contained(Ok, Name);
}

Val undefined(std::string Why, bool Chainable = false) {
  Val V;
  V.Undefined = true;
  V.Why = std::move(Why);
  V.Chainable = Chainable;
  return V;
}

Val space(Val::Space S) {
  Val V;
  V.Root = S;
  return V;
}

Val markup(json V, bool M) {
  Val R{std::move(V)};
  R.Markup = M;
  return R;
}

/// markupsafe.escape.
std::string escapeHtml(llvm::StringRef S) {
  std::string Out;
  for (char C : S) {
    switch (C) {
      case '&':
        Out += "&amp;";
        break;
      case '<':
        Out += "&lt;";
        break;
      case '>':
        Out += "&gt;";
        break;
      case '"':
        Out += "&#34;";
        break;
      case '\'':
        Out += "&#39;";
        break;
      default:
        Out += C;
    }
  }
  return Out;
}

/// Names Python gives values of these types as attributes: in Jinja2
/// `x.items` is the dict's method, not its key `items`.
bool isPythonAttribute(const json &V, llvm::StringRef Name) {
  if (Name.starts_with("__") && Name.ends_with("__")) return true;
  static const llvm::StringRef Dict[] = {"clear",      "copy",   "fromkeys", "get",
                                         "items",      "keys",   "pop",      "popitem",
                                         "setdefault", "update", "values"};
  static const llvm::StringRef List[] = {"append", "clear",   "copy",   "count",
                                         "extend", "index",   "insert", "pop",
                                         "remove", "reverse", "sort"};
  static const llvm::StringRef Str[] = {
      "capitalize",   "casefold",     "center",    "count",     "encode",
      "endswith",     "expandtabs",   "find",      "format",    "format_map",
      "index",        "isalnum",      "isalpha",   "isascii",   "isdecimal",
      "isdigit",      "isidentifier", "islower",   "isnumeric", "isprintable",
      "isspace",      "istitle",      "isupper",   "join",      "ljust",
      "lower",        "lstrip",       "maketrans", "partition", "removeprefix",
      "removesuffix", "replace",      "rfind",     "rindex",    "rjust",
      "rpartition",   "rsplit",       "rstrip",    "split",     "splitlines",
      "startswith",   "strip",        "swapcase",  "title",     "translate",
      "upper",        "zfill"};
  static const llvm::StringRef Number[] = {
      "as_integer_ratio", "bit_count", "bit_length", "conjugate", "denominator",
      "from_bytes",       "fromhex",   "hex",        "imag",      "is_integer",
      "numerator",        "real",      "to_bytes"};
  auto In = [&](llvm::ArrayRef<llvm::StringRef> L) {
    return llvm::is_contained(L, Name);
  };
  if (V.is_object()) return In(Dict);
  if (V.is_array()) return In(List);
  if (V.is_string()) return In(Str);
  if (V.is_number() || V.is_boolean()) return In(Number);
  return false;
}

class Evaluator {
 public:
  explicit Evaluator(const EvalScope &S) : Scope(S) {}

  llvm::Expected<Val> eval(const Expr *E) {
    if (Depth >= MaxEvalDepth)
      return fail(
          E, fmt::format("the expression nests deeper than {} levels", MaxEvalDepth));
    ++Depth;
    llvm::Expected<Val> V = evalNode(E);
    --Depth;
    return V;
  }

  /// The value of \p E, which must be defined and not a namespace (nor a
  /// tuple, unless \p TupleOk). With \p Loose, the implicit `else` of an
  /// inline `if` reads as '' (where Jinja2 prints, concatenates or tests it).
  llvm::Expected<Val> defined(const Expr *E, bool TupleOk = false, bool Loose = false,
                              bool PairsOk = false) {
    llvm::Expected<Val> V = eval(E);
    if (!V) return V.takeError();
    if (V->Undefined && V->Lenient && Loose) return Val(json(""));
    if (V->Undefined) return fail(E, V->Why + " is undefined");
    if (V->Root != Val::Space::None)
      return fail(E, "`steps` and `inputs` are not values on their own");
    if (V->Tuple && !TupleOk) return fail(E, TupleOnly);
    if (V->View == MethodResult::View && !TupleOk) return fail(E, viewOnly(*V));
    if (V->View == MethodResult::PairView && !PairsOk)
      return fail(E, fmt::format("{}; unpack the pairs of `.items()` in a loop: "
                                 "`{{% for k, v in d.items() %}}`",
                                 ViewOnly));
    return V;
  }

 private:
  llvm::Expected<Val> evalNode(const Expr *E);
  llvm::Expected<Val> name(const NameExpr *N);
  /// A bare name's loop variable, else its input (`inputs.<name>` reads
  /// the input alone).
  const json *variable(llvm::StringRef Id) const {
    if (const json *L = Scope.loopVariable(Id)) return L;
    return Scope.input(Id);
  }
  llvm::Expected<Val> member(const Expr *E, const Expr *BaseE, bool ByAttr,
                             const json &Key);
  /// The step id \p E names (`steps.x`, `steps['x']`, or a bare `x` that
  /// is no input), or "" if it names none.
  llvm::StringRef stepRef(const Expr *E) const;
  /// `steps.x.<Key>` through EvalScope::stepField (one field, without the
  /// step's whole result), or nullopt to take the general path.
  std::optional<Val> stepField(const Expr *Base, bool ByAttr, const json &Key) const;
  /// The value \p E reads from the scope as it stands (a name, then
  /// fields and literal indexes that exist), without copying what lies on
  /// the way; null to take the general path. `w.results[-1].x` of a long
  /// loop copies one field, not the list (docs/control-flow.md §2.1).
  const json *borrow(const Expr *E) const;
  llvm::Expected<Val> filter(const FilterExpr *F);
  llvm::Expected<Val> test(const FilterExpr *F);
  llvm::Expected<Val> method(const FilterExpr *F);
  llvm::Expected<Val> call(const FilterExpr *F);
  llvm::Expected<Val> binary(const BinaryExpr *B);
  llvm::Expected<Val> compound(const CompoundExpr *C);
  /// The implicit `else` of inline `if` \p C (Jinja2's plain Undefined).
  Val undefinedElse(const CompoundExpr *C) const {
    Val U = undefined(
        fmt::format("`{}` (an inline `if` without `else`, when false)", source(C)));
    U.Lenient = true;
    return U;
  }
  llvm::Expected<Val> slice(const CompoundExpr *C);
  /// The arguments of filter or test \p F, evaluated, with keyword
  /// arguments in their positions (Jinja2's defaults between).
  llvm::Expected<std::vector<json>> arguments(const FilterExpr *F, const FilterInfo *Info,
                                              bool &AnyMarkup);

  /// `{% for %}` and `{% set %}`: blocks, loops and their names.
  llvm::Expected<Val> block(const CompoundExpr *C);
  llvm::Expected<Val> forLoop(const CompoundExpr *C);
  llvm::Expected<Val> let(const CompoundExpr *C);
  /// Binds the name of the `{% set %}` \p C to its value (in Locals).
  llvm::Error bind(const CompoundExpr *C);
  /// A name a statement bound, its value, and what `{% set %}` keeps of
  /// how Jinja2 sees it (a generator, `dictsort` pairs).
  struct Local {
    Local() = default;
    Local(llvm::StringRef N, json V) : first(N), second(std::move(V)) {}
    llvm::StringRef first;
    json second;
    bool Generator = false;
    bool Pairs = false;
    unsigned Reads = 0;  ///< Of a generator: a second read is refused.
  };
  /// What a statement bound to \p Name, innermost first, or null.
  const Local *localEntry(llvm::StringRef Name) const {
    for (auto It = Locals.rbegin(); It != Locals.rend(); ++It)
      if (It->first == Name) return &*It;
    return nullptr;
  }
  Local *localEntry(llvm::StringRef Name) {
    return const_cast<Local *>(std::as_const(*this).localEntry(Name));
  }
  /// The value a statement bound to \p Name, innermost first, or null.
  const json *local(llvm::StringRef Name) const {
    const Local *L = localEntry(Name);
    return L ? &L->second : nullptr;
  }

  /// Refuses \p V, the value of \p E, where it would sit inside another
  /// value (a list, mapping or tuple literal, an argument): `dictsort` pairs
  /// there lose their tuple marking, and a generator compares by identity.
  llvm::Error notNested(const Expr *E, const Val &V) {
    if (V.Pairs) return fail(E, PairsOnly);
    if (V.Generator) return fail(E, GeneratorOnly);
    return llvm::Error::success();
  }

  const EvalScope &Scope;
  unsigned Depth = 0;
  /// Names bound by enclosing statements, outermost first.
  std::vector<Local> Locals;
  /// Loop iterations so far: a bound, so nested loops cannot hang.
  uint64_t Iterations = 0;
  /// Per enclosing loop, innermost last: the arguments of its last
  /// `loop.changed(...)` (a list), or null before the first call.
  std::vector<json> LoopChanged;
};

/// The most loop iterations one evaluation runs.
constexpr uint64_t MaxIterations = 10'000'000;

llvm::Expected<Val> Evaluator::name(const NameExpr *N) {
  llvm::StringRef Id = N->name();
  if (Local *L = localEntry(Id)) {
    // Jinja2's generator is empty after its first read.
    if (L->Generator && L->Reads++)
      return fail(N, fmt::format("`{}` holds a generator (`{{% set %}}` of a generator "
                                 "filter), which its first read used up: Jinja2 reads "
                                 "it as empty after that; take `| list` in the "
                                 "`{{% set %}}` to read it again",
                                 Id.str()));
    Val V(L->second);
    V.Loop = Id == "loop";  // a loop's own: `loop` cannot be assigned
    V.Generator = L->Generator;
    V.Pairs = L->Pairs;
    return V;
  }
  if (Id == "steps") return space(Val::Space::Steps);
  if (Id == "inputs") return space(Val::Space::Inputs);
  if (const json *I = variable(Id)) return Val(*I);
  if (const json *S = Scope.step(Id)) return Val(*S);
  // A step without a result reads as `steps.<Id>` does.
  if (Scope.stepNamed(Id))
    return undefined(fmt::format("`{}`", Id.str()), /*Chainable=*/true);
  if (isRunVariable(Id)) {
    if (const json *R = Scope.runVariable(Id)) return Val(*R);
    return undefined(fmt::format("`{}` (known only when the pipeline runs)", Id.str()));
  }
  return undefined(fmt::format("`{}`", Id.str()));
}

llvm::StringRef Evaluator::stepRef(const Expr *E) const {
  if (auto *N = llvm::dyn_cast<NameExpr>(E)) {
    llvm::StringRef Id = N->name();
    if (local(Id) || Id == "steps" || Id == "inputs" || variable(Id)) return {};
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
  return N && N->name() == "steps" && !local("steps") ? Id : llvm::StringRef();
}

std::optional<Val> Evaluator::stepField(const Expr *Base, bool ByAttr,
                                        const json &Key) const {
  if (!Key.is_string()) return std::nullopt;
  const std::string &K = Key.get_ref<const std::string &>();
  // `steps.x.items` is a dict method in Jinja2: the general path says so.
  if (ByAttr && isPythonAttribute(json::object(), K)) return std::nullopt;
  llvm::StringRef Id = stepRef(Base);
  if (Id.empty()) return std::nullopt;
  if (const json *F = Scope.stepField(Id, K)) return Val(*F);
  return std::nullopt;
}

const json *Evaluator::borrow(const Expr *E) const {
  if (auto *N = llvm::dyn_cast<NameExpr>(E)) {
    llvm::StringRef Id = N->name();
    if (local(Id) || Id == "steps" || Id == "inputs") return nullptr;
    if (const json *I = variable(Id)) return I;
    return Scope.step(Id);
  }
  const Expr *BaseE = nullptr;
  json Key;
  bool ByAttr = false;
  if (auto *A = llvm::dyn_cast<AttrExpr>(E)) {
    BaseE = A->base();
    llvm::StringRef Attr = A->attr();
    int64_t Index = 0;
    ByAttr = Attr.empty() || !llvm::isDigit(Attr[0]) || Attr.getAsInteger(10, Index);
    Key = ByAttr ? json(Attr.str()) : json(Index);
  } else if (auto *I = llvm::dyn_cast<IndexExpr>(E)) {
    BaseE = I->base();
    const Expr *K = I->index();
    bool Neg = false;
    if (auto *U = llvm::dyn_cast<UnaryExpr>(K); U && U->op() == UnaryOp::Neg) {
      Neg = true;
      K = U->operand();
    }
    auto *L = llvm::dyn_cast<LiteralExpr>(K);
    if (!L) return nullptr;
    Key = scalarToJson(L->value());
    if (Neg && !Key.is_number_integer()) return nullptr;
    if (Neg) Key = -Key.get<int64_t>();
  } else {
    return nullptr;
  }
  const json *B = nullptr;
  if (Key.is_string()) {
    const std::string &K = Key.get_ref<const std::string &>();
    llvm::StringRef Id = stepRef(BaseE);
    if (!Id.empty() && !(ByAttr && isPythonAttribute(json::object(), K)))
      if (const json *F = Scope.stepField(Id, K)) return F;
  }
  B = borrow(BaseE);
  if (!B) return nullptr;
  if (B->is_object() && Key.is_string()) {
    const std::string &K = Key.get_ref<const std::string &>();
    if (ByAttr && isPythonAttribute(*B, K)) return nullptr;
    auto It = B->find(K);
    return It == B->end() ? nullptr : &*It;
  }
  if (B->is_array() && Key.is_number_integer()) {
    int64_t N = static_cast<int64_t>(B->size());
    int64_t At = Key.get<int64_t>();
    if (At < 0) At += N;
    return At < 0 || At >= N ? nullptr : &(*B)[static_cast<size_t>(At)];
  }
  return nullptr;
}

/// Jinja2's getattr (`x.name`, \p ByAttr) and getitem (`x[key]`, `x.0`).
llvm::Expected<Val> Evaluator::member(const Expr *E, const Expr *BaseE, bool ByAttr,
                                      const json &Key) {
  // A named field of a step is looked up alone (a spilled step reads back
  // only that field).
  if (std::optional<Val> F = stepField(BaseE, ByAttr, Key)) return std::move(*F);
  llvm::Expected<Val> BaseV = eval(BaseE);
  if (!BaseV) return BaseV.takeError();
  Val &Base = *BaseV;
  auto What = [&] { return fmt::format("`{}`", source(E)); };
  if (Base.Undefined) {
    // Jinja2 fails on any attribute of an undefined value; a step that
    // did not run reads as undefined all the way down (`| default` works).
    if (Base.Chainable) return Base;
    return fail(E, Base.Why + " is undefined");
  }
  if (Base.Root != Val::Space::None) {
    if (!Key.is_string()) return undefined(What());
    const std::string &K = Key.get_ref<const std::string &>();
    if (Base.Root == Val::Space::Steps) {
      if (const json *X = Scope.step(K)) return Val(*X);
      return undefined(What(), /*Chainable=*/true);
    }
    if (const json *X = Scope.input(K)) return Val(*X);
    return undefined(What());
  }
  // A dict view or a generator has no items in Jinja2 (`d.keys()[0]` is
  // undefined); its attributes (`.mapping`, `.send`) are not supported.
  // A range is indexed as the list it holds (`range(3)[-1]` is 2).
  bool RangeItem = Base.Range && asInt(Key);
  if ((Base.View != MethodResult::Value || Base.Generator) && !RangeItem) {
    if (asInt(Key)) return undefined(What());
    return fail(E, Base.Generator ? GeneratorOnly : viewOnly(Base));
  }
  const json &B = Base.V;
  if (Key.is_string() && isPythonAttribute(B, Key.get_ref<const std::string &>()) &&
      (ByAttr || !B.is_object() || !B.contains(Key.get_ref<const std::string &>())))
    return fail(E, fmt::format("`{}` of a Python {} is a method or attribute in Jinja, "
                               "not supported here",
                               Key.get_ref<const std::string &>(), pyTypeName(B)));
  if (B.is_object()) {
    if (!Key.is_string()) return undefined(What());
    auto It = B.find(Key.get_ref<const std::string &>());
    if (It == B.end()) return undefined(What());
    return Val(*It);
  }
  if (B.is_array() || B.is_string()) {
    std::optional<int64_t> I = asInt(Key);
    if (!I) return undefined(What());
    if (B.is_array()) {
      int64_t N = static_cast<int64_t>(B.size());
      int64_t At = *I < 0 ? *I + N : *I;
      if (At < 0 || At >= N) return undefined(What());
      Val Item(B[static_cast<size_t>(At)]);
      Item.Tuple = Base.Pairs;  // `(d | dictsort)[0]` is a tuple
      return Item;
    }
    CodePoints C = decodeUtf8(B.get_ref<const std::string &>());
    int64_t N = static_cast<int64_t>(C.size());
    int64_t At = *I < 0 ? *I + N : *I;
    if (At < 0 || At >= N) return undefined(What());
    std::string One;
    appendUtf8(One, C[static_cast<size_t>(At)]);
    return markup(json(One), Base.Markup);
  }
  return undefined(What());
}

llvm::Expected<Val> Evaluator::evalNode(const Expr *E) {
  switch (E->kind()) {
    case Expr::Kind::Literal:
      return Val(scalarToJson(llvm::cast<LiteralExpr>(E)->value()));
    case Expr::Kind::Name:
      return name(llvm::cast<NameExpr>(E));
    case Expr::Kind::Attr: {
      if (const json *P = borrow(E)) return Val(*P);
      auto *A = llvm::cast<AttrExpr>(E);
      llvm::StringRef Attr = A->attr();
      int64_t Index = 0;
      // `x.0` is Jinja2's getitem with the integer 0.
      if (!Attr.empty() && llvm::isDigit(Attr[0]) && !Attr.getAsInteger(10, Index))
        return member(E, A->base(), false, json(Index));
      return member(E, A->base(), true, json(Attr.str()));
    }
    case Expr::Kind::Index: {
      if (const json *P = borrow(E)) return Val(*P);
      auto *I = llvm::cast<IndexExpr>(E);
      llvm::Expected<Val> K = defined(I->index());
      if (!K) return K.takeError();
      return member(E, I->base(), false, K->V);
    }
    case Expr::Kind::Filter: {
      auto *F = llvm::cast<FilterExpr>(E);
      return F->isCall()     ? call(F)
             : F->isMethod() ? method(F)
             : F->isTest()   ? test(F)
                             : filter(F);
    }
    case Expr::Kind::Compound:
      return compound(llvm::cast<CompoundExpr>(E));
    case Expr::Kind::Unary: {
      auto *U = llvm::cast<UnaryExpr>(E);
      llvm::Expected<Val> V =
          defined(U->operand(), false, /*Loose=*/U->op() == UnaryOp::Not);
      if (!V) return V.takeError();
      if (U->op() == UnaryOp::Not) return Val(json(!truthy(*V)));
      llvm::Expected<json> R = pyNegate(V->V, U->op() == UnaryOp::Neg);
      if (!R) return fail(E, llvm::toString(R.takeError()));
      return Val(std::move(*R));
    }
    case Expr::Kind::Binary:
      return binary(llvm::cast<BinaryExpr>(E));
    case Expr::Kind::List: {
      json L = json::array();
      size_t Bytes = 0;
      for (const Expr *I : llvm::cast<ListExpr>(E)->items()) {
        llvm::Expected<Val> V = defined(I);
        if (!V) return V.takeError();
        if (llvm::Error Err = notNested(I, *V)) return Err;
        if (V->Markup)
          return fail(I,
                      "a `tojson` result inside a list is not supported (Jinja "
                      "prints it as `Markup(...)`)");
        Bytes += approxBytes(V->V);
        if (Bytes > MaxValueBytes) return fail(E, describe(TextStatus::TooLarge));
        L.push_back(std::move(V->V));
      }
      return Val(std::move(L));
    }
  }
  return fail(E, "unknown expression");
}

llvm::Expected<Val> Evaluator::binary(const BinaryExpr *B) {
  BinaryOp Op = B->op();
  bool Logic = Op == BinaryOp::And || Op == BinaryOp::Or;
  bool Loose = Logic || Op == BinaryOp::Concat;
  llvm::Expected<Val> L = defined(B->lhs(), false, Loose);
  if (!L) return L.takeError();
  if (Logic) {
    // Jinja: the deciding operand itself.
    if (Op == BinaryOp::And ? !truthy(*L) : truthy(*L)) return L;
    return defined(B->rhs(), false, /*Loose=*/true);
  }
  bool Membership = Op == BinaryOp::In || Op == BinaryOp::NotIn;
  llvm::Expected<Val> R = defined(B->rhs(), /*TupleOk=*/Membership, Loose);
  if (!R) return R.takeError();
  const json &X = L->V, &Y = R->V;
  // Python compares tuples with lists as unequal, and orders them not at all.
  // Under `in`, a needle of pairs is refused; a container of pairs holds no
  // list (a tuple never equals one), and its scalars are compared as usual.
  if ((L->Pairs || R->Pairs) && Op != BinaryOp::Concat && (!Membership || L->Pairs))
    return fail(L->Pairs ? B->lhs() : B->rhs(), PairsOnly);
  // A generator is compared by identity, and printed as `<generator ...>`;
  // only `x in g` reads it as Jinja2 does.
  if (L->Generator || (R->Generator && !Membership))
    return fail(L->Generator ? B->lhs() : B->rhs(), GeneratorOnly);
  if (Membership && R->Pairs && X.is_array()) return Val(json(Op == BinaryOp::NotIn));
  auto Wrap = [&](llvm::Expected<bool> V) -> llvm::Expected<Val> {
    if (!V) return fail(B, llvm::toString(V.takeError()));
    return Val(json(*V));
  };
  switch (Op) {
    case BinaryOp::Concat: {
      std::string Out;
      TextStatus S = appendStr(Out, *L);
      if (S == TextStatus::Ok) S = appendStr(Out, *R);
      if (S != TextStatus::Ok) return fail(B, describe(S));
      return Val(json(std::move(Out)));
    }
    case BinaryOp::Eq:
    case BinaryOp::Ne: {
      llvm::Expected<bool> Eq = pyEquals(X, Y);
      if (Eq && Op == BinaryOp::Ne) *Eq = !*Eq;
      return Wrap(std::move(Eq));
    }
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
      return Wrap(pyOrder(Op, X, Y));
    case BinaryOp::In:
    case BinaryOp::NotIn: {
      llvm::Expected<bool> In = pyContains(Y, X);
      if (In && Op == BinaryOp::NotIn) *In = !*In;
      return Wrap(std::move(In));
    }
    default:
      break;
  }
  // Markup + str escapes the str; Markup * n stays Markup.
  if (Op == BinaryOp::Add && (L->Markup || R->Markup) && X.is_string() && Y.is_string()) {
    std::string A = L->Markup ? X.get<std::string>() : escapeHtml(X.get<std::string>());
    std::string C = R->Markup ? Y.get<std::string>() : escapeHtml(Y.get<std::string>());
    if (A.size() + C.size() > MaxValueBytes)
      return fail(B, describe(TextStatus::TooLarge));
    return markup(json(A + C), true);
  }
  llvm::Expected<json> Out = pyArithmetic(Op, X, Y);
  if (!Out) return fail(B, llvm::toString(Out.takeError()));
  bool M = Op == BinaryOp::Mul && Out->is_string() && (L->Markup || R->Markup);
  return markup(std::move(*Out), M);
}

llvm::Expected<Val> Evaluator::filter(const FilterExpr *F) {
  llvm::StringRef N = F->name();
  const FilterInfo *Info = findFilter(N);
  if (!Info) return fail(F, fmt::format("unknown filter `{}`", N.str()));
  llvm::Expected<Val> BaseV = eval(F->base());
  if (!BaseV) return BaseV.takeError();
  if (BaseV->Tuple) return fail(F->base(), TupleOnly);
  if (BaseV->View != MethodResult::Value && !viewFilter(N, BaseV->View))
    return fail(F->base(), viewOnly(*BaseV));
  bool ArgMarkup = false;
  llvm::Expected<std::vector<json>> ArgsOr = arguments(F, Info, ArgMarkup);
  if (!ArgsOr) return ArgsOr.takeError();
  std::vector<json> &Args = *ArgsOr;
  if (BaseV->Pairs && !pairsFilter(N, Args)) return fail(F->base(), PairsOnly);
  if (BaseV->Generator && !generatorReader(N)) return fail(F->base(), GeneratorOnly);
  if (Args.size() < Info->MinArgs || Args.size() > Info->MaxArgs)
    return fail(F, fmt::format("filter `{}` takes {} to {} arguments, {} given", N.str(),
                               Info->MinArgs, Info->MaxArgs, Args.size()));
  if (N == "default") {
    bool Falsy = Args.size() > 1 && truthy(Args[1]);
    if (BaseV->Undefined || (Falsy && BaseV->Root == Val::Space::None && !truthy(*BaseV)))
      return markup(Args.empty() ? json("") : Args[0], ArgMarkup);
    if (BaseV->Root == Val::Space::None) return *BaseV;
  }
  if (BaseV->Undefined) return fail(F, BaseV->Why + " is undefined");
  if (BaseV->Root != Val::Space::None)
    return fail(F->base(), "`steps` and `inputs` are not values on their own");
  llvm::Expected<std::optional<json>> R = Info->Fn(BaseV->V, Args);
  if (!R) return fail(F, llvm::toString(R.takeError()));
  // `first` and `last` of nothing are undefined, so `default` catches them.
  if (!*R) return undefined(fmt::format("`{}`", source(F)));
  bool M = N == "tojson" || N == "to_json" ||
           (Info->KeepsMarkup && BaseV->Markup && (*R)->is_string() &&
            (N != "truncate" || BaseV->V.is_string()));
  Val Out = markup(std::move(**R), M);
  Out.Generator = isGeneratorFilter(N);
  Out.Pairs = N == "dictsort" || (BaseV->Pairs && N == "list");
  Out.Tuple = BaseV->Pairs && (N == "first" || N == "last");
  return Out;
}

llvm::Expected<std::vector<json>> Evaluator::arguments(const FilterExpr *F,
                                                       const FilterInfo *Info,
                                                       bool &AnyMarkup) {
  std::vector<json> Given;
  for (const Expr *A : F->args()) {
    llvm::Expected<Val> V = defined(A, /*TupleOk=*/F->isTest() && F->name() == "in");
    if (!V) return V.takeError();
    if (llvm::Error Err = notNested(A, *V)) return Err;
    if (V->Markup && (F->isTest() || F->name() != "default"))
      return fail(A, "a `tojson` result as a filter argument is not supported");
    AnyMarkup |= V->Markup;
    Given.push_back(std::move(V->V));
  }
  if (F->argNames().empty()) return Given;
  if (!Info) return fail(F, "keyword arguments to a test are not supported");
  llvm::Expected<std::vector<int>> Slots =
      bindKeywords(*Info, Given.size(), F->argNames());
  if (!Slots) return fail(F, llvm::toString(Slots.takeError()));
  std::vector<json> Out;
  for (size_t At = 0; At < Slots->size(); ++At) {
    int From = (*Slots)[At];
    if (From >= 0) {
      Out.push_back(std::move(Given[static_cast<size_t>(From)]));
      continue;
    }
    llvm::StringRef D = Info->Params[At].Default;
    Out.push_back(json::parse(D.begin(), D.end()));
  }
  return Out;
}

llvm::Expected<Val> Evaluator::test(const FilterExpr *F) {
  llvm::StringRef N = F->name();
  const TestInfo *Info = findTest(N);
  if (!Info) return fail(F, fmt::format("unknown test `{}`", N.str()));
  bool Negate = F->form() == FilterExpr::Form::NotTest;
  auto Answer = [&](bool B) { return Val(json(B != Negate)); };
  llvm::Expected<Val> BaseV = eval(F->base());
  if (!BaseV) return BaseV.takeError();
  if (!Info->Fn) {  // `defined`, `undefined`
    bool Defined = !BaseV->Undefined;
    return Answer(N == "defined" ? Defined : !Defined);
  }
  if (BaseV->Undefined) return fail(F, BaseV->Why + " is undefined");
  if (BaseV->Root != Val::Space::None)
    return fail(F->base(), "`steps` and `inputs` are not values on their own");
  if (BaseV->Tuple) return fail(F->base(), TupleOnly);
  // Jinja2 tests the view or generator object itself (`d.keys() is
  // sequence` is false, `is eq([...])` compares it with a list).
  if ((BaseV->View != MethodResult::Value || BaseV->Generator) && N != "iterable")
    return fail(F->base(), BaseV->Generator ? GeneratorOnly : viewOnly(*BaseV));
  // `[('a', 1)]` is not equal to `[['a', 1]]` in Python.
  if (BaseV->Pairs && Info->Compares) return fail(F->base(), PairsOnly);
  bool Unused = false;
  llvm::Expected<std::vector<json>> Args = arguments(F, nullptr, Unused);
  if (!Args) return Args.takeError();
  if (Args->size() < Info->MinArgs || Args->size() > Info->MaxArgs)
    return fail(F, fmt::format("test `{}` takes {} to {} arguments, {} given", N.str(),
                               Info->MinArgs, Info->MaxArgs, Args->size()));
  llvm::Expected<bool> R = Info->Fn(BaseV->V, *Args);
  if (!R) return fail(F, llvm::toString(R.takeError()));
  return Answer(*R);
}

llvm::Expected<Val> Evaluator::call(const FilterExpr *F) {
  const FunctionInfo *Fn = findFunction(F->name());
  if (!Fn) return fail(F, fmt::format("unknown function `{}`", F->name().str()));
  if (!F->argNames().empty())
    return fail(F, fmt::format("`{}` takes no keyword arguments", F->name().str()));
  std::vector<json> Args;
  for (const Expr *A : F->args()) {
    llvm::Expected<Val> V = defined(A);
    if (!V) return V.takeError();
    if (llvm::Error Err = notNested(A, *V)) return Err;
    Args.push_back(std::move(V->V));
  }
  if (Args.size() < Fn->MinArgs || Args.size() > Fn->MaxArgs)
    return fail(F, fmt::format("`{}` takes {} to {} arguments, {} given", Fn->Name.str(),
                               Fn->MinArgs, Fn->MaxArgs, Args.size()));
  llvm::Expected<json> R = Fn->Fn(Args);
  if (!R) return fail(F, llvm::toString(R.takeError()));
  // Making the list is work a template's loop budget counts.
  Iterations += R->size();
  if (Iterations > MaxIterations)
    return fail(F, fmt::format("the template's loops run more than {} iterations",
                               MaxIterations));
  Val Out(std::move(*R));
  if (Fn->PythonRange) {
    Out.View = MethodResult::View;
    Out.Range = true;
  }
  return Out;
}

llvm::Expected<Val> Evaluator::method(const FilterExpr *F) {
  llvm::StringRef N = F->name();
  llvm::Expected<Val> BaseV = defined(F->base());
  if (!BaseV) return BaseV.takeError();
  if (BaseV->Markup)
    return fail(F->base(), "a method of a `tojson` result is not supported");
  if (BaseV->Generator) return fail(F->base(), GeneratorOnly);
  if (BaseV->Pairs && (N == "count" || N == "index"))
    return fail(F->base(),
                "the pairs of `dictsort` are Python tuples, which `.count()` and "
                "`.index()` compare with; unpack them in a loop: "
                "`{% for k, v in d | dictsort %}`");
  const json &Self = BaseV->V;
  std::optional<MethodReceiver> R =
      BaseV->Loop ? std::optional<MethodReceiver>(MethodReceiver::Loop)
                  : receiverOf(Self);
  const MethodInfo *M = R ? findMethod(N, *R) : nullptr;
  if (!M) {
    if (isPythonAttribute(Self, N))
      return fail(F, fmt::format("the method `.{}()` of a Python {} is not supported "
                                 "here",
                                 N.str(), pyTypeName(Self)));
    return fail(
        F, fmt::format("a Python {} has no method `.{}()`", pyTypeName(Self), N.str()));
  }
  if (!F->argNames().empty() && !M->Keywords)
    return fail(F, "keyword arguments to a method are not supported");
  std::vector<json> Args;
  json Keywords = json::object();
  for (size_t I = 0; I < F->args().size(); ++I) {
    const Expr *A = F->args()[I];
    llvm::Expected<Val> V = defined(A);
    if (!V) return V.takeError();
    // `loop.changed()` compares a generator by identity.
    if (llvm::Error Err = notNested(A, *V)) return Err;
    if (V->Markup)
      return fail(A, "a `tojson` result as a method argument is not supported");
    llvm::StringRef Key = F->argName(I);
    if (Key.empty()) {
      Args.push_back(std::move(V->V));
    } else if (Keywords.contains(Key.str())) {
      return fail(A, fmt::format("keyword argument `{}` repeated", Key.str()));
    } else {
      Keywords[Key.str()] = std::move(V->V);
    }
  }
  if (Args.size() < M->MinArgs || Args.size() > M->MaxArgs)
    return fail(F, fmt::format("`.{}()` takes {} to {} arguments, {} given", N.str(),
                               M->MinArgs, M->MaxArgs, Args.size()));
  // `loop.changed(...)` compares with what the loop's last call was given.
  bool Changed = M->Receiver == MethodReceiver::Loop && M->Name == "changed";
  if (Changed && LoopChanged.empty()) return fail(F, "`loop.changed()` outside a loop");
  if (M->Keywords) Args.push_back(std::move(Keywords));
  llvm::Expected<json> Out = M->Fn(Changed ? LoopChanged.back() : Self, Args);
  if (!Out) return fail(F, llvm::toString(Out.takeError()));
  if (Changed) LoopChanged.back() = json(std::move(Args));
  Val V(std::move(*Out));
  V.View = M->Kind;
  return V;
}

llvm::Expected<Val> Evaluator::compound(const CompoundExpr *C) {
  switch (C->op()) {
    case CompoundOp::Cond: {
      // `x if w.results else y`: the list is tested where it lies.
      if (const json *P = borrow(C->part(1))) {
        if (truthy(*P)) return eval(C->part(0));
        if (C->part(2)) return eval(C->part(2));
        return undefinedElse(C);
      }
      llvm::Expected<Val> Cond = defined(C->part(1), false, /*Loose=*/true);
      if (!Cond) return Cond.takeError();
      if (truthy(*Cond)) return eval(C->part(0));
      if (C->part(2)) return eval(C->part(2));
      return undefinedElse(C);
    }
    case CompoundOp::Slice:
      return slice(C);
    case CompoundOp::Block:
      return block(C);
    case CompoundOp::For:
      return forLoop(C);
    case CompoundOp::Let:
      return let(C);
    case CompoundOp::Dict: {
      json M = json::object();
      size_t Bytes = 0;
      for (size_t I = 0; I + 1 < C->parts().size(); I += 2) {
        llvm::Expected<Val> K = defined(C->part(I));
        if (!K) return K.takeError();
        if (!K->V.is_string())
          return fail(C->part(I),
                      fmt::format("a mapping's key must be a string here, not "
                                  "{}",
                                  pyTypeName(K->V)));
        llvm::Expected<Val> V = defined(C->part(I + 1));
        if (!V) return V.takeError();
        if (llvm::Error Err = notNested(C->part(I + 1), *V)) return Err;
        if (V->Markup)
          return fail(C->part(I + 1),
                      "a `tojson` result inside a mapping is not supported (Jinja "
                      "prints it as `Markup(...)`)");
        Bytes += approxBytes(K->V) + approxBytes(V->V);
        if (Bytes > MaxValueBytes) return fail(C, describe(TextStatus::TooLarge));
        // Python: a repeated key keeps its first place and its last value.
        M[K->V.get<std::string>()] = std::move(V->V);
      }
      return Val(std::move(M));
    }
    case CompoundOp::Tuple: {
      json L = json::array();
      size_t Bytes = 0;
      for (const Expr *I : C->parts()) {
        llvm::Expected<Val> V = defined(I);
        if (!V) return V.takeError();
        if (llvm::Error Err = notNested(I, *V)) return Err;
        if (V->Markup)
          return fail(I, "a `tojson` result inside a tuple is not supported");
        Bytes += approxBytes(V->V);
        if (Bytes > MaxValueBytes) return fail(C, describe(TextStatus::TooLarge));
        L.push_back(std::move(V->V));
      }
      Val T(std::move(L));
      T.Tuple = true;
      return T;
    }
  }
  return fail(C, "unknown expression");
}

llvm::Expected<Val> Evaluator::block(const CompoundExpr *C) {
  std::string Out;
  size_t Bound = 0;
  auto Unbind = llvm::make_scope_exit([&] { Locals.resize(Locals.size() - Bound); });
  const CompoundExpr *Cur = C;
  for (size_t I = 0; I < Cur->parts().size(); ++I) {
    const Expr *P = Cur->part(I);
    // A `{% set %}` takes the rest of its block, so it is a block's last
    // part: its name is bound and its body read in this loop, and a run of
    // sets does not nest the evaluator.
    if (auto *Set = llvm::dyn_cast<CompoundExpr>(P);
        Set && Set->op() == CompoundOp::Let && I + 1 == Cur->parts().size()) {
      if (llvm::Error Err = bind(Set)) return Err;
      ++Bound;
      Cur = llvm::cast<CompoundExpr>(Set->part(1));
      I = size_t(-1);  // the body's first part next
      continue;
    }
    if (auto *L = llvm::dyn_cast<LiteralExpr>(P); L && L->value().Ty == Type::String) {
      Out += L->value().S;
    } else {
      // Jinja2 prints with str(); the implicit `else` of an inline `if`
      // prints as ''.
      // A tuple prints as Python prints it; a dict view does not.
      llvm::Expected<Val> V = defined(P, /*TupleOk=*/true, /*Loose=*/true);
      if (!V) return V.takeError();
      if (V->View != MethodResult::Value) return fail(P, viewOnly(*V));
      if (V->Loop)
        return fail(P,
                    "printing `loop` itself is not supported; print a field such as "
                    "`loop.index`");
      if (V->Generator) return fail(P, GeneratorOnly);
      if (TextStatus St = appendStr(Out, *V); St != TextStatus::Ok)
        return fail(P, describe(St));
    }
    if (Out.size() > MaxValueBytes) return fail(C, describe(TextStatus::TooLarge));
  }
  return Val(json(std::move(Out)));
}

llvm::Error Evaluator::bind(const CompoundExpr *C) {
  llvm::Expected<Val> V = defined(C->part(0));
  if (!V) return V.takeError();
  if (V->Markup)
    return fail(C->part(0), "a `tojson` result in `{% set %}` is not supported");
  Locals.emplace_back(llvm::cast<LiteralExpr>(C->part(2))->value().S, std::move(V->V));
  Locals.back().Generator = V->Generator;
  Locals.back().Pairs = V->Pairs;
  return llvm::Error::success();
}

llvm::Expected<Val> Evaluator::let(const CompoundExpr *C) {
  if (llvm::Error Err = bind(C)) return Err;
  llvm::Expected<Val> R = eval(C->part(1));
  Locals.pop_back();
  return R;
}

llvm::Expected<Val> Evaluator::forLoop(const CompoundExpr *C) {
  const Expr *IterE = C->part(0);
  // `for k, v in d.items()` unpacks the pairs; one name would hold a tuple.
  bool Unpacks = C->parts().size() > ForFirstName + 1;
  llvm::Expected<Val> It = defined(IterE, /*TupleOk=*/true, false, /*PairsOk=*/Unpacks);
  if (!It) return It.takeError();
  // Python's iteration: a list's items, a str's characters, a dict's keys.
  json Items = json::array();
  const json &X = It->V;
  if (X.is_array()) {
    Items = X;
  } else if (X.is_object()) {
    for (auto I = X.begin(); I != X.end(); ++I) Items.push_back(I.key());
  } else if (X.is_string()) {
    for (uint32_t Cp : decodeUtf8(X.get_ref<const std::string &>())) {
      std::string One;
      appendUtf8(One, Cp);
      Items.push_back(std::move(One));
    }
  } else {
    return fail(C->part(0), fmt::format("`{}` is a Python {}, which `{{% for %}}` cannot "
                                        "iterate",
                                        source(C->part(0)), pyTypeName(X)));
  }
  llvm::SmallVector<llvm::StringRef, 2> Names;
  for (size_t I = ForFirstName; I < C->parts().size(); ++I)
    Names.push_back(llvm::cast<LiteralExpr>(C->part(I))->value().S);
  if (It->Pairs && Names.size() == 1) return fail(IterE, PairsOnly);
  size_t Base = Locals.size();
  // Binds the targets to one item (Python unpacks a str by characters).
  auto Bind = [&](const json &Item) -> llvm::Error {
    Locals.resize(Base);
    if (Names.size() == 1) {
      Locals.emplace_back(Names[0], Item);
      return llvm::Error::success();
    }
    json Parts = Item;
    if (Item.is_string()) {
      Parts = json::array();
      for (uint32_t Cp : decodeUtf8(Item.get_ref<const std::string &>())) {
        std::string One;
        appendUtf8(One, Cp);
        Parts.push_back(std::move(One));
      }
    } else if (Item.is_object()) {
      Parts = json::array();
      for (auto K = Item.begin(); K != Item.end(); ++K) Parts.push_back(K.key());
    }
    if (!Parts.is_array())
      return fail(C->part(0), fmt::format("cannot unpack a Python {} into {} names",
                                          pyTypeName(Item), Names.size()));
    if (Parts.size() != Names.size())
      return fail(C->part(0),
                  fmt::format("{} values to unpack into {} names",
                              Parts.size() < Names.size() ? "not enough" : "too many",
                              Names.size()));
    for (size_t K = 0; K < Names.size(); ++K) Locals.emplace_back(Names[K], Parts[K]);
    return llvm::Error::success();
  };
  // Jinja2's loop filter keeps the items whose condition is true, before
  // the loop: `loop` counts only those.
  if (const Expr *Filter = C->part(3)) {
    json Kept = json::array();
    for (json &Item : Items) {
      if (++Iterations > MaxIterations)
        return fail(C, fmt::format("the template's loops run more than {} iterations",
                                   MaxIterations));
      llvm::Error E = Bind(Item);
      llvm::Expected<Val> Keep =
          E ? llvm::Expected<Val>(std::move(E)) : defined(Filter, false, /*Loose=*/true);
      Locals.resize(Base);
      if (!Keep) return Keep.takeError();
      if (truthy(*Keep)) Kept.push_back(std::move(Item));
    }
    Items = std::move(Kept);
  }
  if (Items.empty()) {
    if (!C->part(2)) return Val(json(""));
    return eval(C->part(2));
  }
  std::string Out;
  int64_t N = static_cast<int64_t>(Items.size());
  LoopChanged.emplace_back();
  auto PopChanged = llvm::make_scope_exit([&] { LoopChanged.pop_back(); });
  for (int64_t I = 0; I < N; ++I) {
    if (++Iterations > MaxIterations)
      return fail(C, fmt::format("the template's loops run more than {} iterations",
                                 MaxIterations));
    if (llvm::Error E = Bind(Items[static_cast<size_t>(I)])) {
      Locals.resize(Base);
      return llvm::Expected<Val>(std::move(E));
    }
    json Loop = json::object();
    Loop["index"] = I + 1;
    Loop["index0"] = I;
    Loop["revindex"] = N - I;
    Loop["revindex0"] = N - I - 1;
    Loop["first"] = I == 0;
    Loop["last"] = I == N - 1;
    Loop["length"] = N;
    Loop["depth"] = 1;
    Loop["depth0"] = 0;
    if (I > 0) Loop["previtem"] = Items[static_cast<size_t>(I - 1)];
    if (I + 1 < N) Loop["nextitem"] = Items[static_cast<size_t>(I + 1)];
    Locals.emplace_back("loop", std::move(Loop));
    llvm::Expected<Val> Body = eval(C->part(1));
    if (!Body) {
      Locals.resize(Base);
      return Body.takeError();
    }
    if (!Body->V.is_string()) {
      Locals.resize(Base);
      return fail(C, "the body of `{% for %}` is not a block");
    }
    Out += Body->V.get_ref<const std::string &>();
    if (Out.size() > MaxValueBytes) {
      Locals.resize(Base);
      return fail(C, describe(TextStatus::TooLarge));
    }
  }
  Locals.resize(Base);
  return Val(json(std::move(Out)));
}

/// Python's slice of a str (code points) or list.
llvm::Expected<Val> Evaluator::slice(const CompoundExpr *C) {
  llvm::Expected<Val> BaseV = defined(C->part(0));
  if (!BaseV) return BaseV.takeError();
  // Jinja2's generator is not subscriptable.
  if (BaseV->Generator) return fail(C->part(0), GeneratorOnly);
  const json &B = BaseV->V;
  std::optional<int64_t> Bound[3];
  for (size_t I = 0; I < 3; ++I) {
    const Expr *P = C->part(I + 1);
    if (!P) continue;
    llvm::Expected<Val> V = defined(P);
    if (!V) return V.takeError();
    if (V->V.is_null()) continue;
    std::optional<int64_t> X = asInt(V->V);
    if (!X) {
      if (isHugeInt(V->V)) return fail(P, "the slice index is too large");
      return fail(P,
                  "slice indices must be integers or None or have an __index__ method");
    }
    Bound[I] = *X;
  }
  if (!B.is_string() && !B.is_array())
    return fail(C, B.is_object()
                       ? std::string("unhashable type: 'slice'")
                       : fmt::format("'{}' object is not subscriptable", pyTypeName(B)));
  int64_t Step = Bound[2].value_or(1);
  if (Step == 0) return fail(C, "slice step cannot be zero");
  Step = std::max<int64_t>(Step, -INT64_MAX);  // -Step stays representable
  CodePoints Cs;
  if (B.is_string()) Cs = decodeUtf8(B.get_ref<const std::string &>());
  int64_t Len =
      B.is_string() ? static_cast<int64_t>(Cs.size()) : static_cast<int64_t>(B.size());
  // CPython's PySlice_AdjustIndices.
  auto Adjust = [&](std::optional<int64_t> X, bool IsStart) -> int64_t {
    if (!X) return Step < 0 ? (IsStart ? Len - 1 : -1) : (IsStart ? 0 : Len);
    int64_t V = *X;
    if (V < 0) {
      V = V < -Len ? -1 - Len : V;  // no overflow below
      V += Len;
      if (V < 0) V = Step < 0 ? -1 : 0;
    } else if (V >= Len) {
      V = Step < 0 ? Len - 1 : Len;
    }
    return V;
  };
  int64_t Start = Adjust(Bound[0], true), Stop = Adjust(Bound[1], false);
  std::vector<size_t> Picks;
  if (Step > 0)
    for (int64_t I = Start; I<Stop; I = Step> Stop - I ? Stop : I + Step)
      Picks.push_back(static_cast<size_t>(I));
  else
    for (int64_t I = Start; I > Stop; I = -Step > I - Stop ? Stop : I + Step)
      Picks.push_back(static_cast<size_t>(I));
  if (B.is_string()) {
    CodePoints Out;
    for (size_t I : Picks) Out += Cs[I];
    return markup(json(encodeUtf8(Out)), BaseV->Markup);
  }
  json Out = json::array();
  for (size_t I : Picks) Out.push_back(B[I]);
  Val R(std::move(Out));
  R.Pairs = BaseV->Pairs;  // a slice of a list of tuples
  return R;
}

}  // namespace

llvm::Expected<json> applyFilter(llvm::StringRef N, const json &V,
                                 llvm::ArrayRef<json> Args) {
  const FilterInfo *Info = findFilter(N);
  if (!Info) return llvm::createStringError(fmt::format("unknown filter `{}`", N.str()));
  if (Args.size() < Info->MinArgs || Args.size() > Info->MaxArgs)
    return llvm::createStringError(
        fmt::format("filter `{}` takes {} to {} arguments, {} given", N.str(),
                    Info->MinArgs, Info->MaxArgs, Args.size()));
  llvm::Expected<std::optional<json>> R = Info->Fn(V, Args);
  if (!R) return R.takeError();
  if (!*R) return llvm::createStringError(fmt::format("`{}` of an empty value", N.str()));
  return std::move(**R);
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

bool isRunVariable(llvm::StringRef Name) {
  return Name == "execution" || Name == "output_path" || Name == "timestamp" ||
         Name == "pipeline_id";
}

llvm::ArrayRef<llvm::StringLiteral> executionFields() {
  static constexpr llvm::StringLiteral Fields[] = {"date", "run_id", "timestamp"};
  return Fields;
}

llvm::Expected<json> evaluate(const Expr *E, const EvalScope &S) {
  Evaluator Ev(S);
  llvm::Expected<Val> V = Ev.defined(E, false, /*Loose=*/true);
  if (!V) return V.takeError();
  return std::move(V->V);
}

llvm::Expected<json> evaluateValue(const Value *V, const EvalScope &S) {
  switch (V->kind()) {
    case Value::Kind::Scalar:
      return scalarToJson(llvm::cast<ScalarValue>(V)->scalar());
    case Value::Kind::Auto: {
      const AutoTag *T = llvm::cast<AutoValue>(V)->tag();
      if (!T->Resolved)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            fmt::format("AUTO tag `{}` is unresolved", T->Path.str()));
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
          // Jinja2 renders a placeholder with Python's str().
          Evaluator Ev(S);
          llvm::Expected<Val> X = Ev.defined(Seg.E, /*TupleOk=*/true, /*Loose=*/true);
          if (!X) return X.takeError();
          if (X->View != MethodResult::Value) return fail(Seg.E, viewOnly(*X));
          if (X->Generator) return fail(Seg.E, GeneratorOnly);
          if (TextStatus St = appendStr(Out, *X); St != TextStatus::Ok)
            return fail(Seg.E, describe(St));
        } else {
          if (!Seg.Tag->Resolved)
            return llvm::createStringError(
                llvm::inconvertibleErrorCode(),
                fmt::format("AUTO tag `{}` is unresolved", Seg.Tag->Path.str()));
          llvm::Expected<json> X = evaluateValue(Seg.Tag->Resolved, S);
          if (!X) return X.takeError();
          Out += displayString(*X);
        }
        if (Out.size() > MaxValueBytes) {
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         describe(TextStatus::TooLarge));
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
