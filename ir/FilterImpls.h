//===- FilterImpls.h - One function a filter -------------------*- C++ -*-===//
#pragma once

#include "ir/Filters.h"

namespace orch::ir::filter {

using Result = llvm::Expected<std::optional<nlohmann::json>>;
using Args = llvm::ArrayRef<nlohmann::json>;

Result abs(const nlohmann::json &V, Args A);
Result capitalize(const nlohmann::json &V, Args A);
Result defaultValue(const nlohmann::json &V, Args A);
Result first(const nlohmann::json &V, Args A);
Result toFloat(const nlohmann::json &V, Args A);
Result toInt(const nlohmann::json &V, Args A);
Result join(const nlohmann::json &V, Args A);
Result last(const nlohmann::json &V, Args A);
Result length(const nlohmann::json &V, Args A);
Result lower(const nlohmann::json &V, Args A);
/// The value unchanged: in a shell `command`, it is not quoted.
Result raw(const nlohmann::json &V, Args A);
Result replace(const nlohmann::json &V, Args A);
Result round(const nlohmann::json &V, Args A);
/// The value's text as one POSIX shell word, in single quotes.
Result shellQuote(const nlohmann::json &V, Args A);
Result string(const nlohmann::json &V, Args A);
Result title(const nlohmann::json &V, Args A);
Result tojson(const nlohmann::json &V, Args A);
Result trim(const nlohmann::json &V, Args A);
Result truncate(const nlohmann::json &V, Args A);
Result upper(const nlohmann::json &V, Args A);
Result wordcount(const nlohmann::json &V, Args A);

}  // namespace orch::ir::filter
