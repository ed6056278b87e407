//===- Http.h - The HTTP seam of the LLM client ----------------*- C++ -*-===//
//
// The client reaches the network only through HttpTransport, so tests hand
// it a fake (ninja's CommandRunner pattern) and CurlTransport serves for real.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::llm {

/// One header: name and value.
using Header = std::pair<std::string, std::string>;

/// An HTTP request (the LLM client sends POSTs with a JSON body).
struct HttpRequest {
  std::string Method = "POST";
  std::string Url;
  std::vector<Header> Headers;
  std::string Body;
  std::chrono::milliseconds Timeout{60000};
  /// When set and true, the transport gives up as soon as it can.
  const std::atomic<bool> *Cancel = nullptr;
  /// Sent on a connection of its own, closed after it: a POST that must
  /// not be sent twice (libcurl re-sends a request whose kept-alive
  /// connection broke before the answer).
  bool FreshConnection = false;
  /// When set, the body is handed to it piece by piece as it arrives (on
  /// the transport's thread, with the headers received so far) instead of
  /// being kept in HttpResponse::Body. Returning false aborts the transfer
  /// (a TransportError of kind Other).
  std::function<bool(const std::vector<std::pair<std::string, std::string>> &Headers,
                     llvm::StringRef Piece)>
      OnBody;
  /// Follow up to 10 redirects (to http and https URLs only); the headers
  /// and status are the last answer's.
  bool FollowRedirects = false;
  /// > 0: keep at most this many bytes of the body; the transfer ends
  /// there (HttpResponse::Truncated says so). Not with OnBody.
  size_t MaxBodyBytes = 0;
};

/// What the server answered (any status).
struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(long Status, std::vector<Header> Headers, std::string Body)
      : Status(Status), Headers(std::move(Headers)), Body(std::move(Body)) {}
  long Status = 0;
  std::vector<Header> Headers;  ///< Names lower-cased.
  std::string Body;
  /// The URL answered, after redirects (set by the curl transports).
  std::string EffectiveUrl;
  /// The body was cut at HttpRequest::MaxBodyBytes.
  bool Truncated = false;
  /// The value of header \p Name (lower case), or "".
  llvm::StringRef header(llvm::StringRef Name) const;
};

/// Why a request got no HTTP answer at all.
enum class TransportFailure { Connect, Timeout, Other };

/// An llvm::ErrorInfo for transport failures, so callers can retry them.
class TransportError : public llvm::ErrorInfo<TransportError> {
 public:
  static char ID;
  TransportError(TransportFailure Kind, std::string Msg)
      : Kind(Kind), Msg(std::move(Msg)) {}
  void log(llvm::raw_ostream &OS) const override { OS << Msg; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  TransportFailure kind() const { return Kind; }

 private:
  TransportFailure Kind;
  std::string Msg;
};

/// Sends requests. Implementations must be safe to call from many threads.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Returns the response, or a TransportError if none arrived.
  virtual llvm::Expected<HttpResponse> post(const HttpRequest &R) = 0;
};

}  // namespace orch::llm
