//===- Registry.cpp - The one list of passes ------------------------------===//
#include <chrono>

#include "ir/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {
const PassInfo Registry[] = {
    {"validate", "check names, versions, enums, ranges and duplicate ids",
     createValidatePass},
    {"resolve-names", "resolve template names, filters, types and inputs",
     createResolveNamesPass},
    {"resolve-auto", "answer AUTO tags from the lock, the cache or a model",
     createResolveAutoPass},
    {"check-actions", "check built-in action parameters and the fields read from them",
     createCheckActionsPass},
    {"infer-outputs", "derive the structured outputs model steps are asked for",
     createInferOutputsPass},
    {"resolve-deps", "build dependency edges, explicit and implicit",
     createResolveDepsPass},
    {"resolve-routes", "resolve route targets, order the steps routes jump over",
     createResolveRoutesPass},
    {"cycle-check", "report dependency cycles", createCycleCheckPass},
    {"secure-steps",
     "quote template values (compile-time ones too) in shell commands, check imports "
     "against "
     "security.forbidden_modules, warn about secrets in env",
     createSecureStepsPass},
    {"fold-constants", "fold templates over compile-time inputs into constants",
     createFoldConstantsPass},
    {"select-models", "choose models for model steps by requirements and policy",
     createSelectModelsPass},
    {"schedule", "ASAP levels, estimated durations, critical paths (run priority)",
     createSchedulePass},
    {"group-resources", "group steps by resource, with concurrency and rate limits",
     createGroupResourcesPass},
    {"fuse-models", "join same-level model steps that opt in into one structured request",
     createFuseModelsPass},
};
}  // namespace

llvm::ArrayRef<PassInfo> passRegistry() { return Registry; }

const PassInfo *findPass(llvm::StringRef Name) {
  for (const PassInfo &I : Registry)
    if (I.Name == Name) return &I;
  return nullptr;
}

std::vector<std::string> checkPassNames(llvm::ArrayRef<std::string> Names) {
  std::vector<llvm::StringRef> Known;
  for (const PassInfo &I : Registry) Known.push_back(I.Name);
  std::vector<std::string> Errors;
  for (const std::string &N : Names)
    if (!findPass(N))
      Errors.push_back("unknown pass `" + N + "`" + didYouMean(N, Known) +
                       " (passes: " + llvm::join(Known, ", ") + ")");
  return Errors;
}

bool runPasses(ir::Pipeline &P, PassContext &Ctx, llvm::ArrayRef<std::string> Names,
               const AfterPassHook &After, std::vector<PassTiming> *Timings) {
  std::vector<const PassInfo *> Plan;
  if (Names.empty())
    for (const PassInfo &I : Registry) Plan.push_back(&I);
  else
    for (const std::string &N : Names)
      if (const PassInfo *I = findPass(N)) Plan.push_back(I);
  bool DepsResolved = false;
  for (const PassInfo *I : Plan) {
    std::unique_ptr<Pass> Pass = I->Create();
    auto Start = std::chrono::steady_clock::now();
    bool Ok = Pass->run(P, Ctx) && !Ctx.Diags.hasErrors();
    if (Timings)
      Timings->push_back({I->Name.str(), std::chrono::duration<double>(
                                             std::chrono::steady_clock::now() - Start)
                                             .count()});
    if (!Ok) return false;
    DepsResolved |= I->Name == "resolve-deps";
    if (llvm::Error E = ir::verifyPipeline(P, DepsResolved)) {
      // An invariant broken by a pass is a compiler bug: say so loudly.
      llvm::errs() << "internal compiler error after pass `" << I->Name
                   << "`: " << llvm::toString(std::move(E)) << '\n';
      return false;
    }
    if (After) After(I->Name, P);
  }
  return true;
}

}  // namespace orch::passes
