//===- PlanReader.cpp -----------------------------------------------------===//
#include "runtime/plan/PlanReader.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>

#include "ir/Actions.h"
#include "ir/Expr.h"
#include "ir/Json.h"
#include "ir/JsonLimits.h"
#include "ir/plan/PlanFile.h"
#include "llvm/ADT/StringSet.h"

namespace orch::runtime {

namespace pf = orch::plan;

namespace {

llvm::Error fail(const std::string &M) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "invalid plan: " + M);
}

/// The plan's own rules, over a buffer the verifier accepted.
class Checker {
 public:
  explicit Checker(const pf::Plan &P) : P(P) {}

  llvm::Error run() {
    uint32_t NExprs = P.exprs() ? P.exprs()->size() : 0;
    uint32_t NTags = P.auto_tags() ? P.auto_tags()->size() : 0;
    NumTags = NTags;
    if (P.exprs())
      for (uint32_t I = 0; I < NExprs; ++I) {
        const pf::ExprNode *E = P.exprs()->Get(I);
        if (static_cast<uint8_t>(E->kind()) > static_cast<uint8_t>(pf::ExprKind::MAX))
          return fail(fmt::format("expression {} has an unknown kind", I));
        auto Child = [&](int32_t C) { return C >= -1 && C < static_cast<int32_t>(I); };
        if (!Child(E->a()) || !Child(E->c()))
          return fail(fmt::format("expression {} refers to a later node", I));
        bool Compound = E->kind() == pf::ExprKind::Compound;
        if (E->args())
          for (int32_t A : *E->args())
            if (A < (Compound ? -1 : 0) || A >= static_cast<int32_t>(I))
              return fail(fmt::format("expression {} has an argument out of order", I));
        if (E->op() > 15 || (E->kind() == pf::ExprKind::Filter && E->op() > 4) ||
            (Compound && E->op() >= ir::NumCompoundOps))
          return fail(fmt::format("expression {} has an unknown operator", I));
        if (E->names() && (E->kind() != pf::ExprKind::Filter || !E->args() ||
                           E->names()->size() != E->args()->size()))
          return fail(fmt::format("expression {} has argument names that do not fit", I));
        if (E->names())
          for (const auto *K : *E->names())
            if (!K) return fail(fmt::format("expression {} lacks an argument name", I));
        if (Compound) {
          // Which parts may be absent: Cond {then, cond, else?}, Slice {x, lo?,
          // hi?, step?}; Dict (key, value pairs) and Tuple have none absent.
          uint32_t N = E->args() ? E->args()->size() : 0;
          auto Has = [&](uint32_t K) { return K < N && E->args()->Get(K) >= 0; };
          bool Ok = true;
          switch (static_cast<ir::CompoundOp>(E->op())) {
            case ir::CompoundOp::Cond:
              Ok = N == 3 && Has(0) && Has(1);
              break;
            case ir::CompoundOp::Slice:
              Ok = N == 4 && Has(0);
              break;
            case ir::CompoundOp::Dict:
            case ir::CompoundOp::Tuple:
              for (uint32_t K = 0; K < N; ++K) Ok &= Has(K);
              Ok &= static_cast<ir::CompoundOp>(E->op()) != ir::CompoundOp::Dict ||
                    N % 2 == 0;
              break;
            case ir::CompoundOp::Block:
              for (uint32_t K = 0; K < N; ++K) Ok &= Has(K);
              break;
            case ir::CompoundOp::For:
            case ir::CompoundOp::Let: {
              // {it, body, else?, filter?, names...} and {value, rest,
              // name}: each name a string literal.
              bool IsFor = static_cast<ir::CompoundOp>(E->op()) == ir::CompoundOp::For;
              uint32_t First = IsFor ? static_cast<uint32_t>(ir::ForFirstName) : 2;
              Ok = (IsFor ? N > First : N == 3) && Has(0) && Has(1);
              // The body (and a loop's else) is a Block: the evaluator
              // appends its text.
              auto IsBlock = [&](uint32_t K) {
                const pf::ExprNode *B = P.exprs()->Get(E->args()->Get(K));
                return B->kind() == pf::ExprKind::Compound &&
                       static_cast<ir::CompoundOp>(B->op()) == ir::CompoundOp::Block;
              };
              Ok = Ok && IsBlock(1) && (!IsFor || !Has(2) || IsBlock(2));
              for (uint32_t K = First; Ok && K < N; ++K) {
                Ok = Has(K);
                const pf::ExprNode *Nm = Ok ? P.exprs()->Get(E->args()->Get(K)) : nullptr;
                Ok = Ok && Nm->kind() == pf::ExprKind::Literal &&
                     Nm->lit_type() == pf::Type::String && Nm->s();
              }
              break;
            }
          }
          if (!Ok) return fail(fmt::format("expression {} has missing parts", I));
        }
        bool NeedsA =
            E->kind() == pf::ExprKind::Attr || E->kind() == pf::ExprKind::Index ||
            E->kind() == pf::ExprKind::Filter || E->kind() == pf::ExprKind::Unary ||
            E->kind() == pf::ExprKind::Binary;
        if (NeedsA && E->a() < 0)
          return fail(fmt::format("expression {} lacks an operand", I));
        if ((E->kind() == pf::ExprKind::Index || E->kind() == pf::ExprKind::Binary) &&
            E->c() < 0)
          return fail(fmt::format("expression {} lacks an operand", I));
        bool NeedsS = E->kind() == pf::ExprKind::Name ||
                      E->kind() == pf::ExprKind::Attr ||
                      E->kind() == pf::ExprKind::Filter;
        if (NeedsS && !E->s())
          return fail(fmt::format("expression {} lacks its name", I));
      }
    NumExprs = NExprs;
    if (P.groups())
      for (uint32_t G = 0; G < P.groups()->size(); ++G)
        if (!P.groups()->Get(G)->name())
          return fail(fmt::format("resource group {} has no name", G));
    uint32_t NSteps = P.steps() ? P.steps()->size() : 0;
    if (P.model_fusions())
      for (uint32_t G = 0; G < P.model_fusions()->size(); ++G) {
        const pf::ModelFusion *F = P.model_fusions()->Get(G);
        if (!F->steps() || F->steps()->size() < 2)
          return fail(fmt::format("fused request {} has fewer than two steps", G));
        for (uint32_t I : *F->steps())
          if (I >= NSteps)
            return fail(fmt::format("fused request {} names step #{}", G, I));
        // Members share one admission (the scheduler's fusion lease): they
        // must be top-level steps of one resource group.
        const pf::Step *First = P.steps()->Get(F->steps()->Get(0));
        for (uint32_t I : *F->steps()) {
          const pf::Step *S = P.steps()->Get(I);
          if (S->parent() != -1)
            return fail(fmt::format(
                "fused request {} names step #{}, which is in a loop body", G, I));
          if (S->group() != First->group())
            return fail(fmt::format(
                "fused request {} mixes resource groups (step #{} is in #{}, step #{} "
                "in #{})",
                G, F->steps()->Get(0), First->group(), I, S->group()));
        }
      }
    llvm::StringSet<> Ids;
    std::vector<std::vector<uint32_t>> Out(NSteps);
    std::vector<uint32_t> InDeg(NSteps, 0);
    for (uint32_t I = 0; I < NSteps; ++I) {
      const pf::Step *S = P.steps()->Get(I);
      if (!S->id() || !S->action())
        return fail(fmt::format("step {} lacks an id or action", I));
      if (!Ids.insert(S->id()->string_view()).second)
        return fail(fmt::format("step id `{}` is used twice", S->id()->str()));
      if (static_cast<uint8_t>(S->on_failure()) >
          static_cast<uint8_t>(pf::FailurePolicy::MAX))
        return fail(
            fmt::format("step `{}` has an unknown failure policy", S->id()->str()));
      if (S->timeout_ms() < 0)
        return fail(fmt::format("step `{}` has a negative timeout", S->id()->str()));
      if (S->max_tokens() > ir::MaxOutputTokens)
        return fail(fmt::format("step `{}` asks for more than {} tokens", S->id()->str(),
                                ir::MaxOutputTokens));
      if (!(S->budget_max_cost_usd() >= 0 && S->budget_max_cost_usd() < 1e12))
        return fail(fmt::format("step `{}` has a budget that is no amount of USD",
                                S->id()->str()));
      uint32_t NKeys = S->params_keys() ? S->params_keys()->size() : 0;
      uint32_t NParams = S->params() ? S->params()->size() : 0;
      if (NKeys != NParams)
        return fail(
            fmt::format("step `{}`: parameter keys and values differ", S->id()->str()));
      if (S->params())
        for (const pf::Value *V : *S->params())
          if (llvm::Error E = value(V)) return E;
      if (llvm::Error E = value(S->condition())) return E;
      if (llvm::Error E = value(S->for_each())) return E;
      if (llvm::Error E = value(S->loop_cond())) return E;
      if (llvm::Error E = value(S->max_iterations_value())) return E;
      if (llvm::Error E = value(S->model_value())) return E;
      if (S->deps())
        for (uint32_t D : *S->deps()) {
          if (D >= NSteps || D == I)
            return fail(fmt::format("step `{}` depends on step #{}", S->id()->str(), D));
          Out[D].push_back(I);
          ++InDeg[I];
        }
      // --- routing (format 7): order edges point back, routes forward ---
      if (S->order_deps())
        for (uint32_t D : *S->order_deps()) {
          // A sibling (SchedulerRoutes.cpp maps it into a body's instances).
          if (D >= I || P.steps()->Get(D)->parent() != S->parent())
            return fail(fmt::format("step `{}` waits for the route of step #{}",
                                    S->id()->str(), D));
          Out[D].push_back(I);
          ++InDeg[I];
        }
      // A routing cycle's last step (format 10) routes back into its
      // loop's body, and forward past the loop, which is top-level; other
      // steps route to later siblings (a body's steps since format 10).
      int32_t Cycle = -1;
      if (S->parent() >= 0 && static_cast<uint32_t>(S->parent()) < I &&
          P.steps()->Get(S->parent())->cycle_tail() == static_cast<int32_t>(I))
        Cycle = S->parent();
      if (S->routes())
        for (const pf::Route *R : *S->routes()) {
          // A sibling after it; for a cycle's last step, back into its
          // loop's body or forward past the loop.
          bool Back = Cycle >= 0 && R->target() <= I;
          int32_t Home = Back ? Cycle : S->parent();
          if (Cycle >= 0 && !Back) Home = P.steps()->Get(Cycle)->parent();
          if ((!Back && R->target() <= I) || R->target() >= NSteps ||
              P.steps()->Get(R->target())->parent() != Home ||
              (Cycle >= 0 && P.steps()->Get(Cycle)->parent() != -1) ||
              (R->kind() == pf::RouteKind::When) != (R->when() != nullptr))
            return fail(fmt::format("step `{}` has a bad route to step #{}",
                                    S->id()->str(), R->target()));
          if (llvm::Error E = value(R->when())) return E;
        }
      // --- end routing ---
      uint32_t NGroups = P.groups() ? P.groups()->size() : 0;
      if (S->group() < -1 ||
          (S->group() >= 0 && static_cast<uint32_t>(S->group()) >= NGroups))
        return fail(fmt::format("step `{}` is in group #{}", S->id()->str(), S->group()));
      if (!(S->ucb_exploration() >= 0 && S->ucb_exploration() < 1e6))
        return fail(
            fmt::format("step `{}` has a bad ucb exploration factor", S->id()->str()));
      if (S->fallback_models())
        for (const auto *F : *S->fallback_models())
          if (!F)
            return fail(fmt::format("step `{}` has an empty fallback", S->id()->str()));
      if (S->output_schema()) {
        auto J = orch::ir::Json::parse(S->output_schema()->string_view(), nullptr, false);
        if (!J.is_object())
          return fail(
              fmt::format("step `{}` has an output schema that is not a JSON object",
                          S->id()->str()));
      }
      if (S->uses())
        for (const pf::StepUse *U : *S->uses())
          if (U->target() >= NSteps || !U->field())
            return fail(
                fmt::format("step `{}` uses step #{}", S->id()->str(), U->target()));
    }
    // Acyclic, or the scheduler would wait forever.
    std::deque<uint32_t> Ready;
    for (uint32_t I = 0; I < NSteps; ++I)
      if (!InDeg[I]) Ready.push_back(I);
    uint32_t Seen = 0;
    while (!Ready.empty()) {
      uint32_t N = Ready.front();
      Ready.pop_front();
      ++Seen;
      for (uint32_t M : Out[N])
        if (--InDeg[M] == 0) Ready.push_back(M);
    }
    if (Seen != NSteps) return fail("the dependency graph has a cycle");
    if (llvm::Error E = loops(NSteps)) return E;
    if (P.mcp_servers())
      for (const pf::McpServer *M : *P.mcp_servers()) {
        auto size = [](const auto *V) { return V ? V->size() : 0u; };
        if (!M->name() || (!M->command() == !M->url()) ||
            size(M->env_keys()) != size(M->env_values()) ||
            size(M->header_keys()) != size(M->header_values()))
          return fail("an MCP server lacks its name or transport, or its pairs differ");
      }
    if (P.inputs())
      for (const pf::Input *In : *P.inputs()) {
        if (!In->name()) return fail("an input lacks its name");
        if (static_cast<uint8_t>(In->type()) > static_cast<uint8_t>(pf::Type::MAX))
          return fail("an input has an unknown type");
        if (llvm::Error E = value(In->default_value())) return E;
        if (llvm::Error E = value(In->bound())) return E;
      }
    if (P.outputs())
      for (const pf::Output *O : *P.outputs()) {
        if (!O->name()) return fail("an output lacks its name");
        if (llvm::Error E = value(O->value())) return E;
      }
    if (P.auto_tags())
      for (const pf::AutoTag *T : *P.auto_tags()) {
        if (!T->path()) return fail("an AUTO value lacks its path");
        if (llvm::Error E = value(T->value())) return E;
      }
    return llvm::Error::success();
  }

