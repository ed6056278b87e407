//===- MetricsServer.cpp --------------------------------------------------===//
#include "MetricsServer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <future>
#include <mutex>
#include <thread>

#include "llvm/Support/raw_ostream.h"
#include "runtime/exec/EventLoop.h"
#include "runtime/mcp/HttpServer.h"

namespace orch::tools {

namespace mcp = orch::runtime::mcp;

namespace {
/// The server's log: whole lines written to stderr with one write(2) each.
/// Not llvm::errs(), which the run's main thread writes to: that stream's
/// state is not thread-safe, and the server writes from its own thread.
class LineLog : public llvm::raw_ostream {
 public:
  LineLog() { SetUnbuffered(); }
  ~LineLog() override {
    if (!Line.empty()) emit();
  }

 private:
  void write_impl(const char *Ptr, size_t Size) override {
    std::lock_guard<std::mutex> L(M);
    Pos += Size;
    for (size_t I = 0; I < Size; ++I) {
      Line += Ptr[I];
      if (Ptr[I] == '\n') emit();
    }
  }
  uint64_t current_pos() const override { return Pos; }
  void emit() {
    // HttpServer labels its lines for `orchrt mcp`.
    llvm::StringRef Mcp = "orchrt mcp: ";
    if (llvm::StringRef(Line).starts_with(Mcp))
      Line.replace(0, Mcp.size(), "orchrt metrics: ");
    for (size_t Done = 0; Done < Line.size();) {
      ssize_t N = ::write(2, Line.data() + Done, Line.size() - Done);
      if (N < 0 && errno == EINTR) continue;
      if (N <= 0) break;
      Done += static_cast<size_t>(N);
    }
    Line.clear();
  }
  std::mutex M;
  std::string Line;
  uint64_t Pos = 0;
};
}  // namespace

/// The loop, the server and the thread that runs them.
struct MetricsServer::Impl : mcp::HttpHandler {
  explicit Impl(const observe::Metrics &M) : M(M), Http(Loop, *this, {}, Log) {}

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
  LineLog Log;  ///< Before Http, which logs to it.
  runtime::EventLoop Loop;
  mcp::HttpServer Http;
  std::atomic<bool> Stop{false};
  std::string Url;  ///< http://HOST:PORT/metrics, HOST in brackets if IPv6.
  std::thread Thread;
};

llvm::Expected<std::unique_ptr<MetricsServer>> MetricsServer::start(
    const std::string &HostPort, const observe::Metrics &M, bool AllowRemote,
    llvm::StringRef What) {
  llvm::StringRef L(HostPort);
  size_t Colon = L.rfind(':');
  unsigned Port = 0;
  if (Colon == llvm::StringRef::npos || L.substr(Colon + 1).getAsInteger(10, Port) ||
      Port > 65535)
    return llvm::createStringError(
        fmt::format("{} `{}`: expected HOST:PORT, such as 127.0.0.1:9090 (port 0: "
                    "any free one)",
                    What, HostPort));
  // An IPv6 address takes brackets ([::1]:9090), an IPv4 address or a
  // name none: `::1:0` or `[127.0.0.1]:0` would print a URL that is not one.
  llvm::StringRef H = L.substr(0, Colon);
  bool Bracketed = H.size() >= 2 && H.front() == '[' && H.back() == ']';
  if (Bracketed) H = H.drop_front().drop_back();
  bool V6 = H.contains(':');
  if (V6 != Bracketed || H.empty() || H.contains('[') || H.contains(']'))
    return llvm::createStringError(
        fmt::format("{} `{}`: expected HOST:PORT, with an IPv6 address in "
                    "brackets ([::1]:9090) "
                    "and an IPv4 address or a name without",
                    What, HostPort));
  // Metrics name the plan, its actions and models: loopback only (a
  // Prometheus elsewhere scrapes through a proxy the user sets up).
  if (!AllowRemote && !(H == "localhost" || H == "::1" || H.starts_with("127.")))
    return llvm::createStringError(fmt::format(
        "{} `{}`: only a loopback address (127.0.0.1, [::1], localhost) may serve "
        "metrics",
        What, HostPort));
  // `localhost` is 127.0.0.1: one address, whatever the resolver lists first.
  std::string Host = H == "localhost" ? "127.0.0.1" : H.str();
  auto I = std::make_unique<Impl>(M);
  // Bound on this thread, before the run: a port in use fails the run
  // before it starts. The loop then runs on the server's own thread.
  if (llvm::Error E = I->Http.listen(Host, Port, AllowRemote))
    return llvm::createStringError(
        fmt::format("{} `{}`: {}", What, HostPort, llvm::toString(std::move(E))));
  I->Url = fmt::format("http://{}{}{}:{}/metrics", V6 ? "[" : "", Host, V6 ? "]" : "",
                       I->Http.port());
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

const std::string &MetricsServer::url() const { return P->Url; }

}  // namespace orch::tools
