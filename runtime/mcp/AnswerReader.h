//===- AnswerReader.h - An MCP server's HTTP answer as it arrives -*- C++ -*-===//
//
// A Streamable HTTP answer is a JSON body or an SSE stream
// (`text/event-stream`). AnswerReader takes it piece by piece, as the
// transport receives it: each SSE event's `data` is handed on as soon as
// the blank line that ends the event arrives (a progress notification or a
// request of the server is handled while the call runs, as over stdio),
// and a JSON body is kept until its end. It never holds more than its
// limit: a JSON body, or one SSE event, that grows past it makes feed()
// fail, so a huge or endless answer costs bounded memory.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "llvm/ADT/StringRef.h"

namespace orch::runtime::mcp {

/// Reads one HTTP answer of an MCP server as it arrives.
class AnswerReader {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  /// \p Max: the most an answer (a JSON body, one SSE event) may hold;
  /// \p MaxQueued: the most its events handed on may weigh before they are
  /// handled (see queue()).
  explicit AnswerReader(size_t Max, size_t MaxQueued = 0)
      : Max(Max), MaxQueued(MaxQueued ? MaxQueued : Max) {}

  /// Reads \p Piece of the body (\p H: the answer's headers, names in
  /// lower case; the first piece decides SSE or not). The data of each SSE
  /// event it completes is appended to \p Out. False once the answer is
  /// over the limit (then and from then on nothing more is read).
  bool feed(const Headers &H, llvm::StringRef Piece, std::vector<std::string> &Out);
  /// The end of the answer: a JSON body's text is appended to \p Out (an
  /// SSE event cut off before its blank line is dropped: it is incomplete).
  void finish(std::vector<std::string> &Out);

  /// True once the answer went over the limit.
  bool over() const { return Over; }
  /// The limit, in bytes.
  size_t limit() const { return Max; }
  /// Bytes held now (for tests: never above the limit).
  size_t held() const { return Buf.size() + Data.size(); }

  /// Counts \p N bytes of events handed on but not yet handled (the
  /// reading thread may run far ahead of the one that handles them). False,
  /// and the answer is over (backlogged()), when MaxQueued bytes or more
  /// already wait: one event up to Max always passes an idle loop, and what
  /// waits stays under MaxQueued + Max.
  bool queue(size_t N);
  /// The most events handed on may weigh before they are handled.
  size_t queueLimit() const { return MaxQueued; }
  /// \p N bytes counted by queue() were handled.
  void handled(size_t N) { Queued.fetch_sub(N); }
  /// Events handed on but not handled yet, in bytes.
  size_t queued() const { return Queued.load(); }
  /// True when the answer went over because its events were not handled
  /// fast enough.
  bool backlogged() const { return Backlog; }

 private:
  void line(llvm::StringRef L, std::vector<std::string> &Out);

  size_t Max, MaxQueued;
  std::optional<bool> Sse;  ///< Decided by the first piece's headers.
  std::string Buf;          ///< A JSON body, or SSE's unfinished line.
  std::string Data;         ///< The current SSE event's data so far.
  bool HasData = false;
  bool Begun = false;   ///< SSE: past a leading byte order mark.
  bool SkipLf = false;  ///< SSE: the last piece ended in CR.
  bool Over = false;
  bool Backlog = false;
  std::atomic<size_t> Queued{0};
};

}  // namespace orch::runtime::mcp
