//===- Stdio.cpp ----------------------------------------------------------===//
#include "runtime/mcp/Stdio.h"

#include <errno.h>
#include <unistd.h>

#include <optional>

namespace orch::runtime::mcp {

void FdSink::send(const std::string &Line) {
  if (Broken) return;
  std::string Text = Line + '\n';
  size_t Done = 0;
  while (Done < Text.size()) {
    ssize_t N = ::write(Fd, Text.data() + Done, Text.size() - Done);
    if (N < 0 && errno == EINTR) continue;
    if (N <= 0) {
      Broken = true;
      return;
    }
    Done += static_cast<size_t>(N);
  }
}

bool FdInput::readAvailable(const std::function<void(llvm::StringRef)> &OnLine,
                            const std::function<void()> &OnOverlong) {
  for (;;) {
    ssize_t N = ::read(Fd, Chunk.data(), Chunk.size());
    if (N < 0 && errno == EINTR) continue;
    if (N < 0) Failed = true;
    if (N <= 0) return false;
    Reader.feed(llvm::StringRef(Chunk.data(), static_cast<size_t>(N)), OnLine,
                OnOverlong);
    return true;
  }
}

int serveStdio(Server &S, int InFd, const FdSink &Out, size_t MaxMessage) {
  FdInput In(InFd, MaxMessage);
  S.setInput(&In);
  // Lines are served after the read that brought them, never inside it (a
  // call reads the same input while it runs), in the order they came.
  auto OnLine = [&](llvm::StringRef Line) { S.queue(Line.str()); };
  auto OnOverlong = [&] { S.queue(std::nullopt); };
  while (!Out.broken() && In.readAvailable(OnLine, OnOverlong)) S.drain();
  if (!Out.broken() && In.ok()) In.finish(OnLine);
  if (!Out.broken()) S.drain();
  S.setInput(nullptr);
  return In.ok() ? 0 : 1;
}

}  // namespace orch::runtime::mcp
