//===- MetricsServer.cpp --------------------------------------------------===//
#include "MetricsServer.h"

#include <fmt/format.h>

#include <atomic>
#include <future>
#include <thread>

#include "llvm/Support/raw_ostream.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/mcp/HttpServer.h"

namespace orch::tools {

namespace mcp = orch::runtime::mcp;

/// The loop, the server and the thread that runs them.
struct MetricsServer::Impl : mcp::HttpHandler {
  explicit Impl(const observe::Metrics &M) : M(M), Http(Loop, *this, {}, llvm::errs()) {}

  void handle(mcp::ConnId C, mcp::HttpRequest Req) override {
    llvm::StringRef Path = llvm::StringRef(Req.Target).split('?').first;
    if (Path != "/metrics") {
      Http.respond(C, 404, {{"Content-Type", "text/plain; charset=utf-8"}},
                   "orchrt serves /metrics only\n");
      return;
    }
    if (Req.Method != "GET" && Req.Method != "HEAD") {
      Http.respond(C, 405, {{"Allow", "GET, HEAD"}}, "");
      return;
    }
    std::string Body = M.render();
    Http.respond(C, 200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                 Req.Method == "HEAD" ? llvm::StringRef() : llvm::StringRef(Body));
  }
  void closed(mcp::ConnId) override {}

  const observe::Metrics &M;
  runtime::EventLoop Loop;
  mcp::HttpServer Http;
  std::atomic<bool> Stop{false};
  std::thread Thread;
};

llvm::Expected<std::unique_ptr<MetricsServer>> MetricsServer::start(
    const std::string &HostPort, const observe::Metrics &M) {
  llvm::StringRef L(HostPort);
  size_t Colon = L.rfind(':');
  unsigned Port = 0;
  if (Colon == llvm::StringRef::npos || L.substr(Colon + 1).getAsInteger(10, Port) ||
      Port > 65535)
    return llvm::createStringError(
        fmt::format("--metrics `{}`: expected HOST:PORT, such as 127.0.0.1:9090 (port 0: "
                    "any free one)",
                    HostPort));
  std::string Host = L.substr(0, Colon).trim("[]").str();
  // Metrics name the plan, its actions and models: loopback only (a
  // Prometheus elsewhere scrapes through a proxy the user sets up).
  llvm::StringRef H(Host);
  if (!(H == "localhost" || H == "::1" || H.starts_with("127.")))
    return llvm::createStringError(fmt::format(
        "--metrics `{}`: only a loopback address (127.0.0.1, ::1, localhost) may serve "
        "metrics",
        HostPort));
  auto I = std::make_unique<Impl>(M);
  // Bound on this thread, before the run: a port in use fails the run
  // before it starts. The loop then runs on the server's own thread.
  if (llvm::Error E = I->Http.listen(Host, Port, /*AllowRemote=*/false))
    return llvm::createStringError(
        fmt::format("--metrics `{}`: {}", HostPort, llvm::toString(std::move(E))));
  Impl *Raw = I.get();
  I->Thread = std::thread([Raw] {
    Raw->Loop.runUntil([Raw] { return Raw->Stop.load(); });
    Raw->Http.stop();
  });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(I)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> I) : P(std::move(I)) {}

MetricsServer::~MetricsServer() {
  P->Stop = true;
  P->Loop.post([] {});  // wakes the loop to see Stop
  P->Thread.join();
}

unsigned MetricsServer::port() const { return P->Http.port(); }

}  // namespace orch::tools
