//===- JsText.h - JavaScript literals --------------------------*- C++ -*-===//
#pragma once

#include <string>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"

namespace orch::backends::langgraph {

/// \p S as a JavaScript string literal (ASCII only: the same bytes for the
/// same text whatever the editor).
std::string jsString(llvm::StringRef S);

/// \p S for the inside of a `//` comment: printable ASCII as is, every other
/// byte (line and paragraph separators, controls, any non-ASCII) and the
/// backslash as `\xNN`, so no text can end the comment.
std::string jsComment(llvm::StringRef S);

/// A JSON value as a JavaScript literal of orch_values.mjs's representation:
/// ints as BigInt (`3n`), floats as numbers, mappings through `R.map`.
std::string jsConst(const orch::ir::Json &V);

}  // namespace orch::backends::langgraph
