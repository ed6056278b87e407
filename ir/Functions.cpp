//===- Functions.cpp - Jinja's global functions ---------------------------===//
#include "ir/Functions.h"

#include <fmt/format.h>

namespace orch::ir {

namespace {

/// Python's range(stop), range(start, stop[, step]) as a list.
llvm::Expected<Json> rangeFn(llvm::ArrayRef<Json> Args) {
  int64_t P[3] = {0, 0, 1};
  for (size_t I = 0; I < Args.size(); ++I) {
    // Python's bool is an int: range(True) is range(1).
    if (Args[I].is_boolean()) {
      P[I] = Args[I].get<bool>();
    } else if (Args[I].is_number_unsigned() &&
               Args[I].get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return llvm::createStringError(
          fmt::format("`range`: argument {} is larger than 9223372036854775807", I + 1));
    } else if (Args[I].is_number_integer()) {
      P[I] = Args[I].get<int64_t>();
    } else {
      return llvm::createStringError(
          fmt::format("`range` takes integers; argument {} is {}", I + 1,
                      Args[I].is_number_float() ? "a float" : "not a number"));
    }
  }
  int64_t Start = Args.size() == 1 ? 0 : P[0], Stop = Args.size() == 1 ? P[0] : P[1],
          Step = Args.size() == 3 ? P[2] : 1;
  if (Step == 0) return llvm::createStringError("`range`: the step must not be zero");
  // The count in 128 bits: the bounds may span the whole int64 range.
  __int128 Span = Step > 0 ? static_cast<__int128>(Stop) - Start
                           : static_cast<__int128>(Start) - Stop;
  __int128 By = Step > 0 ? Step : -static_cast<__int128>(Step);
  __int128 Count = Span <= 0 ? 0 : (Span + By - 1) / By;
  if (Count > MaxRangeItems)
    return llvm::createStringError(
        fmt::format("`range` would make more than {} items", MaxRangeItems));
  Json Out = Json::array();
  for (int64_t I = 0; I < static_cast<int64_t>(Count); ++I)
    Out.push_back(static_cast<int64_t>(Start + static_cast<__int128>(I) * Step));
  return Out;
}

constexpr FunctionInfo FunctionTable[] = {
    {"range", 1, 3, Type::List,
     "range(stop), range(start, stop[, step]): a list of integers", &rangeFn,
     /*PythonRange=*/true},
};

}  // namespace

llvm::ArrayRef<FunctionInfo> functions() { return FunctionTable; }

const FunctionInfo *findFunction(llvm::StringRef Name) {
  for (const FunctionInfo &F : FunctionTable)
    if (F.Name == Name) return &F;
  return nullptr;
}

}  // namespace orch::ir
