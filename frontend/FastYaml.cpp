//===- FastYaml.cpp - A fast reader for the block-style YAML subset -------===//
//
// yaml-cpp reads about 10 MB/s; a 100,000-step pipeline is 15 MB. Pipelines
// are written in a small, regular subset of YAML, which this reader scans
// line by line at memory speed. It never reports: on anything outside the
// subset, or anything that might be an error (duplicate keys, multi-line
// plain scalars, anchors, tags, tabs, deep nesting), it gives up and
// yaml-cpp reads the file and reports as usual.
//
//===----------------------------------------------------------------------===//
#include <array>

#include "frontend/Escapes.h"
#include "frontend/YamlReader.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

namespace orch::frontend {

namespace {

/// Thrown inside the reader to give up; caught at its entry point.
struct GiveUp {};

[[noreturn]] void giveUp() { throw GiveUp{}; }

bool isNullSpelling(llvm::StringRef S) {
  return S.empty() || S == "~" || S == "null" || S == "Null" || S == "NULL";
}

class FastReader {
 public:
  FastReader(const SourceFile &F, llvm::StringRef T, ir::Arena &A, const YamlLimits &L)
      : File(F), T(T), A(A), Limits(L) {}

  YamlTree run() {
    // yaml-cpp's marks at the end of a file without a final newline follow
    // rules of their own; such files are rare, and read by yaml-cpp.
    if (!T.ends_with("\n")) giveUp();
    if (T.starts_with("\xEF\xBB\xBF")) giveUp();  // a byte-order mark
    // Characters YAML does not allow in a stream: yaml-cpp reports them.
    // One table look-up a byte; only 0xC2 (a C1 control may follow) needs a
    // second look.
    static constexpr auto Suspect = [] {
      std::array<bool, 256> S{};
      for (int C = 0; C < 0x20; ++C) S[C] = C != '\n' && C != '\t';
      S[0x7F] = S[0xC2] = true;
      return S;
    }();
    for (size_t I = 0; I < T.size(); ++I) {
      unsigned char C = T[I];
      if (!Suspect[C]) continue;
      if (C != 0xC2) giveUp();
      if (I + 1 < T.size() && (unsigned char)T[I + 1] >= 0x80 &&
          (unsigned char)T[I + 1] <= 0x9F)
        giveUp();
    }
    size_t P = nextContent(0);
    if (P >= T.size()) giveUp();
    if (T.substr(P).starts_with("---")) {
      llvm::StringRef Rest = lineRest(P + 3);
      if (!Rest.empty() && Rest[0] != ' ') giveUp();
      if (!isBlankOrComment(Rest)) giveUp();  // `--- value`
      P = lineEnd(P);
    }
    AllowDocStart = false;
    P = nextContent(P);
    if (P >= T.size() || column(P) != 0) giveUp();
    Tree.Root = blockNode(P, -1, 0);
    if (!llvm::isa<ast::MapNode, ast::SeqNode>(Tree.Root)) giveUp();  // not a pipeline
    if (nextContent(Cursor) < T.size()) giveUp();  // `...`, another document
    return std::move(Tree);
  }

 private:
  // --- Lines ------------------------------------------------------------

  size_t lineEnd(size_t P) const {
    size_t E = T.find('\n', P);
    return E == llvm::StringRef::npos ? T.size() : E + 1;
  }
  size_t lineStart(size_t P) const {
    size_t S = T.rfind('\n', P);  // searches [0, P)
    return S == llvm::StringRef::npos ? 0 : S + 1;
  }
  int column(size_t P) const { return static_cast<int>(P - lineStart(P)); }
  /// The rest of the line from \p P, without the line break.
  llvm::StringRef lineRaw(size_t P) const {
    llvm::StringRef R = T.slice(P, lineEnd(P));
    if (R.ends_with("\n")) R = R.drop_back();
    if (R.ends_with("\r")) giveUp();
    return R;
  }
  /// lineRaw() outside block scalars, where YAML's rules for tabs are
  /// subtle: the fast reader takes no line with a tab.
  llvm::StringRef lineRest(size_t P) const {
    llvm::StringRef R = lineRaw(P);
    if (R.contains('\t')) giveUp();
    return R;
  }
  static bool isBlankOrComment(llvm::StringRef S) {
    S = S.ltrim(' ');
    return S.empty() || S[0] == '#';
  }
  /// First non-space character of the first line at or after \p P (a line
  /// start) that holds content.
  size_t nextContent(size_t P) const {
    while (P < T.size()) {
      size_t I = P;
      while (I < T.size() && T[I] == ' ') ++I;
      if (I < T.size() && T[I] == '\t') giveUp();
      if (I < T.size() && T[I] != '\n' && T[I] != '#') {
        // Document markers: only one `---`, before the content.
        llvm::StringRef R = T.substr(I);
        if (I == P && (R.starts_with("---") || R.starts_with("...")) &&
            !(AllowDocStart && R.starts_with("---")))
          giveUp();
        return I;
      }
      P = lineEnd(P);
    }
    return T.size();
  }

