//===- Stdio.cpp ----------------------------------------------------------===//
#include "runtime/mcp/Stdio.h"

#include <errno.h>
#include <unistd.h>

#include <vector>

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

int serveStdio(Server &S, int InFd, const FdSink &Out, size_t MaxMessage) {
  LineReader Reader(MaxMessage);
  auto OnLine = [&](llvm::StringRef Line) { S.handleLine(Line); };
  auto OnOverlong = [&] { S.handleOverlong(MaxMessage); };
  std::vector<char> Chunk(size_t(64) << 10);
  while (!Out.broken()) {
    ssize_t N = ::read(InFd, Chunk.data(), Chunk.size());
    if (N < 0 && errno == EINTR) continue;
    if (N < 0) return 1;
    if (N == 0) break;
    Reader.feed(llvm::StringRef(Chunk.data(), static_cast<size_t>(N)), OnLine,
                OnOverlong);
  }
  if (!Out.broken()) Reader.finish(OnLine);
  return 0;
}

}  // namespace orch::runtime::mcp
