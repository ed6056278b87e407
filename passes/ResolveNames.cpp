//===- ResolveNames.cpp - Names, filters and types in templates -----------===//
//
// Every expression root is one of: `steps.<id>[.field]`, `inputs.<name>`,
// a declared input, a step id in short form (`<id>.field`), or, when the
// pipeline declares no inputs, an implicit required input.
//
//===----------------------------------------------------------------------===//
#include <algorithm>

#include "ir/Eval.h"
#include "ir/Filters.h"
#include "ir/Functions.h"
#include "ir/Methods.h"
#include "ir/Regex.h"
#include "ir/StableSort.h"
#include "ir/Tests.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/ContextLabRefs.h"
#include "passes/LoopNames.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using namespace ir;

/// What the expressions being walked belong to.
struct Owner {
  int Step = -1;             ///< Index of the step, or -1.
  bool StepsAllowed = true;  ///< False in input defaults.
  llvm::StringRef What;      ///< For messages: "input defaults".
  bool LoopCond = false;     ///< The condition of `while`/`until` loop Step.
  bool RouteWhen = false;    ///< A `next` condition of Step: it reads Step's result.
};

class ResolveNamesPass : public Pass {
 public:
  llvm::StringRef name() const override { return "resolve-names"; }
  bool run(Pipeline &P, PassContext &Ctx) override;

 private:
  void walk(Expr *E, const Owner &O, UseShape Hint = UseShape::Text);
  void chain(Expr *Top, const Owner &O, UseShape Hint);
  /// Whether the read \p Node (a step's name) means one iteration each
  /// time it is reached: a YAML alias shares it between steps. \p Previous:
  /// this reach reads a routing cycle's previous iteration; \p Renamed: an
  /// earlier run of the pass renamed it so.
  bool sameIteration(const Expr *Node, bool Previous, bool Renamed) {
    if (Renamed && !Previous) return false;
    return ReadsPrevious.try_emplace(Node, Previous).first->second == Previous;
  }
  llvm::DenseMap<const Expr *, bool> ReadsPrevious;
  /// Whether \p Name is a step's name renamed to its previous iteration
  /// (`b@previous`); if so, strips the suffix.
  bool renamedPrevious(llvm::StringRef &Name) const {
    llvm::StringRef Id = Name;
    if (!Id.consume_back(ir::PreviousSuffix) || !P->findStep(Id)) return false;
    Name = Id;
    return true;
  }
  /// A template shared by a YAML alias reads step \p Id of a routing
  /// cycle both as its previous iteration and as another: refused.
  void previousConflict(Expr *Top, llvm::StringRef Id) {
    D->report(DiagKind::NotSupportedYet, Top->loc(), Top->length(),
              fmt::format("a template shared by a YAML alias that reads `{}` of a "
                          "routing cycle where two steps see different iterations",
                          Id.str()),
              "each read is resolved once", "write the template again instead of `*`");
  }
  /// Records \p Top's read of step \p Target; true if it reads a routing
  /// cycle's previous iteration (the caller renames the step).
  bool useStep(Expr *Top, uint32_t Target, llvm::ArrayRef<Expr *> Rest, const Owner &O,
               UseShape Hint);
  void useInput(Expr *Top, llvm::StringRef Name, SourceLoc Loc, uint32_t Len,
                size_t RestSize);
  void typeOf(Expr *E);
  void applyBindings(PassContext &Ctx);
  std::vector<llvm::StringRef> nameCandidates() const;

  /// Checks a filter's or test's name, arguments and keywords.
  void checkFilter(const FilterExpr *F);
  void checkMethod(const FilterExpr *F);

  Pipeline *P = nullptr;
  DiagnosticEngine *D = nullptr;
  std::vector<llvm::StringRef> StepIds;
  /// The next walked node may be a tuple literal (after `in`, as an argument).
  bool TupleOk = false;
  /// The loop condition being walked read what its body changes.
  bool CondReadsBody = false;
  /// Names bound by the enclosing `{% for %}` and `{% set %}` statements:
  /// they are neither inputs nor steps.
  std::vector<llvm::StringRef> Locals;
  /// Walks a statement's parts with its names in scope.
  void walkStatement(CompoundExpr *C, const Owner &O);
};

/// A chain `root.a[b].c`, top node first; returns its root.
Expr *chainRoot(Expr *E, llvm::SmallVectorImpl<Expr *> &Links) {
  while (true) {
    if (auto *A = llvm::dyn_cast<AttrExpr>(E)) {
      Links.push_back(E);
      E = A->base();
    } else if (auto *I = llvm::dyn_cast<IndexExpr>(E)) {
      Links.push_back(E);
      E = I->base();
    } else {
      return E;
    }
  }
}

/// The constant key of a chain link: `.name`, `["name"]`, `[0]`.
std::optional<llvm::StringRef> linkKey(Expr *Link) {
  if (auto *A = llvm::dyn_cast<AttrExpr>(Link)) return A->attr();
  auto *I = llvm::cast<IndexExpr>(Link);
  if (auto *L = llvm::dyn_cast<LiteralExpr>(I->index()))
    if (L->value().Ty == Type::String) return L->value().S;
  return std::nullopt;
}

