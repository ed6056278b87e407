//===- McpLister.cpp - orchc asks an MCP server for its tools -------------===//
#include "McpLister.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "llvm/Support/Program.h"
#include "runtime/llm/CurlTransport.h"
#include "runtime/mcp/ClientHttp.h"

namespace orch::tools {

using json = orch::ir::Json;

namespace {

constexpr size_t MaxLine = 64u << 20;

llvm::Error fail(const std::string &Why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", Why.c_str());
}

using Deadline = std::chrono::steady_clock::time_point;

/// A connection to a server: send messages, read the answer to an id.
class Conn {
 public:
  virtual ~Conn() = default;
  virtual llvm::Error send(const json &Msg) = 0;
  /// The result of request \p Id, read before \p Until.
  virtual llvm::Expected<json> answer(int Id, Deadline Until) = 0;
};

/// The result of \p M, the answer to request \p Id, or an error; null when
/// \p M is something else.
std::optional<llvm::Expected<json>> resultOf(const json &M, int Id) {
  if (M.contains("method") || M.value("id", json()) != json(Id)) return std::nullopt;
  if (auto R = M.find("result"); R != M.end() && R->is_object())
    return llvm::Expected<json>(*R);
  std::string Why = "no result";
  if (auto Er = M.find("error"); Er != M.end() && Er->is_object())
    Why = Er->value("message", std::string("an error"));
  return llvm::Expected<json>(fail(Why));
}

/// The answer to a request of the server: orchc offers nothing.
json refusal(const json &Request) {
  return json{{"jsonrpc", "2.0"},
              {"id", Request["id"]},
              {"error", {{"code", -32601}, {"message", "orchc answers nothing"}}}};
}

/// A started server: write lines, read the answer to an id.
class Child : public Conn {
 public:
  ~Child() override {
    if (In >= 0) close(In);
    if (Out >= 0) close(Out);
    if (Pid > 0) {
      kill(Pid, SIGTERM);
      for (int I = 0; I < 50 && waitpid(Pid, nullptr, WNOHANG) == 0; ++I) usleep(10000);
      if (waitpid(Pid, nullptr, WNOHANG) == 0) {
        kill(Pid, SIGKILL);
        waitpid(Pid, nullptr, 0);
      }
    }
  }

  llvm::Error start(const ir::McpServer &S) {
    std::string Path = S.Command.Str.str();
    if (Path.find('/') == std::string::npos) {
      llvm::ErrorOr<std::string> Found = llvm::sys::findProgramByName(Path);
      if (!Found) return fail(fmt::format("`{}` is not on orchc's PATH", Path));
      Path = *Found;
    }
    std::vector<std::string> Argv{S.Command.Str.str()}, Env;
    for (const ir::LocString &A : S.Args) Argv.push_back(A.Str.str());
    for (const ir::LocPair &E : S.Env) {
      llvm::StringRef V = E.Val.Str;
      if (V.starts_with("${") && V.ends_with("}")) {
        // Unset here: left out; the run reads it again (and needs it).
        const char *From = std::getenv(V.drop_front(2).drop_back().str().c_str());
        if (From) Env.push_back(E.Key.Str.str() + "=" + From);
      } else {
        Env.push_back(E.Key.Str.str() + "=" + V.str());
      }
    }
    int InP[2], OutP[2];
    if (pipe2(InP, O_CLOEXEC) != 0) return fail(std::strerror(errno));
    if (pipe2(OutP, O_CLOEXEC) != 0) {
      close(InP[0]);
      close(InP[1]);
      return fail(std::strerror(errno));
    }
    posix_spawn_file_actions_t Fa;
    posix_spawn_file_actions_init(&Fa);
    posix_spawn_file_actions_adddup2(&Fa, InP[0], 0);
    posix_spawn_file_actions_adddup2(&Fa, OutP[1], 1);
    posix_spawn_file_actions_addopen(&Fa, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char *> A, E;
    for (std::string &X : Argv) A.push_back(X.data());
    A.push_back(nullptr);
    for (std::string &X : Env) E.push_back(X.data());
    E.push_back(nullptr);
    int Rc = posix_spawn(&Pid, Path.c_str(), &Fa, nullptr, A.data(), E.data());
    posix_spawn_file_actions_destroy(&Fa);
    close(InP[0]);
    close(OutP[1]);
    In = InP[1];
    Out = OutP[0];
    if (Rc != 0) {
      Pid = -1;
      return fail(fmt::format("cannot start `{}`: {}", Path, std::strerror(Rc)));
    }
    return llvm::Error::success();
  }

  llvm::Error send(const json &Msg) override {
    std::string Line = Msg.dump() + "\n";
    size_t Off = 0;
    while (Off < Line.size()) {
      ssize_t N = write(In, Line.data() + Off, Line.size() - Off);
      if (N < 0 && errno == EINTR) continue;
      if (N <= 0) return fail("it closed its input");
      Off += static_cast<size_t>(N);
    }
    return llvm::Error::success();
  }

  /// The answer to request \p Id, read before \p Until.
  llvm::Expected<json> answer(int Id, Deadline Until) override {
    while (true) {
      size_t Nl;
      while ((Nl = Buf.find('\n')) != std::string::npos) {
        json M = json::parse(Buf.substr(0, Nl), nullptr, false);
        Buf.erase(0, Nl + 1);
        if (!M.is_object()) continue;                  // a log line on stdout
        if (M.contains("method") && M.contains("id"))  // a request: refuse it
          if (llvm::Error E = send(refusal(M))) return E;
        if (auto R = resultOf(M, Id)) return std::move(*R);
      }
      if (Buf.size() > MaxLine) return fail("it sent a line over 64 MiB");
      auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
          Until - std::chrono::steady_clock::now());
      if (Left.count() <= 0) return fail("it did not answer in time");
      pollfd P{Out, POLLIN, 0};
      int R = poll(&P, 1, static_cast<int>(Left.count()));
      if (R < 0 && errno == EINTR) continue;
      if (R <= 0) continue;
      char Chunk[65536];
      ssize_t N = read(Out, Chunk, sizeof Chunk);
      if (N < 0 && errno == EINTR) continue;
      if (N <= 0) return fail("it exited before answering");
      Buf.append(Chunk, static_cast<size_t>(N));
    }
  }

