//===- Verifier.cpp -------------------------------------------------------===//
#include "ir/Verifier.h"

#include <fmt/format.h>

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

namespace orch::ir {

namespace {
llvm::Error fail(std::string Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "IR verifier: " + Msg);
}
}  // namespace

llvm::Error verifyPipeline(const Pipeline &P, bool DepsResolved) {
  for (size_t I = 0; I < P.AutoTags.size(); ++I)
    if (!P.AutoTags[I] || P.AutoTags[I]->Id != I)
      return fail(fmt::format("AUTO tag {} has id out of order", I));
  llvm::StringSet<> Ids;
  for (uint32_t SI = 0; SI < P.Steps.size(); ++SI) {
    const Step &S = P.Steps[SI];
    if (DepsResolved && !Ids.insert(S.Id.Str).second)
      return fail(fmt::format("duplicate step id `{}`", S.Id.Str.str()));
    llvm::DenseSet<uint32_t> Targets;
    bool SeenInferred = false;
    for (const DepEdge &D : S.Deps) {
      if (D.Target >= P.Steps.size())
        return fail(
            fmt::format("step `{}` has an edge to #{}", S.Id.Str.str(), D.Target));
      if (D.Target == SI)
        return fail(fmt::format("step `{}` has an edge to itself", S.Id.Str.str()));
      if (!Targets.insert(D.Target).second)
        return fail(fmt::format("step `{}` has a duplicate edge", S.Id.Str.str()));
      if (SeenInferred && !D.Inferred)
        return fail(
            fmt::format("step `{}`: explicit edge after inferred", S.Id.Str.str()));
      SeenInferred |= D.Inferred;
    }
    if (DepsResolved)
      for (const StepUse &U : S.Uses)
        if (U.Target != SI && !Targets.contains(U.Target))
          return fail(fmt::format("step `{}` uses `{}` without an edge", S.Id.Str.str(),
                                  P.Steps[U.Target].Id.Str.str()));
    if (S.Params)
      for (const MapEntry &E : S.Params->entries())
        if (!E.V)
          return fail(fmt::format("step `{}` has a null parameter", S.Id.Str.str()));
  }
  for (const Input &In : P.Inputs)
    if (In.Name.Str.empty()) return fail("input without a name");
  return llvm::Error::success();
}

}  // namespace orch::ir