SourceLoc linkLoc(Expr *Link) {
  if (auto *A = llvm::dyn_cast<AttrExpr>(Link)) return A->attrLoc();
  return llvm::cast<IndexExpr>(Link)->index()->loc();
}

uint32_t linkLen(Expr *Link) {
  if (auto *A = llvm::dyn_cast<AttrExpr>(Link)) return A->attr().size();
  return llvm::cast<IndexExpr>(Link)->index()->length();
}

/// What filter \p Name tells about the shape of its input.
UseShape filterInputShape(llvm::StringRef Name) {
  if (Name == "join" || Name == "first" || Name == "last") return UseShape::List;
  if (Name == "int" || Name == "float" || Name == "abs" || Name == "round")
    return UseShape::Number;
  return UseShape::Text;
}

/// What a method call tells about the shape of its receiver: a list
/// method (`index`, `count`) a list, a dict method (`get`, `keys`) a mapping
/// with keys not known here, any other a string.
UseShape methodInputShape(llvm::StringRef Name) {
  bool Dict = false;
  for (const MethodInfo &M : methods()) {
    if (M.Name != Name) continue;
    if (M.Receiver == MethodReceiver::List) return UseShape::List;
    Dict |= M.Receiver == MethodReceiver::Dict;
  }
  return Dict ? UseShape::Object : UseShape::Text;
}

/// What binary operator \p Op tells about the shape of its operands.
UseShape operandShape(BinaryOp Op) {
  switch (Op) {
    case BinaryOp::And:
    case BinaryOp::Or:
      return UseShape::Bool;
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::Mul:
    case BinaryOp::Div:
    case BinaryOp::Mod:
      return UseShape::Number;
    default:
      return UseShape::Text;
  }
}

void ResolveNamesPass::walk(Expr *E, const Owner &O, UseShape Hint) {
  bool MayBeTuple = TupleOk;
  TupleOk = false;
  switch (E->kind()) {
    case Expr::Kind::Literal:
      return;
    case Expr::Kind::Name:
    case Expr::Kind::Attr:
    case Expr::Kind::Index:
      chain(E, O, Hint);
      return;
    case Expr::Kind::Filter: {
      auto *F = llvm::cast<FilterExpr>(E);
      walk(F->base(), O,
           F->isTest()     ? UseShape::Text
           : F->isMethod() ? methodInputShape(F->name())
                           : filterInputShape(F->name()));
      // Only `is in`'s argument acts like a list: elsewhere a tuple would
      // print or compare as a list, which Jinja2 does not.
      for (Expr *A : F->args()) {
        TupleOk = F->isTest() && F->name() == "in";
        walk(A, O);
      }
      checkFilter(F);
      break;
    }
    case Expr::Kind::Compound: {
      auto *C = llvm::cast<CompoundExpr>(E);
      if (C->op() == CompoundOp::For || C->op() == CompoundOp::Let) {
        walkStatement(C, O);
        break;
      }
      if (C->op() == CompoundOp::Tuple && !MayBeTuple)
        D->report(DiagKind::TupleNotSupported, E->loc(), E->length());
      for (size_t I = 0; I < C->parts().size(); ++I)
        if (Expr *X = C->part(I))
          walk(X, O,
               C->op() == CompoundOp::Cond && I == 1 ? UseShape::Bool : UseShape::Text);
      break;
    }
    case Expr::Kind::Unary: {
      auto *U = llvm::cast<UnaryExpr>(E);
      walk(U->operand(), O, U->op() == UnaryOp::Not ? UseShape::Bool : UseShape::Number);
      break;
    }
    case Expr::Kind::Binary: {
      auto *B = llvm::cast<BinaryExpr>(E);
      walk(B->lhs(), O, operandShape(B->op()));
      TupleOk = B->op() == BinaryOp::In || B->op() == BinaryOp::NotIn;
      walk(B->rhs(), O, operandShape(B->op()));
      break;
    }
    case Expr::Kind::List:
      for (Expr *I : llvm::cast<ListExpr>(E)->items()) walk(I, O);
      break;
  }
  typeOf(E);
}

void ResolveNamesPass::walkStatement(CompoundExpr *C, const Owner &O) {
  size_t Base = Locals.size();
  if (C->op() == CompoundOp::Let) {
    walk(C->part(0), O);
    Locals.push_back(llvm::cast<LiteralExpr>(C->part(2))->value().S);
    walk(C->part(1), O);
    Locals.resize(Base);
    return;
  }
  // `for`: the iterable, then the body with the loop variables and
  // `loop`, then `else`.
  TupleOk = true;  // a loop takes a tuple's items, as Python does
  walk(C->part(0), O, UseShape::List);
  for (size_t I = ForFirstName; I < C->parts().size(); ++I)
    Locals.push_back(llvm::cast<LiteralExpr>(C->part(I))->value().S);
  // A loop filter sees the targets, not `loop` (the parser refuses it).
  if (C->part(3)) walk(C->part(3), O, UseShape::Bool);
  Locals.push_back("loop");
  walk(C->part(1), O);
  Locals.resize(Base);
  if (C->part(2)) walk(C->part(2), O);
}

