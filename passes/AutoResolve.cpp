//===- AutoResolve.cpp - AUTO tags to typed values ------------------------===//
//
// Each tag is answered, in this order, by the lock file, the shared cache or
// a model. Model requests for independent tags run concurrently, so a cold
// build takes about as long as its slowest tag. Answers are validated
// against the tag's schema; an invalid one is asked for again once, with the
// validation error; then it is an error at the tag.
//
//===----------------------------------------------------------------------===//
#include "passes/AutoResolve.h"

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/JsonSchema.h"
#include "ir/PyText.h"
#include "ir/StableSort.h"
#include "llvm/ADT/SmallVector.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using json = orch::ir::Json;

/// A tag and what it fills.
struct Site {
  ir::AutoTag *Tag;
  int Step;
  llvm::StringRef Field;
  AutoSpec Spec;
  std::string PromptHash;       ///< Of system prompt, prompt and schema.
  std::string Key;              ///< Cache key: the model and the prompt hash.
  ir::Value *Holder = nullptr;  ///< The parameter value the tag is, if whole.
  std::optional<json> Value{};
  ir::AutoOrigin Origin = ir::AutoOrigin::Unresolved;
  std::string Model{};
  std::optional<std::pair<DiagKind, std::string>> Error{};
};

/// What is wrong with \p V as a tag's value: against \p Schema (if any),
/// then an integer beyond int64 (a schema's `integer` admits it; the IR's
/// integers are int64). Empty when it is fine.
std::string valueProblem(const json &V, const json *Schema) {
  std::string Problem = Schema ? ir::validateJson(V, *Schema) : std::string();
  if (const json *H = ir::findHugeInt(V); H && Problem.empty())
    Problem = ir::describeHugeInt(std::to_string(H->get<uint64_t>()));
  return Problem;
}

void collect(ir::Value *V, int Step, std::vector<Site> &Out) {
  if (!V) return;
  switch (V->kind()) {
    case ir::Value::Kind::Auto:
      Out.push_back({llvm::cast<ir::AutoValue>(V)->tag(), Step, "parameter", {}, {}, {}});
      Out.back().Holder = V;
      return;
    case ir::Value::Kind::Template:
      for (const ir::Segment &S : llvm::cast<ir::TemplateValue>(V)->segments())
        if (S.K == ir::Segment::Kind::Auto)
          Out.push_back({S.Tag, Step, "parameter", {}, {}, {}});
      return;
    case ir::Value::Kind::List:
      for (ir::Value *I : llvm::cast<ir::ListValue>(V)->items()) collect(I, Step, Out);
      return;
    case ir::Value::Kind::Map:
      for (const ir::MapEntry &E : llvm::cast<ir::MapValue>(V)->entries())
        collect(E.V, Step, Out);
      return;
    default:
      return;
  }
}

/// The items of loop \p Loop once its `for_each` tag \p T chose \p Text
/// (one of loopListChoices): the template `{{ steps["<id>"]["<field>"] }}`
/// at the tag (through `steps`, so that no input, loop variable or run
/// variable of the same name hides the step), read by the loop as a list.
ir::Value *chosenList(ir::Pipeline &P, int Loop, const ir::AutoTag &T,
                      const std::string &Text) {
  std::vector<LoopList> Lists = loopListChoices(P, Loop);
  auto It = llvm::find_if(Lists, [&](const LoopList &L) { return L.Text == Text; });
  if (It == Lists.end()) return nullptr;  // valueProblem checked the enum
  ir::Arena &A = P.arena();
  // Subscripts, not attributes: `.items` or `.keys` of a mapping would be
  // its method in Jinja.
  auto Key = [&](llvm::StringRef K) {
    return A.create<ir::LiteralExpr>(T.Loc, T.Length, ir::Scalar::string(A.save(K)));
  };
  ir::Expr *E = A.create<ir::NameExpr>(T.Loc, T.Length, "steps");
  E = A.create<ir::IndexExpr>(T.Loc, T.Length, E, Key(P.Steps[It->Step].Id.Str));
  for (const std::string &F : It->Fields)
    E = A.create<ir::IndexExpr>(T.Loc, T.Length, E, Key(F));
  std::string Written = "steps[\"" + P.Steps[It->Step].Id.Str.str() + "\"]";
  for (const std::string &F : It->Fields) Written += "[\"" + F + "\"]";
  ir::Segment Seg{ir::Segment::Kind::Expr, A.save(Written), E, nullptr};
  ir::StepUse U{It->Step, A.save(It->Fields[0]), T.Loc, T.Length};
  U.Shape = It->Fields.size() > 1 ? ir::UseShape::Object : ir::UseShape::List;
  if (It->Fields.size() > 1) U.Sub = A.save(It->Fields[1]);
  U.FieldLoc = U.SubLoc = T.Loc;
  U.FieldLength = U.SubLength = T.Length;
  P.Steps[Loop].Uses.push_back(U);
  return A.create<ir::TemplateValue>(T.Loc, T.Length, A.copyArray<ir::Segment>({Seg}));
}

