//===- RenderCase.h - One template expression through the compiler --*- C++ -*-===//
//
// The differential test and the template fuzzer compile an expression the
// way `orchc check --inputs` does: a one-step pipeline whose parameter is
// `"<{{ expr }}>"`, every input declared with its value's type and bound
// at compile time, all passes run. Constant folding then renders the
// template with the runtime's evaluator, or reports a diagnostic.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/Json.h"

namespace orch::testing {

/// What the compiler made of one expression.
struct CaseResult {
  bool Ok = false;
  std::string Text;  ///< Ok: the rendered text; else the diagnostics.
};

/// The one-step pipeline named \p Name that renders \p Expr (or, with
/// \p IsTemplate, the whole template) between `<` and `>`, every input of
/// \p Inputs declared with its value's type.
std::string caseYaml(const std::string &Name, const std::string &Expr,
                     const orch::ir::Json &Inputs, bool IsTemplate = false);

/// Compiles \p Expr with \p Inputs (a JSON object) bound; with
/// \p IsTemplate, \p Expr is a whole template (text, comments, whitespace
/// control) rather than one placeholder's expression.
CaseResult renderCase(const std::string &Expr, const orch::ir::Json &Inputs,
                      bool IsTemplate = false);

}  // namespace orch::testing
