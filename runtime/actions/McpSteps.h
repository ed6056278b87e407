//===- McpSteps.h - The `mcp` actions --------------------------*- C++ -*-===//
//
// `mcp` calls a tool of one of the pipeline's MCP servers (docs/actions.md,
// docs/backends/mcp.md), `mcp.call` too but answers the result as sent;
// `mcp.connect` starts a server and answers its
// `initialize` result, `mcp.list` its tools, and `mcp.disconnect` ends the
// connection once its calls in flight are answered. Each server starts on
// its first call and serves every later call of the run; a server that
// died, or was disconnected, is started again by the next call. All of them
// stop when this object goes (the end of the run, failed, cancelled or
// interrupted).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/Json.h"
#include "ir/plan/Plan_generated.h"
#include "runtime/actions/Action.h"
#include "runtime/exec/Executor.h"
#include "runtime/mcp/Client.h"
#include "runtime/mcp/ClientHttp.h"
#include "runtime/mcp/ClientStdio.h"
#include "runtime/sandbox/Spawner.h"

namespace orch::runtime {

/// A server of the plan's `mcp_servers:`.
struct McpServerSpec {
  std::string Name;
  mcp::StdioServer Stdio;  ///< Command set: a child process.
  mcp::HttpEndpoint Http;  ///< Else (Url set): Streamable HTTP.
};

/// The servers of plan \p P (`mcp_servers:`).
std::vector<McpServerSpec> mcpServersOf(const orch::plan::Plan &P);

/// Makes the transport of a server: a child process, or a test's fake.
using McpTransportFactory =
    std::function<std::unique_ptr<mcp::ClientTransport>(const McpServerSpec &)>;

/// The fields of an `mcp` step from a `tools/call` result: `output` (the
/// text blocks, one a line), `structured` (structuredContent or null) and
/// each key of an object structuredContent; isError fails the step.
/// (`mcp.call` answers `result`, the result as sent, and `output`.)
ActionResult mcpToolResult(const orch::ir::Json &Result);

/// The `mcp` action of one run.
class McpSteps {
 public:
  /// \p Http gives the HTTP requests of `url:` servers (made on first use).
  McpSteps(Executor &Exec, std::vector<McpServerSpec> Servers, std::string RunDir,
           std::function<mcp::HttpSender &()> Http,
           McpTransportFactory Factory = nullptr);
  ~McpSteps();
  /// Starts action R.Action (`mcp`: parameters `server`, `tool`,
  /// `arguments`; the others: `server`).
  std::unique_ptr<ActionTask> start(const ActionRequest &R, ActionDone Done);

  /// The most `tools/list` pages `mcp.list` reads, tools it keeps, and
  /// bytes of them (as JSON).
  static constexpr unsigned MaxListPages = 100;
  static constexpr size_t MaxListTools = 10000;
  static constexpr size_t MaxListBytes = 16u << 20;

 private:
  std::shared_ptr<mcp::Client> client(const McpServerSpec &S);
  std::unique_ptr<ActionTask> list(const McpServerSpec &S, ActionDone Done);
  void disconnect(const McpServerSpec &S, ActionDone Done);
  /// On the loop's next turn (outside any client's callback), frees the
  /// retired clients that are dead and held by nothing else.
  void pruneLater();

  Executor &Exec;
  std::vector<McpServerSpec> Servers;
  std::string RunDir;
  std::function<mcp::HttpSender &()> Http;
  McpTransportFactory Factory;
  std::vector<std::shared_ptr<mcp::Client>> Clients;  ///< By index in Servers.
  /// Dead clients, kept until the run ends: one may be inside its own
  /// callback when the next call replaces it.
  std::vector<std::shared_ptr<mcp::Client>> Retired;
  /// Set while this object lives: a posted prune after it does nothing.
  std::shared_ptr<bool> Alive = std::make_shared<bool>(true);
};

}  // namespace orch::runtime
