//===- PlanWriter.cpp -----------------------------------------------------===//
#include "backends/plan/PlanWriter.h"

#include "ir/Actions.h"
#include "ir/plan/PlanFile.h"
#include "ir/plan/Plan_generated.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Path.h"

namespace orch::backends {

namespace {

/// Step \p S's cache TTL in seconds: its own `cache:`, else the
/// pipeline's; -1 (off) for an action that acts on the run.
int64_t cacheTtl(const ir::Pipeline &P, const ir::Step &S) {
  const ir::ActionInfo *A = ir::findBuiltinAction(S.Action.Str);
  if (A && A->NotCached) return -1;
  return S.CacheTtl ? S.CacheTtl->Val : P.CacheTtl ? P.CacheTtl->Val : -1;
}

namespace fb = flatbuffers;
namespace pf = orch::plan;

pf::Type planType(ir::Type T) { return static_cast<pf::Type>(static_cast<uint8_t>(T)); }

class Writer {
 public:
  explicit Writer(const ir::Pipeline &P) : P(P) {}

  std::string run(llvm::StringRef CompilerVersion);

 private:
  int32_t expr(const ir::Expr *E);
  fb::Offset<pf::Value> value(const ir::Value *V);
  /// Short strings (names, ids, fields) are stored once and shared.
  fb::Offset<fb::String> str(llvm::StringRef S) {
    return S.size() <= 64 ? B.CreateSharedString(S.data(), S.size())
                          : B.CreateString(S.data(), S.size());
  }

