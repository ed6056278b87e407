//===- ModelStats.cpp -----------------------------------------------------===//
#include "runtime/actions/ModelStats.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

#include "ir/AtomicFile.h"
#include "ir/Json.h"
#include "ir/StableSort.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::runtime {

using json = orch::ir::Json;

std::vector<std::string> ModelStats::rank(const std::vector<std::string> &Candidates,
                                          double C) const {
  std::lock_guard<std::mutex> L(M);
  uint64_t Total = 0;
  for (const std::string &Name : Candidates)
    if (auto It = Arms.find(Name); It != Arms.end()) Total += It->second.Pulls;
  std::vector<std::pair<double, size_t>> Scored;
  for (size_t I = 0; I < Candidates.size(); ++I) {
    auto It = Arms.find(Candidates[I]);
    double Score = INFINITY;  // untried: first
    if (It != Arms.end() && It->second.Pulls > 0) {
      double N = static_cast<double>(It->second.Pulls);
      Score =
          It->second.Reward / N +
          C * std::sqrt(std::log(static_cast<double>(std::max<uint64_t>(Total, 1))) / N);
    }
    Scored.push_back({Score, I});
  }
  orch::stableSort(Scored.begin(), Scored.end(),
                   [](const auto &A, const auto &B) { return A.first > B.first; });
  std::vector<std::string> Out;
  for (const auto &[Score, I] : Scored) Out.push_back(Candidates[I]);
  return Out;
}

void ModelStats::record(const std::string &Model, bool Ok) {
  std::lock_guard<std::mutex> L(M);
  Arm &A = Arms[Model];
  ++A.Pulls;
  A.Reward += Ok ? 1 : 0;
}

ModelStats::Arm ModelStats::arm(const std::string &Model) const {
  std::lock_guard<std::mutex> L(M);
  auto It = Arms.find(Model);
  return It == Arms.end() ? Arm{} : It->second;
}

llvm::Error ModelStats::load(const std::string &Path) {
  if (!llvm::sys::fs::exists(Path)) return llvm::Error::success();
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return llvm::createStringError(
        fmt::format("cannot read `{}`: {}", Path, Buf.getError().message()));
  json J = json::parse((*Buf)->getBuffer(), nullptr, false);
  if (!J.is_object() || !J.contains("models") || !J["models"].is_object())
    return llvm::createStringError(fmt::format("`{}` is not a model record", Path));
  std::lock_guard<std::mutex> L(M);
  for (auto &[Name, V] : J["models"].items()) {
    if (!V.is_object()) continue;
    auto P = V.find("pulls");
    auto R = V.find("reward");
    if (P == V.end() || R == V.end() || !P->is_number_unsigned() || !R->is_number() ||
        R->get<double>() < 0 || R->get<double>() > P->get<double>())
      continue;  // a damaged entry is dropped, not trusted
    Arms[Name] = {P->get<uint64_t>(), R->get<double>()};
  }
  return llvm::Error::success();
}

llvm::Error ModelStats::save(const std::string &Path) const {
  json J = {{"version", 1}, {"models", json::object()}};
  {
    std::lock_guard<std::mutex> L(M);
    for (const auto &[Name, A] : Arms)
      J["models"][Name] = {{"pulls", A.Pulls}, {"reward", A.Reward}};
  }
  llvm::StringRef Dir = llvm::sys::path::parent_path(Path);
  if (!Dir.empty())
    if (std::error_code EC = llvm::sys::fs::create_directories(Dir))
      return llvm::createStringError(
          fmt::format("cannot create `{}`: {}", Dir.str(), EC.message()));
  return writeFileAtomically(Path, J.dump(2) + "\n");
}

std::string defaultStateDir() {
  if (const char *D = std::getenv("ORCH_STATE_DIR"); D && *D) return D;
  llvm::SmallString<256> P;
  if (const char *X = std::getenv("XDG_STATE_HOME"); X && *X) {
    P = X;
  } else if (const char *H = std::getenv("HOME"); H && *H) {
    P = H;
    llvm::sys::path::append(P, ".local", "state");
  } else {
    return "";
  }
  llvm::sys::path::append(P, "orch");
  return P.str().str();
}

}  // namespace orch::runtime
