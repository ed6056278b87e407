//===- PlanReader.h - plan.bin, validated before use -----------*- C++ -*-===//
#pragma once

#include <memory>
#include <string>

#include "ir/plan/Plan_generated.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::runtime {

/// A plan file held in memory and read in place (FlatBuffers: no parsing,
/// no copies). Only readPlan() makes one, after every check passed.
class LoadedPlan {
 public:
  const plan::Plan &plan() const { return *Root; }
  /// Hex SHA-256 of the payload.
  const std::string &contentHash() const { return Hash; }

 private:
  friend llvm::Expected<LoadedPlan> readPlan(std::string Bytes);
  std::shared_ptr<std::string> Bytes;
  const plan::Plan *Root = nullptr;
  std::string Hash;
};

/// The name of plan step \p Step's resource group, or "" if it has none
/// (a view into the plan).
llvm::StringRef stepGroupName(const plan::Plan &P, uint32_t Step);

/// Checks \p Bytes completely before anything uses them: the envelope
/// (magic, version, size, SHA-256), the FlatBuffers verifier (bounds of
/// every offset), and the plan's own rules (expression children before
/// parents, indexes in range, enums known, unique step ids, an acyclic
/// dependency graph). Errors say what is wrong; a hostile file is an error,
/// never a crash.
llvm::Expected<LoadedPlan> readPlan(std::string Bytes);

/// Prints \p P readably (`orchc dump`).
void dumpPlan(llvm::raw_ostream &OS, const LoadedPlan &P);

}  // namespace orch::runtime
