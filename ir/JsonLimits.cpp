//===- JsonLimits.cpp -----------------------------------------------------===//
#include "ir/JsonLimits.h"

#include <fmt/format.h>

#include <utility>

namespace orch::ir {

std::string jsonDepthProblem(llvm::StringRef Text, unsigned Max) {
  unsigned Depth = 0;
  bool InString = false;
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (InString) {
      if (C == '\\')
        ++I;
      else if (C == '"')
        InString = false;
      continue;
    }
    if (C == '"') {
      InString = true;
    } else if (C == '[' || C == '{') {
      if (++Depth > Max)
        return fmt::format("nesting deeper than {} levels at byte {}", Max, I);
    } else if ((C == ']' || C == '}') && Depth) {
      --Depth;
    }
  }
  return "";
}

nlohmann::json parseJsonBounded(llvm::StringRef Text, std::string *Problem) {
  std::string P = jsonDepthProblem(Text);
  if (!P.empty()) {
    if (Problem) *Problem = std::move(P);
    return nlohmann::json::value_t::discarded;
  }
  return nlohmann::json::parse(Text.begin(), Text.end(), nullptr,
                               /*allow_exceptions=*/false);
}

}  // namespace orch::ir
