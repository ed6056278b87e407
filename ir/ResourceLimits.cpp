//===- ResourceLimits.cpp -------------------------------------------------===//
#include "ir/ResourceLimits.h"

#include <fmt/format.h>

#include <cmath>

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

namespace orch::ir {

namespace {

/// The largest count a limit may hold (and a double represents exactly).
constexpr double MaxCount = 1e15;

llvm::Expected<uint64_t> sizeOf(const nlohmann::json &V, llvm::StringRef Key) {
  if (V.is_number_unsigned() || (V.is_number_integer() && V.get<int64_t>() > 0))
    return V.get<uint64_t>();
  if (V.is_string()) {
    llvm::Expected<uint64_t> N = parseByteSize(V.get<std::string>());
    if (!N)
      return llvm::createStringError(
          fmt::format("`{}`: {}", Key.str(), llvm::toString(N.takeError())));
    return *N;
  }
  return llvm::createStringError(
      fmt::format("`{}` must be a size such as 512MB, found {}", Key.str(), V.dump()));
}

llvm::Expected<uint64_t> countOf(const nlohmann::json &V, llvm::StringRef Key) {
  if (V.is_number_integer() && V.get<int64_t>() > 0) return V.get<uint64_t>();
  // A float only in the range where the cast is defined and exact.
  if (V.is_number_float() && V.get<double>() >= 1 && V.get<double>() <= MaxCount &&
      V.get<double>() == std::floor(V.get<double>()))
    return static_cast<uint64_t>(V.get<double>());
  return llvm::createStringError(
      fmt::format("`{}` must be a positive whole number (at most 10^15), found {}",
                  Key.str(), V.dump()));
}

std::string showSize(uint64_t B) {
  if (B >= (1ull << 30) && B % (1ull << 20) == 0)
    return fmt::format("{}GB", static_cast<double>(B) / (1ull << 30));
  if (B >= (1ull << 20) && B % (1ull << 10) == 0)
    return fmt::format("{}MB", static_cast<double>(B) / (1ull << 20));
  return fmt::format("{} bytes", B);
}

}  // namespace

ResourceLimits defaultResourceLimits() {
  ResourceLimits L;
  L.MemoryBytes = 1ull << 30;
  L.CpuSeconds = 600;
  L.Processes = 256;
  L.FileSizeBytes = 100ull << 20;
  L.OpenFiles = 256;
  L.HostNetwork = false;
  return L;
}

llvm::Expected<uint64_t> parseByteSize(llvm::StringRef Text) {
  llvm::StringRef T = Text.trim();
  size_t End = 0;
  while (End < T.size() && (llvm::isDigit(T[End]) || T[End] == '.')) ++End;
  llvm::StringRef Num = T.substr(0, End), Unit = T.substr(End).trim();
  double N = 0;
  auto Bad = [&] {
    return llvm::createStringError(fmt::format(
        "`{}` is not a size; expected a number with B, KB, MB, GB or TB", Text.str()));
  };
  if (Num.empty() || Num.getAsDouble(N) || N < 0) return Bad();
  uint64_t Mult = llvm::StringSwitch<uint64_t>(Unit.upper())
                      .Cases("", "B", 1)
                      .Cases("K", "KB", "KIB", 1ull << 10)
                      .Cases("M", "MB", "MIB", 1ull << 20)
                      .Cases("G", "GB", "GIB", 1ull << 30)
                      .Cases("T", "TB", "TIB", 1ull << 40)
                      .Default(0);
  if (!Mult) return Bad();
  double Bytes = std::floor(N * static_cast<double>(Mult));
  if (Bytes < 1 || Bytes > 1e18)
    return llvm::createStringError(
        fmt::format("size `{}` is out of range (1 byte to 1 EB)", Text.str()));
  return static_cast<uint64_t>(Bytes);
}

llvm::Expected<ResourceLimits> parseResourceLimits(const nlohmann::json &J) {
  if (!J.is_object())
    return llvm::createStringError("resource limits must be a map, found " + J.dump());
  ResourceLimits L;
  for (auto &[K, V] : J.items()) {
    llvm::Expected<uint64_t> N = uint64_t(0);
    if (K == "memory") {
      if ((N = sizeOf(V, K))) L.MemoryBytes = *N;
    } else if (K == "disk") {
      if ((N = sizeOf(V, K))) L.FileSizeBytes = *N;
    } else if (K == "cpu") {
      if (!V.is_number() || V.get<double>() <= 0 || V.get<double>() > 4096)
        return llvm::createStringError(
            "`cpu` must be a number of CPUs above 0, such as 0.5, found " + V.dump());
      L.CpuShare = V.get<double>();
    } else if (K == "cpu_time") {
      if ((N = countOf(V, K))) L.CpuSeconds = *N;
    } else if (K == "processes") {
      if ((N = countOf(V, K))) L.Processes = *N;
    } else if (K == "open_files") {
      if ((N = countOf(V, K))) L.OpenFiles = *N;
    } else if (K == "network") {
      if (V == "none")
        L.HostNetwork = false;
      else if (V == "host")
        L.HostNetwork = true;
      else
        return llvm::createStringError("`network` must be `none` or `host`, found " +
                                       V.dump());
    } else {
      return llvm::createStringError(fmt::format(
          "unknown resource limit `{}`; expected memory, cpu, cpu_time, disk, "
          "processes, open_files or network",
          K));
    }
    if (!N) return N.takeError();
  }
  return L;
}

ResourceLimits overrideLimits(const ResourceLimits &Base, const ResourceLimits &Over) {
  ResourceLimits R = Base;
  for (auto F : {&ResourceLimits::MemoryBytes, &ResourceLimits::CpuSeconds,
                 &ResourceLimits::Processes, &ResourceLimits::FileSizeBytes,
                 &ResourceLimits::OpenFiles})
    if (Over.*F) R.*F = Over.*F;
  if (Over.CpuShare > 0) R.CpuShare = Over.CpuShare;
  if (Over.HostNetwork) R.HostNetwork = Over.HostNetwork;
  return R;
}

std::vector<LimitExcess> limitsAboveCeiling(const ResourceLimits &Asked,
                                            const ResourceLimits &Ceiling) {
  std::vector<LimitExcess> Out;
  auto Check = [&](const char *Key, uint64_t A, uint64_t C, bool Size) {
    if (A > C)
      Out.push_back({Key, fmt::format("`{}: {}` is above the ceiling {}", Key,
                                      Size ? showSize(A) : std::to_string(A),
                                      Size ? showSize(C) : std::to_string(C))});
  };
  Check("memory", Asked.MemoryBytes, Ceiling.MemoryBytes, true);
  Check("cpu_time", Asked.CpuSeconds, Ceiling.CpuSeconds, false);
  Check("disk", Asked.FileSizeBytes, Ceiling.FileSizeBytes, true);
  Check("processes", Asked.Processes, Ceiling.Processes, false);
  Check("open_files", Asked.OpenFiles, Ceiling.OpenFiles, false);
  if (Ceiling.CpuShare > 0 && Asked.CpuShare > Ceiling.CpuShare)
    Out.push_back({"cpu", fmt::format("`cpu: {}` is above the ceiling {}", Asked.CpuShare,
                                      Ceiling.CpuShare)});
  if (Asked.HostNetwork.value_or(false) && !Ceiling.HostNetwork.value_or(false))
    Out.push_back({"network",
                   "`network: host` is not allowed: the ceiling is "
                   "`network: none`"});
  return Out;
}

}  // namespace orch::ir
