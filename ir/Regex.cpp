//===- Regex.cpp - A Pike VM for a subset of Python's `re` ----------------===//
#include "ir/Regex.h"

#include <fmt/format.h>

#include "ir/MakeError.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

namespace orch::ir {

namespace {

enum AssertKind : uint32_t { Bol, Eol, EndZ, WordB, NotWordB };

constexpr size_t MaxProgram = 20000;
constexpr int64_t MaxRepeat = 1000;
/// Groups nested deeper are refused: the parser and code generator recurse
/// once a level, and a deep pattern must not exhaust the stack.
constexpr unsigned MaxNesting = 100;
constexpr int64_t Inf = -1;

/// A parsed pattern: a tree in a vector.
struct Node {
  enum Kind : uint8_t { Empty, Char, Any, Class, Cat, Alt, Repeat, Group, Assert } K;
  uint32_t V = 0;  ///< Char: code point; Class: index; Group: number; Assert: kind.
  int64_t Min = 0, Max = 0;
  bool Greedy = true;
  std::vector<uint32_t> Kids = {};
};

class Parser {
 public:
  Parser(const CodePoints &P, Regex &R) : P(P), R(R) {}

  llvm::Expected<uint32_t> run() {
    llvm::Expected<uint32_t> N = alt();
    if (!N) return N.takeError();
    if (I < P.size()) return makeError("unbalanced parenthesis");
    return *N;
  }

  std::vector<Node> Nodes;

 private:
  bool at(char32_t C) const { return I < P.size() && P[I] == C; }

  uint32_t add(Node N) {
    Nodes.push_back(std::move(N));
    return static_cast<uint32_t>(Nodes.size() - 1);
  }

  llvm::Expected<uint32_t> alt() {
    Node A{Node::Alt};
    do {
      llvm::Expected<uint32_t> C = cat();
      if (!C) return C.takeError();
      A.Kids.push_back(*C);
    } while (at('|') && ++I);
    if (A.Kids.size() == 1) return A.Kids[0];
    return add(std::move(A));
  }

  llvm::Expected<uint32_t> cat() {
    Node C{Node::Cat};
    while (I < P.size() && !at('|') && !at(')')) {
      llvm::Expected<uint32_t> X = repeat();
      if (!X) return X.takeError();
      C.Kids.push_back(*X);
    }
    if (C.Kids.empty()) return add({Node::Empty});
    if (C.Kids.size() == 1) return C.Kids[0];
    return add(std::move(C));
  }

  /// `{m}`, `{m,}`, `{,n}`, `{m,n}` at I: true and the bounds, or false
  /// (then `{` is a literal, as in Python).
  bool braces(int64_t &Min, int64_t &Max, size_t &End) const {
    size_t J = I + 1;
    auto Num = [&](int64_t &Out) {
      size_t S = J;
      Out = 0;
      while (J < P.size() && P[J] >= '0' && P[J] <= '9') {
        Out = std::min<int64_t>(Out * 10 + (P[J] - '0'), int64_t(1) << 40);
        ++J;
      }
      return J > S;
    };
    bool HasMin = Num(Min);
    if (!HasMin) Min = 0;
    if (J < P.size() && P[J] == '}') {
      if (!HasMin) return false;
      Max = Min;
      End = J + 1;
      return true;
    }
    if (J >= P.size() || P[J] != ',') return false;
    ++J;
    if (!Num(Max)) Max = Inf;
    if (J >= P.size() || P[J] != '}') return false;
    End = J + 1;
    return true;
  }

  bool quantifierAhead() const {
    int64_t A = 0, B = 0;
    size_t E = 0;
    return at('*') || at('+') || at('?') || (at('{') && braces(A, B, E));
  }

