//===- Tool.h - What an MCP server offers: tools ---------------*- C++ -*-===//
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace orch::runtime::mcp {

/// Reports how far a call got: \p Done of \p Total, and what just happened.
using ProgressFn =
    std::function<void(double Done, double Total, const std::string &Message)>;

/// The result of one `tools/call`. A failed run is a result too, with
/// IsError set and the reason in Text (no structured content).
struct ToolResult {
  nlohmann::json Structured;  ///< An object, or null.
  std::string Text;           ///< What a text-only client shows.
  bool IsError = false;
};

/// One tool. The server owns it and calls it on its own thread.
class Tool {
 public:
  virtual ~Tool() = default;
  /// The entry of `tools/list`: `name`, `description`, `inputSchema`,
  /// optionally `outputSchema`.
  virtual const nlohmann::json &definition() const = 0;
  /// Runs the tool. Bad arguments are a result with IsError, naming them.
  virtual ToolResult call(const nlohmann::json &Arguments,
                          const ProgressFn &Progress) = 0;
};

}  // namespace orch::runtime::mcp
