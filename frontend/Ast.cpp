//===- Ast.cpp - Document nodes and their printer -------------------------===//
#include "frontend/Ast.h"

#include <cmath>

#include "llvm/ADT/StringExtras.h"

namespace orch::ast {

llvm::StringRef Node::describe() const {
  switch (K) {
    case Kind::Null:
      return "null";
    case Kind::Seq:
      return "a list";
    case Kind::Map:
      return "a mapping";
    case Kind::Scalar: {
      auto *S = llvm::cast<ScalarNode>(this);
      if (S->soleAuto()) return "an AUTO tag";
      if (S->isTemplated()) return "a template";
      switch (S->typedValue().Ty) {
        case ir::Type::Bool:
          return "a boolean";
        case ir::Type::Int:
          return "an integer";
        case ir::Type::Float:
          return "a number";
        default:
          return "a string";
      }
    }
  }
  return "a value";
}

namespace {
bool isDigits(llvm::StringRef S) { return !S.empty() && llvm::all_of(S, llvm::isDigit); }

bool looksLikeFloat(llvm::StringRef S) {
  if (S.consume_front("-") || S.consume_front("+")) {
  }
  if (S == ".inf" || S == ".Inf" || S == ".INF") return true;
  auto [Mant, Exp] = S.split('e');
  if (Exp.empty() && S.contains('E')) std::tie(Mant, Exp) = S.split('E');
  if (S.contains_insensitive("e")) {
    if (Exp.consume_front("-") || Exp.consume_front("+")) {
    }
    if (!isDigits(Exp)) return false;
  }
  auto [Int, Frac] = Mant.split('.');
  if (!Mant.contains('.')) return isDigits(Int) && S.contains_insensitive("e");
  return (isDigits(Int) || Int.empty()) && (isDigits(Frac) || Frac.empty()) &&
         !(Int.empty() && Frac.empty());
}
}  // namespace

bool ScalarNode::isOversizedInteger() const {
  if (!Plain) return false;
  llvm::StringRef Digits = Val;
  if (!Digits.consume_front("-")) Digits.consume_front("+");
  auto AllIn = [](llvm::StringRef S, llvm::StringRef Set) {
    return !S.empty() && S.find_first_not_of(Set) == llvm::StringRef::npos;
  };
  bool IntSpelling =
      isDigits(Digits) ||
      (Digits.starts_with("0x") &&
       AllIn(Digits.drop_front(2), "0123456789abcdefABCDEF")) ||
      (Digits.starts_with("0o") && AllIn(Digits.drop_front(2), "01234567"));
  // Spelled as an integer, yet not one: it did not fit.
  return IntSpelling && typedValue().Ty != ir::Type::Int;
}

ir::Scalar ScalarNode::typedValue() const {
  if (!Plain) return ir::Scalar::string(Val);
  llvm::StringRef S = Val;
  if (S == "true" || S == "True" || S == "TRUE") return ir::Scalar::boolean(true);
  if (S == "false" || S == "False" || S == "FALSE") return ir::Scalar::boolean(false);
  int64_t I;
  llvm::StringRef Digits = S;
  bool Neg = Digits.consume_front("-");
  if (!Neg) Digits.consume_front("+");
  // With the sign, so that -9223372036854775808 is an integer too.
  if (isDigits(Digits) && !(Neg ? S : Digits).getAsInteger(10, I))
    return ir::Scalar::integer(I);
  if (Digits.starts_with("0x") && !Digits.drop_front(2).getAsInteger(16, I))
    return ir::Scalar::integer(Neg ? -I : I);
  if (Digits.starts_with("0o") && !Digits.drop_front(2).getAsInteger(8, I))
    return ir::Scalar::integer(Neg ? -I : I);
  if (S == ".nan" || S == ".NaN" || S == ".NAN") return ir::Scalar::real(NAN);
  if (looksLikeFloat(S)) {
    if (S.ends_with("inf") || S.ends_with("Inf") || S.ends_with("INF"))
      return ir::Scalar::real(S.starts_with("-") ? -INFINITY : INFINITY);
    return ir::Scalar::real(std::strtod(S.str().c_str(), nullptr));
  }
  return ir::Scalar::string(Val);
}

const KeyValue *MapNode::find(llvm::StringRef Key) const {
  for (const KeyValue &KV : Entries)
    if (KV.Key->value() == Key) return &KV;
  return nullptr;
}

bool sameTree(const Node *A, const Node *B, std::string &Why) {
  auto Fail = [&](const char *What) {
    Why = std::string(What) + " at offset " +
          std::to_string(A   ? A->loc().Offset
                         : B ? B->loc().Offset
                             : 0);
    return false;
  };
  if (!A || !B) return A == B ? true : Fail("missing node");
  if (A->kind() != B->kind()) return Fail("different kinds");
  if (A->loc() != B->loc()) return Fail("different locations");
  if (A->length() != B->length()) return Fail("different lengths");
  if (auto *SA = llvm::dyn_cast<ScalarNode>(A)) {
    auto *SB = llvm::cast<ScalarNode>(B);
    if (SA->value() != SB->value()) return Fail("different values");
    if (SA->isPlain() != SB->isPlain()) return Fail("different styles");
    return true;
  }
  if (auto *QA = llvm::dyn_cast<SeqNode>(A)) {
    auto *QB = llvm::cast<SeqNode>(B);
    if (QA->items().size() != QB->items().size()) return Fail("different item counts");
    for (size_t I = 0; I < QA->items().size(); ++I)
      if (!sameTree(QA->items()[I], QB->items()[I], Why)) return false;
    return true;
  }
  if (auto *MA = llvm::dyn_cast<MapNode>(A)) {
    auto *MB = llvm::cast<MapNode>(B);
    if (MA->entries().size() != MB->entries().size()) return Fail("different key counts");
    for (size_t I = 0; I < MA->entries().size(); ++I) {
      if (!sameTree(MA->entries()[I].Key, MB->entries()[I].Key, Why)) return false;
      if (!sameTree(MA->entries()[I].Value, MB->entries()[I].Value, Why)) return false;
    }
  }
  return true;
}

namespace {
class Printer {
 public:
  Printer(llvm::raw_ostream &OS, const Document &D, bool Locs)
      : OS(OS), File(*D.File), Locs(Locs) {}

