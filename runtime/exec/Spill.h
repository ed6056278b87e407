//===- Spill.h - Large step results live in files --------------*- C++ -*-===//
//
// A run keeps every step's result for the templates that read it. To
// bound that memory, a string field of a result longer than a threshold
// (a command's 64 MiB of output) moves to a file in the run's spill
// directory; the result keeps a reference. A field equal to one already
// moved (a shell step's `output` is its `stdout` without the final
// newline) shares that file. Templates that read a spilled field get it
// read back for that one rendering.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::runtime {

/// Where large results go.
struct SpillOptions {
  std::string Dir;                ///< Created on first use; "": never spill.
  uint64_t Threshold = 1u << 20;  ///< Fields longer than this (bytes) move.
};

/// One field moved to a file.
struct SpilledField {
  std::string Field;
  std::string Path;
  uint64_t Bytes = 0;        ///< The field's length.
  bool TrimNewline = false;  ///< The field is the file without its last byte (`\n`).
};

/// Moves the string fields of \p Fields longer than the threshold into
/// files named after \p StepId, erasing them from \p Fields. On an error
/// (a full disk) nothing moves and \p Fields is unchanged.
llvm::Expected<std::vector<SpilledField>> spillFields(nlohmann::json &Fields,
                                                      llvm::StringRef StepId,
                                                      const SpillOptions &O);

/// Reads the fields \p S back into \p Fields.
llvm::Error loadSpilled(nlohmann::json &Fields, const std::vector<SpilledField> &S);

/// `{"output": {"file": …, "bytes": N}, …}` for the result document.
nlohmann::json describeSpilled(const std::vector<SpilledField> &S);

/// The inverse of describeSpilled; fails unless every file is there with
/// enough bytes.
llvm::Expected<std::vector<SpilledField>> parseSpilled(const nlohmann::json &J);

}  // namespace orch::runtime