/// "no arguments", "1 argument", "0 to 2 arguments".
std::string takes(unsigned Min, unsigned Max) {
  if (Max == 0) return "no arguments";
  if (Min == Max) return fmt::format("{} argument{}", Min, Min == 1 ? "" : "s");
  return fmt::format("{} to {} arguments", Min, Max);
}

void ResolveNamesPass::checkFilter(const FilterExpr *F) {
  size_t Given = F->args().size();
  if (F->isCall()) {
    const FunctionInfo *Fn = findFunction(F->name());
    std::vector<llvm::StringRef> Names;
    for (const FunctionInfo &I : functions()) Names.push_back(I.Name);
    llvm::StringRef Shadow = llvm::is_contained(Locals, F->name()) ? "a template variable"
                             : P->findInput(F->name())             ? "an input"
                             : P->findStep(F->name())              ? "a step"
                                                                   : "";
    if (!Fn)
      D->report(DiagKind::UnknownFunction, F->nameLoc(), F->name().size(),
                F->name().str(), llvm::join(Names, ", "), didYouMean(F->name(), Names));
    else if (!Shadow.empty())
      D->report(DiagKind::FunctionShadowed, F->nameLoc(), F->name().size(),
                F->name().str(), Shadow.str());
    else if (!F->argNames().empty())
      D->report(DiagKind::FilterKeyword, F->nameLoc(), F->name().size(),
                fmt::format("`{}` takes no keyword arguments", F->name().str()));
    else if (Given < Fn->MinArgs || Given > Fn->MaxArgs)
      D->report(DiagKind::FunctionArity, F->nameLoc(), F->name().size(), F->name().str(),
                takes(Fn->MinArgs, Fn->MaxArgs), Given);
    return;
  }
  if (F->isMethod()) {
    checkMethod(F);
    return;
  }
  if (F->isTest()) {
    const TestInfo *T = findTest(F->name());
    if (!T) {
      std::vector<llvm::StringRef> Names;
      for (const TestInfo &I : tests()) Names.push_back(I.Name);
      D->report(DiagKind::UnknownTest, F->nameLoc(), F->name().size(), F->name().str(),
                didYouMean(F->name(), Names));
    } else if (!F->argNames().empty()) {
      D->report(DiagKind::FilterKeyword, F->nameLoc(), F->name().size(),
                fmt::format("keyword arguments to a test are not supported (test `{}`)",
                            F->name().str()));
    } else if (Given < T->MinArgs || Given > T->MaxArgs) {
      D->report(DiagKind::TestArity, F->nameLoc(), F->name().size(), F->name().str(),
                takes(T->MinArgs, T->MaxArgs), Given);
    }
    return;
  }
  const FilterInfo *Info = findFilter(F->name());
  if (!Info) {
    std::vector<llvm::StringRef> Names;
    for (const FilterInfo &I : filters()) Names.push_back(I.Name);
    D->report(DiagKind::UnknownFilter, F->nameLoc(), F->name().size(), F->name().str(),
              didYouMean(F->name(), Names));
    return;
  }
  if (!F->argNames().empty()) {
    llvm::Expected<std::vector<int>> Slots = bindKeywords(*Info, Given, F->argNames());
    if (!Slots) {
      D->report(DiagKind::FilterKeyword, F->nameLoc(), F->name().size(),
                llvm::toString(Slots.takeError()));
      return;
    }
    Given = Slots->size();
  }
  if (Given < Info->MinArgs || Given > Info->MaxArgs) {
    D->report(DiagKind::FilterArity, F->nameLoc(), F->name().size(), F->name().str(),
              takes(Info->MinArgs, Info->MaxArgs), Given);
    return;
  }
  // A constant pattern is compiled now: what the subset does not support
  // is an error here, and the runtime reuses the compiled program.
  if (F->name().starts_with("regex_") && !F->args().empty() && F->argName(0).empty())
    if (auto *L = llvm::dyn_cast<LiteralExpr>(F->args()[0]);
        L && L->value().Ty == Type::String)
      if (llvm::Expected<std::shared_ptr<const Regex>> R = Regex::compile(L->value().S);
          !R)
        D->report(DiagKind::RegexUnsupported, L->loc(), L->length(),
                  llvm::toString(R.takeError()));
}

