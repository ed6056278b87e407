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

std::string yamlDepthProblem(llvm::StringRef Text, unsigned Max) {
  unsigned Depth = 0;
  char Prev = '\n';  // the last character that is not a blank; '"' after a quoted scalar
  bool ColonAfterQuoted = false;  // `"a":"b"`: JSON style
  auto Blank = [](char C) { return C == ' ' || C == '\t' || C == '\r' || C == '\n'; };
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (C == '\n') {
      Prev = '\n';
      continue;
    }
    if (Blank(C)) continue;
    bool AfterBlank = I == 0 || Blank(Text[I - 1]);
    if (C == '#' && AfterBlank) {  // a comment, to the end of the line
      while (I + 1 < Text.size() && Text[I + 1] != '\n') ++I;
      continue;
    }
    bool ScalarMayStart = Prev == '\n' || Prev == '[' || Prev == '{' || Prev == ',' ||
                          ((Prev == '-' || Prev == '?' || Prev == ':') && AfterBlank) ||
                          (Prev == ':' && ColonAfterQuoted);
    if ((C == '"' || C == '\'') && ScalarMayStart) {
      for (++I; I < Text.size(); ++I) {
        if (C == '"' && Text[I] == '\\') {
          ++I;
        } else if (Text[I] == C) {
          if (C == '\'' && I + 1 < Text.size() && Text[I + 1] == '\'') {
            ++I;  // `''` in a single-quoted scalar
            continue;
          }
          break;
        }
      }
      Prev = '"';
      continue;
    }
    if (C == '[' || C == '{') {
      if (++Depth > Max)
        return fmt::format("nesting deeper than {} levels at byte {}", Max, I);
    } else if ((C == ']' || C == '}') && Depth) {
      --Depth;
    }
    if (C == ':') ColonAfterQuoted = Prev == '"';
    Prev = C;
  }
  return "";
}

orch::ir::Json parseJsonBounded(llvm::StringRef Text, std::string *Problem) {
  std::string P = jsonDepthProblem(Text);
  if (!P.empty()) {
    if (Problem) *Problem = std::move(P);
    return orch::ir::Json::value_t::discarded;
  }
  return orch::ir::Json::parse(Text.begin(), Text.end(), nullptr,
                               /*allow_exceptions=*/false);
}

}  // namespace orch::ir