 private:
  /// Loops (format 5): a loop step is action `for_each` with items and a
  /// non-empty body after it; a body step's edge leads to a sibling, or to
  /// a step beside one of its loops that this loop waits for, so whatever
  /// a body instance reads from outside has settled before it starts.
  static bool isLoop(const pf::Step *S) { return S->for_each() || S->loop_cond(); }

  /// A `while`/`until` loop is action `while` with a condition and
  /// 1 to ir::MaxLoopIterations iterations; no other step has those. A
  /// routing cycle's (step \p Index) is an `until` loop whose tail is in
  /// its body.
  llvm::Error whileLoop(const pf::Step *S, uint32_t Index) {
    bool Loop = S->action()->string_view() == "while";
    if (Loop != (S->loop_cond() != nullptr) || (S->loop_cond() && S->for_each()) ||
        (!Loop && (S->max_iterations() || S->loop_until() || S->max_iterations_value())))
      return fail(
          fmt::format("step `{}`: a `while` loop needs action `while` and a condition",
                      S->id()->str()));
    if (S->cycle_tail() != -1 &&
        (!Loop || !S->loop_until() || S->cycle_tail() < 0 ||
         static_cast<uint32_t>(S->cycle_tail()) >= P.steps()->size() ||
         P.steps()->Get(S->cycle_tail())->parent() != static_cast<int32_t>(Index)))
      return fail(fmt::format("step `{}`: a routing cycle's loop names step #{}",
                              S->id()->str(), S->cycle_tail()));
    if (Loop && (S->max_iterations() < 1 || S->max_iterations() > ir::MaxLoopIterations))
      return fail(fmt::format("loop `{}`: max_iterations {} is not between 1 and {}",
                              S->id()->str(), S->max_iterations(),
                              ir::MaxLoopIterations));
    return llvm::Error::success();
  }