void ResolveNamesPass::checkMethod(const FilterExpr *F) {
  llvm::StringRef N = F->name();
  uint32_t Len = static_cast<uint32_t>(N.size());
  if (!isKnownMethod(N)) {
    std::optional<MethodReceiver> R = receiverOf(F->base()->type());
    std::vector<llvm::StringRef> Names;
    for (const MethodInfo &M : methods())
      if (!R || M.Receiver == *R) Names.push_back(M.Name);
    D->report(DiagKind::UnknownMethod, F->nameLoc(), Len,
              fmt::format("unknown method `.{}()`{} (the methods here: {})", N.str(),
                          didYouMean(N, Names), methodNames(R)));
    return;
  }
  // A receiver whose static type is known must have the method.
  if (std::optional<MethodReceiver> R = receiverOf(F->base()->type());
      R && !findMethod(N, *R)) {
    D->report(DiagKind::UnknownMethod, F->nameLoc(), Len,
              fmt::format("`.{}()` is not a method of a {} (the methods here: {})",
                          N.str(), receiverName(*R), methodNames(R)));
    return;
  }
  const MethodInfo *Row = nullptr;
  for (const MethodInfo &M : methods())
    if (M.Name == N) Row = &M;
  size_t Positional = 0;
  for (size_t I = 0; I < F->args().size(); ++I) Positional += F->argName(I).empty();
  if (!F->argNames().empty() && !Row->Keywords) {
    D->report(DiagKind::FilterKeyword, F->nameLoc(), Len,
              fmt::format("keyword arguments to a method are not supported (`.{}()`)",
                          N.str()));
    return;
  }
  // Names are unique across receivers, so the arity is the row's; keyword
  // arguments (of a row that takes them) are not counted.
  if (Positional < Row->MinArgs || Positional > Row->MaxArgs)
    D->report(DiagKind::MethodArity, F->nameLoc(), Len, N.str(),
              takes(Row->MinArgs, Row->MaxArgs), Positional);
}

void ResolveNamesPass::chain(Expr *Top, const Owner &O, UseShape Hint) {
  llvm::SmallVector<Expr *, 4> Links;
  Expr *Root = chainRoot(Top, Links);
  std::reverse(Links.begin(), Links.end());  // root-most link first
  // Dynamic indexes are expressions of their own.
  for (Expr *L : Links)
    if (auto *I = llvm::dyn_cast<IndexExpr>(L)) walk(I->index(), O);
  auto *N = llvm::dyn_cast<NameExpr>(Root);
  if (!N) {  // `(a ~ b).x`, `[1, 2][0]`
    walk(Root, O);
    return;
  }
  llvm::StringRef Name = N->name();
  // A routing cycle's previous-iteration read renamed already (`b@previous`):
  // a YAML alias reached again, or a second run of this pass.
  bool Renamed = renamedPrevious(Name);
  if (O.Step >= 0)
    if (std::optional<Type> Ty = ir::loopVariableType(
            P->Steps, O.LoopCond ? O.Step : P->Steps[O.Step].Parent, Name)) {
      N->setType(*Ty);
      for (Expr *L : Links) L->setType(Type::Any);
      if (O.LoopCond && Name == "iteration") CondReadsBody = true;
      return;
    }
  if (llvm::is_contained(Locals, Name)) {
    // A loop variable or a `set` name: known when the template renders.
    Top->setType(Type::Any);
    return;
  }
  if (isRunVariable(Name) && !P->findInput(Name) && !P->findStep(Name)) {
    // `execution.timestamp`, `output_path`, `timestamp`, `pipeline_id`: given by the
    // runtime, per run.
    if (Name == "execution" && !Links.empty()) {
      std::optional<llvm::StringRef> F = linkKey(Links[0]);
      if (!F || !llvm::is_contained(executionFields(), *F)) {
        std::vector<llvm::StringRef> Fields(executionFields().begin(),
                                            executionFields().end());
        D->report(DiagKind::RunVariableField, linkLoc(Links[0]), linkLen(Links[0]),
                  F ? F->str() : std::string("..."), llvm::join(Fields, ", "));
        return;
      }
    }
    size_t Depth = Name == "execution" ? 1 : 0;
    Top->setType(Links.size() == Depth         ? Type::String
                 : Links.empty() && Depth == 1 ? Type::Map
                                               : Type::Any);
    return;
  }
  if (Name == "steps") {
    std::optional<llvm::StringRef> Id;
    if (!Links.empty()) Id = linkKey(Links[0]);
    if (!Id) {
      D->report(DiagKind::DynamicStepReference, N->loc(), N->length());
      return;
    }
    if (!O.StepsAllowed) {
      D->report(DiagKind::TemplateNotAllowed, Top->loc(), Top->length(), O.What.str());
      return;
    }
    // Renamed already: a YAML alias reached again, or a second run.
    // (Only `steps.x` is renamed: a written `steps['x@previous']` is no step.)
    bool RenamedKey = llvm::isa<AttrExpr>(Links[0]) && renamedPrevious(*Id);
    if (auto T = P->findStep(*Id)) {
      bool Previous =
          useStep(Top, *T, llvm::ArrayRef<Expr *>(Links).drop_front(), O, Hint);
      if (!sameIteration(Links[0], Previous, RenamedKey))
        previousConflict(Top, *Id);
      else if (Previous && !RenamedKey && llvm::isa<AttrExpr>(Links[0]))
        llvm::cast<AttrExpr>(Links[0])->setAttr(P->arena().save(previousName(*Id)));
      else if (Previous && !RenamedKey)  // `steps['x']`: a literal key
        D->report(DiagKind::NotSupportedYet, linkLoc(Links[0]), linkLen(Links[0]),
                  "`steps[...]` reading a routing cycle's previous iteration",
                  "the previous iteration is read by name",
                  Id->contains('-') ? std::string("give the step an id without `-`")
                                    : fmt::format("write `steps.{}`", Id->str()));
    } else {
      D->report(DiagKind::UnknownStep, linkLoc(Links[0]), linkLen(Links[0]), Id->str(),
                didYouMean(*Id, StepIds));
    }
    return;
  }
  if (Name == "inputs") {
    std::optional<llvm::StringRef> In;
    if (!Links.empty()) In = linkKey(Links[0]);
    if (!In) return;  // `inputs` as a whole: the map of every input
    if (!P->findInput(*In) && P->DeclaresInputs) {
      std::vector<llvm::StringRef> Names;
      for (const Input &I : P->Inputs) Names.push_back(I.Name.Str);
      D->report(DiagKind::UnknownInput, linkLoc(Links[0]), linkLen(Links[0]), In->str(),
                didYouMean(*In, Names));
      return;
    }
    useInput(Top, *In, linkLoc(Links[0]), linkLen(Links[0]), Links.size() - 1);
    return;
  }
  std::optional<uint32_t> In = P->findInput(Name);
  std::optional<uint32_t> St = P->findStep(Name);
  if (In && !P->Inputs[*In].Implicit) {
    if (St) D->report(DiagKind::AmbiguousName, N->loc(), N->length(), Name.str());
    useInput(Top, Name, N->loc(), N->length(), Links.size());
    return;
  }
  if (St) {
    if (!O.StepsAllowed) {
      D->report(DiagKind::TemplateNotAllowed, Top->loc(), Top->length(), O.What.str());
      return;
    }
    bool Previous = useStep(Top, *St, Links, O, Hint);
    if (!sameIteration(N, Previous, Renamed))
      previousConflict(Top, Name);
    else if (Previous && !Renamed)
      N->setName(P->arena().save(previousName(Name)));
    return;
  }
  if (P->DeclaresInputs) {
    D->report(DiagKind::UnknownName, N->loc(), N->length(), Name.str(),
              didYouMean(Name, nameCandidates()));
    return;
  }
  useInput(Top, Name, N->loc(), N->length(), Links.size());
}

