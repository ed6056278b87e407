//===- HttpRequest.cpp ----------------------------------------------------===//
#include "runtime/mcp/HttpRequest.h"

#include "llvm/ADT/StringExtras.h"

namespace orch::runtime::mcp {

namespace {

/// RFC 9110 token characters (method and header names).
bool isTokenChar(char C) {
  return llvm::isAlnum(C) || llvm::StringRef("!#$%&'*+-.^_`|~").contains(C);
}

bool isToken(llvm::StringRef S) { return !S.empty() && llvm::all_of(S, isTokenChar); }

}  // namespace

std::optional<llvm::StringRef> HttpRequest::header(llvm::StringRef Lower) const {
  for (const auto &[K, V] : Headers)
    if (K == Lower) return llvm::StringRef(V);
  return std::nullopt;
}

bool HttpRequest::wantsClose() const {
  std::optional<llvm::StringRef> C = header("connection");
  if (Version == "HTTP/1.0") return !C || !C->equals_insensitive("keep-alive");
  return C && C->equals_insensitive("close");
}

HttpRequestParser::State HttpRequestParser::fail(int Status, std::string Text) {
  ErrStatus = Status;
  ErrText = std::move(Text);
  Buf.clear();
  return State::Error;
}

HttpRequestParser::State HttpRequestParser::next(HttpRequest &Out) {
  if (ErrStatus) return State::Error;
  // A few empty lines before a request line are allowed (RFC 9112 §2.2);
  // they are dropped as they come, and a flood of them is refused.
  size_t Skip = 0;
  while (llvm::StringRef(Buf).substr(Skip).starts_with("\r\n")) Skip += 2;
  if (Skip > 2 * MaxEmptyLines)
    return fail(400, "too many empty lines before the request");
  Buf.erase(0, Skip);
  SkippedLines += Skip / 2;
  if (SkippedLines > MaxEmptyLines)
    return fail(400, "too many empty lines before the request");
  Skip = 0;
  llvm::StringRef All(Buf);
  size_t End = All.find("\r\n\r\n", Skip);
  if (End == llvm::StringRef::npos) {
    if (All.size() - Skip > Limits.MaxHeaderBytes)
      return fail(431, "the request line and headers are too long");
    return State::NeedMore;
  }
  if (End - Skip > Limits.MaxHeaderBytes)
    return fail(431, "the request line and headers are too long");
  llvm::StringRef Head = All.slice(Skip, End);
  HttpRequest R;
  auto [Line, Rest] = Head.split("\r\n");
  llvm::SmallVector<llvm::StringRef, 3> Parts;
  Line.split(Parts, ' ', -1, /*KeepEmpty=*/true);
  if (Parts.size() != 3 || !isToken(Parts[0]) || Parts[1].empty())
    return fail(400, "a malformed request line");
  if (!Parts[2].starts_with("HTTP/")) return fail(400, "a malformed request line");
  if (Parts[2] != "HTTP/1.1" && Parts[2] != "HTTP/1.0")
    return fail(505, "only HTTP/1.0 and HTTP/1.1 are spoken");
  R.Method = Parts[0].str();
  R.Target = Parts[1].str();
  R.Version = Parts[2].str();
  while (!Rest.empty()) {
    llvm::StringRef H;
    std::tie(H, Rest) = Rest.split("\r\n");
    if (H.starts_with(" ") || H.starts_with("\t"))
      return fail(400, "folded header lines are not accepted");
    auto [Name, Value] = H.split(':');
    if (!isToken(Name) || Name.size() == H.size())
      return fail(400, "a malformed header line");
    if (R.Headers.size() == Limits.MaxHeaders) return fail(431, "too many headers");
    R.Headers.emplace_back(Name.lower(), Value.trim(" \t").str());
  }
  if (R.header("transfer-encoding"))
    return fail(411, "bodies must have a Content-Length (no transfer codings)");
  size_t Length = 0;
  bool SeenLength = false;
  for (const auto &[K, V] : R.Headers) {
    if (K != "content-length") continue;
    unsigned long long N = 0;
    if (V.empty() || !llvm::all_of(V, llvm::isDigit) ||
        llvm::StringRef(V).getAsInteger(10, N))
      return fail(400, "a malformed Content-Length");
    if (SeenLength && N != Length) return fail(400, "conflicting Content-Length headers");
    if (N > Limits.MaxBody)
      return fail(413,
                  "the body is larger than " + std::to_string(Limits.MaxBody) + " bytes");
    Length = static_cast<size_t>(N);
    SeenLength = true;
  }
  if (R.Version == "HTTP/1.1" && !R.header("host"))
    return fail(400, "an HTTP/1.1 request needs a Host header");
  size_t BodyAt = End + 4;
  if (All.size() - BodyAt < Length) return State::NeedMore;
  R.Body = All.substr(BodyAt, Length).str();
  Buf.erase(0, BodyAt + Length);
  SkippedLines = 0;
  Out = std::move(R);
  return State::Ready;
}

llvm::StringRef httpReason(int Status) {
  switch (Status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace orch::runtime::mcp
