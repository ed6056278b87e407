//===- AnswerReader.cpp - An MCP server's HTTP answer as it arrives -------===//
#include "runtime/mcp/AnswerReader.h"

#include <algorithm>

namespace orch::runtime::mcp {

namespace {

/// True when \p H says the body is an SSE stream.
bool isEventStream(const AnswerReader::Headers &H) {
  for (const auto &[Name, Value] : H)
    if (llvm::StringRef(Name).equals_insensitive("content-type"))
      return llvm::StringRef(Value).trim().starts_with_insensitive("text/event-stream");
  return false;
}

}  // namespace

bool AnswerReader::feed(const Headers &H, llvm::StringRef Piece,
                        std::vector<std::string> &Out) {
  if (Over) return false;
  if (!Sse) Sse = isEventStream(H);
  if (!*Sse) {
    if (Buf.size() + Piece.size() > Max) {
      Over = true;
      std::string().swap(Buf);
      return false;
    }
    Buf.append(Piece.data(), Piece.size());
    return true;
  }
  // SSE: cut complete lines out of what is held; only the new bytes can
  // hold a line end that was not seen yet. A line ends at CR, LF or CRLF
  // (a CR that ends a piece makes a LF that starts the next one part of
  // it), and one byte order mark may start the stream.
  size_t From = Buf.size();
  Buf.append(Piece.data(), Piece.size());
  static constexpr llvm::StringLiteral Bom("\xEF\xBB\xBF");
  if (!Begun) {
    if (Buf.size() < Bom.size() && Bom.starts_with(Buf)) return true;  // wait
    if (llvm::StringRef(Buf).starts_with(Bom)) Buf.erase(0, Bom.size());
    Begun = true;
    From = 0;
  }
  size_t Start = 0;
  if (SkipLf && !Buf.empty()) {
    if (Buf[0] == '\n') Start = 1;
    SkipLf = false;
  }
  for (size_t End = Buf.find_first_of("\r\n", std::max(From, Start));
       End != std::string::npos && !Over; End = Buf.find_first_of("\r\n", Start)) {
    line(llvm::StringRef(Buf).slice(Start, End), Out);
    Start = End + 1;
    if (Buf[End] == '\r') {
      if (Start == Buf.size())
        SkipLf = true;
      else if (Buf[Start] == '\n')
        ++Start;
    }
  }
  if (!Over) Buf.erase(0, Start);
  // One event (its data so far and its unfinished line) is what counts:
  // a piece may hold many small events, which were handed on.
  if (Over || held() > Max) {
    Over = true;
    std::string().swap(Buf);
    std::string().swap(Data);
    return false;
  }
  return true;
}

void AnswerReader::line(llvm::StringRef L, std::vector<std::string> &Out) {
  // Events end at a blank line; the `data:` lines of one event join with
  // newlines; other fields (event, id, retry) and comments do not matter.
  if (L.empty()) {
    if (HasData) Out.push_back(std::move(Data));
    Data.clear();
    HasData = false;
    return;
  }
  auto [Field, Value] = L.split(':');
  if (Field != "data") return;
  Value.consume_front(" ");
  if (Data.size() + 1 + Value.size() > Max) {
    Over = true;
    return;
  }
  if (HasData) Data += '\n';
  Data.append(Value.data(), Value.size());
  HasData = true;
}

bool AnswerReader::queue(size_t N) {
  // A batch is admitted while what waits is under the limit, so one event
  // up to the answer limit (Max) always passes when the loop has caught up;
  // what waits stays below MaxQueued + N.
  if (Queued.fetch_add(N) >= MaxQueued) {
    Queued.fetch_sub(N);
    Over = Backlog = true;
    std::string().swap(Buf);
    std::string().swap(Data);
    return false;
  }
  return true;
}

void AnswerReader::finish(std::vector<std::string> &Out) {
  if (Over || !Sse || *Sse) return;
  if (!Buf.empty()) Out.push_back(std::move(Buf));
  Buf.clear();
}

}  // namespace orch::runtime::mcp