  llvm::Error loops(uint32_t NSteps) {
    std::vector<uint32_t> BodySize(NSteps, 0), Depth(NSteps, 0);
    auto parent = [&](uint32_t I) { return P.steps()->Get(I)->parent(); };
    for (uint32_t I = 0; I < NSteps; ++I) {
      const pf::Step *S = P.steps()->Get(I);
      bool Loop = S->action()->string_view() == "for_each";
      if (Loop != (S->for_each() != nullptr))
        return fail(fmt::format("step `{}`: a loop needs action `for_each` and items",
                                S->id()->str()));
      if (llvm::Error E = whileLoop(S, I)) return E;
      Loop = Loop || S->loop_cond();
      if (Loop && (S->timeout_ms() != 0 || S->max_retries() >= 0 ||
                   S->on_failure() == pf::FailurePolicy::Retry))
        return fail(fmt::format(
            "loop `{}` has a timeout or retries (its items' steps do)", S->id()->str()));
      int32_t L = S->parent();
      if (L < -1 ||
          (L >= 0 && (static_cast<uint32_t>(L) >= I || !isLoop(P.steps()->Get(L)))))
        return fail(fmt::format("step `{}` is in step #{}, not a loop before it",
                                S->id()->str(), L));
      if (L >= 0) {
        ++BodySize[L];
        if ((Depth[I] = Depth[L] + 1) > ir::MaxLoopDepth)
          return fail(fmt::format("step `{}`: loops nest deeper than {} levels",
                                  S->id()->str(), ir::MaxLoopDepth));
      }
      if (S->deps())
        for (uint32_t D : *S->deps()) {
          if (parent(D) == L) continue;
          uint32_t A = I;
          while (parent(A) >= 0 && parent(A) != parent(D))
            A = static_cast<uint32_t>(parent(A));
          const auto *ADeps = P.steps()->Get(A)->deps();
          if (A == I || parent(A) != parent(D) || !ADeps ||
              std::find(ADeps->begin(), ADeps->end(), D) == ADeps->end())
            return fail(fmt::format("step `{}` waits for step `{}` across a loop's body",
                                    S->id()->str(), P.steps()->Get(D)->id()->str()));
        }
    }
    for (uint32_t I = 0; I < NSteps; ++I)
      if (isLoop(P.steps()->Get(I)) && BodySize[I] == 0)
        return fail(fmt::format("loop `{}` has no body", P.steps()->Get(I)->id()->str()));
    return llvm::Error::success();
  }