bool ResolveNamesPass::useStep(Expr *Top, uint32_t Target, llvm::ArrayRef<Expr *> Rest,
                               const Owner &O, UseShape Hint) {
  // A routing cycle's step (docs/control-flow.md §5): read before it runs
  // in an iteration, it is the previous iteration's (no edge); from after
  // the cycle, the last iteration's (an edge to the cycle's loop).
  // A route's `when` reads its own step's result of this iteration.
  CycleRead Cycle = cycleRead(P->Steps, O.Step, Target);
  if (O.RouteWhen && O.Step == static_cast<int>(Target)) Cycle = CycleRead::None;
  if (Cycle == CycleRead::None &&
      ((O.LoopCond && conditionReadsBody(P->Steps, O.Step, Target)) ||
       (!O.LoopCond && readsOwnWhileLoop(P->Steps, O.Step, Target)))) {
    if (O.LoopCond) CondReadsBody = true;
    Top->setType(Type::Any);
    for (Expr *L : Rest) L->setType(Type::Any);
    return false;
  }
  if (O.Step >= 0 && static_cast<uint32_t>(O.Step) == Target && !O.RouteWhen &&
      Cycle != CycleRead::Previous) {
    D->report(DiagKind::SelfReference, Top->loc(), Top->length(),
              P->Steps[Target].Id.Str.str());
    return false;
  }
  // A loop's own `for_each` or bound reading its body: it renders before
  // the body runs.
  for (int32_t L = P->Steps[Target].Parent; O.Step >= 0 && L >= 0; L = P->Steps[L].Parent)
    if (L == O.Step) {
      ir::LoopWords W = ir::loopWords(P->Steps[L]);
      D->report(DiagKind::LoopReadsItself, Top->loc(), Top->length(),
                P->Steps[Target].Id.Str.str(), W.Kind.str(), P->Steps[L].Id.Str.str(),
                W.Whole.str());
      return false;
    }
  switch (Cycle != CycleRead::None ? Reach::Visible : reach(P->Steps, O.Step, Target)) {
    case Reach::Visible:
      break;
    case Reach::OwnLoop: {
      ir::LoopWords W = ir::loopWords(P->Steps[Target]);
      D->report(DiagKind::LoopReadsItself, Top->loc(), Top->length(),
                P->Steps[O.Step].Id.Str.str(), W.Kind.str(),
                P->Steps[Target].Id.Str.str(), W.Whole.str());
      return false;
    }
    case Reach::InsideLoop: {
      const Step &L = P->Steps[P->Steps[Target].Parent];
      ir::LoopWords W = ir::loopWords(L);
      D->report(DiagKind::LoopBodyReference, Top->loc(), Top->length(),
                P->Steps[Target].Id.Str.str(), W.Kind.str(), L.Id.Str.str(), W.Unit.str(),
                L.Id.Str.str());
      return false;
    }
  }
  llvm::StringRef Field;
  if (!Rest.empty())
    if (auto K = linkKey(Rest[0])) Field = *K;
  StepUse U{Target, Field, Top->loc(), Top->length()};
  U.Shape = Hint;
  U.Previous = Cycle == CycleRead::Previous;
  if (!Rest.empty()) {
    U.FieldLoc = linkLoc(Rest[0]);
    U.FieldLength = linkLen(Rest[0]);
  }
  if (Rest.size() > 1) {
    std::optional<llvm::StringRef> Key = linkKey(Rest[1]);
    if (Key && !llvm::all_of(*Key, llvm::isDigit)) {
      U.Shape = UseShape::Object;
      U.Sub = *Key;
      U.SubLoc = linkLoc(Rest[1]);
      U.SubLength = linkLen(Rest[1]);
    } else {
      U.Shape = UseShape::List;
    }
  }
  (O.Step >= 0 ? P->Steps[O.Step].Uses : P->OutputUses).push_back(U);
  // `steps.x.output` is the step's text; other fields are known at run time.
  Top->setType(Rest.size() == 1 && Field == "output" ? Type::String : Type::Any);
  return U.Previous;
}

