//===- RunSupport.cpp - Helpers of orchrt's run stages --------------------===//
#include "RunSupport.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

#include "llvm/Support/MemoryBuffer.h"

namespace orch::tools {

using json = orch::ir::Json;

int usage(const std::string &Msg) { return usageError(DiagKind::BadArgument, Msg); }

/// The earliest `started_at` of a `--resume FILE` result (the run's and its
/// steps', which keep their first start across resumes), Unix ms; 0 if none.
int64_t earliestStartMs(const orch::ir::Json &Prior) {
  int64_t Min = 0;
  auto Take = [&](const orch::ir::Json &J) {
    if (!J.is_object() || !J.contains("started_at") || !J["started_at"].is_string())
      return;
    std::tm Tm{};
    int Ms = 0;
    const std::string &S = J["started_at"].get_ref<const std::string &>();
    if (std::sscanf(S.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &Tm.tm_year, &Tm.tm_mon,
                    &Tm.tm_mday, &Tm.tm_hour, &Tm.tm_min, &Tm.tm_sec, &Ms) != 7)
      return;
    Tm.tm_year -= 1900, Tm.tm_mon -= 1;
    int64_t T = static_cast<int64_t>(timegm(&Tm)) * 1000 + Ms;
    if (T > 0 && (Min == 0 || T < Min)) Min = T;
  };
  Take(Prior);
  if (Prior.is_object() && Prior.contains("steps") && Prior["steps"].is_object())
    for (const auto &[Id, E] : Prior["steps"].items()) Take(E);
  return Min;
}

/// Reports a state-store failure (its arguments are joined by \0).
int stateError(const StateFailure &F) {
  auto [A, B] = llvm::StringRef(F.Message).split('\0');
  return B.empty() && F.Message.find('\0') == std::string::npos
             ? usageError(F.Kind, A.str())
             : usageError(F.Kind, A.str(), B.str());
}

llvm::Expected<std::string> readAll(const std::string &Path) {
  auto Buf = llvm::MemoryBuffer::getFileOrSTDIN(Path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
  if (!Buf)
    return llvm::createStringError(
        fmt::format("cannot read `{}`: {}", Path, Buf.getError().message()));
  return (*Buf)->getBuffer().str();
}

/// Counts what the steps of an earlier invocation of the run spent (each
/// step's `usage` in \p Prior, a result or the store's record) into
/// \p Ledger: a budget holds across `--resume`. Only the plan's steps
/// (those of \p Sched) are carried: an id the plan does not have is not
/// a step of this run, whatever the file says.
void carryUsage(observe::Ledger &Ledger, const json &Prior,
                const runtime::Scheduler &Sched) {
  auto Steps = Prior.find("steps");
  if (Steps == Prior.end() || !Steps->is_object()) return;
  for (uint32_t I = 0; I < Sched.size(); ++I)
    if (auto It = Steps->find(Sched.stepId(I).str()); It != Steps->end())
      if (const json &Entry = *It; Entry.is_object())
        if (auto U = Entry.find("usage"); U != Entry.end() && U->is_object())
          Ledger.carry(It.key(), observe::Spend::fromJson(*U));
}

}  // namespace orch::tools
