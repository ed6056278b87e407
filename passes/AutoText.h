//===- AutoText.h - Choices and ranges spelled out in an AUTO tag -*- C++ -*-===//
//
// What the prose of an AUTO tag fixes about its answer: a closed set of
// words ("Choose fast or thorough", "X, Y or Z", "one of: a / b / c") or an
// integer range ("between 3 and 7", "3-7", "3–7"). Both readers are
// conservative: ordinary prose yields nothing, and the tag stays open.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace orch::passes {

/// The choices a tag's text spells out, in order: "choose: a, b, or c",
/// "Choose fast or thorough", "one of: a / b / c", "voting, averaging, or
/// stacking". After a lead-in ("choose", "pick", "select", "one of",
/// "either", "decide between", or a colon ending a label that holds one)
/// an item may have up to three words; a bare list, or one after a plain
/// label ("Format: json or yaml"), takes single words only. `/` and `|`
/// separate single words only; "between ... and ..." needs a verb before
/// it. Empty when the text is open-ended.
std::vector<std::string> choicesInText(llvm::StringRef Text);

/// The integer range a tag's text spells out: "between 3 and 7", "from 1
/// to 10", "3-7", "3–7" (en dash), "3 to 7". Dates, versions, times and
/// decimals are not ranges; a range needs low <= high.
std::optional<std::pair<int64_t, int64_t>> rangeInText(llvm::StringRef Text);

}  // namespace orch::passes