class ResolveAutoPass : public Pass {
 public:
  llvm::StringRef name() const override { return "resolve-auto"; }
  bool run(ir::Pipeline &P, PassContext &Ctx) override;

 private:
  void askModel(Site &S, AutoOracle &O, const AutoOptions &Opts);
};

void ResolveAutoPass::askModel(Site &S, AutoOracle &O, const AutoOptions &Opts) {
  const std::string Name = "auto_value";
  json Schema;
  if (S.Spec.Schema) {
    Schema = *S.Spec.Schema;
  } else {
    // Two steps: the format first (cached on its own), then the value.
    std::string FormatKey = S.Key + "-format";
    std::optional<json> Cached = Opts.Cache ? Opts.Cache->get(FormatKey) : std::nullopt;
    if (Cached) {
      Schema = *Cached;
    } else {
      llvm::Expected<json> F =
          O.ask(S.Spec.System,
                S.Spec.Prompt +
                    "\nFirst, describe the format of this value: answer with a JSON "
                    "Schema for it, as text in `schema_json`.",
                formatSpecSchema(), "auto_format");
      if (!F) {
        S.Error = {DiagKind::AutoModelFailed, llvm::toString(F.takeError())};
        return;
      }
      json Proposed =
          F->is_object() && F->contains("schema_json") && (*F)["schema_json"].is_string()
              ? ir::parseJsonBounded((*F)["schema_json"].get<std::string>())
              : json();
      if (!Proposed.is_object() || !Proposed.contains("type")) {
        S.Error = {DiagKind::AutoModelFailed,
                   "the format the model proposed is not a JSON schema"};
        return;
      }
      Schema = Proposed;
      if (Opts.Cache) llvm::consumeError(Opts.Cache->put(FormatKey, Schema));
    }
  }
  std::string Prompt = S.Spec.Prompt;
  for (int Try = 0; Try < 2; ++Try) {
    llvm::Expected<json> A = O.ask(S.Spec.System, Prompt, Schema, Name);
    if (!A) {
      S.Error = {DiagKind::AutoModelFailed, llvm::toString(A.takeError())};
      return;
    }
    std::string Problem = valueProblem(*A, &Schema);
    if (Problem.empty()) {
      S.Value = std::move(*A);
      S.Origin = ir::AutoOrigin::Model;
      S.Model = O.modelId();
      return;
    }
    if (Try == 1) {
      S.Error = {DiagKind::AutoBadAnswer, Problem};
      return;
    }
    Prompt = S.Spec.Prompt +
             fmt::format("\nYour previous answer {} was invalid: {}. Answer again.",
                         A->dump(), Problem);
  }
}