  const ir::Pipeline &P;
  fb::FlatBufferBuilder B{1 << 16};
  std::vector<fb::Offset<pf::ExprNode>> Exprs;
  llvm::DenseMap<const ir::AutoTag *, int32_t> AutoIndex;
};

int32_t Writer::expr(const ir::Expr *E) {
  int32_t A = -1, C = -1;
  std::vector<int32_t> Args;
  std::vector<fb::Offset<fb::String>> Names;
  fb::Offset<fb::String> S = 0;
  uint8_t Op = 0;
  pf::Type Lit = pf::Type::Any;
  bool Bv = false;
  int64_t I = 0;
  double F = 0;
  switch (E->kind()) {
    case ir::Expr::Kind::Literal: {
      const ir::Scalar &V = llvm::cast<ir::LiteralExpr>(E)->value();
      Lit = planType(V.Ty);
      Bv = V.B;
      I = V.I;
      F = V.F;
      if (V.Ty == ir::Type::String) S = str(V.S);
      break;
    }
    case ir::Expr::Kind::Name:
      S = str(llvm::cast<ir::NameExpr>(E)->name());
      break;
    case ir::Expr::Kind::Attr:
      A = expr(llvm::cast<ir::AttrExpr>(E)->base());
      S = str(llvm::cast<ir::AttrExpr>(E)->attr());
      break;
    case ir::Expr::Kind::Index:
      A = expr(llvm::cast<ir::IndexExpr>(E)->base());
      C = expr(llvm::cast<ir::IndexExpr>(E)->index());
      break;
    case ir::Expr::Kind::Filter: {
      auto *Fl = llvm::cast<ir::FilterExpr>(E);
      A = expr(Fl->base());
      for (const ir::Expr *X : Fl->args()) Args.push_back(expr(X));
      S = str(Fl->name());
      Op = static_cast<uint8_t>(Fl->form());
      for (llvm::StringRef K : Fl->argNames()) Names.push_back(str(K));
      break;
    }
    case ir::Expr::Kind::Compound: {
      auto *Cm = llvm::cast<ir::CompoundExpr>(E);
      Op = static_cast<uint8_t>(Cm->op());
      for (const ir::Expr *X : Cm->parts()) Args.push_back(X ? expr(X) : -1);
      break;
    }
    case ir::Expr::Kind::Unary:
      Op = static_cast<uint8_t>(llvm::cast<ir::UnaryExpr>(E)->op());
      A = expr(llvm::cast<ir::UnaryExpr>(E)->operand());
      break;
    case ir::Expr::Kind::Binary:
      Op = static_cast<uint8_t>(llvm::cast<ir::BinaryExpr>(E)->op());
      A = expr(llvm::cast<ir::BinaryExpr>(E)->lhs());
      C = expr(llvm::cast<ir::BinaryExpr>(E)->rhs());
      break;
    case ir::Expr::Kind::List:
      for (const ir::Expr *X : llvm::cast<ir::ListExpr>(E)->items())
        Args.push_back(expr(X));
      break;
  }
  LineCol LC = P.file().lineCol(E->loc());
  auto ArgsV = Args.empty() ? 0 : B.CreateVector(Args);
  auto NamesV = Names.empty() ? 0 : B.CreateVector(Names);
  Exprs.push_back(pf::CreateExprNode(B, static_cast<pf::ExprKind>(E->kind()), Op, Lit, Bv,
                                     I, F, S, A, C, ArgsV, LC.Line, LC.Col, NamesV));
  return static_cast<int32_t>(Exprs.size() - 1);
}

fb::Offset<pf::Value> Writer::value(const ir::Value *V) {
  if (!V) return 0;
  switch (V->kind()) {
    case ir::Value::Kind::Scalar: {
      const ir::Scalar &S = llvm::cast<ir::ScalarValue>(V)->scalar();
      auto Str = S.Ty == ir::Type::String ? str(S.S) : 0;
      return pf::CreateValue(B, pf::ValueKind::Scalar, planType(V->type()),
                             planType(S.Ty), S.B, S.I, S.F, Str);
    }
    case ir::Value::Kind::Auto: {
      // A whole-value tag is its resolved value; the tag itself is listed
      // in auto_tags with who decided it.
      const ir::AutoTag *T = llvm::cast<ir::AutoValue>(V)->tag();
      return value(T->Resolved);
    }
    case ir::Value::Kind::Template: {
      std::vector<fb::Offset<pf::Segment>> Segs;
      for (const ir::Segment &S : llvm::cast<ir::TemplateValue>(V)->segments()) {
        if (S.K == ir::Segment::Kind::Text) {
          Segs.push_back(pf::CreateSegment(B, pf::SegmentKind::Text, str(S.Text)));
        } else if (S.K == ir::Segment::Kind::Expr) {
          int32_t Root = expr(S.E);
          Segs.push_back(pf::CreateSegment(B, pf::SegmentKind::Expr, 0, Root));
        } else {
          auto It = AutoIndex.find(S.Tag);
          Segs.push_back(pf::CreateSegment(B, pf::SegmentKind::Auto, 0, -1,
                                           It == AutoIndex.end() ? -1 : It->second));
        }
      }
      auto SegsV = B.CreateVector(Segs);
      return pf::CreateValue(B, pf::ValueKind::Template, planType(V->type()),
                             pf::Type::Any, false, 0, 0, 0, SegsV);
    }
    case ir::Value::Kind::List: {
      std::vector<fb::Offset<pf::Value>> Items;
      for (const ir::Value *I : llvm::cast<ir::ListValue>(V)->items())
        Items.push_back(value(I));
      auto ItemsV = B.CreateVector(Items);
      return pf::CreateValue(B, pf::ValueKind::List, pf::Type::List, pf::Type::Any, false,
                             0, 0, 0, 0, ItemsV);
    }
    case ir::Value::Kind::Map: {
      std::vector<fb::Offset<pf::Value>> Items;
      std::vector<fb::Offset<fb::String>> Keys;
      for (const ir::MapEntry &E : llvm::cast<ir::MapValue>(V)->entries()) {
        Keys.push_back(str(E.Key));
        Items.push_back(value(E.V));
      }
      auto ItemsV = B.CreateVector(Items);
      auto KeysV = B.CreateVector(Keys);
      return pf::CreateValue(B, pf::ValueKind::Map, pf::Type::Map, pf::Type::Any, false,
                             0, 0, 0, 0, ItemsV, KeysV);
    }
  }
  return 0;
}

std::string Writer::run(llvm::StringRef CompilerVersion) {
  // AUTO tags first, so template segments can point at them.
  std::vector<fb::Offset<pf::AutoTag>> Tags;
  for (const ir::AutoTag *T : P.AutoTags) {
    if (!T->Resolved) continue;
    auto V = value(T->Resolved);
    Tags.push_back(pf::CreateAutoTag(B, str(T->Path), str(T->Text), V, str(T->Model)));
    AutoIndex[T] = static_cast<int32_t>(Tags.size() - 1);
  }
  std::vector<fb::Offset<pf::Input>> Inputs;
  for (const ir::Input &In : P.Inputs) {
    auto Name = str(In.Name.Str);
    auto Def = value(In.Default);
    auto Bound = value(In.Bound);
    auto Desc = str(In.Description.Str);
    Inputs.push_back(
        pf::CreateInput(B, Name, planType(In.Ty), In.Required, Def, Bound, Desc));
  }
  std::vector<fb::Offset<pf::Output>> Outputs;
  for (const ir::Output &O : P.Outputs) {
    auto Name = str(O.Name.Str);
    auto V = value(O.V);
    Outputs.push_back(pf::CreateOutput(B, Name, V));
  }
  std::vector<fb::Offset<pf::Step>> Steps;
  // --- routing (format 7): the steps some route leads to ---
  std::vector<char> Targeted(P.Steps.size(), 0);
  for (const ir::Step &S : P.Steps)
    for (const ir::Route &R : S.Routes)
      if (R.To >= 0 && !R.Back) Targeted[R.To] = 1;
  for (const ir::Step &S : P.Steps) {
    std::vector<fb::Offset<fb::String>> Keys;
    std::vector<fb::Offset<pf::Value>> Params;
    if (S.Params)
      for (const ir::MapEntry &E : S.Params->entries()) {
        Keys.push_back(str(E.Key));
        Params.push_back(value(E.V));
      }
    auto Cond = value(S.Condition);
    std::vector<uint32_t> Deps, OrderDeps;
    for (const ir::DepEdge &D : S.Deps) (D.Order ? OrderDeps : Deps).push_back(D.Target);
    std::vector<fb::Offset<pf::StepUse>> Uses;
    for (const ir::StepUse &U : S.Uses)
      Uses.push_back(pf::CreateStepUse(B, U.Target, str(U.Field)));
    auto Id = str(S.Id.Str);
    auto Action = str(S.Action.Str);
    auto KeysV = B.CreateVector(Keys);
    auto ParamsV = B.CreateVector(Params);
    auto DepsV = B.CreateVector(Deps);
    auto UsesV = B.CreateVector(Uses);
    auto Model = S.Model.Str.empty() ? 0 : str(S.Model.Str);
    auto Schema = S.OutputSchema.empty() ? 0 : str(S.OutputSchema);
    std::vector<fb::Offset<fb::String>> Fallbacks;
    for (llvm::StringRef F : S.FallbackModels) Fallbacks.push_back(str(F));
    auto FallbacksV = Fallbacks.empty() ? 0 : B.CreateVector(Fallbacks);
    auto Why = S.ModelWhy.empty() ? 0 : str(S.ModelWhy);
    auto Items = S.ForEach ? value(S.ForEach) : 0;  // loops (format 5)
    auto LoopCond = S.LoopCond ? value(S.LoopCond) : 0;
    auto MaxIterationsValue = S.MaxIterationsValue ? value(S.MaxIterationsValue) : 0;
    auto ModelValue = S.ModelValue ? value(S.ModelValue) : 0;  // format 11
    // --- routing (format 7) ---
    std::vector<fb::Offset<pf::Route>> Routes;
    for (const ir::Route &R : S.Routes)
      Routes.push_back(pf::CreateRoute(B, static_cast<pf::RouteKind>(R.Kind),
                                       static_cast<uint32_t>(R.To), value(R.When)));
    auto RoutesV = Routes.empty() ? 0 : B.CreateVector(Routes);
    auto OrderV = OrderDeps.empty() ? 0 : B.CreateVector(OrderDeps);
    bool IsTarget = Targeted[&S - P.Steps.data()];
    // --- end routing ---
    LineCol LC = P.file().lineCol(S.Id.Loc.isValid() ? S.Id.Loc : S.Loc);
    Steps.push_back(pf::CreateStep(
        B, Id, Action, KeysV, ParamsV, Cond, DepsV, UsesV,
        static_cast<pf::FailurePolicy>(S.OnFailure),
        S.Timeout ? S.Timeout->Val * 1000 : 0,
        S.MaxRetries ? static_cast<int32_t>(S.MaxRetries->Val) : -1, Model, LC.Line,
        LC.Col, Schema, S.Level, S.EstMs, S.PathMs, S.Group, S.ModelSelected, FallbacksV,
        Why, S.UcbExploration, S.MaxTokens ? static_cast<uint32_t>(S.MaxTokens->Val) : 0,
        cacheTtl(P, S),
        // loops (format 5)
        S.Parent, Items, S.MaxParallel ? static_cast<uint32_t>(S.MaxParallel->Val) : 0,
        // while/until loops
        LoopCond, S.LoopUntil,
        S.MaxIterations ? static_cast<uint32_t>(S.MaxIterations->Val) : 0,
        // step budgets
        S.BudgetMaxCostUsd, static_cast<uint64_t>(S.BudgetMaxTokens),
        // routing (format 7)
        RoutesV, OrderV, IsTarget,
        // format 9
        MaxIterationsValue,
        // format 10
        S.CycleTail,
        // format 11
        ModelValue));
  }
  std::vector<fb::Offset<pf::Group>> Groups;
  for (const ir::ResourceGroup &G : P.Groups)
    Groups.push_back(pf::CreateGroup(B, str(G.Name), G.MaxConcurrent, G.RequestsPerMinute,
                                     G.Burst, str(G.LimitsFrom), G.TokensPerMinute));
  auto GroupsV = B.CreateVector(Groups);
  std::vector<fb::Offset<pf::McpServer>> Servers;
  for (const ir::McpServer &M : P.McpServers) {
    auto strs = [&](const auto &Items, bool Keys) {
      std::vector<fb::Offset<fb::String>> Out;
      for (const auto &I : Items) {
        if constexpr (std::is_same_v<std::decay_t<decltype(I)>, ir::LocPair>)
          Out.push_back(str(Keys ? I.Key.Str : I.Val.Str));
        else
          Out.push_back(str(I.Str));
      }
      return B.CreateVector(Out);
    };
    Servers.push_back(pf::CreateMcpServer(
        B, str(M.Name.Str), M.Command.Str.empty() ? 0 : str(M.Command.Str),
        strs(M.Args, true), strs(M.Env, true), strs(M.Env, false),
        M.Url.Str.empty() ? 0 : str(M.Url.Str), strs(M.Headers, true),
        strs(M.Headers, false)));
  }
  auto ServersV = Servers.empty() ? 0 : B.CreateVector(Servers);
  std::vector<fb::Offset<pf::ModelFusion>> Fusions;
  for (const ir::ModelFusionGroup &G : P.ModelFusions)
    Fusions.push_back(pf::CreateModelFusion(B, B.CreateVector(G.Steps), str(G.Model),
                                            G.Level, G.EstPromptTokens,
                                            G.EstPromptTokensSaved, G.EstOutputTokens));
  auto FusionsV = Fusions.empty() ? 0 : B.CreateVector(Fusions);
  auto StorageT =
      P.StorageConnection.empty() && !P.StorageRetentionDays
          ? 0
          : pf::CreateStorage(
                B, P.StorageConnection.empty() ? 0 : B.CreateString(P.StorageConnection),
                P.StorageRetentionDays);
  auto MonitoringT =
      P.MetricsPort < 0 && P.TracingEndpoint.empty()
          ? 0
          : pf::CreateMonitoring(
                B, P.MetricsPort,
                P.MetricsHost.empty() ? 0 : B.CreateString(P.MetricsHost),
                P.TracingEndpoint.empty() ? 0 : B.CreateString(P.TracingEndpoint));
  auto Root = pf::CreatePlan(
      B, str(CompilerVersion), str(P.Name.Str), str(P.Version.Str),
      str(P.Description.Str), str(llvm::sys::path::filename(P.file().name())),
      P.Context.Timeout ? P.Context.Timeout->Val * 1000 : 0,
      P.Context.MaxRetries ? static_cast<int32_t>(P.Context.MaxRetries->Val) : -1,
      str(P.Context.CheckpointStrategy.Str), B.CreateVector(Inputs),
      B.CreateVector(Outputs), B.CreateVector(Steps), B.CreateVector(Exprs),
      B.CreateVector(Tags), GroupsV, P.MaxConcurrentTasks, P.SandboxDisabled,
      P.SandboxLimits.empty() ? 0 : B.CreateString(P.SandboxLimits),
      P.ForbiddenModules.empty() ? 0 : B.CreateVectorOfStrings(P.ForbiddenModules),
      ServersV, P.SandboxNoUserns, P.Context.BudgetMaxCostUsd,
      static_cast<uint64_t>(P.Context.BudgetMaxTokens), P.Context.BudgetWarnOnly,
      FusionsV, StorageT, P.Context.BatchExecution, MonitoringT);
  pf::FinishPlanBuffer(B, Root);
  return plan::wrapPlan(
      llvm::StringRef(reinterpret_cast<const char *>(B.GetBufferPointer()), B.GetSize()));
}

}  // namespace

llvm::Expected<std::string> writePlan(const ir::Pipeline &P,
                                      llvm::StringRef CompilerVersion) {
  for (const ir::AutoTag *T : P.AutoTags)
    if (!T->Resolved)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "AUTO tag `%s` is unresolved; a plan needs every tag "
          "decided (drop --no-auto)",
          T->Path.str().c_str());
  return Writer(P).run(CompilerVersion);
}

}  // namespace orch::backends