  llvm::Expected<uint32_t> repeat() {
    if (quantifierAhead()) return makeError("nothing to repeat");
    llvm::Expected<uint32_t> A = atom();
    if (!A) return A.takeError();
    if (!quantifierAhead()) return *A;
    if (Nodes[*A].K == Node::Assert) return makeError("nothing to repeat");
    Node R{Node::Repeat};
    R.Kids.push_back(*A);
    if (at('*')) {
      R.Min = 0, R.Max = Inf, ++I;
    } else if (at('+')) {
      R.Min = 1, R.Max = Inf, ++I;
    } else if (at('?')) {
      R.Min = 0, R.Max = 1, ++I;
    } else {
      size_t End = I + 1;
      braces(R.Min, R.Max, End);
      I = End;
      if (R.Max != Inf && R.Min > R.Max)
        return makeError("min repeat greater than max repeat");
      if (R.Min > MaxRepeat || R.Max > MaxRepeat)
        return makeError(
            fmt::format("a repeat count above {} is not supported", MaxRepeat));
    }
    if (at('?')) {
      R.Greedy = false;
      ++I;
    } else if (at('+')) {
      return makeError("possessive quantifiers are not supported");
    }
    if (quantifierAhead()) return makeError("multiple repeat");
    // sre lets an iteration that matched nothing leave the loop once; this
    // VM drops it, which changes the match (`(|a)+` on "ab"): refused.
    if (R.Max == Inf && nullable(*A))
      return makeError(
          "an unbounded repeat of a part that can match the empty string is not "
          "supported");
    return add(std::move(R));
  }

  /// True if node \p N can match the empty string.
  bool nullable(uint32_t N) const {
    const Node &X = Nodes[N];
    switch (X.K) {
      case Node::Empty:
      case Node::Assert:
        return true;
      case Node::Char:
      case Node::Any:
      case Node::Class:
        return false;
      case Node::Cat:
      case Node::Group:
        return llvm::all_of(X.Kids, [&](uint32_t K) { return nullable(K); });
      case Node::Alt:
        return llvm::any_of(X.Kids, [&](uint32_t K) { return nullable(K); });
      case Node::Repeat:
        return X.Min == 0 || nullable(X.Kids.front());
    }
    return true;
  }

  llvm::Expected<uint32_t> atom() {
    char32_t C = P[I++];
    switch (C) {
      case '(': {
        if (++Depth > MaxNesting)
          return makeError(fmt::format(
              "groups nested more than {} deep are not supported", MaxNesting));
        Node G{Node::Group};
        if (at('?')) {
          if (I + 1 < P.size() && P[I + 1] == ':') {
            I += 2;
            G.K = Node::Cat;  // a non-capturing group: just its contents
          } else {
            return makeError(
                "this group syntax `(?...)` is not supported (only `(?:...)`: no "
                "lookaround, named groups or flags)");
          }
        } else {
          G.V = ++R.Groups;
        }
        llvm::Expected<uint32_t> In = alt();
        if (!In) return In.takeError();
        if (!at(')')) return makeError("missing ), unterminated subpattern");
        ++I;
        --Depth;
        G.Kids.push_back(*In);
        return add(std::move(G));
      }
      case ')':
        return makeError("unbalanced parenthesis");
      case '[':
        return set();
      case '.':
        return add({Node::Any});
      case '^':
        return add({Node::Assert, Bol});
      case '$':
        return add({Node::Assert, Eol});
      case '\\':
        return escape(false);
      default:
        return add({Node::Char, static_cast<uint32_t>(C)});
    }
  }

