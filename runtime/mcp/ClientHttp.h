//===- ClientHttp.h - An MCP server over Streamable HTTP -------*- C++ -*-===//
//
// The Streamable HTTP transport of the MCP client (revisions 2025-06-18
// and 2025-11-25): each JSON-RPC message the client writes is one POST to
// the server's endpoint; the answer comes back as a JSON body or as an SSE
// stream, and its messages are handed to the client as lines. The session
// id the server gives with `initialize` (`Mcp-Session-Id`) and the
// negotiated `MCP-Protocol-Version` go with every later request; `close`
// ends the session with DELETE. A `notifications/cancelled` the client
// sends also drops the HTTP request of the call it cancels; messages after
// `notifications/initialized` wait until the server has taken it. An
// answer is read as it arrives (AnswerReader): an SSE event is handled when
// it ends, and an answer over the limit ends the connection. A request whose
// stream ends without its answer, a transport failure or an HTTP error
// ends the connection like a crashed stdio server. Header values written
// `${VAR}` are read from orchrt's environment when the transport starts.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ir/Json.h"
#include "llvm/Support/Error.h"
#include "runtime/exec/Executor.h"
#include "runtime/llm/Http.h"
#include "runtime/mcp/AnswerReader.h"
#include "runtime/mcp/Client.h"

namespace orch::llm {
class CurlMulti;
}

namespace orch::runtime::mcp {

/// Asynchronous HTTP under the transport: libcurl's multi interface, or a
/// test's fake.
class HttpSender {
 public:
  using Done = std::function<void(llvm::Expected<llm::HttpResponse>)>;
  virtual ~HttpSender() = default;
  /// Starts \p R; \p D runs once, on any thread, unless the request is
  /// cancelled first. Returns an id for cancel().
  virtual uint64_t send(llm::HttpRequest R, Done D) = 0;
  /// Abandons request \p Id: its Done will not run.
  virtual void cancel(uint64_t Id) = 0;
};

/// HttpSender over the run's llm::CurlMulti. Going away, it waits up to a
/// second for requests still open (the `DELETE` that ends a session).
class CurlSender : public HttpSender {
 public:
  explicit CurlSender(llm::CurlMulti &Multi) : Multi(Multi) {}
  ~CurlSender() override;
  uint64_t send(llm::HttpRequest R, Done D) override;
  void cancel(uint64_t Id) override;

 private:
  /// Shared with the callbacks, which run on curl's thread.
  struct Open {
    std::mutex M;
    std::condition_variable CV;
    std::map<uint64_t, uint64_t> Ids;  ///< Ours to the CurlMulti's.
  };
  llm::CurlMulti &Multi;
  std::shared_ptr<Open> O = std::make_shared<Open>();
  uint64_t NextId = 1;
};

/// What reaches a Streamable HTTP server.
struct HttpEndpoint {
  std::string Url;
  /// Request headers, values as written (`${VAR}` read at start).
  std::vector<std::pair<std::string, std::string>> Headers;
};

/// \p Headers with every `${VAR}` value read from the environment. An
/// unset variable is an error naming it, or (\p DropUnset) leaves the
/// header out.
llvm::Expected<std::vector<llm::Header>> resolveHeaders(
    const std::vector<std::pair<std::string, std::string>> &Headers, bool DropUnset);

/// The JSON-RPC messages of a whole answer: a JSON body (an object, or each
/// element of an array) or the `data` of each event of an SSE stream
/// (`text/event-stream`, read by AnswerReader). Values that are not JSON
/// are left out.
std::vector<orch::ir::Json> responseMessages(const llm::HttpResponse &R);

/// The headers of a POST to an MCP endpoint: \p Base, the content types,
/// and the session and protocol revision when known.
std::vector<llm::Header> postHeaders(std::vector<llm::Header> Base,
                                     const std::string &Session,
                                     const std::string &Revision);

/// A server reached over Streamable HTTP.
class HttpClientTransport : public ClientTransport {
 public:
  /// The largest answer held: a JSON body, or one SSE event (the stdio
  /// transport's line limit).
  static constexpr size_t DefaultMaxAnswer = size_t(64) << 20;

  HttpClientTransport(Executor &Exec, HttpEndpoint Srv, HttpSender &Http,
                      size_t MaxAnswer = DefaultMaxAnswer)
      : Exec(Exec), Srv(std::move(Srv)), Http(Http), MaxAnswer(MaxAnswer) {}
  ~HttpClientTransport() override { close(); }
  std::string start(std::function<void(llvm::StringRef)> OnBytes,
                    ClosedFn OnClosed) override;
  void send(const std::string &Line) override;
  void close() override;

 private:
  /// A POST in flight: the id of the request it carries (null for a
  /// notification or a response).
  struct Post {
    orch::ir::Json Id;
    bool Initialize = false;
    bool Initialized = false;  ///< Carries `notifications/initialized`.
    uint64_t HttpId = 0;       ///< The HttpSender's id, for cancel().
    bool Answered = false;     ///< Its answer was delivered.
    /// Reads the answer as it arrives (shared with the sender's thread).
    std::shared_ptr<AnswerReader> Reader;
  };
  void onResponse(uint64_t Key, llvm::Expected<llm::HttpResponse> R);
  /// Events of request \p Key's SSE answer, read while it streams.
  /// \p Sid: the answer's mcp-session-id header, if any.
  void onEvents(uint64_t Key, const std::string &Sid,
                const std::vector<std::string> &Events);
  /// Sends what was held until `notifications/initialized` was taken.
  void release();
  void deliver(const orch::ir::Json &Msg, Post &P);
  void lose(const std::string &Why);
  void post(const std::string &Line);

  Executor &Exec;
  HttpEndpoint Srv;
  HttpSender &Http;
  size_t MaxAnswer;
  std::vector<llm::Header> Headers;
  std::function<void(llvm::StringRef)> OnBytes;
  ClosedFn OnClosed;
  std::string Session, Revision;
  std::map<uint64_t, Post> InFlight;  ///< By a key of our own.
  uint64_t NextKey = 1;
  bool Closed = false;
  /// Lines held until the server has taken `notifications/initialized`:
  /// POSTs on separate connections may arrive in any order.
  std::vector<std::string> Held;
  bool Holding = false;
  /// Set while the transport is alive: answers that outlive it do nothing.
  std::shared_ptr<bool> Alive = std::make_shared<bool>(true);
};

}  // namespace orch::runtime::mcp