void ResolveNamesPass::useInput(Expr *Top, llvm::StringRef Name, SourceLoc Loc,
                                uint32_t Len, size_t RestSize) {
  std::optional<uint32_t> Idx = P->findInput(Name);
  if (!Idx) {
    Input In;
    In.Name = {Name, Loc, Len};
    In.Implicit = true;
    In.Required = true;
    P->addInput(std::move(In));
    Idx = P->Inputs.size() - 1;
  }
  Input &In = P->Inputs[*Idx];
  if (In.Implicit) In.Uses.push_back(Loc);
  Top->setType(RestSize == 0 ? In.Ty : Type::Any);
}

/// The result type of filter \p F from its input's and arguments' types
/// (Jinja2: `abs` and `round` keep int or float, `round(none)` is an int, a
/// fallback of another type makes `int` and `float` any).
Type filterType(const FilterExpr *F, const FilterInfo *Info) {
  Type In = F->base()->type();
  llvm::StringRef N = F->name();
  if (F->isTest()) return Type::Bool;
  // Keyword arguments and `round`'s method move what the rules below read.
  if ((!F->argNames().empty() || F->args().size() > 1) &&
      (N == "round" || N == "int" || N == "float" || N == "default"))
    return Type::Any;
  auto Numeric = [](Type T) {
    return T == Type::Int || T == Type::Bool ? Type::Int
           : T == Type::Float                ? Type::Float
                                             : Type::Any;
  };
  if (N == "round" && !F->args().empty() && F->args()[0]->type() != Type::Int) {
    // `round(none)` is Python's round(x): an int; another precision, any.
    Type Digits = F->args()[0]->type();
    return Digits == Type::Null && Numeric(In) != Type::Any ? Type::Int : Type::Any;
  }
  if (N == "abs" || N == "round") return Numeric(In);
  if (N == "truncate") return In == Type::String ? Type::String : Type::Any;
  if ((N == "int" || N == "float") && !F->args().empty())
    return F->args()[0]->type() == Info->Result ? Info->Result : Type::Any;
  if (N == "default") {
    Type Fallback = F->args().empty() ? Type::String : F->args()[0]->type();
    return In == Fallback ? In : Type::Any;
  }
  return Info->Result;
}

void ResolveNamesPass::typeOf(Expr *E) {
  auto IntLike = [](Type T) { return T == Type::Int || T == Type::Bool; };
  auto Numeric = [&](Type T) { return IntLike(T) || T == Type::Float; };
  switch (E->kind()) {
    case Expr::Kind::Filter: {
      auto *F = llvm::cast<FilterExpr>(E);
      if (F->isCall()) {
        const FunctionInfo *Fn = findFunction(F->name());
        E->setType(Fn ? Fn->Result : Type::Any);
        return;
      }
      if (F->isMethod()) {
        Type T = Type::Any;
        for (const MethodInfo &M : methods())
          if (M.Name == F->name()) T = M.Result;
        E->setType(T);
        return;
      }
      const FilterInfo *Info = F->isTest() ? nullptr : findFilter(F->name());
      E->setType(F->isTest() ? Type::Bool : Info ? filterType(F, Info) : Type::Any);
      return;
    }
    case Expr::Kind::Compound: {
      auto *C = llvm::cast<CompoundExpr>(E);
      switch (C->op()) {
        case CompoundOp::Cond: {
          if (isStatement(C)) {
            E->setType(Type::String);
            return;
          }
          // Without `else` a false condition gives undefined: any.
          Type A = C->part(0)->type();
          E->setType(C->part(2) && C->part(2)->type() == A ? A : Type::Any);
          return;
        }
        case CompoundOp::Slice: {
          Type B = C->part(0)->type();
          E->setType(B == Type::String || B == Type::List ? B : Type::Any);
          return;
        }
        case CompoundOp::Dict:
          E->setType(Type::Map);
          return;
        case CompoundOp::Tuple:
          E->setType(Type::List);
          return;
        case CompoundOp::Block:
        case CompoundOp::For:
        case CompoundOp::Let:
          E->setType(Type::String);
          return;
      }
      return;
    }
    case Expr::Kind::Unary: {
      auto *U = llvm::cast<UnaryExpr>(E);
      Type T = U->operand()->type();
      E->setType(U->op() == UnaryOp::Not ? Type::Bool
                 : IntLike(T)            ? Type::Int
                 : T == Type::Float      ? Type::Float
                                         : Type::Any);
      return;
    }
    case Expr::Kind::Binary: {
      auto *B = llvm::cast<BinaryExpr>(E);
      Type L = B->lhs()->type(), R = B->rhs()->type();
      switch (B->op()) {
        case BinaryOp::Or:
        case BinaryOp::And:
          E->setType(L == R ? L : Type::Any);  // Jinja returns an operand
          return;
        case BinaryOp::Concat:
          E->setType(Type::String);
          return;
        case BinaryOp::Add:
          if ((L == Type::String || L == Type::List) && L == R) {
            E->setType(L);
            return;
          }
          [[fallthrough]];
        case BinaryOp::Sub:
        case BinaryOp::Mul:
        case BinaryOp::Mod:
          if (B->op() == BinaryOp::Mul && (L == Type::String || L == Type::List) &&
              IntLike(R)) {
            E->setType(L);
            return;
          }
          if (B->op() == BinaryOp::Mul && (R == Type::String || R == Type::List) &&
              IntLike(L)) {
            E->setType(R);
            return;
          }
          E->setType(IntLike(L) && IntLike(R)   ? Type::Int
                     : Numeric(L) && Numeric(R) ? Type::Float
                                                : Type::Any);
          return;
        case BinaryOp::Div:
          E->setType(Type::Float);
          return;
        default:
          E->setType(Type::Bool);
          return;  // comparisons, in
      }
    }
    case Expr::Kind::List:
      E->setType(Type::List);
      return;
    default:
      return;
  }
}

