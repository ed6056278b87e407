//===- PythonContext.cpp --------------------------------------------------===//
#include "passes/PythonContext.h"

#include "ir/Expr.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::passes {

namespace {

/// A character that joins what is next to it into one token: a value
/// beside it would become part of a name, a number or an attribute, or
/// follow a line continuation.
bool glues(char C) {
  return llvm::isAlnum(C) || C == '_' || C == '.' || C == '\'' || C == '"' || C == '\\' ||
         static_cast<unsigned char>(C) >= 0x80;
}

/// A string prefix whose literal this lexer reads exactly: none, `u`, and
/// the raw and bytes ones (values in those are refused, but their end is
/// found as Python finds it). Any other word before a quote (`f`, `t` and
/// their raw forms, whose `{...}` since Python 3.12 can hold quotes,
/// comments and line breaks, or a prefix Python may add) makes the whole
/// code unreadable here.
bool knownPrefix(llvm::StringRef P) {
  return P.empty() || P == "u" || P == "r" || P == "b" || P == "br" || P == "rb";
}

}  // namespace

void PythonContext::text(llvm::StringRef T) {
  if (T.empty()) return;
  if (OpenCodeValue && glues(T.front())) {
    Spots.back().K = PythonSpot::Refused;
    Spots.back().Why = "glued to the code after it";
  }
  OpenCodeValue = false;
  // Values in a triple-quoted string with its quote before them: a quote
  // right after too, and an empty value would join the two into the end.
  for (size_t I : QuoteBefore)
    if (T.front() == Quote && S == State::String && Spots[I].K != PythonSpot::Refused) {
      Spots[I].K = PythonSpot::Refused;
      Spots[I].Why =
          "between quotes that an empty value would join into the string's end";
    }
  QuoteBefore.clear();
  for (size_t I = 0; I < T.size(); ++I) {
    char C = T[I];
    switch (S) {
      case State::Comment:
        if (C == '\n') S = State::Code;
        break;
      case State::String:
        if (Escaped) {
          Escaped = false;
          QuoteRun = 0;
        } else if (C == '\\') {
          Escaped = true;  // in a raw string too: it keeps a quote in
          QuoteRun = 0;
        } else if (C == '\n' && !Triple) {
          S = State::Code;  // an unterminated literal: Python refuses it
        } else if (C == Quote) {
          if (!Triple) {
            S = State::Code;
          } else if (I + 2 < T.size() && T[I + 1] == Quote && T[I + 2] == Quote) {
            S = State::Code;
            I += 2;
          } else {
            ++QuoteRun;
          }
        } else {
          QuoteRun = 0;
        }
        break;
      case State::Code:
        if (C == '#') {
          S = State::Comment;
        } else if (C == '\'' || C == '"') {
          std::string P = llvm::StringRef(Word).lower();
          if (!knownPrefix(P) && !Unreadable) {
            Unreadable = true;
            Why =
                "in code with an f-string, t-string or string prefix this compiler does "
                "not read (`" +
                Word + "`)";
          }
          Raw = P.find('r') != std::string::npos;
          Bytes = P.find('b') != std::string::npos;
          Quote = C;
          Triple = I + 2 < T.size() && T[I + 1] == C && T[I + 2] == C;
          if (Triple) I += 2;
          S = State::String;
          Escaped = false;
          QuoteRun = 0;
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
      if (Raw || Bytes || Escaped) {
        Spot.K = PythonSpot::Refused;
        Spot.Why = Bytes ? "in a bytes literal"
                   : Raw ? "in a raw string"
                         : "right after a backslash";
      } else {
        Spot.K = PythonSpot::String;
        Spot.Quote = Quote;
        if (Triple && QuoteRun > 0) QuoteBefore.push_back(Spots.size());
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

const std::vector<PythonSpot> &PythonContext::finish() {
  if (Unreadable)
    for (PythonSpot &Spot : Spots) {
      Spot.K = PythonSpot::Refused;
      Spot.Why = Why;
    }
  return Spots;
}

std::vector<PythonSpot> pythonSpots(llvm::ArrayRef<ir::Segment> Segs) {
  PythonContext Py;
  std::string Text;  // adjacent text segments, read as one
  for (const ir::Segment &Seg : Segs) {
    if (Seg.K == ir::Segment::Kind::Text) {
      Text += Seg.Text.str();
      continue;
    }
    Py.text(Text);
    Text.clear();
    Py.value();
  }
  Py.text(Text);
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

std::string pythonSkeleton(llvm::ArrayRef<ir::Segment> Segs) {
  std::vector<PythonSpot> Spots = pythonSpots(Segs);
  std::string Out;
  size_t I = 0;
  for (const ir::Segment &Seg : Segs) {
    if (Seg.K == ir::Segment::Kind::Text)
      Out += Seg.Text.str();
    else if (Spots[I++].K == PythonSpot::Code)
      Out += "None";
  }
  return Out;
}

bool isPythonQuoted(const ir::Expr *E, const PythonSpot &Spot) {
  auto *F = llvm::dyn_cast<ir::FilterExpr>(E);
  if (!F || F->isMethod() || F->isCall() || F->isTest()) return false;
  if (Spot.K == PythonSpot::Code) return F->name() == "py_literal" && F->args().empty();
  if (Spot.K != PythonSpot::String || F->name() != "py_quote" || F->args().size() != 1)
    return false;
  auto *Q = llvm::dyn_cast<ir::LiteralExpr>(F->args()[0]);
  return Q && Q->value().Ty == ir::Type::String && Q->value().S.size() == 1 &&
         Q->value().S[0] == Spot.Quote;
}

}  // namespace orch::passes
