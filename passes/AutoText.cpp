//===- AutoText.cpp - Choices and ranges spelled out in an AUTO tag -------===//
#include "passes/AutoText.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::passes {

namespace {

using llvm::StringRef;

constexpr StringRef EnDash = "\xe2\x80\x93";

bool isLetter(char C) {
  return llvm::isAlpha(C) || static_cast<unsigned char>(C) >= 0x80;
}

/// One to \p MaxWords words of letters, digits, `_`, `-`, `.` or `+`; not
/// a connective.
bool isItem(StringRef Item, unsigned MaxWords) {
  llvm::SmallVector<StringRef, 4> Words;
  Item.split(Words, ' ', -1, false);
  if (Words.empty() || Words.size() > MaxWords) return false;
  for (StringRef W : Words) {
    if (!llvm::all_of(W, [](char C) {
          return isLetter(C) || llvm::isDigit(C) || C == '_' || C == '-' || C == '.' ||
                 C == '+';
        }))
      return false;
    for (StringRef Stop : {"or", "and", "etc", "not", "else", "otherwise", "so"})
      if (W.equals_insensitive(Stop)) return false;
  }
  return true;
}

/// Drops a trailing clause that qualifies the choice ("... based on size").
StringRef clip(StringRef S) {
  size_t Cut = S.size();
  for (StringRef Stop : {" based on", " depending on", " according to", " (", "; ", ". ",
                         ", depending", ", based"})
    Cut = std::min(Cut, S.find_insensitive(Stop));
  return S.substr(0, Cut);
}

/// "a, b, or c" / "a or b" / (after a lead-in) "a / b / c", "a | b" and
/// "a and b" after "between" -> items; empty if \p S is not such a list.
std::vector<std::string> splitChoices(StringRef S, bool Led, bool AndToo) {
  S = S.trim().rtrim(".?!").trim();
  llvm::SmallVector<StringRef, 8> Parts;
  if (Led && !S.contains(" or ") && (S.contains('/') || S.contains('|'))) {
    // Only a list of single tokens: not "input/output encoding", "km/h in
    // a speed", a URL or "and/or".
    if (S.contains_insensitive("and/or") || S.contains("://")) return {};
    S.split(Parts, S.contains('/') ? '/' : '|', -1, false);
    if (!llvm::all_of(Parts,
                      [](StringRef P) { return isItem(P.trim().trim("\"'`"), 1); }))
      return {};
  } else {
    StringRef Sep = S.contains(" or ") ? " or " : AndToo ? " and " : "";
    if (Sep.empty() || !S.contains(Sep)) return {};
    auto [Head, Last] = S.rsplit(Sep);
    Head.trim().rtrim(',').split(Parts, ',', -1, false);
    Parts.push_back(Last);
  }
  std::vector<std::string> Out;
  for (StringRef P : Parts) {
    P = P.trim().trim("\"'`").trim();
    if (!isItem(P, Led ? 3 : 1)) return {};
    Out.push_back(P.str());
  }
  // "between 3 and 7" is a range, not two words.
  if (llvm::all_of(Out, [](const std::string &I) {
        return llvm::all_of(I, [](char C) { return llvm::isDigit(C) || C == '-'; });
      }))
    return {};
  return Out.size() >= 2 ? Out : std::vector<std::string>{};
}

/// Where lead-in \p Word ends in \p T (a whole word, case-insensitive), or
/// npos.
size_t afterWord(StringRef T, StringRef Word) {
  for (size_t P = T.find_insensitive(Word); P != StringRef::npos;
       P = T.find_insensitive(Word, P + 1)) {
    size_t E = P + Word.size();
    bool Start = P == 0 || !isLetter(T[P - 1]);
    bool End = E == T.size() || T[E] == ' ' || T[E] == ':';
    if (Start && End) return E;
  }
  return StringRef::npos;
}

/// A number in the text, and how it may take part in a range.
struct Num {
  size_t Start, End;
  int64_t Val;
  bool LoOk, HiOk;
};

std::vector<Num> numbers(StringRef T) {
  std::vector<Num> Out;
  auto At = [&](size_t I) { return I < T.size() ? T[I] : '\0'; };
  for (size_t I = 0; I < T.size(); ++I) {
    if (!llvm::isDigit(T[I])) continue;
    size_t J = I;
    while (J < T.size() && llvm::isDigit(T[J])) ++J;
    char Before = I ? T[I - 1] : ' ', After = At(J);
    bool BeforeDash = I >= 3 && T.substr(0, I).ends_with(EnDash);
    bool AfterDash = T.substr(J).starts_with(EnDash);
    bool Joined = (isLetter(Before) && !BeforeDash) || llvm::isDigit(Before) ||
                  Before == '.' || Before == '_' || Before == ':' || Before == '/' ||
                  Before == ',' || (isLetter(After) && !AfterDash) || After == '_' ||
                  ((After == '.' || After == ':' || After == '/' || After == ',') &&
                   llvm::isDigit(At(J + 1)));
    int64_t V;
    if (!Joined && !T.slice(I, J).getAsInteger(10, V)) {
      bool DashAfter = (After == '-' && llvm::isDigit(At(J + 1))) ||
                       (AfterDash && llvm::isDigit(At(J + 3)));
      Out.push_back({I, J, V, /*LoOk=*/Before != '-' && !BeforeDash, !DashAfter});
    }
    I = J;
  }
  return Out;
}

}  // namespace

