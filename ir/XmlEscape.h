//===- XmlEscape.h - Text for XML and SVG documents ------------*- C++ -*-===//
#pragma once

#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// \p Text (UTF-8) escaped for XML text and attribute values: controls
/// other than tab and newline are dropped; what else XML 1.0 cannot hold
/// (U+FFFE, U+FFFF, surrogates, bytes that are not UTF-8) becomes U+FFFD.
std::string xmlEscape(llvm::StringRef Text);

}  // namespace orch::ir
