//===- PythonContext.cpp --------------------------------------------------===//
#include "passes/PythonContext.h"

#include "ir/Expr.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::passes {

namespace {

/// A character that joins what is next to it into one token: a value
/// beside it would become part of a name, a number or an attribute.
bool glues(char C) {
  return llvm::isAlnum(C) || C == '_' || C == '.' || C == '\'' || C == '"' ||
         static_cast<unsigned char>(C) >= 0x80;
}

}  // namespace

void PythonContext::text(llvm::StringRef T) {
  if (T.empty()) return;
  if (OpenCodeValue && glues(T.front())) {
    Spots.back().K = PythonSpot::Refused;
    Spots.back().Why = "glued to the code after it";
  }
  OpenCodeValue = false;
  for (size_t I = 0; I < T.size(); ++I) {
    char C = T[I];
    switch (S) {
      case State::Comment:
        if (C == '\n') S = State::Code;
        break;
      case State::String:
        if (Escaped) {
          Escaped = false;
        } else if (C == '\\') {
          Escaped = true;  // in a raw string too: it keeps a quote in
        } else if (C == '\n' && !Triple) {
          S = State::Code;  // an unterminated literal: Python refuses it
        } else if (C == Quote) {
          if (!Triple) {
            S = State::Code;
          } else if (I + 2 < T.size() && T[I + 1] == Quote && T[I + 2] == Quote) {
            S = State::Code;
            I += 2;
          }
        }
        break;
      case State::Code:
        if (C == '#') {
          S = State::Comment;
        } else if (C == '\'' || C == '"') {
          std::string P = llvm::StringRef(Word).lower();
          // A prefix is r, b, u, f and their pairs; a longer word before a
          // quote is not valid Python.
          Raw = P.find('r') != std::string::npos;
          Bytes = P.find('b') != std::string::npos;
          Format = P.find('f') != std::string::npos;
          Quote = C;
          Triple = I + 2 < T.size() && T[I + 1] == C && T[I + 2] == C;
          if (Triple) I += 2;
          S = State::String;
          Escaped = false;
        }
        break;
    }
    Word = llvm::isAlnum(C) || C == '_' ? Word + C : "";
    Prev = C;
  }
}

void PythonContext::value() {
  PythonSpot Spot;
  switch (S) {
    case State::Comment:
      Spot.K = PythonSpot::Refused;
      Spot.Why = "in a comment";
      break;
    case State::String:
      if (Format || Raw || Bytes || Escaped) {
        Spot.K = PythonSpot::Refused;
        Spot.Why = Format  ? "in an f-string"
                   : Bytes ? "in a bytes literal"
                   : Raw   ? "in a raw string"
                           : "right after a backslash";
      } else {
        Spot.K = PythonSpot::String;
        Spot.Quote = Quote;
      }
      break;
    case State::Code:
      if (glues(Prev) || Prev == 0x01) {
        Spot.K = PythonSpot::Refused;
        Spot.Why = "glued to the code before it";
      } else {
        OpenCodeValue = true;
      }
      break;
  }
  if (S == State::Code) {
    Prev = 0x01;  // a value: the next one right after it is glued to it
    Word.clear();
  }
  Spots.push_back(std::move(Spot));
}

const std::vector<PythonSpot> &PythonContext::finish() { return Spots; }

std::vector<PythonSpot> pythonSpots(llvm::ArrayRef<ir::Segment> Segs) {
  PythonContext Py;
  for (const ir::Segment &Seg : Segs)
    if (Seg.K == ir::Segment::Kind::Text)
      Py.text(Seg.Text);
    else
      Py.value();
  std::vector<PythonSpot> Out = Py.finish();
  // A statement (`{% if %}`) renders text: in code that text would run.
  size_t I = 0;
  for (const ir::Segment &Seg : Segs) {
    if (Seg.K == ir::Segment::Kind::Text) continue;
    PythonSpot &Spot = Out[I++];
    if (Spot.K == PythonSpot::Code && Seg.K == ir::Segment::Kind::Expr &&
        ir::isStatement(Seg.E)) {
      Spot.K = PythonSpot::Refused;
      Spot.Why = "a statement in code, whose text would be code";
    }
  }
  return Out;
}

}  // namespace orch::passes
