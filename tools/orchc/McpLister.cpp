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

#include "llvm/Support/Program.h"

namespace orch::tools {

using json = orch::ir::Json;

namespace {

constexpr size_t MaxLine = 64u << 20;

llvm::Error fail(const std::string &Why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), "%s", Why.c_str());
}

/// A started server: write lines, read the answer to an id.
class Child {
 public:
  ~Child() {
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

  llvm::Error send(const json &Msg) {
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

  /// The answer to request \p Id, read before \p Deadline.
  llvm::Expected<json> answer(int Id, std::chrono::steady_clock::time_point Deadline) {
    while (true) {
      size_t Nl;
      while ((Nl = Buf.find('\n')) != std::string::npos) {
        json M = json::parse(Buf.substr(0, Nl), nullptr, false);
        Buf.erase(0, Nl + 1);
        if (!M.is_object()) continue;                  // a log line on stdout
        if (M.contains("method") && M.contains("id"))  // a request: refuse it
          if (llvm::Error E = send(json{
                  {"jsonrpc", "2.0"},
                  {"id", M["id"]},
                  {"error", {{"code", -32601}, {"message", "orchc answers nothing"}}}}))
            return E;
        if (M.contains("method") || M.value("id", json()) != json(Id)) continue;
        if (auto R = M.find("result"); R != M.end() && R->is_object()) return *R;
        std::string Why = "no result";
        if (auto Er = M.find("error"); Er != M.end() && Er->is_object())
          Why = Er->value("message", std::string("an error"));
        return fail(Why);
      }
      if (Buf.size() > MaxLine) return fail("it sent a line over 64 MiB");
      auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
          Deadline - std::chrono::steady_clock::now());
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

}  // namespace

llvm::Expected<std::vector<passes::McpLockTool>> McpLister::listTools(
    const ir::McpServer &S) {
  if (S.Command.Str.empty())
    return fail("listing the tools of a Streamable HTTP server is not built yet");
  auto Deadline = std::chrono::steady_clock::now() + Limit;
  Child C;
  if (llvm::Error E = C.start(S)) return E;
  if (llvm::Error E =
          C.send(json{{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "initialize"},
                      {"params",
                       {{"protocolVersion", "2025-06-18"},
                        {"capabilities", json::object()},
                        {"clientInfo", {{"name", "orchc"}, {"version", "1"}}}}}}))
    return E;
  if (llvm::Expected<json> Init = C.answer(1, Deadline); !Init) return Init.takeError();
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
    llvm::Expected<json> Page = C.answer(Id, Deadline);
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