  llvm::Error value(const pf::Value *V, unsigned Depth = 0) {
    if (!V) return llvm::Error::success();
    if (Depth > 256) return fail("values nest too deeply");
    if (static_cast<uint8_t>(V->kind()) > static_cast<uint8_t>(pf::ValueKind::MAX) ||
        static_cast<uint8_t>(V->type()) > static_cast<uint8_t>(pf::Type::MAX) ||
        static_cast<uint8_t>(V->lit_type()) > static_cast<uint8_t>(pf::Type::MAX))
      return fail("a value has an unknown kind or type");
    if (V->segments())
      for (const pf::Segment *S : *V->segments()) {
        if (S->kind() == pf::SegmentKind::Expr &&
            (S->expr() < 0 || static_cast<uint32_t>(S->expr()) >= NumExprs))
          return fail("a template refers to a missing expression");
        if (S->kind() == pf::SegmentKind::Auto &&
            (S->auto_() < 0 || static_cast<uint32_t>(S->auto_()) >= NumTags))
          return fail("a template refers to a missing AUTO value");
        if (static_cast<uint8_t>(S->kind()) > static_cast<uint8_t>(pf::SegmentKind::MAX))
          return fail("a template segment has an unknown kind");
      }
    if (V->kind() == pf::ValueKind::Map &&
        (V->keys() ? V->keys()->size() : 0) != (V->items() ? V->items()->size() : 0))
      return fail("a mapping's keys and values differ");
    if (V->items())
      for (const pf::Value *I : *V->items())
        if (llvm::Error E = value(I, Depth + 1)) return E;
    return llvm::Error::success();
  }