/// The lead-ins that announce a choice; "between" only after a verb.
constexpr StringRef Leads[] = {"choose", "pick",   "select",
                               "one of", "either", "decide between"};

std::vector<std::string> choicesInText(StringRef Text) {
  StringRef T = Text.trim();
  // A colon that ends a label introduces the list: "Choose a format: a, b,
  // or c", "Format: json or yaml"; not "10:30" or "https://". Items of more
  // than one word only when the label has a lead-in ("Note: keep it short
  // or skip it" is prose).
  size_t Colon = T.rfind(':');
  if (Colon != StringRef::npos && Colon > 0 && isLetter(T[Colon - 1]) &&
      (Colon + 1 == T.size() || T[Colon + 1] == ' ')) {
    StringRef Label = T.substr(0, Colon);
    bool Led = llvm::any_of(
        Leads, [&](StringRef L) { return afterWord(Label, L) != StringRef::npos; });
    if (auto C = splitChoices(clip(T.substr(Colon + 1)), Led, false); !C.empty())
      return C;
  }
  // So does a verb: "Choose fast or thorough", "pick one of a / b / c".
  for (StringRef Lead : Leads) {
    size_t E = afterWord(T, Lead);
    if (E == StringRef::npos) continue;
    StringRef Rest = T.substr(E).ltrim(" :");
    bool AndToo = Lead.ends_with("between");
    for (bool More = true; More;) {
      More = false;
      for (StringRef W : {"one of", "from", "between", "either", "the", "a"})
        if (Rest.starts_with_insensitive(W) && Rest.substr(W.size()).starts_with(" ")) {
          AndToo |= W == "between";
          Rest = Rest.substr(W.size()).ltrim(" :");
          More = true;
        }
    }
    if (AndToo && !Rest.empty() && llvm::isDigit(Rest.front()))
      continue;  // "between 3 and 7": a range
    if (auto C = splitChoices(clip(Rest), true, AndToo); !C.empty()) return C;
  }
  // A bare list of single words: "voting, averaging, or stacking".
  return splitChoices(clip(T), false, false);
}

std::optional<std::pair<int64_t, int64_t>> rangeInText(StringRef T) {
  std::vector<Num> Ns = numbers(T);
  for (size_t K = 0; K + 1 < Ns.size(); ++K) {
    const Num &A = Ns[K], &B = Ns[K + 1];
    if (!A.LoOk || !B.HiOk || A.Val > B.Val) continue;
    StringRef Gap = T.slice(A.End, B.Start);
    bool Dash = Gap.trim() == "-" || Gap.trim() == EnDash;
    bool To = Gap == " to ";
    bool And =
        Gap == " and " && T.substr(0, A.Start).rtrim().ends_with_insensitive("between");
    if ((Dash && Gap.size() <= 5) || To || And) return std::make_pair(A.Val, B.Val);
  }
  return std::nullopt;
}

}  // namespace orch::passes