  // --- Nodes ------------------------------------------------------------

  /// \p Quoted: the quoted scalar as it is in T, if it is one; where the
  /// file holds the same bytes (no AUTO tag was replaced inside), its
  /// length is known without scanning the file again.
  ast::ScalarNode *scalar(size_t At, llvm::StringRef Value, bool Plain, bool IsKey,
                          llvm::StringRef Quoted = {}) {
    SourceLoc L(static_cast<uint32_t>(At));
    uint32_t Len = !Quoted.empty() && File.text().substr(At).starts_with(Quoted)
                       ? static_cast<uint32_t>(Quoted.size())
                       : yamlScalarLength(File, L, Value, Plain);
    auto *N = A.create<ast::ScalarNode>(L, Len, A.save(Value), Plain);
    (IsKey ? Tree.KeyScalars : Tree.ValueScalars).push_back(N);
    return N;
  }
  ast::Node *nullNode(size_t At) {
    return A.create<ast::NullNode>(SourceLoc(static_cast<uint32_t>(At)), 1);
  }
  ast::Node *plainOrNull(size_t At, llvm::StringRef V) {
    if (isNullSpelling(V)) return nullNode(At);
    return scalar(At, V, true, false);
  }

  static bool startsSeqItem(llvm::StringRef S) {
    return S.starts_with("-") && (S.size() == 1 || S[1] == ' ' || S[1] == '\n');
  }

  /// A node whose first character is at \p At; \p Parent is the column of
  /// the enclosing block collection (-1 at the top).
  ast::Node *blockNode(size_t At, int Parent, unsigned Depth) {
    if (Depth >= Limits.MaxDepth) giveUp();
    llvm::StringRef Rest = lineRest(At);
    if (startsSeqItem(Rest)) return blockSeq(At, Depth);
    if (keyEnd(At)) return blockMap(At, Depth);
    return inlineValue(At, Parent, Depth);
  }

  /// If a mapping key starts at \p At, the offset of its `:`.
  std::optional<size_t> keyEnd(size_t At) const {
    llvm::StringRef R = lineRest(At);
    if (R.empty()) return std::nullopt;
    size_t I = 0;
    if (R[0] == '"' || R[0] == '\'') {
      size_t Close = quotedScalarEnd(R, 0);
      if (Close == llvm::StringRef::npos) return std::nullopt;
      I = Close + 1;
      while (I < R.size() && R[I] == ' ') ++I;
      if (I < R.size() && R[I] == ':' && (I + 1 == R.size() || R[I + 1] == ' '))
        return At + I;
      return std::nullopt;
    }
    if (llvm::StringRef("[]{},#&*!|>%@`").contains(R[0])) return std::nullopt;
    if ((R[0] == '-' || R[0] == '?' || R[0] == ':') && (R.size() == 1 || R[1] == ' '))
      return std::nullopt;
    for (; I < R.size(); ++I) {
      if (R[I] == ' ' && I + 1 < R.size() && R[I + 1] == '#') return std::nullopt;
      if (R[I] == ':' && (I + 1 == R.size() || R[I + 1] == ' ')) return At + I;
    }
    return std::nullopt;
  }