bool ResolveAutoPass::run(ir::Pipeline &P, PassContext &Ctx) {
  std::vector<Site> Sites;
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    ir::Step &St = P.Steps[I];
    int Step = static_cast<int>(I);
    if (St.ActionAuto) Sites.push_back({St.ActionAuto, Step, "action", {}, {}, {}});
    collect(St.Params, Step, Sites);
    if (St.DepsAuto) Sites.push_back({St.DepsAuto, Step, "dependencies", {}, {}, {}});
    if (St.TimeoutAuto) Sites.push_back({St.TimeoutAuto, Step, "timeout", {}, {}, {}});
    if (St.MaxRetriesAuto)
      Sites.push_back({St.MaxRetriesAuto, Step, "max_retries", {}, {}, {}});
    if (St.ModelAuto) Sites.push_back({St.ModelAuto, Step, "model", {}, {}, {}});
    if (auto *Items = llvm::dyn_cast_or_null<ir::AutoValue>(St.ForEach))
      Sites.push_back({Items->tag(), Step, "for_each", {}, {}, {}});
  }
  if (Sites.empty()) {
    // No tags: a build's lock has nothing to record.
    if (Ctx.Auto && Ctx.Auto->Lock && !Ctx.Auto->CheckOnly)
      Ctx.Auto->Lock->Entries.clear();
    return true;
  }
  orch::stableSort(Sites.begin(), Sites.end(),
                   [](const Site &A, const Site &B) { return A.Tag->Id < B.Tag->Id; });
  // A loop's list is one its dependencies answer: with none, there is
  // nothing to ask (and `--no-auto` is told too).
  for (const Site &S : Sites) {
    if (S.Field != "for_each") continue;
    if (P.Steps[S.Step].DepsAuto)  // its dependencies are not known yet
      Ctx.Diags.report(DiagKind::AutoNotAllowed, S.Tag->Loc, S.Tag->Length,
                       "`for_each` when `dependencies` is an AUTO tag too (the list is "
                       "chosen among the written dependencies' lists)");
    else if (loopListChoices(P, S.Step).empty())
      Ctx.Diags.report(DiagKind::AutoNoList, S.Tag->Loc, S.Tag->Length,
                       P.Steps[S.Step].Id.Str.str());
  }
  if (Ctx.Diags.hasErrors()) return false;
  if (!Ctx.Auto) return true;  // `--no-auto`: tags stay unresolved
  AutoOptions &Opts = *Ctx.Auto;
  {
    std::vector<llvm::StringRef> Paths;
    for (const Site &S : Sites) Paths.push_back(S.Tag->Path);
    for (const std::string &R : Opts.Refresh)
      if (!llvm::is_contained(Paths, llvm::StringRef(R)))
        Ctx.Diags.report(DiagKind::AutoRefreshUnknown, SourceLoc(), 0, R,
                         didYouMean(R, Paths));
  }
  DiagnosticEngine &D = Ctx.Diags;
  std::string ModelId = Opts.Oracle ? Opts.Oracle->modelId() : Opts.ModelId;

  std::vector<size_t> Pending;
  for (size_t I = 0; I < Sites.size(); ++I) {
    Site &S = Sites[I];
    S.Spec = buildAutoSpec(P, *S.Tag, S.Step, S.Field, Opts.Domain);
    S.PromptHash = sha256Hex(
        S.Spec.System + '\0' + S.Spec.Prompt + '\0' +
        // Sorted keys: a lock written before mappings kept their
        // order still matches.
        (S.Spec.Schema ? nlohmann::json(*S.Spec.Schema).dump() : std::string("open")));
    S.Key = sha256Hex(ModelId + '\0' + S.PromptHash);
    bool Refresh = Opts.RefreshAll || llvm::is_contained(Opts.Refresh, S.Tag->Path.str());
    if (!Refresh && Opts.Lock)
      if (const LockEntry *E = Opts.Lock->find(S.Tag->Path, S.Tag->Text)) {
        S.Value = E->Value;
        S.Origin = ir::AutoOrigin::Lock;
        S.Model = E->Model;
        continue;
      }
    if (!Refresh && Opts.Cache && !ModelId.empty())
      if (std::optional<json> V = Opts.Cache->get(S.Key)) {
        S.Value = *V;
        S.Origin = ir::AutoOrigin::Cache;
        S.Model = ModelId;
        continue;
      }
    if (Opts.CheckOnly) {
      D.report(DiagKind::AutoUncovered, S.Tag->Loc, S.Tag->Length);
    } else if (Opts.Offline) {
      D.report(DiagKind::AutoOffline, S.Tag->Loc, S.Tag->Length);
    } else if (!Opts.Oracle) {
      D.report(DiagKind::AutoNoModel, S.Tag->Loc, S.Tag->Length, Opts.NoModelReason);
    } else {
      Pending.push_back(I);
    }
  }
  if (D.hasErrors()) return false;

  // Ask for the rest concurrently, a bounded number at a time.
  if (!Pending.empty()) {
    std::atomic<size_t> Next{0};
    unsigned N = std::max(1u, std::min<unsigned>(Opts.Jobs, Pending.size()));
    std::vector<std::thread> Workers;
    for (unsigned W = 0; W < N; ++W)
      Workers.emplace_back([&] {
        for (size_t K; (K = Next++) < Pending.size();)
          askModel(Sites[Pending[K]], *Opts.Oracle, Opts);
      });
    for (std::thread &W : Workers) W.join();
    Opts.Requests += Pending.size();
  }

  // Apply, in source order, on this thread.
  ir::Arena &A = P.arena();
  for (Site &S : Sites) {
    ir::AutoTag &T = *S.Tag;
    if (S.Error) {
      D.report(S.Error->first, T.Loc, T.Length, S.Error->second);
      continue;
    }
    if (!S.Value) continue;
    if (std::string Problem =
            valueProblem(*S.Value, S.Spec.Schema ? &*S.Spec.Schema : nullptr);
        !Problem.empty()) {
      D.report(S.Origin == ir::AutoOrigin::Lock    ? DiagKind::AutoBadLock
               : S.Origin == ir::AutoOrigin::Cache ? DiagKind::AutoBadCache
                                                   : DiagKind::AutoBadAnswer,
               T.Loc, T.Length, Problem);
      continue;
    }
    if (S.Origin == ir::AutoOrigin::Model && Opts.Cache)
      llvm::consumeError(Opts.Cache->put(S.Key, *S.Value));
    T.Resolved = ir::jsonToValue(*S.Value, A, T.Loc, T.Length);
    T.Origin = S.Origin;
    T.Model = A.save(S.Model);
    if (S.Holder) S.Holder->setType(T.Resolved->type());
    ir::Step *St = S.Step >= 0 ? &P.Steps[S.Step] : nullptr;
    if (St && S.Field == "model" && S.Value->is_string())
      St->Model = {A.save(S.Value->get<std::string>()), T.Loc, T.Length};
    if (St && S.Field == "action" && S.Value->is_string())
      St->Action = {A.save(S.Value->get<std::string>()), T.Loc, T.Length};
    if (St && S.Field == "dependencies" && S.Value->is_array())
      for (const json &Dep : *S.Value)
        if (Dep.is_string())
          St->DepNames.push_back({A.save(Dep.get<std::string>()), T.Loc, T.Length});
    if (St && S.Field == "for_each" && S.Value->is_string())
      if (ir::Value *Items = chosenList(P, S.Step, T, S.Value->get<std::string>()))
        St->ForEach = Items;
    if (St && (S.Field == "timeout" || S.Field == "max_retries") &&
        S.Value->is_number_integer())
      (S.Field == "timeout" ? St->Timeout : St->MaxRetries) =
          ir::LocInt{S.Value->get<int64_t>(), T.Loc, T.Length};
  }
  if (D.hasErrors()) return false;

  // The lock records every tag that has a value, in source order.
  if (Opts.Lock && !Opts.CheckOnly) {
    LockFile New;
    for (const Site &S : Sites) {
      if (!S.Value) continue;
      LineCol LC = P.file().lineCol(S.Tag->Loc);
      New.Entries.push_back({S.Tag->Path.str(), fmt::format("{}:{}", LC.Line, LC.Col),
                             S.Tag->Text.str(), S.Model, "sha256:" + S.PromptHash,
                             *S.Value});
    }
    *Opts.Lock = std::move(New);
  }
  return true;
}

}  // namespace

std::unique_ptr<Pass> createResolveAutoPass() {
  return std::make_unique<ResolveAutoPass>();
}

}  // namespace orch::passes
