//===- Stdio.h - MCP's stdio transport: lines on two descriptors -*- C++ -*-===//
#pragma once

#include <cstddef>
#include <string>
#include <vector>

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

/// Lines from a descriptor, also read while a call runs.
class FdInput : public InputSource {
 public:
  FdInput(int Fd, size_t MaxLine) : Fd(Fd), Reader(MaxLine), MaxLine(MaxLine) {}
  int fd() const override { return Fd; }
  size_t limit() const override { return MaxLine; }
  bool readAvailable(const std::function<void(llvm::StringRef)> &OnLine,
                     const std::function<void()> &OnOverlong) override;
  /// At the end of input: the last line, if it had no newline.
  void finish(const std::function<void(llvm::StringRef)> &OnLine) {
    Reader.finish(OnLine);
  }
  /// False after a read error.
  bool ok() const { return !Failed; }

 private:
  int Fd;
  LineReader Reader;
  size_t MaxLine;
  std::vector<char> Chunk = std::vector<char>(size_t(64) << 10);
  bool Failed = false;
};

/// Serves \p S: reads lines from \p InFd until end of input or until
/// \p Out breaks. Returns 0, or 1 when reading failed.
int serveStdio(Server &S, int InFd, const FdSink &Out,
               size_t MaxMessage = DefaultMaxMessage);

}  // namespace orch::runtime::mcp
