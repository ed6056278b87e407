//===- Policy.cpp ---------------------------------------------------------===//
#include "runtime/sandbox/Policy.h"

#include <fmt/format.h>

#include <cmath>

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

namespace orch::runtime::sandbox {

using nlohmann::json;

Limits defaultLimits() {
  Limits L;
  L.MemoryBytes = 1ull << 30;
  L.CpuSeconds = 600;
  L.Processes = 256;
  L.FileSizeBytes = 100ull << 20;
  L.OpenFiles = 256;
  return L;
}

Limits mergeLimits(const Limits &Over, const Limits &Base) {
  Limits R = Over;
  for (auto F : {&Limits::MemoryBytes, &Limits::CpuSeconds, &Limits::Processes,
                 &Limits::FileSizeBytes, &Limits::OpenFiles})
    if (!(R.*F)) R.*F = Base.*F;
  return R;
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

namespace {

llvm::Expected<uint64_t> sizeOf(const json &V, llvm::StringRef Key) {
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

llvm::Expected<uint64_t> countOf(const json &V, llvm::StringRef Key) {
  if (V.is_number_integer() && V.get<int64_t>() > 0) return V.get<uint64_t>();
  if (V.is_number_float() && V.get<double>() >= 1 &&
      V.get<double>() == std::floor(V.get<double>()))
    return static_cast<uint64_t>(V.get<double>());
  return llvm::createStringError(
      fmt::format("`{}` must be a positive whole number, found {}", Key.str(), V.dump()));
}

}  // namespace

llvm::Error applyLimitsJson(const json &J, Policy &P) {
  if (!J.is_object())
    return llvm::createStringError("resource limits must be a map, found " + J.dump());
  for (auto &[K, V] : J.items()) {
    llvm::Expected<uint64_t> N = uint64_t(0);
    if (K == "memory") {
      if ((N = sizeOf(V, K))) P.Lim.MemoryBytes = *N;
    } else if (K == "disk") {
      if ((N = sizeOf(V, K))) P.Lim.FileSizeBytes = *N;
    } else if (K == "cpu") {
      if (!V.is_number() || V.get<double>() <= 0 || V.get<double>() > 4096)
        return llvm::createStringError(
            "`cpu` must be a number of CPUs above 0, such as 0.5, found " + V.dump());
      P.Lim.CpuShare = V.get<double>();
    } else if (K == "cpu_time") {
      if ((N = countOf(V, K))) P.Lim.CpuSeconds = *N;
    } else if (K == "processes") {
      if ((N = countOf(V, K))) P.Lim.Processes = *N;
    } else if (K == "open_files") {
      if ((N = countOf(V, K))) P.Lim.OpenFiles = *N;
    } else if (K == "network") {
      if (V == "none")
        P.Network = false;
      else if (V == "host")
        P.Network = true;
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
