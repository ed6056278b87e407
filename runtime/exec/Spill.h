//===- Spill.h - Large step results live in files --------------*- C++ -*-===//
//
// A run keeps every step's result for the templates that read it. To
// bound that memory, a field of a result larger than a threshold (a
// command's 64 MiB of output, an HTTP response's parsed body) moves to a
// file in the run's spill directory; the result keeps a reference. A
// string is stored as its text, any other value as JSON text. A string
// field equal to one already moved (a shell step's `output` is its
// `stdout` without the final newline) shares that file. Templates that
// read a spilled field get that one field read back for that one
// rendering. The scheduler's own `status` and `error` never move.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::runtime {

/// Where large results go.
struct SpillOptions {
  std::string Dir;                ///< Created (mode 0700) on first use; "": never spill.
  uint64_t Threshold = 1u << 20;  ///< Fields larger than this (bytes) move.
};

/// One field moved to a file.
struct SpilledField {
  std::string Field;  ///< The field's name (files are named by number).
  std::string Path;
  uint64_t Bytes = 0;        ///< The length of the text the field is.
  bool TrimNewline = false;  ///< The field is the file without its last byte (`\n`).
  bool Json = false;         ///< The file holds JSON text (not a string field).
};

/// Moves the fields of \p Fields larger than the threshold (strings by
/// their length, lists and maps by their JSON text) into files (mode 0600)
/// named after step number \p Step, erasing them from \p Fields; never
/// `status` or `error`. On an error (a full disk) nothing moves, \p Fields
/// is unchanged and no file is left.
llvm::Expected<std::vector<SpilledField>> spillFields(orch::ir::Json &Fields,
                                                      uint32_t Step,
                                                      const SpillOptions &O);

/// The value of the spilled field \p F, read from its file.
llvm::Expected<orch::ir::Json> loadField(const SpilledField &F);

/// Reads the fields \p S back into \p Fields.
llvm::Error loadSpilled(orch::ir::Json &Fields, const std::vector<SpilledField> &S);

/// `{"output": {"file": …, "bytes": N}, …}` for the result document
/// (`"json": true` for a list or map).
orch::ir::Json describeSpilled(const std::vector<SpilledField> &S);

/// The inverse of describeSpilled; fails unless every file is a regular
/// file inside \p Root (a run directory's `.orch-spill`) with enough bytes.
llvm::Expected<std::vector<SpilledField>> parseSpilled(const orch::ir::Json &J,
                                                       llvm::StringRef Root);

}  // namespace orch::runtime
