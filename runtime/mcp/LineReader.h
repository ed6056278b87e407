//===- LineReader.h - Splits a byte stream into bounded lines --*- C++ -*-===//
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "llvm/ADT/StringRef.h"

namespace orch::runtime::mcp {

/// Cuts bytes into lines at `\n` (a `\r` before it is dropped). A line
/// longer than the limit is never held: it is reported once when it crosses
/// the limit, and its remaining bytes are dropped up to the next newline, so
/// memory stays bounded whatever the peer sends.
class LineReader {
 public:
  using LineFn = std::function<void(llvm::StringRef)>;
  using OverlongFn = std::function<void()>;

  explicit LineReader(size_t MaxLine) : MaxLine(MaxLine) {}

  /// Feeds \p Bytes; calls \p OnLine for each complete line that is not
  /// blank and \p OnOverlong for each line over the limit.
  void feed(llvm::StringRef Bytes, const LineFn &OnLine, const OverlongFn &OnOverlong);
  /// End of input: a last line without a newline counts too.
  void finish(const LineFn &OnLine);

  /// Bytes held for the current line (for tests: never above the limit).
  size_t buffered() const { return Buf.size(); }

 private:
  void emit(const LineFn &OnLine);

  size_t MaxLine;
  std::string Buf;
  bool Discarding = false;
};

}  // namespace orch::runtime::mcp
