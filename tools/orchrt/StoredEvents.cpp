//===- StoredEvents.cpp ---------------------------------------------------===//
#include "StoredEvents.h"

#include <fmt/format.h>

#include "Durable.h"
#include "Run.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "runtime/observe/CappedSink.h"

namespace orch::tools {

llvm::Error keepEventsInStore(std::unique_ptr<observe::EventLog> &Log,
                              const std::vector<std::string> &Secrets,
                              const std::string &Spec, const std::string &RunId) {
  auto S = state::openStateStore(Spec);
  if (!S) return S.takeError();
  if (!Log) Log = observe::EventLog::withoutFile(Secrets);
  std::shared_ptr<state::StateStore> Store = std::move(*S);
  Log->setSink(std::make_unique<observe::CappedSink>(
      [Store, RunId](llvm::StringRef Lines) -> llvm::Error {
        if (llvm::Error E = Store->appendEvents(RunId, Lines))
          return llvm::createStringError(fmt::format(
              "the run's record in the state store: {}", llvm::toString(std::move(E))));
        return llvm::Error::success();
      }));
  return llvm::Error::success();
}

bool takeStateFlags(std::vector<std::string> &Args, std::string &State,
                    std::string &StateDir) {
  std::vector<std::string> Rest;
  for (size_t I = 0; I < Args.size(); ++I) {
    llvm::StringRef A = Args[I];
    std::string *To = A.consume_front("--state-dir") ? &StateDir
                      : A.consume_front("--state")   ? &State
                                                     : nullptr;
    if (!To || (!A.empty() && !A.starts_with("="))) {
      Rest.push_back(Args[I]);
      continue;
    }
    if (A.consume_front("=")) {
      *To = A.str();
    } else {
      if (I + 1 >= Args.size()) return false;
      *To = Args[++I];
    }
  }
  Args = std::move(Rest);
  return true;
}

std::optional<std::string> readEventLog(llvm::StringRef Tool, const std::string &Arg,
                                        const std::string &State,
                                        const std::string &StateDir) {
  const std::string Cmd = ("orchrt " + Tool).str();
  // A file (as before), unless it is not there and the name is a run id.
  bool RunId = llvm::StringRef(Arg).starts_with("r-") &&
               Arg.find('/') == std::string::npos && !llvm::sys::fs::exists(Arg);
  if (!RunId) {
    auto Buf = llvm::MemoryBuffer::getFile(Arg, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!Buf) {
      printDiag(Cmd, DiagKind::EventLogUnreadable, Arg, Buf.getError().message());
      return std::nullopt;
    }
    return (*Buf)->getBuffer().str();
  }
  llvm::Expected<std::string> Spec = stateSpec(State, StateDir);
  if (!Spec) {
    printDiag(Cmd, DiagKind::BadArgument, llvm::toString(Spec.takeError()));
    return std::nullopt;
  }
  if (*Spec == "none") {
    printDiag(Cmd, DiagKind::BadArgument,
              fmt::format("`{}` is no file, and there is no state store (--state none) "
                          "to find it in as a run",
                          Arg));
    return std::nullopt;
  }
  auto S = state::openStateStore(*Spec, /*ReadOnly=*/true);
  if (!S) {
    printDiag(Cmd, DiagKind::StateStoreError, llvm::toString(S.takeError()));
    return std::nullopt;
  }
  auto Found = (*S)->findRun(Arg);
  if (!Found) {
    printDiag(Cmd, DiagKind::StateStoreError, llvm::toString(Found.takeError()));
    return std::nullopt;
  }
  if (!*Found) {
    printDiag(Cmd, DiagKind::UnknownRun, Arg, (*S)->where());
    return std::nullopt;
  }
  auto Log = (*S)->events(Arg);
  if (!Log) {
    printDiag(Cmd, DiagKind::StateStoreError, llvm::toString(Log.takeError()));
    return std::nullopt;
  }
  if (Log->empty()) {
    printDiag(Cmd, DiagKind::EventLogUnreadable, Arg,
              "the run's record holds no events (it was recorded by an orchrt that "
              "kept none, or every write of them to the store failed)");
    return std::nullopt;
  }
  return std::move(*Log);
}

}  // namespace orch::tools