 private:
  pid_t Pid = -1;
  int In = -1, Out = -1;
  std::string Buf;
};

/// A Streamable HTTP server: one POST a message; the answers of a request
/// come in its response (JSON or SSE). The session ends with DELETE.
class HttpConn : public Conn {
 public:
  explicit HttpConn(const ir::McpServer &S) : Url(S.Url.Str.str()) {
    std::vector<std::pair<std::string, std::string>> H;
    for (const ir::LocPair &P : S.Headers)
      H.push_back({P.Key.Str.str(), P.Val.Str.str()});
    // An unset `${VAR}` is left out here; the run reads it again (and needs it).
    if (auto R = runtime::mcp::resolveHeaders(H, true)) Headers = std::move(*R);
  }
  ~HttpConn() override {
    if (Session.empty()) return;
    llm::HttpRequest R = request("");
    R.Method = "DELETE";
    R.Timeout = std::chrono::seconds(2);
    if (auto Resp = Http.post(R); !Resp) llvm::consumeError(Resp.takeError());
  }
  llvm::Error send(const json &Msg) override {
    llm::HttpRequest R = request(Msg.dump());
    R.Timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        Until - std::chrono::steady_clock::now());
    if (R.Timeout.count() <= 0) return fail("it did not answer in time");
    llvm::Expected<llm::HttpResponse> Resp = Http.post(R);
    if (!Resp) return fail(llvm::toString(Resp.takeError()));
    std::vector<json> Got = runtime::mcp::responseMessages(*Resp);
    if (Msg.value("method", json()) == "initialize") {
      Session = Resp->header("mcp-session-id").str();
      for (const json &M : Got)
        if (auto R = resultOf(M, 1); R && *R)
          Revision = (**R).value("protocolVersion", std::string());
        else if (R)
          llvm::consumeError(R->takeError());
    }
    if (Msg.contains("id") && Got.empty())
      return fail(fmt::format("it answered HTTP {} without a message", Resp->Status));
    for (json &M : Got) {
      if (M.contains("method") && M.contains("id")) {
        if (llvm::Error E = send(refusal(M))) return E;
        continue;
      }
      Answers.push_back(std::move(M));
    }
    return llvm::Error::success();
  }
  llvm::Expected<json> answer(int Id, Deadline) override {
    for (const json &M : Answers)
      if (auto R = resultOf(M, Id)) return std::move(*R);
    return fail("it did not answer the request");
  }
  /// Bounds every request.
  Deadline Until;

 private:
  llm::HttpRequest request(std::string Body) {
    llm::HttpRequest R;
    R.Url = Url;
    R.Body = std::move(Body);
    R.Headers = runtime::mcp::postHeaders(Headers, Session, Revision);
    return R;
  }
  std::string Url, Session, Revision;
  std::vector<llm::Header> Headers;
  std::vector<json> Answers;
  llm::CurlTransport Http;
};

}  // namespace

llvm::Expected<std::vector<passes::McpLockTool>> McpLister::listTools(
    const ir::McpServer &S) {
  auto Until = std::chrono::steady_clock::now() + Limit;
  std::unique_ptr<Conn> Owned;
  if (S.Command.Str.empty()) {
    auto H = std::make_unique<HttpConn>(S);
    H->Until = Until;
    Owned = std::move(H);
  } else {
    auto Ch = std::make_unique<Child>();
    if (llvm::Error E = Ch->start(S)) return E;
    Owned = std::move(Ch);
  }
  Conn &C = *Owned;
  if (llvm::Error E =
          C.send(json{{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "initialize"},
                      {"params",
                       {{"protocolVersion", runtime::mcp::Client::Revision},
                        {"capabilities", json::object()},
                        {"clientInfo", {{"name", "orchc"}, {"version", "1"}}}}}}))
    return E;
  if (llvm::Expected<json> Init = C.answer(1, Until); !Init) return Init.takeError();
  if (llvm::Error E =
          C.send(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}))
    return E;
  std::vector<passes::McpLockTool> Tools;
  json Cursor;
  for (int Id = 2; Id < 102; ++Id) {  // at most 100 pages
    json Params = json::object();
    if (!Cursor.is_null()) Params["cursor"] = Cursor;
    if (llvm::Error E = C.send(json{{"jsonrpc", "2.0"},
                                    {"id", Id},
                                    {"method", "tools/list"},
                                    {"params", Params}}))
      return E;
    llvm::Expected<json> Page = C.answer(Id, Until);
    if (!Page) return Page.takeError();
    auto List = Page->find("tools");
    if (List == Page->end() || !List->is_array())
      return fail("its `tools/list` answer has no `tools` list");
    for (const json &T : *List) {
      if (!T.is_object() || !T.contains("name") || !T["name"].is_string()) continue;
      passes::McpLockTool Tool;
      Tool.Name = T["name"].get<std::string>();
      Tool.Input = T.value("inputSchema", json());
      Tool.Output = T.value("outputSchema", json());
      Tools.push_back(std::move(Tool));
    }
    Cursor = Page->value("nextCursor", json());
    if (!Cursor.is_string()) return Tools;
  }
  return fail("its tool list has more than 100 pages");
}

}  // namespace orch::tools
