//===- EventLog.cpp -------------------------------------------------------===//
#include "runtime/observe/EventLog.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ir/Secrets.h"
#include "llvm/ADT/StringRef.h"
#include "runtime/observe/Redact.h"

extern char **environ;

namespace orch::observe {

using json = orch::ir::Json;

llvm::Expected<std::unique_ptr<EventLog>> EventLog::open(
    const std::string &Path, std::vector<std::string> Secrets) {
  // 0600 like the spill files (a step's output may hold a secret), never
  // through a symlink, and one run a file: an exclusive lock taken before
  // the truncation, so a second run on the same file fails instead of
  // cutting the first one's lines.
  auto Fail = [&](const char *What) {
    return llvm::createStringError(
        fmt::format("cannot write events to `{}`: {}", Path, What));
  };
  int Fd = ::open(Path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (Fd < 0) return Fail(std::strerror(errno));
  if (::flock(Fd, LOCK_EX | LOCK_NB) != 0) {
    int Err = errno;
    ::close(Fd);
    return Fail(Err == EWOULDBLOCK ? "another run is writing to it" : std::strerror(Err));
  }
  struct stat St;
  if (::fstat(Fd, &St) == 0 && S_ISREG(St.st_mode)) {
    if (::ftruncate(Fd, 0) != 0 || ((St.st_mode & 077) && ::fchmod(Fd, 0600) != 0)) {
      int Err = errno;
      ::close(Fd);
      return Fail(std::strerror(Err));
    }
  }
  std::FILE *F = ::fdopen(Fd, "w");
  if (!F) {
    int Err = errno;
    ::close(Fd);
    return Fail(std::strerror(Err));
  }
  return std::unique_ptr<EventLog>(new EventLog(F, std::move(Secrets)));
}

EventLog::EventLog(std::FILE *F, std::vector<std::string> Secrets)
    : F(F), Secrets(std::move(Secrets)), Opened(std::chrono::steady_clock::now()) {}

EventLog::~EventLog() { std::fclose(F); }

void EventLog::emit(json Event) {
  auto Now = std::chrono::steady_clock::now();
  Event["t_ms"] = std::chrono::duration<double, std::milli>(Now - Opened).count();
  // Scrubbed as a tree, before serialisation: in the dumped line a value
  // holding `"`, `\\`, a control byte or invalid UTF-8 is escaped and would
  // no longer match.
  {
    std::lock_guard<std::mutex> L(SecretsM);
    scrubSecrets(Event, Secrets);
  }
  std::string Line = Event.dump(-1, ' ', false, json::error_handler_t::replace);
  Line += '\n';
  std::lock_guard<std::mutex> L(M);
  // Buffered, but flushed after each event that ends something (an
  // attempt, a model call, the run): a killed run loses at most the lines
  // of the attempts still running, and its log stays readable.
  std::string Ev = Event.value("event", "");
  bool Flush = Ev == "run_end" || Ev == "attempt_end" || Ev == "model_call";
  if (std::fwrite(Line.data(), 1, Line.size(), F) != Line.size() ||
      (Flush && std::fflush(F) != 0) || std::ferror(F))
    if (Error.empty()) Error = std::strerror(errno ? errno : EIO);
}

std::string EventLog::error() const {
  std::lock_guard<std::mutex> L(M);
  if (Error.empty() && (std::fflush(F) != 0 || std::ferror(F)))
    Error = std::strerror(errno ? errno : EIO);
  return Error;
}

void EventLog::addSecrets(const std::vector<std::string> &More) {
  std::lock_guard<std::mutex> L(SecretsM);
  for (const std::string &S : More)
    if (S.size() >= 8 && std::find(Secrets.begin(), Secrets.end(), S) == Secrets.end())
      Secrets.push_back(S);
}

std::vector<std::string> secretsFromEnvironment() {
  std::vector<std::string> Out;
  for (char **E = environ; E && *E; ++E) {
    auto [Name, Value] = llvm::StringRef(*E).split('=');
    if (ir::secretEnvName(Name) && Value.size() >= 8) Out.push_back(Value.str());
  }
  return Out;
}

void AttemptEvents::attemptStarted(uint32_t Step, const runtime::ActionRequest &R) {
  if (Started.size() <= Step) Started.resize(Step + 1);
  Started[Step] = {R.StepId, std::chrono::steady_clock::now()};
  // Secret headers, secret env entries and URL credentials are redacted by
  // name; their values are then scrubbed from every later event too (an
  // output or error that echoes them).
  json Params = R.Params;
  Log.addSecrets(redactParameters(Params));
  json E{{"event", "attempt_start"}, {"step", R.StepId},
         {"action", R.Action},       {"attempt", R.Attempt},
         {"parameters", Params},     {"input_hash", runtime::cacheKey(R)}};
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