  void node(const Node *N, unsigned Indent) {
    switch (N->kind()) {
      case Node::Kind::Null:
        OS << "null";
        loc(N->loc());
        OS << '\n';
        return;
      case Node::Kind::Scalar:
        scalar(llvm::cast<ScalarNode>(N), Indent);
        return;
      case Node::Kind::Seq: {
        auto *S = llvm::cast<SeqNode>(N);
        OS << "seq";
        loc(N->loc());
        OS << '\n';
        for (const Node *I : S->items()) {
          OS.indent(Indent + 2) << "- ";
          node(I, Indent + 4);
        }
        return;
      }
      case Node::Kind::Map: {
        auto *M = llvm::cast<MapNode>(N);
        OS << "map";
        loc(N->loc());
        OS << '\n';
        for (const KeyValue &KV : M->entries()) {
          OS.indent(Indent + 2) << KV.Key->value() << ": ";
          node(KV.Value, Indent + 2);
        }
        return;
      }
    }
  }

 private:
  void loc(SourceLoc L) {
    if (!Locs || !L.isValid()) return;
    LineCol LC = File.lineCol(L);
    OS << " <" << LC.Line << ':' << LC.Col << '>';
  }

  void scalar(const ScalarNode *S, unsigned Indent) {
    if (!S->isTemplated()) {
      ir::Scalar V = S->typedValue();
      OS << ir::typeName(V.Ty) << ' ';
      ir::printScalar(OS, V);
      loc(S->loc());
      OS << '\n';
      return;
    }
    OS << "template";
    loc(S->loc());
    OS << '\n';
    for (const ir::Segment &Seg : S->segments()) {
      OS.indent(Indent + 2);
      switch (Seg.K) {
        case ir::Segment::Kind::Text:
          OS << "text ";
          ir::printScalar(OS, ir::Scalar::string(Seg.Text));
          break;
        case ir::Segment::Kind::Expr:
          OS << "expr ";
          ir::dumpExprTree(OS, Seg.E);
          loc(Seg.E->loc());
          break;
        case ir::Segment::Kind::Auto:
          autoTag(*Seg.Tag);
          break;
      }
      OS << '\n';
    }
  }

  void autoTag(const ir::AutoTag &T) {
    OS << "auto#" << T.Id;
    if (T.DeclaredType) OS << " type=" << ir::typeName(*T.DeclaredType);
    if (T.Min) {
      OS << " min=";
      ir::printNumber(OS, *T.Min);
    }
    if (T.Max) {
      OS << " max=";
      ir::printNumber(OS, *T.Max);
    }
    if (!T.Choices.empty()) OS << " choices=" << llvm::join(T.Choices, ",");
    OS << ' ';
    ir::printScalar(OS, ir::Scalar::string(T.Text));
    loc(T.Loc);
  }

  llvm::raw_ostream &OS;
  const SourceFile &File;
  bool Locs;
};
}  // namespace

void printDocument(llvm::raw_ostream &OS, const Document &Doc, bool ShowLocs) {
  OS << "document \"" << Doc.File->name() << "\"\n";
  if (Doc.Root) Printer(OS, Doc, ShowLocs).node(Doc.Root, 0);
}

}  // namespace orch::ast