  ast::Node *blockSeq(size_t At, unsigned Depth) {
    int Col = column(At);
    llvm::SmallVector<ast::Node *, 8> Items;
    size_t P = At;
    while (true) {
      size_t After = P + 1;
      while (After < T.size() && T[After] == ' ') ++After;
      llvm::StringRef Rest = lineRest(After);
      if (isBlankOrComment(Rest)) {
        size_t N = nextContent(lineEnd(P));
        if (N < T.size() && column(N) > Col)
          Items.push_back(blockNode(N, Col, Depth + 1));
        else {
          Items.push_back(nullNode(N));  // yaml-cpp: at the next token
          Cursor = lineEnd(P);
        }
      } else {
        if (T[After - 1] != ' ') giveUp();
        Items.push_back(blockNode(After, Col, Depth + 1));
      }
      size_t N = nextContent(Cursor);
      if (N >= T.size() || column(N) < Col) break;
      if (column(N) > Col || !startsSeqItem(lineRest(N))) {
        if (column(N) == Col) break;  // a sibling key of a parent mapping
        giveUp();
      }
      P = N;
    }
    return A.create<ast::SeqNode>(SourceLoc(static_cast<uint32_t>(At)), 1,
                                  A.copyArray<ast::Node *>(Items));
  }

  ast::Node *blockMap(size_t At, unsigned Depth) {
    int Col = column(At);
    llvm::SmallVector<ast::KeyValue, 8> Entries;
    size_t P = At;
    while (true) {
      std::optional<size_t> Colon = keyEnd(P);
      if (!Colon) giveUp();
      ast::ScalarNode *Key = keyScalar(P, *Colon);
      for (const ast::KeyValue &KV : Entries)
        if (KV.Key->value() == Key->value()) giveUp();  // yaml-cpp reports it
      size_t V = *Colon + 1;
      while (V < T.size() && T[V] == ' ') ++V;
      ast::Node *Value;
      if (isBlankOrComment(lineRest(V))) {
        size_t N = nextContent(lineEnd(*Colon));
        if (N < T.size() &&
            (column(N) > Col || (column(N) == Col && startsSeqItem(lineRest(N))))) {
          Value = blockNode(N, Col, Depth + 1);
        } else {
          Value = nullNode(N);  // yaml-cpp: at the next token
          Cursor = lineEnd(*Colon);
        }
      } else {
        Value = inlineValue(V, Col, Depth + 1);
      }
      Entries.push_back({Key, Value});
      if (Entries.size() > 16) giveUp();  // keep the duplicate check cheap
      size_t N = nextContent(Cursor);
      if (N >= T.size() || column(N) < Col) break;
      if (column(N) > Col) giveUp();
      if (startsSeqItem(lineRest(N))) break;  // the parent's next item
      P = N;
    }
    return A.create<ast::MapNode>(SourceLoc(static_cast<uint32_t>(At)), 1,
                                  A.copyArray<ast::KeyValue>(Entries));
  }

  ast::ScalarNode *keyScalar(size_t At, size_t Colon) {
    llvm::StringRef Raw = T.slice(At, Colon).rtrim(' ');
    if (Raw[0] == '"' || Raw[0] == '\'') {
      return scalar(At, unquote(Raw), false, true);
    }
    if (isNullSpelling(Raw)) giveUp();  // a null key: yaml-cpp reports it
    return scalar(At, Raw, true, true);
  }

  /// A value that starts on the current line at \p At: a scalar, a flow
  /// collection or a block scalar. Sets Cursor past it.
  ast::Node *inlineValue(size_t At, int Parent, unsigned Depth) {
    llvm::StringRef R = lineRest(At);
    char C = R[0];
    if (llvm::StringRef("&*!%@`?,]}").contains(C)) giveUp();
    if (C == '-' && (R.size() == 1 || R[1] == ' ')) giveUp();
    ast::Node *N;
    size_t End;
    if (C == '|' || C == '>') return blockScalar(At, Parent);
    if (C == '"' || C == '\'') {
      size_t Close = quotedScalarEnd(R, 0);
      if (Close == llvm::StringRef::npos) giveUp();  // multi-line or unclosed
      N = scalar(At, unquote(R.take_front(Close + 1)), false, false,
                 R.take_front(Close + 1));
      End = Close + 1;
    } else if (C == '[' || C == '{') {
      size_t I = 0;
      N = flowNode(R, I, At, Depth);
      End = I;
    } else {
      size_t E = R.size();
      for (size_t I = 0; I < R.size(); ++I)
        if (R[I] == ' ' && I + 1 < R.size() && R[I + 1] == '#') {
          E = I;
          break;
        }
      llvm::StringRef V = R.take_front(E).rtrim(' ');
      if (V.contains(": ") || V.ends_with(":") || V.contains(" #")) giveUp();
      N = plainOrNull(At, V);
      End = E;
    }
    if (!isBlankOrComment(R.substr(End))) giveUp();
    Cursor = lineEnd(At);
    // Only a key or item of an enclosing collection may follow; a line
    // indented further would continue a plain scalar (or be an error).
    size_t Next = nextContent(Cursor);
    if (Next < T.size() && column(Next) > Parent) giveUp();
    return N;
  }