std::vector<llvm::StringRef> ResolveNamesPass::nameCandidates() const {
  std::vector<llvm::StringRef> Names;
  for (const Input &I : P->Inputs) Names.push_back(I.Name.Str);
  Names.insert(Names.end(), StepIds.begin(), StepIds.end());
  return Names;
}

void ResolveNamesPass::applyBindings(PassContext &Ctx) {
  for (const InputBinding &B : Ctx.Bindings) {
    std::optional<uint32_t> Idx = P->findInput(B.Name);
    if (!Idx) {
      std::vector<llvm::StringRef> Names;
      for (const Input &I : P->Inputs) Names.push_back(I.Name.Str);
      D->report(DiagKind::BindUnknownInput, SourceLoc(), 0, B.Origin, B.Name,
                didYouMean(B.Name, Names));
      continue;
    }
    Input &In = P->Inputs[*Idx];
    if (!isAssignable(B.V->type(), In.Ty)) {
      D->report(DiagKind::BindTypeMismatch, SourceLoc(), 0, B.Origin, B.Name,
                describeType(In.Ty).str(), describeType(B.V->type()).str());
      continue;
    }
    if (std::string List; !inputAllows(In, B.V, List)) {
      D->report(DiagKind::InvalidEnum, SourceLoc(), 0,
                fmt::format("value of input `{}` from `{}`", B.Name, B.Origin),
                scalarText(B.V), List, "");
      continue;
    }
    In.Bound = B.V;
    In.Required = false;
  }
}

/// A `while: true` (an `until: false`) written as a literal: ContextLab's
/// way to run the body `max_iterations` times, not a condition that
/// forgot to read the body.
static bool countedLoop(const Step &S) {
  const Value *V = S.LoopCond;
  if (const auto *T = llvm::dyn_cast_or_null<TemplateValue>(V))
    if (const auto *L = llvm::dyn_cast_or_null<LiteralExpr>(T->soleExpr()))
      return L->value().Ty == Type::Bool && L->value().B != S.LoopUntil;
  if (const auto *Sc = llvm::dyn_cast_or_null<ScalarValue>(V))
    return Sc->scalar().Ty == Type::Bool && Sc->scalar().B != S.LoopUntil;
  return false;
}

