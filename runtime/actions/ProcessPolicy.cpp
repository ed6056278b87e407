//===- ProcessPolicy.cpp --------------------------------------------------===//
#include "runtime/actions/ProcessPolicy.h"

#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ir/Actions.h"
#include "ir/Diagnostics.h"
#include "ir/ResourceLimits.h"
#include "runtime/sandbox/Cgroup.h"
#include "runtime/sandbox/Launch.h"
#include "runtime/sandbox/Probe.h"

namespace orch::runtime {

bool planRunsProcesses(const plan::Plan &P) {
  if (P.steps())
    for (const auto *S : *P.steps())
      if (const ir::ActionInfo *A = ir::findBuiltinAction(S->action()->str()))
        if (A->RunsProcess) return true;
  return false;
}

char SandboxRequiredError::ID = 0;

void SandboxRequiredError::log(llvm::raw_ostream &OS) const {
  OS << fmt::format(fmt::runtime(diagFormat(Kind)), "the plan", Why, By) << " ["
     << diagKindName(Kind) << "]";
}

llvm::Expected<ProcessConfig> processConfig(const plan::Plan &P,
                                            const ProcessOptions &Opts,
                                            llvm::raw_ostream &Warn) {
  ProcessConfig Config;
  Config.DefaultRunDir = Opts.DefaultRunDir;
  sandbox::Policy &Sandbox = Config.Sandbox;
  bool NoSandbox = Opts.NoSandbox;
  Sandbox.Enabled = !NoSandbox && !P.sandbox_disabled();
  Sandbox.UserNamespace = !Opts.NoUserns && !P.sandbox_no_userns();
  if (const auto *FM = P.forbidden_modules())
    for (const auto *M : *FM) Config.ForbiddenModules.push_back(M->str());
  // Only plans with process steps use it (examples share one config.yaml).
  if (!planRunsProcesses(P)) return Config;
  // Step cgroups an earlier orchrt could not remove (killed) go now.
  sandbox::StepCgroup::removeStale();
  const char *Env = std::getenv("ORCH_REQUIRE_SANDBOX");
  bool ByEnv = Env && llvm::StringRef(Env) != "" && llvm::StringRef(Env) != "0";
  const char *RequiredBy =
      Opts.RequireSandbox ? "--require-sandbox" : "ORCH_REQUIRE_SANDBOX";
  if (const auto *L = P.sandbox_limits()) {
    nlohmann::json J = nlohmann::json::parse(L->str(), nullptr, false);
    llvm::Error E = J.is_discarded() ? llvm::createStringError("not valid JSON")
                                     : sandbox::applyLimitsJson(J, Sandbox);
    if (!E && Sandbox.Lim.CpuShare > 0 && !sandbox::StepCgroup::cpuSharesWork())
      E = llvm::createStringError(fmt::format(
          "`cpu: {}` (a share of one CPU) needs a cpu cgroup orchrt can write, and this "
          "machine has none for it: remove `cpu`, or bound CPU time with `cpu_time`",
          Sandbox.Lim.CpuShare));
    if (E)
      return llvm::createStringError(
          fmt::format("sandbox.resource_limits (from config.yaml): {}",
                      llvm::toString(std::move(E))));
    // Where the sandbox is required, the plan may not loosen it either:
    // no host network, nothing above the built-in defaults.
    if (Opts.RequireSandbox || ByEnv) {
      ir::ResourceLimits Ceiling = ir::defaultResourceLimits();
      Ceiling.HostNetwork = false;
      if (llvm::Expected<ir::ResourceLimits> Asked = ir::parseResourceLimits(J)) {
        std::vector<ir::LimitExcess> Over = ir::limitsAboveCeiling(*Asked, Ceiling);
        if (!Over.empty())
          return llvm::make_error<SandboxRequiredError>(Over.front().Message, RequiredBy,
                                                        DiagKind::SandboxCeilingRequired);
      } else {
        llvm::consumeError(Asked.takeError());
      }
    }
  }
  if (!Sandbox.Enabled) {
    if (Opts.RequireSandbox || ByEnv)
      return llvm::make_error<SandboxRequiredError>(
          NoSandbox ? "--no-sandbox" : "sandbox.enabled is false in config.yaml",
          RequiredBy);
    DiagnosticEngine D(nullptr);
    D.setToolName("orchrt");
    D.report(DiagKind::SandboxDisabled, SourceLoc(), 0,
             NoSandbox ? "--no-sandbox" : "sandbox.enabled is false in config.yaml");
    // Not root: the user namespace is what ends a step's tree, unless a
    // step cgroup does (docs/sandbox.md §2).
    if (!Sandbox.UserNamespace && geteuid() != 0 && !sandbox::StepCgroup::pidsWork())
      D.report(DiagKind::SandboxNoUserns, SourceLoc(), 0,
               Opts.NoUserns ? "--no-userns"
                             : "sandbox.user_namespace is false in config.yaml");
    D.flush(Warn, /*Color=*/false);
    return Config;
  }
  // Check once a process that this machine can make one, rather than fail
  // every step (`orchrt mcp` asks for every plan it serves).
  static const std::string ProbeError = [] {
    llvm::Error E = sandbox::probeSandbox(sandbox::hostLayout());
    return E ? llvm::toString(std::move(E)) : std::string();
  }();
  if (!ProbeError.empty()) return llvm::createStringError(ProbeError);
  return Config;
}

}  // namespace orch::runtime
