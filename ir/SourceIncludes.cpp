//===- SourceIncludes.cpp -------------------------------------------------===//
#include "ir/SourceIncludes.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

namespace orch {

namespace {
struct Included {
  uint32_t Base;
  std::shared_ptr<const SourceFile> File, Parsed;
};

/// Each root's included files, by base. Roots are few (one a compilation)
/// and an IncludeScope removes its entry, so an address is never reused
/// while its entry lives.
struct Table {
  std::mutex M;
  std::map<const SourceFile *, std::vector<Included>> Roots;
};

Table &table() {
  static Table T;
  return T;
}
}  // namespace

uint32_t includeBase(const SourceFile &Root) {
  Table &T = table();
  std::lock_guard<std::mutex> L(T.M);
  auto It = T.Roots.find(&Root);
  if (It == T.Roots.end() || It->second.empty())
    return static_cast<uint32_t>(Root.text().size()) + 1;
  const Included &Last = It->second.back();
  return Last.Base + static_cast<uint32_t>(Last.File->text().size()) + 1;
}

void includeFile(const SourceFile &Root, std::shared_ptr<const SourceFile> File,
                 std::shared_ptr<const SourceFile> Parsed) {
  uint32_t Base = includeBase(Root);
  Table &T = table();
  std::lock_guard<std::mutex> L(T.M);
  T.Roots[&Root].push_back({Base, std::move(File), std::move(Parsed)});
}

std::pair<const SourceFile *, SourceLoc> locateSource(const SourceFile &Root,
                                                      SourceLoc Loc) {
  if (!Loc.isValid() || Loc.Offset <= Root.text().size()) return {&Root, Loc};
  Table &T = table();
  std::lock_guard<std::mutex> L(T.M);
  auto It = T.Roots.find(&Root);
  if (It == T.Roots.end() || It->second.empty() || Loc.Offset < It->second.front().Base)
    return {&Root, Loc};
  const std::vector<Included> &V = It->second;
  auto At =
      std::upper_bound(V.begin(), V.end(), Loc.Offset,
                       [](uint32_t Off, const Included &I) { return Off < I.Base; });
  const Included &I = *(At - 1);
  return {I.File.get(), SourceLoc(Loc.Offset - I.Base)};
}

IncludeScope::~IncludeScope() {
  Table &T = table();
  std::lock_guard<std::mutex> L(T.M);
  T.Roots.erase(&Root);
}

}  // namespace orch