  /// `\x`: an assertion, a class or a character. In a set (\p InSet),
  /// assertions are errors.
  llvm::Expected<uint32_t> escape(bool InSet, Regex::CharClass *Into = nullptr,
                                  char32_t *Out = nullptr) {
    if (I >= P.size()) return makeError("bad escape (end of pattern)");
    char32_t C = P[I++];
    auto Char = [&](char32_t X) -> llvm::Expected<uint32_t> {
      if (Out) {
        *Out = X;
        return 0;
      }
      return add({Node::Char, static_cast<uint32_t>(X)});
    };
    auto Cls = [&](auto Set) -> llvm::Expected<uint32_t> {
      if (Into) {
        Set(*Into);
        return 0;
      }
      Regex::CharClass K;
      Set(K);
      R.Classes.push_back(K);
      return add({Node::Class, static_cast<uint32_t>(R.Classes.size() - 1)});
    };
    switch (C) {
      case 'd':
        return Cls([](Regex::CharClass &K) { K.Digit = true; });
      case 'D':
        return Cls([](Regex::CharClass &K) { K.NotDigit = true; });
      case 'w':
        return Cls([](Regex::CharClass &K) { K.Word = true; });
      case 'W':
        return Cls([](Regex::CharClass &K) { K.NotWord = true; });
      case 's':
        return Cls([](Regex::CharClass &K) { K.Space = true; });
      case 'S':
        return Cls([](Regex::CharClass &K) { K.NotSpace = true; });
      case 'n':
        return Char('\n');
      case 't':
        return Char('\t');
      case 'r':
        return Char('\r');
      case 'f':
        return Char('\f');
      case 'v':
        return Char('\v');
      case 'a':
        return Char('\a');
      case 'x':
      case 'u':
      case 'U': {
        size_t Len = C == 'x' ? 2 : C == 'u' ? 4 : 8;
        uint32_t V = 0;
        for (size_t K = 0; K < Len; ++K, ++I) {
          if (I >= P.size())
            return makeError(fmt::format("incomplete escape \\{}", char(C)));
          char32_t H = P[I];
          int D = H >= '0' && H <= '9'   ? int(H - '0')
                  : H >= 'a' && H <= 'f' ? int(H - 'a' + 10)
                  : H >= 'A' && H <= 'F' ? int(H - 'A' + 10)
                                         : -1;
          if (D < 0) return makeError(fmt::format("incomplete escape \\{}", char(C)));
          V = V * 16 + D;
        }
        if (V > 0x10FFFF) return makeError("bad escape: code point out of range");
        return Char(V);
      }
      default:
        break;
    }
    if (InSet && C == 'b') return Char('\b');
    if (!InSet) {
      if (C == 'A') return add({Node::Assert, Bol});
      if (C == 'Z') return add({Node::Assert, EndZ});
      if (C == 'b') return add({Node::Assert, WordB});
      if (C == 'B') return add({Node::Assert, NotWordB});
    }
    if (C >= '0' && C <= '9')
      return makeError("backreferences and octal escapes are not supported");
    if ((C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z'))
      return makeError(fmt::format("bad escape \\{}", char(C)));
    return Char(C);
  }

  llvm::Expected<uint32_t> set() {
    Regex::CharClass K;
    if (at('^')) {
      K.Negated = true;
      ++I;
    }
    bool First = true;
    while (true) {
      if (I >= P.size()) return makeError("unterminated character set");
      if (at(']') && !First) {
        ++I;
        break;
      }
      First = false;
      char32_t Lo;
      if (at('\\')) {
        ++I;
        char32_t X = 0;
        Regex::CharClass Probe;
        llvm::Expected<uint32_t> E = escape(true, &Probe, &X);
        if (!E) return E.takeError();
        bool Class = Probe.Digit || Probe.NotDigit || Probe.Word || Probe.NotWord ||
                     Probe.Space || Probe.NotSpace;
        if (Class) {
          K.Digit |= Probe.Digit, K.NotDigit |= Probe.NotDigit, K.Word |= Probe.Word;
          K.NotWord |= Probe.NotWord, K.Space |= Probe.Space,
              K.NotSpace |= Probe.NotSpace;
          if (at('-') && I + 1 < P.size() && P[I + 1] != ']')
            return makeError("bad character range");
          continue;
        }
        Lo = X;
      } else {
        Lo = P[I++];
      }
      char32_t Hi = Lo;
      if (at('-') && I + 1 < P.size() && P[I + 1] != ']') {
        ++I;
        if (at('\\')) {
          ++I;
          Regex::CharClass Probe;
          char32_t X = 0;
          llvm::Expected<uint32_t> E = escape(true, &Probe, &X);
          if (!E) return E.takeError();
          if (Probe.Digit || Probe.NotDigit || Probe.Word || Probe.NotWord ||
              Probe.Space || Probe.NotSpace)
            return makeError("bad character range");
          Hi = X;
        } else {
          Hi = P[I++];
        }
        if (Hi < Lo) return makeError("bad character range");
      }
      K.Ranges.push_back({Lo, Hi});
    }
    R.Classes.push_back(std::move(K));
    return add({Node::Class, static_cast<uint32_t>(R.Classes.size() - 1)});
  }

  const CodePoints &P;
  Regex &R;
  size_t I = 0;
  unsigned Depth = 0;  ///< Groups open at I.
};

class CodeGen {
 public:
  CodeGen(const std::vector<Node> &Nodes, Regex &R) : Nodes(Nodes), R(R) {}

  llvm::Error emit(uint32_t N) {
    if (R.Prog.size() > MaxProgram)
      return makeError("the pattern is too large once its repeats are expanded");
    const Node &X = Nodes[N];
    using I = Regex::Inst;
    switch (X.K) {
      case Node::Empty:
        return llvm::Error::success();
      case Node::Char:
        R.Prog.push_back({I::Char, X.V});
        return llvm::Error::success();
      case Node::Any:
        R.Prog.push_back({I::Any});
        return llvm::Error::success();
      case Node::Class:
        R.Prog.push_back({I::Class, X.V});
        return llvm::Error::success();
      case Node::Assert:
        R.Prog.push_back({I::Assert, X.V});
        return llvm::Error::success();
      case Node::Cat:
        for (uint32_t K : X.Kids)
          if (llvm::Error E = emit(K)) return E;
        return llvm::Error::success();
      case Node::Group:
        R.Prog.push_back({I::Save, 2 * X.V});
        if (llvm::Error E = emit(X.Kids[0])) return E;
        R.Prog.push_back({I::Save, 2 * X.V + 1});
        return llvm::Error::success();
      case Node::Alt: {
        std::vector<size_t> Jumps;
        for (size_t K = 0; K < X.Kids.size(); ++K) {
          size_t Split = R.Prog.size();
          bool Last = K + 1 == X.Kids.size();
          if (!Last) R.Prog.push_back({I::Split});
          if (llvm::Error E = emit(X.Kids[K])) return E;
          if (!Last) {
            Jumps.push_back(R.Prog.size());
            R.Prog.push_back({I::Jmp});
            R.Prog[Split].X = static_cast<uint32_t>(Split + 1);
            R.Prog[Split].Y = static_cast<uint32_t>(R.Prog.size());
          }
        }
        for (size_t J : Jumps) R.Prog[J].X = static_cast<uint32_t>(R.Prog.size());
        return llvm::Error::success();
      }
      case Node::Repeat: {
        uint32_t Body = X.Kids[0];
        for (int64_t K = 0; K < X.Min; ++K)
          if (llvm::Error E = emit(Body)) return E;
        if (X.Max == Inf) {
          size_t Split = R.Prog.size();
          R.Prog.push_back({I::Split});
          if (llvm::Error E = emit(Body)) return E;
          R.Prog.push_back({I::Jmp, static_cast<uint32_t>(Split)});
          split(Split, Split + 1, R.Prog.size(), X.Greedy);
          return llvm::Error::success();
        }
        std::vector<size_t> Splits;
        for (int64_t K = X.Min; K < X.Max; ++K) {
          Splits.push_back(R.Prog.size());
          R.Prog.push_back({I::Split});
          if (llvm::Error E = emit(Body)) return E;
          if (R.Prog.size() > MaxProgram)
            return makeError("the pattern is too large once its repeats are expanded");
        }
        for (size_t S : Splits) split(S, S + 1, R.Prog.size(), X.Greedy);
        return llvm::Error::success();
      }
    }
    return llvm::Error::success();
  }

 private:
  void split(size_t At, size_t Body, size_t Out, bool Greedy) {
    R.Prog[At].X = static_cast<uint32_t>(Greedy ? Body : Out);
    R.Prog[At].Y = static_cast<uint32_t>(Greedy ? Out : Body);
  }

  const std::vector<Node> &Nodes;
  Regex &R;
};

}  // namespace

bool Regex::CharClass::matches(char32_t C) const {
  bool In = false;
  for (const auto &[Lo, Hi] : Ranges)
    if (C >= Lo && C <= Hi) In = true;
  bool D = decimalValue(C) >= 0, W = isWordChar(C), S = isSpace(C);
  In = In || (Digit && D) || (NotDigit && !D) || (Word && W) || (NotWord && !W) ||
       (Space && S) || (NotSpace && !S);
  return In != Negated;
}

llvm::Expected<std::shared_ptr<const Regex>> Regex::compile(llvm::StringRef Pattern) {
  thread_local llvm::StringMap<std::shared_ptr<const Regex>> Cache;
  auto It = Cache.find(Pattern);
  if (It != Cache.end()) return It->second;
  auto R = std::make_shared<Regex>();
  CodePoints P = decodeUtf8(Pattern);
  Parser Ps(P, *R);
  llvm::Expected<uint32_t> Root = Ps.run();
  if (!Root) return Root.takeError();
  CodeGen G(Ps.Nodes, *R);
  R->Prog.push_back({Inst::Save, 0});
  if (llvm::Error E = G.emit(*Root)) return E;
  R->Prog.push_back({Inst::Save, 1});
  R->Prog.push_back({Inst::Match});
  if (Cache.size() > 256) Cache.clear();
  Cache[Pattern] = R;
  return std::shared_ptr<const Regex>(R);
}

bool Regex::search(const CodePoints &S, size_t From, std::vector<int64_t> &Caps,
                   int64_t NoEmptyAt, uint64_t *Budget) const {
  size_t NCaps = 2 * (Groups + 1);
  struct Thread {
    uint32_t Pc;
    std::vector<int64_t> Caps;
  };
  std::vector<Thread> Cur, Next;
  // One mark array per thread, reused by every search (findall and sub
  // search once a match): generations only grow, so marks left by an
  // earlier search, of any program, are stale.
  thread_local std::vector<uint64_t> Seen;
  thread_local uint64_t Gen = 0;
  if (Seen.size() < Prog.size()) Seen.resize(Prog.size(), 0);
  ++Gen;
  bool Matched = false;
  size_t N = S.size();
  auto Word = [&](size_t P) { return P < N && isWordChar(S[P]); };
  auto Holds = [&](uint32_t Kind, size_t P) {
    switch (Kind) {
      case Bol:
        return P == 0;
      case Eol:
        return P == N || (P + 1 == N && S[P] == '\n');
      case EndZ:
        return P == N;
      case WordB:
      case NotWordB: {
        bool B = (P > 0 && Word(P - 1)) != Word(P);
        // As in sre, `\B` never matches in an empty string.
        return Kind == WordB ? B : !B && N > 0;
      }
    }
    return false;
  };
  // Follows the empty-width instructions from Pc at position P, adding the
  // threads that wait for a character (or match) to L in priority order.
  auto AddThread = [&](std::vector<Thread> &L, uint32_t Pc0, std::vector<int64_t> C0,
                       size_t P) {
    std::vector<std::pair<uint32_t, std::vector<int64_t>>> Stack;
    Stack.emplace_back(Pc0, std::move(C0));
    while (!Stack.empty()) {
      auto [Pc, C] = std::move(Stack.back());
      Stack.pop_back();
      if (Seen[Pc] == Gen) continue;
      Seen[Pc] = Gen;
      const Inst &X = Prog[Pc];
      switch (X.K) {
        case Inst::Jmp:
          Stack.emplace_back(X.X, std::move(C));
          break;
        case Inst::Split:
          Stack.emplace_back(X.Y, C);
          Stack.emplace_back(X.X, std::move(C));
          break;
        case Inst::Save:
          C[X.X] = static_cast<int64_t>(P);
          Stack.emplace_back(Pc + 1, std::move(C));
          break;
        case Inst::Assert:
          if (Holds(X.X, P)) Stack.emplace_back(Pc + 1, std::move(C));
          break;
        default:
          L.push_back({Pc, std::move(C)});
          break;
      }
    }
  };
  for (size_t P = From;; ++P) {
    ++Gen;
    // Threads carried over were added under the previous generation: mark
    // them seen so a new thread does not duplicate them.
    for (const Thread &T : Cur) Seen[T.Pc] = Gen;
    if (!Matched) {
      std::vector<Thread> Fresh;
      AddThread(Fresh, 0, std::vector<int64_t>(NCaps, -1), P);
      for (Thread &T : Fresh) Cur.push_back(std::move(T));
    }
    if (Cur.empty() && Matched) break;
    ++Gen;
    Next.clear();
    if (Budget) {
      if (*Budget < Cur.size() + 1) {
        *Budget = 0;
        return false;
      }
      *Budget -= Cur.size() + 1;
    }
    for (Thread &T : Cur) {
      const Inst &X = Prog[T.Pc];
      if (X.K == Inst::Match) {
        if (NoEmptyAt >= 0 && T.Caps[0] == NoEmptyAt && T.Caps[1] == NoEmptyAt) continue;
        Caps = T.Caps;
        Matched = true;
        break;  // lower-priority threads lose
      }
      if (P >= N) continue;
      char32_t Ch = S[P];
      bool Ok = X.K == Inst::Char    ? Ch == X.X
                : X.K == Inst::Any   ? Ch != '\n'
                : X.K == Inst::Class ? Classes[X.X].matches(Ch)
                                     : false;
      if (Ok) AddThread(Next, T.Pc + 1, std::move(T.Caps), P + 1);
    }
    std::swap(Cur, Next);
    if (P >= N) break;
  }
  return Matched;
}

llvm::Error expandReplacement(const Regex &R, llvm::StringRef Repl, const CodePoints &S,
                              const std::vector<int64_t> &Caps, CodePoints &Out) {
  CodePoints T = decodeUtf8(Repl);
  auto Group = [&](int64_t G) -> llvm::Error {
    if (G < 0 || G > static_cast<int64_t>(R.groups()))
      return makeError(fmt::format("invalid group reference {}", G));
    int64_t B = Caps[2 * G], E = Caps[2 * G + 1];
    if (B >= 0 && E >= B) Out += S.substr(B, E - B);
    return llvm::Error::success();
  };
  for (size_t I = 0; I < T.size(); ++I) {
    char32_t C = T[I];
    if (C != '\\') {
      Out += C;
      continue;
    }
    if (++I >= T.size()) return makeError("bad escape (end of pattern)");
    C = T[I];
    if (C >= '1' && C <= '9') {
      int64_t G = C - '0';
      if (I + 1 < T.size() && T[I + 1] >= '0' && T[I + 1] <= '9')
        G = G * 10 + (T[++I] - '0');
      if (llvm::Error E = Group(G)) return E;
      continue;
    }
    if (C == 'g') {
      if (I + 1 >= T.size() || T[I + 1] != '<') return makeError("missing < in \\g");
      size_t J = I + 2;
      int64_t G = 0;
      bool Digits = J < T.size() && T[J] != '>';
      for (; J < T.size() && T[J] != '>'; ++J) {
        if (T[J] < '0' || T[J] > '9') Digits = false;
        if (Digits) G = std::min<int64_t>(G * 10 + (T[J] - '0'), 1 << 20);
      }
      if (J >= T.size()) return makeError("missing >, unterminated name");
      if (!Digits) return makeError("named group references are not supported");
      if (llvm::Error E = Group(G)) return E;
      I = J;
      continue;
    }
    switch (C) {
      case 'n':
        Out += U'\n';
        continue;
      case 't':
        Out += U'\t';
        continue;
      case 'r':
        Out += U'\r';
        continue;
      case 'f':
        Out += U'\f';
        continue;
      case 'v':
        Out += U'\v';
        continue;
      case 'a':
        Out += U'\a';
        continue;
      case 'b':
        Out += U'\b';
        continue;
      case '\\':
        Out += U'\\';
        continue;
      default:
        break;
    }
    if (C == '0' || (C < 0x80 && ((C >= 'a' && C <= 'z') || (C >= 'A' && C <= 'Z'))))
      return makeError(fmt::format("bad escape \\{} in the replacement", char(C)));
    Out += U'\\';
    Out += C;
  }
  return llvm::Error::success();
}

}  // namespace orch::ir
