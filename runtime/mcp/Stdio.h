//===- Stdio.h - MCP's stdio transport: lines on two descriptors -*- C++ -*-===//
#pragma once

#include <cstddef>
#include <string>

#include "runtime/mcp/LineReader.h"
#include "runtime/mcp/Server.h"

namespace orch::runtime::mcp {

/// The longest message accepted: longer lines are dropped unread.
constexpr size_t DefaultMaxMessage = size_t(16) << 20;

/// Writes each message as one line to a descriptor. After a failed write
/// (the peer went away) it writes nothing more.
class FdSink : public MessageSink {
 public:
  explicit FdSink(int Fd) : Fd(Fd) {}
  void send(const std::string &Line) override;
  bool broken() const { return Broken; }

 private:
  int Fd;
  bool Broken = false;
};

/// Serves \p S: reads lines from \p InFd until end of input or until
/// \p Out breaks. Returns 0, or 1 when reading failed.
int serveStdio(Server &S, int InFd, const FdSink &Out,
               size_t MaxMessage = DefaultMaxMessage);

}  // namespace orch::runtime::mcp
