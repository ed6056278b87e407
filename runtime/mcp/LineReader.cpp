//===- LineReader.cpp -----------------------------------------------------===//
#include "runtime/mcp/LineReader.h"

namespace orch::runtime::mcp {

void LineReader::emit(const LineFn &OnLine) {
  llvm::StringRef Line(Buf);
  if (Line.ends_with("\r")) Line = Line.drop_back();
  if (!Line.trim().empty()) OnLine(Line);
  Buf.clear();
}

void LineReader::feed(llvm::StringRef Bytes, const LineFn &OnLine,
                      const OverlongFn &OnOverlong) {
  while (!Bytes.empty()) {
    size_t Nl = Bytes.find('\n');
    llvm::StringRef Part = Bytes.substr(0, Nl);
    Bytes = Nl == llvm::StringRef::npos ? llvm::StringRef() : Bytes.drop_front(Nl + 1);
    bool Ends = Nl != llvm::StringRef::npos;
    if (Discarding) {
      if (Ends) Discarding = false;
      continue;
    }
    if (Buf.size() + Part.size() > MaxLine) {
      Buf.clear();
      Buf.shrink_to_fit();
      OnOverlong();
      Discarding = !Ends;
      continue;
    }
    Buf.append(Part.data(), Part.size());
    if (Ends) emit(OnLine);
  }
}

void LineReader::finish(const LineFn &OnLine) {
  if (!Discarding) emit(OnLine);
  Buf.clear();
  Discarding = false;
}

}  // namespace orch::runtime::mcp
