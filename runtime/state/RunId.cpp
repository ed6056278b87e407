//===- RunId.cpp ----------------------------------------------------------===//
#include "runtime/state/RunId.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <random>

namespace orch::state {

std::string newRunId(int64_t StartedMs) {
  std::random_device R;
  const std::time_t Secs = static_cast<std::time_t>(StartedMs / 1000);
  return fmt::format("r-{:%Y%m%dT%H%M%S}-{:08x}", fmt::gmtime(Secs),
                     static_cast<uint32_t>(R()));
}

namespace {
std::string hostName() {
  char Buf[256] = {};
  if (gethostname(Buf, sizeof Buf - 1) != 0) return "localhost";
  return Buf;
}
}  // namespace

std::string leaseHolder() { return fmt::format("{}:{}", hostName(), getpid()); }

bool holderIsDead(llvm::StringRef Holder) {
  auto [Host, Pid] = Holder.rsplit(':');
  unsigned long long N = 0;
  if (Host != hostName() || Pid.getAsInteger(10, N) || N == 0 || N > 0x7fffffff)
    return false;
  return kill(static_cast<pid_t>(N), 0) != 0 && errno == ESRCH;
}

}  // namespace orch::state