  const pf::Plan &P;
  uint32_t NumExprs = 0, NumTags = 0;
};

}  // namespace

llvm::StringRef stepGroupName(const plan::Plan &P, uint32_t Step) {
  const auto *Steps = P.steps();
  if (!Steps || Step >= Steps->size()) return "";
  int32_t G = Steps->Get(Step)->group();
  const auto *Groups = P.groups();
  if (G < 0 || !Groups || uint32_t(G) >= Groups->size() || !Groups->Get(G)->name())
    return "";
  return Groups->Get(G)->name()->string_view();
}

llvm::Expected<LoadedPlan> readPlan(std::string Bytes) {
  LoadedPlan L;
  L.Bytes = std::make_shared<std::string>(std::move(Bytes));
  llvm::Expected<llvm::StringRef> Payload = plan::unwrapPlan(*L.Bytes);
  if (!Payload) return Payload.takeError();
  auto *Data = reinterpret_cast<const uint8_t *>(Payload->data());
  // A root offset and the identifier come before anything else.
  if (Payload->size() < 8 || !pf::PlanBufferHasIdentifier(Data))
    return fail("the payload is not a plan (wrong FlatBuffers identifier)");
  flatbuffers::Verifier V(Data, Payload->size(), /*max_depth=*/128,
                          /*max_tables=*/10000000);
  if (!pf::VerifyPlanBuffer(V)) return fail("the payload fails the FlatBuffers verifier");
  L.Root = pf::GetPlan(Data);
  if (llvm::Error E = Checker(*L.Root).run()) return E;
  L.Hash = plan::planContentHash(*L.Bytes);
  return L;
}

}  // namespace orch::runtime