bool ResolveNamesPass::run(Pipeline &Pl, PassContext &Ctx) {
  P = &Pl;
  D = &Ctx.Diags;
  unsigned Before = D->errorCount();
  rewriteContextLabRefs(*P, *D);
  for (const Step &S : P->Steps) StepIds.push_back(S.Id.Str);
  for (Input &In : P->Inputs)
    if (In.Default)
      forEachExpr(In.Default, [&](Expr *E) {
        walk(E, Owner{-1, false, "input defaults"});
      });
  for (size_t I = 0; I < P->Steps.size(); ++I) {
    Step &S = P->Steps[I];
    S.Uses.clear();
    Owner O{static_cast<int>(I), true, ""};
    auto Visit = [&](Expr *E) { walk(E, O); };
    forEachExpr(S.Params, Visit);
    forEachExpr(S.ForEach, Visit);
    if (S.LoopCond) {
      CondReadsBody = false;
      Owner C{static_cast<int>(I), true, "", true};
      unsigned Errors = D->errorCount();
      forEachExpr(S.LoopCond, [&](Expr *E) { walk(E, C, UseShape::Bool); });
      // A read the walk refused (LoopReadsItself of a nested body step)
      // is not also "reads nothing".
      if (!CondReadsBody && !countedLoop(S) && D->errorCount() == Errors)
        D->report(DiagKind::LoopConditionStatic, S.LoopCond->loc(), S.LoopCond->length(),
                  S.LoopUntil ? "until" : "while", S.Id.Str.str(), S.Id.Str.str());
    }
    if (S.MaxIterationsValue) {
      // Rendered as the loop starts: the run's inputs, an enclosing loop's
      // variables and the results of steps outside the loop, each an edge
      // as for parameters (the loop itself and its body are not run yet:
      // SelfReference, LoopReadsItself). A field read alone is a number.
      auto *T = llvm::dyn_cast<TemplateValue>(S.MaxIterationsValue);
      const Expr *Sole = T ? T->soleExpr() : nullptr;
      forEachExpr(S.MaxIterationsValue, [&](Expr *E) {
        walk(E, O, E == Sole ? UseShape::Number : UseShape::Text);
      });
      Type Ty = Sole ? Sole->type() : Type::String;
      if (Ty != Type::Any && Ty != Type::Int && Ty != Type::Float && Ty != Type::String)
        D->report(DiagKind::TypeMismatch, S.MaxIterationsValue->loc(),
                  S.MaxIterationsValue->length(), "`max_iterations`", "an integer",
                  typeName(Ty).str());
    }
    if (S.ModelValue) {
      // Rendered when the step starts, as its parameters are: the same
      // edges. Its text names the model.
      auto *T = llvm::dyn_cast<TemplateValue>(S.ModelValue);
      const Expr *Sole = T ? T->soleExpr() : nullptr;
      forEachExpr(S.ModelValue, [&](Expr *E) { walk(E, O, UseShape::Text); });
      Type Ty = Sole ? Sole->type() : Type::String;
      if (Ty != Type::Any && Ty != Type::String)
        D->report(DiagKind::TypeMismatch, S.ModelValue->loc(), S.ModelValue->length(),
                  "`model`", "a model's name (a string)", typeName(Ty).str());
    }
    forEachExpr(S.Condition, [&](Expr *E) {
      auto *T = llvm::dyn_cast<TemplateValue>(S.Condition);
      walk(E, O, T && T->soleExpr() == E ? UseShape::Bool : UseShape::Text);
    });
    // `next: [{when: ...}]` (docs/language.md §6.4) renders once the step
    // completed: reading the step itself adds no edge.
    size_t OwnUses = S.Uses.size();
    Owner W{static_cast<int>(I), true, ""};
    W.RouteWhen = true;
    for (const Route &R : S.Routes)
      forEachExpr(R.When, [&](Expr *E) { walk(E, W, UseShape::Bool); });
    S.Uses.erase(std::remove_if(S.Uses.begin() + OwnUses, S.Uses.end(),
                                [&](const StepUse &U) { return U.Target == I; }),
                 S.Uses.end());
    if (S.Condition && !conditionReadsNames(S.Condition)) {
      SourceLoc L = S.Condition->loc();
      llvm::StringRef Text = P->file().text().substr(L.Offset, S.Condition->length());
      D->report(DiagKind::ConstantCondition, L, S.Condition->length(),
                Text.take_until([](char C) { return C == '\n'; }).str());
    }
    if (S.Params)
      for (const MapEntry &E : S.Params->entries())
        if (auto *T = llvm::dyn_cast<TemplateValue>(E.V))
          if (Expr *X = T->soleExpr()) E.V->setType(X->type());
  }
  P->OutputUses.clear();
  for (Output &Out : P->Outputs)
    forEachExpr(Out.V, [&](Expr *E) { walk(E, Owner{-1, true, ""}); });

  // Implicit inputs: one warning each, at the first use, in source order.
  for (Input &In : P->Inputs) std::sort(In.Uses.begin(), In.Uses.end());
  auto ByLoc = [](const StepUse &A, const StepUse &B) { return A.Loc < B.Loc; };
  for (Step &S : P->Steps) orch::stableSort(S.Uses.begin(), S.Uses.end(), ByLoc);
  orch::stableSort(P->OutputUses.begin(), P->OutputUses.end(), ByLoc);
  orch::stableSort(P->Inputs.begin(), P->Inputs.end(),
                   [](const Input &A, const Input &B) {
                     if (A.Implicit != B.Implicit) return !A.Implicit;
                     return A.Implicit && A.Uses.front() < B.Uses.front();
                   });
  P->reindex();
  for (Input &In : P->Inputs) {
    if (!In.Implicit) continue;
    std::sort(In.Uses.begin(), In.Uses.end());
    // A scalar reached through YAML aliases is walked once per alias.
    In.Uses.erase(std::unique(In.Uses.begin(), In.Uses.end()), In.Uses.end());
    In.Name.Loc = In.Uses.front();
    std::string Hint = didYouMean(In.Name.Str, StepIds);
    if (!Hint.empty()) Hint.replace(Hint.find("`"), 1, "the step `");
    Diagnostic &W = D->report(DiagKind::ImplicitInput, In.Uses.front(), In.Name.Length,
                              In.Name.Str.str(), Hint);
    for (size_t U = 1; U < In.Uses.size() && U <= 8; ++U)
      DiagnosticEngine::note(W, DiagKind::NoteUsedHere, In.Uses[U], In.Name.Length);
  }
  applyBindings(Ctx);
  return D->errorCount() == Before;
}

}  // namespace

std::unique_ptr<Pass> createResolveNamesPass() {
  return std::make_unique<ResolveNamesPass>();
}

}  // namespace orch::passes
