//===- Tool.h - What an MCP server offers: tools ---------------*- C++ -*-===//
#pragma once

#include <functional>
#include <string>

#include "ir/Json.h"

namespace orch::runtime::mcp {

/// Reports how far a call got: \p Done of \p Total, and what just happened.
using ProgressFn =
    std::function<void(double Done, double Total, const std::string &Message)>;

/// What reading the input during a call found.
enum class InputEvent { Nothing, Cancel, Closed };

/// What a call may use while it runs, besides its arguments.
struct CallContext {
  ProgressFn Progress;  ///< Null when the client asked for no progress.
  /// A descriptor on which more input for the server may arrive, or -1,
  /// and what to do when it is readable: Cancel stops the run; Closed (the
  /// end of input) means stop watching, the run goes on.
  int InputFd = -1;
  std::function<InputEvent()> OnInput;
};

/// The result of one `tools/call`. A failed run is a result too, with
/// IsError set and the reason in Text (no structured content).
struct ToolResult {
  orch::ir::Json Structured;  ///< An object, or null.
  std::string Text;           ///< What a text-only client shows.
  bool IsError = false;
  bool Cancelled = false;  ///< Stopped by OnInput: no answer is sent.
};

/// One tool. The server owns it. Over HTTP, call() runs on several threads
/// at once: an implementation keeps concurrent calls apart (PlanTool runs
/// each in a run directory of its own).
class Tool {
 public:
  virtual ~Tool() = default;
  /// The entry of `tools/list`: `name`, `description`, `inputSchema`,
  /// optionally `outputSchema`.
  virtual const orch::ir::Json &definition() const = 0;
  /// Runs the tool. Bad arguments are a result with IsError, naming them.
  virtual ToolResult call(const orch::ir::Json &Arguments, const CallContext &Ctx) = 0;
};

}  // namespace orch::runtime::mcp
