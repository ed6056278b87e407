//===- Policy.cpp ---------------------------------------------------------===//
#include "runtime/sandbox/Policy.h"

#include <fmt/format.h>

namespace orch::runtime::sandbox {

llvm::Error applyLimitsJson(const nlohmann::json &J, Policy &P) {
  llvm::Expected<Limits> L = ir::parseResourceLimits(J);
  if (!L) return L.takeError();
  P.Lim = ir::overrideLimits(P.Lim, *L);
  if (L->HostNetwork) P.Network = *L->HostNetwork;
  P.Lim.HostNetwork = P.Network;
  return llvm::Error::success();
}

llvm::Error applyStepLimitsJson(const nlohmann::json &J, Policy &P) {
  llvm::Expected<Limits> L = ir::parseResourceLimits(J);
  if (!L) return L.takeError();
  Limits Ceiling = P.Lim;
  Ceiling.HostNetwork = P.Network;
  std::vector<ir::LimitExcess> Over = ir::limitsAboveCeiling(*L, Ceiling);
  if (!Over.empty())
    return llvm::createStringError(
        fmt::format("{} (config.yaml's sandbox.resource_limits, or the default): a step "
                    "may tighten the sandbox, not loosen it",
                    Over.front().Message));
  P.Lim = ir::overrideLimits(P.Lim, *L);
  if (L->HostNetwork) P.Network = *L->HostNetwork;
  P.Lim.HostNetwork = P.Network;
  return llvm::Error::success();
}

llvm::Expected<RunDirAccess> parseRunDirAccess(llvm::StringRef Text) {
  if (Text == "none") return RunDirAccess::None;
  if (Text == "read") return RunDirAccess::Read;
  if (Text == "write") return RunDirAccess::Write;
  return llvm::createStringError(fmt::format(
      "parameter `run_dir` must be `none`, `read` or `write`, found `{}`", Text.str()));
}

}  // namespace orch::runtime::sandbox