  /// `[a, "b", {c: d}]` or `{a: 1}` on one line; \p I indexes \p R.
  ast::Node *flowNode(llvm::StringRef R, size_t &I, size_t LineAt, unsigned Depth) {
    if (Depth >= Limits.MaxDepth) giveUp();
    auto SkipSpace = [&] {
      while (I < R.size() && R[I] == ' ') ++I;
    };
    SkipSpace();
    if (I >= R.size()) giveUp();
    size_t At = LineAt + I;
    char C = R[I];
    if (C == '[' || C == '{') {
      bool IsMap = C == '{';
      ++I;
      llvm::SmallVector<ast::Node *, 8> Items;
      llvm::SmallVector<ast::KeyValue, 8> Entries;
      while (true) {
        SkipSpace();
        if (I >= R.size()) giveUp();  // multi-line flow
        if (R[I] == (IsMap ? '}' : ']')) {
          ++I;
          break;
        }
        if (IsMap) {
          ast::Node *K = flowNode(R, I, LineAt, Depth + 1);
          auto *KS = llvm::dyn_cast<ast::ScalarNode>(K);
          if (!KS) giveUp();
          // flowNode listed it as a value; it is a key.
          Tree.ValueScalars.pop_back();
          Tree.KeyScalars.push_back(KS);
          SkipSpace();
          if (I >= R.size() || R[I] != ':') giveUp();
          ++I;
          if (I < R.size() && R[I] != ' ') giveUp();
          for (const ast::KeyValue &KV : Entries)
            if (KV.Key->value() == KS->value()) giveUp();
          Entries.push_back({KS, flowNode(R, I, LineAt, Depth + 1)});
        } else {
          Items.push_back(flowNode(R, I, LineAt, Depth + 1));
        }
        SkipSpace();
        if (I >= R.size()) giveUp();
        if (R[I] == ',') {
          ++I;
          continue;
        }
        if (R[I] != (IsMap ? '}' : ']')) giveUp();
      }
      SourceLoc L(static_cast<uint32_t>(At));
      if (IsMap) return A.create<ast::MapNode>(L, 1, A.copyArray<ast::KeyValue>(Entries));
      return A.create<ast::SeqNode>(L, 1, A.copyArray<ast::Node *>(Items));
    }
    if (C == '"' || C == '\'') {
      size_t Close = quotedScalarEnd(R, I);
      if (Close == llvm::StringRef::npos) giveUp();
      ast::Node *N =
          scalar(At, unquote(R.slice(I, Close + 1)), false, false, R.slice(I, Close + 1));
      I = Close + 1;
      return N;
    }
    if (llvm::StringRef("&*!%@`?|>#-:").contains(C)) giveUp();
    size_t Start = I;
    while (I < R.size() && !llvm::StringRef(",[]{}").contains(R[I])) {
      if (R[I] == ':' && (I + 1 == R.size() || R[I + 1] == ' ' || R[I + 1] == ',')) break;
      if (R[I] == ' ' && I + 1 < R.size() && R[I + 1] == '#') giveUp();
      ++I;
    }
    llvm::StringRef V = R.slice(Start, I).rtrim(' ');
    // yaml-cpp reads some indicators inside flow scalars its own way.
    if (V.empty() || V.find_first_of("?:#&*!|>'\"%@`\\") != llvm::StringRef::npos)
      giveUp();
    if (isNullSpelling(V)) return nullNode(At);
    return scalar(At, V, true, false);
  }

