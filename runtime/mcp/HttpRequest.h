//===- HttpRequest.h - HTTP/1.1 requests, parsed with limits ----*- C++ -*-===//
//
// The request side of the small HTTP/1.1 server behind `orchrt mcp --http`:
// bytes in, whole requests out. Every limit is checked before memory is
// spent on it; a request that breaks one is an error with the status to
// answer, after which the connection is closed.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace orch::runtime::mcp {

/// The limits a request must keep.
struct HttpLimits {
  size_t MaxHeaderBytes = 16 << 10;  ///< Request line and headers together.
  size_t MaxHeaders = 64;
  size_t MaxBody = size_t(4) << 20;
};

/// One parsed request.
struct HttpRequest {
  std::string Method, Target, Version;
  /// Names in lower case, in the order sent.
  std::vector<std::pair<std::string, std::string>> Headers;
  std::string Body;
  /// The first header named \p Lower (lower case), if any.
  std::optional<llvm::StringRef> header(llvm::StringRef Lower) const;
  /// Whether the client asked to close the connection after this request.
  bool wantsClose() const;
};

/// Splits a byte stream into requests.
class HttpRequestParser {
 public:
  explicit HttpRequestParser(HttpLimits L) : Limits(L) {}

  enum class State { NeedMore, Ready, Error };
  /// Appends \p Bytes to what is waiting (at most one request's worth is
  /// kept: bytes past the limits are an error, never buffered).
  void feed(llvm::StringRef Bytes) { Buf.append(Bytes.data(), Bytes.size()); }
  /// Tries to take one whole request off the front of the buffer.
  State next(HttpRequest &Out);
  /// After Error: the status to answer and why.
  int errorStatus() const { return ErrStatus; }
  const std::string &errorText() const { return ErrText; }
  /// Bytes waiting (a partial request, or the next pipelined one).
  size_t buffered() const { return Buf.size(); }

 private:
  State fail(int Status, std::string Text);

  HttpLimits Limits;
  /// Empty lines accepted before one request line.
  static constexpr size_t MaxEmptyLines = 4;
  std::string Buf;
  size_t SkippedLines = 0;  ///< Before the request being read.
  int ErrStatus = 0;
  std::string ErrText;
};

/// The reason phrase of \p Status.
llvm::StringRef httpReason(int Status);

}  // namespace orch::runtime::mcp
