//===- Validate.cpp - Names, versions, enums, ranges, duplicates ----------===//
#include <fmt/format.h>

#include "ir/Actions.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/ModelKeys.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

constexpr llvm::StringLiteral IdPattern = "^[a-zA-Z][a-zA-Z0-9_-]*$";
constexpr llvm::StringLiteral InputPattern = "^[a-zA-Z_][a-zA-Z0-9_]*$";

/// Is step \p I one a sub-pipeline call inlined (docs/control-flow.md
/// §4)? `<call>.<id>`, where `<call>` is a call step (action `pipeline`)
/// and step \p I lies in the run of steps its inlining made, from
/// `<call>.inputs` to just before `<call>`: a written `c.x` elsewhere is
/// no such step (its dot would also break a loop's result keys).
bool isInlinedId(const ir::Pipeline &P, uint32_t I) {
  llvm::StringRef S = P.Steps[I].Id.Str;
  auto [Call, Own] = S.rsplit('.');
  if (Own.size() == S.size() || !ir::isStepId(Own)) return false;
  std::optional<uint32_t> C = P.findStep(Call);
  std::optional<uint32_t> In = P.findStep((Call + ".inputs").str());
  return C && In && P.Steps[*C].Action.Str == "pipeline" && *In <= I && I < *C;
}

