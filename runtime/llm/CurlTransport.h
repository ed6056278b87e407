//===- CurlTransport.h - HttpTransport over libcurl ------------*- C++ -*-===//
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "runtime/llm/Http.h"

namespace orch::llm {

struct CurlLib;

/// Blocking HTTP over libcurl, one easy handle per request. Thread-safe.
class CurlTransport : public HttpTransport {
 public:
  CurlTransport();
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override;
};

/// Asynchronous HTTP: one thread drives every request through one curl
/// multi handle, so thousands in flight cost no thread each. Callbacks run
/// on that thread and must not block.
class CurlMulti : public HttpTransport {
 public:
  using Callback = std::function<void(llvm::Expected<HttpResponse>)>;
  CurlMulti();
  ~CurlMulti() override;
  CurlMulti(const CurlMulti &) = delete;
  CurlMulti &operator=(const CurlMulti &) = delete;

  /// Starts \p R; \p Done gets the response or a TransportError. Returns an
  /// id for cancel().
  uint64_t send(HttpRequest R, Callback Done);
  /// Abandons request \p Id: its callback will not run.
  void cancel(uint64_t Id);
  /// Blocking, for the LLM client's worker threads.
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override;

 private:
  struct Call;
  void loop();

  std::mutex M;
  std::deque<std::unique_ptr<Call>> Incoming;
  std::vector<uint64_t> Cancelled;
  uint64_t NextId = 1;
  bool Quit = false;
  void *Multi = nullptr;
  const CurlLib *Lib = nullptr;  ///< Null if libcurl cannot be loaded.
  std::string LoadError;
  std::thread Worker;
};

}  // namespace orch::llm
