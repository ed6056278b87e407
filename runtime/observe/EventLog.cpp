//===- EventLog.cpp -------------------------------------------------------===//
#include "runtime/observe/EventLog.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "llvm/ADT/StringRef.h"

extern char **environ;

namespace orch::observe {

using json = orch::ir::Json;

llvm::Expected<std::unique_ptr<EventLog>> EventLog::open(
    const std::string &Path, std::vector<std::string> Secrets) {
  std::FILE *F = std::fopen(Path.c_str(), "we");
  if (!F)
    return llvm::createStringError(
        fmt::format("cannot write events to `{}`: {}", Path, std::strerror(errno)));
  return std::unique_ptr<EventLog>(new EventLog(F, std::move(Secrets)));
}

EventLog::EventLog(std::FILE *F, std::vector<std::string> Secrets)
    : F(F), Secrets(std::move(Secrets)), Opened(std::chrono::steady_clock::now()) {}

EventLog::~EventLog() { std::fclose(F); }

void EventLog::emit(json Event) {
  auto Now = std::chrono::steady_clock::now();
  Event["t_ms"] = std::chrono::duration<double, std::milli>(Now - Opened).count();
  std::string Line = Event.dump(-1, ' ', false, json::error_handler_t::replace);
  for (const std::string &S : Secrets)
    for (size_t P = Line.find(S); P != std::string::npos; P = Line.find(S, P))
      Line.replace(P, S.size(), "[redacted]");
  Line += '\n';
  std::lock_guard<std::mutex> L(M);
  // Buffered: a line a write(2) would cost more than the rest of an event.
  // run_end and the destructor flush.
  bool Last = Event.value("event", "") == "run_end";
  if (std::fwrite(Line.data(), 1, Line.size(), F) != Line.size() ||
      (Last && std::fflush(F) != 0))
    if (Error.empty()) Error = std::strerror(errno);
}

std::string EventLog::error() const {
  std::lock_guard<std::mutex> L(M);
  return Error;
}

std::vector<std::string> secretsFromEnvironment() {
  std::vector<std::string> Out;
  for (char **E = environ; E && *E; ++E) {
    auto [Name, Value] = llvm::StringRef(*E).split('=');
    std::string Upper = Name.upper();
    llvm::StringRef U(Upper);
    if ((U.ends_with("_KEY") || U.ends_with("_TOKEN") || U.ends_with("_SECRET") ||
         U.contains("PASSWORD")) &&
        Value.size() >= 8)
      Out.push_back(Value.str());
  }
  return Out;
}

void AttemptEvents::attemptStarted(uint32_t Step, const runtime::ActionRequest &R) {
  if (Started.size() <= Step) Started.resize(Step + 1);
  Started[Step] = {R.StepId, std::chrono::steady_clock::now()};
  json E{{"event", "attempt_start"}, {"step", R.StepId},
         {"action", R.Action},       {"attempt", R.Attempt},
         {"parameters", R.Params},   {"input_hash", runtime::cacheKey(R)}};
  if (!R.Model.empty()) E["model"] = R.Model;
  Log.emit(std::move(E));
}

void AttemptEvents::attemptEnded(uint32_t Step, unsigned Attempt,
                                 const runtime::ActionResult &R) {
  json E{{"event", "attempt_end"},
         {"step", Step < Started.size() ? Started[Step].first : std::to_string(Step)},
         {"attempt", Attempt},
         {"status", R.Ok ? "completed" : "failed"}};
  if (Step < Started.size())
    E["duration_ms"] = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - Started[Step].second)
                           .count();
  if (R.Ok) {
    if (auto It = R.Fields.find("output"); It != R.Fields.end()) E["output"] = *It;
  } else {
    E["error"] = R.Error;
    E["retryable"] = R.Retryable;
  }
  Log.emit(std::move(E));
}

}  // namespace orch::observe