bool isInputName(llvm::StringRef S) {
  return !S.empty() && (llvm::isAlpha(S[0]) || S[0] == '_') &&
         llvm::all_of(S, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

bool isNumber(llvm::StringRef S) {
  return !S.empty() && llvm::all_of(S, llvm::isDigit) && (S.size() == 1 || S[0] != '0');
}

/// MAJOR.MINOR.PATCH with optional -prerelease and +build (semver.org 2.0).
bool isSemver(llvm::StringRef S) {
  auto [Core, Build] = S.split('+');
  if (S.contains('+') && Build.empty()) return false;
  auto [Nums, Pre] = Core.split('-');
  if (Core.contains('-') && Pre.empty()) return false;
  llvm::SmallVector<llvm::StringRef, 3> Parts;
  Nums.split(Parts, '.');
  return Parts.size() == 3 && llvm::all_of(Parts, isNumber);
}

bool isReserved(llvm::StringRef S) { return S == "steps" || S == "inputs"; }

class ValidatePass : public Pass {
 public:
  llvm::StringRef name() const override { return "validate"; }

  bool run(ir::Pipeline &P, PassContext &Ctx) override {
    DiagnosticEngine &D = Ctx.Diags;
    unsigned Before = D.errorCount();
    if (!P.Name.Str.empty() && !ir::isStepId(P.Name.Str)) {
      // A free-text `name` without `id` (it is also the title) that gives no
      // identifier: the fix is an `id:`.
      bool FreeText = P.Title.Str == P.Name.Str && P.Title.Loc == P.Name.Loc;
      D.report(DiagKind::InvalidIdentifier, P.Name.Loc, P.Name.Length, "pipeline name",
               P.Name.Str.str(),
               FreeText ? IdPattern.str() +
                              "`, and no identifier starting with an ASCII letter "
                              "derives from it; keep it as the title and add an `id:"
                        : IdPattern.str());
    }
    if (P.Version.Loc.isValid() && !isSemver(P.Version.Str))
      D.report(DiagKind::InvalidVersion, P.Version.Loc, P.Version.Length,
               P.Version.Str.str());
    checkContext(P.Context, D);
    checkInputs(P, D);
    for (const ir::Output &O : P.Outputs)
      if (!isInputName(O.Name.Str))
        D.report(DiagKind::InvalidIdentifier, O.Name.Loc, O.Name.Length, "output name",
                 O.Name.Str.str(), InputPattern.str());
    checkSteps(P, D);
    return D.errorCount() == Before;
  }

 private:
  static void checkPositive(const std::optional<ir::LocInt> &V, llvm::StringRef What,
                            int64_t Min, DiagnosticEngine &D) {
    if (V && V->Val < Min)
      D.report(DiagKind::OutOfRange, V->Loc, V->Length, What.str(),
               Min == 1 ? "a positive number of seconds" : "zero or more", V->Val);
  }

  void checkContext(const ir::ExecContext &C, DiagnosticEngine &D) {
    checkPositive(C.Timeout, "`context.timeout`", 1, D);
    checkPositive(C.MaxRetries, "`context.max_retries`", 0, D);
    const ir::LocString &CS = C.CheckpointStrategy;
    static const llvm::StringRef Strategies[] = {"every_step", "adaptive", "fixed",
                                                 "none"};
    if (CS.Loc.isValid() && !llvm::is_contained(Strategies, CS.Str))
      D.report(DiagKind::InvalidEnum, CS.Loc, CS.Length, "checkpoint strategy",
               CS.Str.str(), "`every_step`, `adaptive`, `fixed`, `none`",
               didYouMean(CS.Str, Strategies));
  }

  /// A name must not be reserved and must match \p Pattern.
  static void checkName(const ir::LocString &N, llvm::StringRef What,
                        bool (*Valid)(llvm::StringRef), llvm::StringRef Pattern,
                        DiagnosticEngine &D) {
    if (isReserved(N.Str))
      D.report(DiagKind::ReservedName, N.Loc, N.Length, What.str(), N.Str.str());
    else if (!Valid(N.Str))
      D.report(DiagKind::InvalidIdentifier, N.Loc, N.Length, What.str(), N.Str.str(),
               Pattern.str());
  }

  void checkInputs(ir::Pipeline &P, DiagnosticEngine &D) {
    // Input names are keys of one YAML mapping: a repeat is a
    // YamlDuplicateKey before this pass runs.
    for (const ir::Input &In : P.Inputs) {
      checkName(In.Name, "input name", isInputName, InputPattern, D);
      if (In.Default && In.Ty != ir::Type::Any &&
          !ir::isAssignable(In.Default->type(), In.Ty))
        D.report(DiagKind::InvalidDefault, In.Default->loc(), In.Default->length(),
                 In.Name.Str.str(), ir::describeType(In.Ty).str(),
                 ir::describeType(In.Default->type()).str());
      else if (In.Choices)
        checkChoice(In, D);
    }
    // `inputs`, `parameters` and `context` variables together.
    llvm::StringMap<const ir::Input *> Seen;
    for (const ir::Input &In : P.Inputs) {
      auto [It, New] = Seen.try_emplace(In.Name.Str, &In);
      if (New) continue;
      Diagnostic &Dg = D.report(DiagKind::YamlDuplicateKey, In.Name.Loc, In.Name.Length,
                                In.Name.Str.str());
      DiagnosticEngine::note(Dg, DiagKind::NoteFirstDefined, It->second->Name.Loc,
                             It->second->Name.Length);
    }
  }

  /// A constant default must be one of the input's `enum` / `choices`.
  static void checkChoice(const ir::Input &In, DiagnosticEngine &D) {
    if (std::string List; !ir::inputAllows(In, In.Default, List))
      D.report(DiagKind::InvalidEnum, In.Default->loc(), In.Default->length(),
               "default of input `" + In.Name.Str.str() + "`", ir::scalarText(In.Default),
               List, "");
  }

  void checkSteps(ir::Pipeline &P, DiagnosticEngine &D) {
    llvm::StringMap<const ir::Step *> Seen;
    static const llvm::StringRef Policies[] = {"continue", "fail", "retry", "skip"};
    llvm::StringSet<> AllIds;  // `on_failure: ID` routes (resolve-routes)
    std::vector<llvm::StringRef> Targets(std::begin(Policies), std::end(Policies));
    for (const ir::Step &S : P.Steps) {
      AllIds.insert(S.Id.Str);
      if (S.Parent < 0) Targets.push_back(S.Id.Str);
    }
    for (uint32_t I = 0; I < P.Steps.size(); ++I) {
      const ir::Step &S = P.Steps[I];
      if (S.Id.Loc.isValid()) {
        // A routing cycle's loop (`cycle:<step>`) is named by lowering.
        if (!S.isCycle() && !isInlinedId(P, I))
          checkName(S.Id, "step id", ir::isStepId, IdPattern, D);
        auto [It, New] = Seen.try_emplace(S.Id.Str, &S);
        if (!New) {
          Diagnostic &Dg =
              D.report(DiagKind::DuplicateStepId, S.Id.Loc, S.Id.Length, S.Id.Str.str());
          DiagnosticEngine::note(Dg, DiagKind::NoteFirstDefined, It->second->Id.Loc,
                                 It->second->Id.Length);
        }
      }
      if (!S.ActionAuto && S.Action.Loc.isValid() && S.Action.Str.trim().empty())
        D.report(DiagKind::TypeMismatch, S.Action.Loc, S.Action.Length, "`action`",
                 "an action name", "an empty string");
      const ir::LocString &F = S.OnFailureText;
      if (F.Loc.isValid() && !ir::parseFailurePolicy(F.Str) && !AllIds.count(F.Str))
        D.report(DiagKind::InvalidEnum, F.Loc, F.Length, "`on_failure` policy",
                 F.Str.str(), "`continue`, `fail`, `retry`, `skip` or a later step's id",
                 didYouMean(F.Str, Targets));
      checkPositive(S.Timeout, "`timeout`", 1, D);
      checkPositive(S.MaxRetries, "`max_retries`", 0, D);
      if (const std::optional<ir::LocInt> &M = S.MaxTokens) {
        if (M->Val < 1 || M->Val > ir::MaxOutputTokens)
          D.report(DiagKind::OutOfRange, M->Loc, M->Length, "`max_tokens`",
                   fmt::format("from 1 to {}", ir::MaxOutputTokens), M->Val);
        else if (!S.ActionAuto && !ir::isModelAction(S.Action.Str))
          D.report(DiagKind::ModelKeyOnLocalStep, M->Loc, M->Length, "max_tokens",
                   S.Action.Str.str());
      }
      if (!S.ActionAuto) checkModelOnLocalStep(S, D);
      if (S.Fuse && *S.Fuse && !S.ActionAuto && !ir::isModelAction(S.Action.Str))
        D.report(DiagKind::ModelKeyOnLocalStep, S.FuseLoc, S.FuseLength, "fuse",
                 S.Action.Str.str());
      if (S.BudgetLoc.isValid() && !S.ActionAuto && !ir::isModelAction(S.Action.Str))
        D.report(DiagKind::ModelKeyOnLocalStep, S.BudgetLoc, S.BudgetLength, "budget",
                 S.Action.Str.str());
    }
  }
};

}  // namespace

std::unique_ptr<Pass> createValidatePass() { return std::make_unique<ValidatePass>(); }

}  // namespace orch::passes