  /// `|`, `|-`, `|+`, `>`, `>-`, `>+` and the lines indented under them.
  ast::Node *blockScalar(size_t At, int Parent) {
    llvm::StringRef R = lineRest(At);
    bool Literal = R[0] == '|';
    size_t I = 1;
    char Chomp = 'c';
    if (I < R.size() && (R[I] == '-' || R[I] == '+')) Chomp = R[I++];
    if (!isBlankOrComment(R.substr(I)) || (I < R.size() && R[I] != ' ')) giveUp();
    size_t P = lineEnd(At);
    // Content lines: blank ones, and those indented more than the parent.
    std::vector<llvm::StringRef> Lines;
    int Indent = -1;
    size_t End = P;
    while (P < T.size()) {
      llvm::StringRef L = lineRaw(P);
      size_t Sp = L.size() - L.ltrim(' ').size();
      bool Blank = L.ltrim(' ').empty();
      if (!Blank) {
        if (static_cast<int>(Sp) <= Parent) break;
        if (Indent < 0) Indent = static_cast<int>(Sp);
        if (static_cast<int>(Sp) < Indent) break;
        if (L[Sp] == '\t') giveUp();
      } else if (Indent >= 0 && static_cast<int>(Sp) > Indent) {
        giveUp();  // white space beyond the indentation
      } else if (Indent < 0 && Sp > 0) {
        giveUp();
      }
      Lines.push_back(L);
      P = lineEnd(P);
      End = P;
    }
    // Trailing blank lines belong to the chomping, not to the next node.
    size_t Content = Lines.size();
    while (Content > 0 && Lines[Content - 1].ltrim(' ').empty()) --Content;
    if (Indent < 0) giveUp();  // empty block: leave the edge cases to yaml-cpp
    std::string V;
    for (size_t K = 0; K < Content; ++K) {
      llvm::StringRef L = Lines[K];
      llvm::StringRef Body = L.size() > size_t(Indent) ? L.substr(Indent) : "";
      if (!Literal) {
        // Folding: only plain paragraphs of equally indented lines.
        if (Body.empty() || Body[0] == ' ') giveUp();
        if (K) V += ' ';
      } else if (K) {
        V += '\n';
      }
      V += Body;
    }
    if (Chomp == 'c') V += '\n';
    if (Chomp == '+') V.append(Lines.size() - Content + 1, '\n');
    Cursor = End;
    return scalar(At, V, false, false);
  }

  /// The value of a single-line quoted scalar \p Q, quotes included: a
  /// slice of Q when nothing is escaped (the usual case), else the
  /// unescaped text in a buffer reused until the next call.
  llvm::StringRef unquote(llvm::StringRef Q) {
    char C = Q[0];
    llvm::StringRef Body = Q.drop_front().drop_back();
    if (!Body.contains(C == '\'' ? '\'' : '\\')) return Body;
    std::string &Out = Unquoted;
    Out.clear();
    Out.reserve(Body.size());
    for (size_t I = 0; I < Body.size(); ++I) {
      char X = Body[I];
      if (C == '\'') {
        Out += X;
        if (X == '\'') ++I;  // '' is one quote
        continue;
      }
      if (X != '\\') {
        Out += X;
        continue;
      }
      if (++I >= Body.size()) giveUp();
      std::optional<char> D = simpleEscape(Body[I]);
      if (!D || Body[I] == '\'') giveUp();  // \x, \u, \': yaml-cpp decides
      Out += *D;
    }
    return Out;
  }

  const SourceFile &File;
  std::string Unquoted;  ///< unquote()'s buffer.
  llvm::StringRef T;
  ir::Arena &A;
  const YamlLimits &Limits;
  YamlTree Tree;
  size_t Cursor = 0;  ///< Start of the first line not yet consumed.
  bool AllowDocStart = true;
};

}  // namespace

std::optional<YamlTree> fastReadYaml(const SourceFile &File, llvm::StringRef Text,
                                     ir::Arena &A, const YamlLimits &Limits) {
  try {
    return FastReader(File, Text, A, Limits).run();
  } catch (const GiveUp &) {
    return std::nullopt;
  }
}

}  // namespace orch::frontend
