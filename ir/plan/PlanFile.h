//===- PlanFile.h - The plan file's envelope -------------------*- C++ -*-===//
//
// A plan file is a fixed header followed by a FlatBuffers payload (Plan.fbs):
//
//   offset  size  field
//        0     8  magic "ORCHPLAN"
//        8     4  format version (little endian)
//       12     4  reserved, zero
//       16     8  payload size in bytes
//       24    32  SHA-256 of the payload
//       56     …  payload
//
// The hash makes any flipped or missing byte a clear error before the
// FlatBuffers verifier even runs; the verifier then guards against files
// crafted with a matching hash.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::plan {

/// The version this build writes and reads.
constexpr uint32_t FormatVersion = 11;
/// Bytes before the payload.
constexpr size_t HeaderSize = 56;

/// Wraps \p Payload in the header.
std::string wrapPlan(llvm::StringRef Payload);

/// Checks the header of \p File and returns the payload, or an error that
/// says what is wrong (not a plan, truncated, wrong version, corrupted).
llvm::Expected<llvm::StringRef> unwrapPlan(llvm::StringRef File);

/// Hex SHA-256 of the payload of a wrapped plan (its content hash).
std::string planContentHash(llvm::StringRef File);

}  // namespace orch::plan
