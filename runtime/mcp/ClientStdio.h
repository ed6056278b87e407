//===- ClientStdio.h - An MCP server as a child process --------*- C++ -*-===//
//
// The stdio transport of the MCP client: the server runs as a child of
// orchrt under the rules of every step process (its own process group, a
// new pid namespace where the host allows one, SIGKILL when orchrt dies),
// with only the environment its `mcp_servers:` entry names. Its stdout
// carries JSON-RPC; the last 4 KiB of its stderr explain a crash.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "llvm/Support/Error.h"
#include "runtime/exec/Executor.h"
#include "runtime/mcp/Client.h"
#include "runtime/sandbox/Spawner.h"

namespace orch::runtime::mcp {

/// What starts a stdio server.
struct StdioServer {
  std::string Command;  ///< Absolute, or looked up on orchrt's PATH.
  std::vector<std::string> Args;
  /// The server's whole environment, values as written: `${VAR}` is read
  /// from orchrt's environment when the server starts.
  std::vector<std::pair<std::string, std::string>> Env;
  std::string Cwd;  ///< The run directory.
};

/// \p Env with every `${VAR}` value read from orchrt's environment; an
/// unset variable is an error naming it.
llvm::Expected<std::vector<std::string>> resolveServerEnv(
    const std::vector<std::pair<std::string, std::string>> &Env);

/// A server started as a child process.
class StdioTransport : public ClientTransport {
 public:
  StdioTransport(Executor &Exec, StdioServer Srv, sandbox::Spawner &Spawn)
      : Exec(Exec), Srv(std::move(Srv)), Spawn(Spawn) {}
  ~StdioTransport() override { close(); }
  std::string start(std::function<void(llvm::StringRef)> OnBytes,
                    ClosedFn OnClosed) override;
  void send(const std::string &Line) override;
  void close() override;

 private:
  void onOut();
  void onErr();
  void onExit();
  void flush();
  void closeFds();

  Executor &Exec;
  StdioServer Srv;
  sandbox::Spawner &Spawn;
  std::function<void(llvm::StringRef)> OnBytes;
  ClosedFn OnClosed;
  pid_t Pid = -1;
  int In = -1, Out = -1, Err = -1, PidFd = -1;
  std::string WriteBuf, ErrTail;
  Executor::TimerId Retry = 0, Poll = 0;
  bool Closed = false;
};

}  // namespace orch::runtime::mcp
