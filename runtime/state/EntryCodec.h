//===- EntryCodec.h - Step entries in and out of the store -----*- C++ -*-===//
//
// A step's record is its `steps.<id>` entry of the `--out` JSON. Values of
// `output` and of `fields` whose JSON text is longer than a threshold are
// stored once as blobs: zstd-compressed (zlib if LLVM lacks zstd), named by
// the SHA-256 of the uncompressed text, so identical results across runs
// share one blob and storage grows with changed bytes only. Decoding checks
// everything it takes over and names the run, step and field that fail.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ir/Json.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "runtime/state/StateStore.h"

namespace orch::state {

/// Values longer than this (bytes of JSON text) become blobs by default.
constexpr size_t DefaultBlobThreshold = 4096;

/// The largest blob read back (uncompressed bytes): a corrupt size in a
/// row is an error naming it, not an allocation that aborts.
constexpr size_t MaxBlobBytes = size_t(1) << 31;

/// A blob to store: its name and its compressed bytes.
using NewBlob = BlobData;

/// An entry ready for the store.
struct EncodedEntry {
  std::string Json;                ///< The entry with blob references.
  std::vector<std::string> Blobs;  ///< Every blob it refers to.
  std::vector<NewBlob> NewBlobs;   ///< The blobs, to store before the entry.
};

/// Replaces the large values of \p Entry (`output`, `fields.*`) by
/// `{"$blob": hash, "bytes": N}`, and escapes a value that looks like one
/// as `{"$lit": V}`. Each value's text is built once.
EncodedEntry encodeEntry(const orch::ir::Json &Entry,
                         size_t Threshold = DefaultBlobThreshold);

/// The entry of step \p StepId of run \p RunId with its blobs read back from
/// \p Store. Fails, naming run, step and field, on anything that does not fit:
/// text that is not a JSON object, a status that is not a string, attempts
/// that are not a count, a missing blob or one whose hash differs.
llvm::Expected<orch::ir::Json> decodeEntry(llvm::StringRef Text, StateStore &Store,
                                           llvm::StringRef RunId, llvm::StringRef StepId);

/// A hex digest of \p Bytes (SHA-256), for blob names and cache keys.
std::string sha256Hex(llvm::StringRef Bytes);

}  // namespace orch::state
