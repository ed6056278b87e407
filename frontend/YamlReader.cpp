//===- YamlReader.cpp - yaml-cpp events to AST nodes ----------------------===//
#include "frontend/YamlReader.h"

#include <istream>
#include <streambuf>

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/parser.h"

namespace orch::frontend {

namespace {

/// An istream over memory we already hold, so 50 MB are not copied again.
class MemoryBuf : public std::streambuf {
 public:
  explicit MemoryBuf(llvm::StringRef S) {
    char *B = const_cast<char *>(S.data());
    setg(B, B, B + S.size());
  }
};

/// Thrown from inside the event handler to stop parsing after a diagnostic.
struct StopParsing {};

class Builder : public YAML::EventHandler {
 public:
  Builder(const SourceFile &F, ir::Arena &A, DiagnosticEngine &D, const YamlLimits &L)
      : File(F), Arena(A), Diags(D), Limits(L) {}

  YamlTree Tree;

  void OnDocumentStart(const YAML::Mark &) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark &M, YAML::anchor_t Anchor) override {
    SourceLoc L = loc(M);
    add(Arena.create<ast::NullNode>(L, 1), Anchor, 1);
  }
  void OnAlias(const YAML::Mark &M, YAML::anchor_t Anchor) override {
    auto It = Anchors.find(Anchor);
    if (It == Anchors.end()) {
      Diags.report(DiagKind::YamlSyntax, loc(M), 1, "alias refers to an unknown anchor");
      throw StopParsing{};
    }
    AliasExpansion += It->second.second;
    if (AliasExpansion > Limits.MaxAliasExpansion) {
      Diags.report(DiagKind::YamlAliasBomb, loc(M), 1, Limits.MaxAliasExpansion);
      throw StopParsing{};
    }
    add(It->second.first, 0, It->second.second);
  }
  void OnScalar(const YAML::Mark &M, const std::string &Tag, YAML::anchor_t Anchor,
                const std::string &Value) override {
    SourceLoc L = loc(M);
    bool Plain = Tag == "?";
    auto *N = Arena.create<ast::ScalarNode>(L, scalarLength(L, Value, Plain),
                                            Arena.save(Value), Plain);
    add(N, Anchor, 1);
  }
  void OnSequenceStart(const YAML::Mark &M, const std::string &, YAML::anchor_t Anchor,
                       YAML::EmitterStyle::value) override {
    push(M, Anchor, false);
  }
  void OnSequenceEnd() override {
    Frame F = pop();
    auto Items = Arena.copyArray<ast::Node *>(F.Items);
    add(Arena.create<ast::SeqNode>(F.Loc, 1, Items), F.Anchor, F.Size);
  }
  void OnMapStart(const YAML::Mark &M, const std::string &, YAML::anchor_t Anchor,
                  YAML::EmitterStyle::value) override {
    push(M, Anchor, true);
  }
  void OnMapEnd() override {
    Frame F = pop();
    checkDuplicates(F.Entries);
    auto Entries = Arena.copyArray<ast::KeyValue>(F.Entries);
    add(Arena.create<ast::MapNode>(F.Loc, 1, Entries), F.Anchor, F.Size);
  }

 private:
  struct Frame {
    bool IsMap;
    SourceLoc Loc;
    YAML::anchor_t Anchor;
    uint64_t Size = 1;
    llvm::SmallVector<ast::Node *, 8> Items;
    llvm::SmallVector<ast::KeyValue, 8> Entries;
    ast::Node *PendingKey = nullptr;
  };

  SourceLoc loc(const YAML::Mark &M) const {
    return File.fromZeroBased(M.line, M.column);
  }

  uint32_t scalarLength(SourceLoc L, llvm::StringRef Value, bool Plain) const {
    return yamlScalarLength(File, L, Value, Plain);
  }

  void push(const YAML::Mark &M, YAML::anchor_t Anchor, bool IsMap) {
    if (Stack.size() >= Limits.MaxDepth) {
      Diags.report(DiagKind::YamlTooDeep, loc(M), 1, Limits.MaxDepth);
      throw StopParsing{};
    }
    Stack.emplace_back();
    Stack.back().IsMap = IsMap;
    Stack.back().Loc = loc(M);
    Stack.back().Anchor = Anchor;
  }

  Frame pop() {
    Frame F = std::move(Stack.back());
    Stack.pop_back();
    return F;
  }

  void add(ast::Node *N, YAML::anchor_t Anchor, uint64_t Size) {
    if (Anchor) Anchors[Anchor] = {N, Size};
    if (Stack.empty()) {
      if (Tree.Root) {
        Diags.report(DiagKind::YamlMultipleDocuments, N->loc(), 1);
        throw StopParsing{};
      }
      Tree.Root = N;
      return;
    }
    Frame &F = Stack.back();
    F.Size += Size;
    if (!F.IsMap) {
      F.Items.push_back(N);
      if (auto *S = llvm::dyn_cast<ast::ScalarNode>(N)) noteValue(S);
      return;
    }
    if (!F.PendingKey) {
      F.PendingKey = N;
      return;
    }
    ast::Node *KeyNode = F.PendingKey;
    F.PendingKey = nullptr;
    auto *Key = llvm::dyn_cast<ast::ScalarNode>(KeyNode);
    if (!Key) {
      Diags.report(DiagKind::YamlComplexKey, KeyNode->loc(), KeyNode->length(),
                   KeyNode->describe().str());
      return;
    }
    F.Entries.push_back({Key, N});
    Tree.KeyScalars.push_back(Key);
    if (auto *S = llvm::dyn_cast<ast::ScalarNode>(N)) noteValue(S);
  }

  void noteValue(ast::ScalarNode *S) {
    // An aliased scalar is the same node: list it once.
    if (Seen.insert(S).second) Tree.ValueScalars.push_back(S);
  }

  void checkDuplicates(llvm::ArrayRef<ast::KeyValue> Entries) {
    auto Report = [&](const ast::KeyValue &Dup, const ast::KeyValue &First) {
      Diagnostic &D = Diags.report(DiagKind::YamlDuplicateKey, Dup.Key->loc(),
                                   Dup.Key->length(), Dup.Key->value().str());
      DiagnosticEngine::note(D, DiagKind::NoteFirstDefined, First.Key->loc(),
                             First.Key->length());
    };
    if (Entries.size() <= 16) {
      for (size_t I = 1; I < Entries.size(); ++I)
        for (size_t J = 0; J < I; ++J)
          if (Entries[I].Key->value() == Entries[J].Key->value()) {
            Report(Entries[I], Entries[J]);
            break;
          }
      return;
    }
    llvm::StringMap<size_t> Index;
    for (size_t I = 0; I < Entries.size(); ++I) {
      auto [It, New] = Index.try_emplace(Entries[I].Key->value(), I);
      if (!New) Report(Entries[I], Entries[It->second]);
    }
  }

  const SourceFile &File;
  ir::Arena &Arena;
  DiagnosticEngine &Diags;
  const YamlLimits &Limits;
  std::vector<Frame> Stack;
  llvm::DenseMap<YAML::anchor_t, std::pair<ast::Node *, uint64_t>> Anchors;
  llvm::DenseSet<ast::ScalarNode *> Seen;
  uint64_t AliasExpansion = 0;
};

/// yaml-cpp's messages start upper case and end without context; make them
/// read like ours and add a hint for the common AUTO-less `: ` mistake.
std::string rewordYamlMessage(const std::string &Msg) {
  std::string Out = Msg;
  if (!Out.empty()) Out[0] = llvm::toLower(Out[0]);
  if (llvm::StringRef(Out).contains("illegal map value"))
    Out += " (a `: ` inside an unquoted value starts a mapping; quote the value)";
  return Out;
}

}  // namespace

size_t quotedScalarEnd(llvm::StringRef S, size_t Open) {
  char Q = S[Open];
  for (size_t I = Open + 1; I < S.size() && S[I] != '\n' && S[I] != '\r'; ++I) {
    if (Q == '"' && S[I] == '\\') {
      ++I;
      if (I < S.size() && (S[I] == '\n' || S[I] == '\r')) break;
      continue;
    }
    if (S[I] == Q) {
      if (Q == '\'' && I + 1 < S.size() && S[I + 1] == '\'') {
        ++I;
        continue;
      }
      return I;
    }
  }
  return llvm::StringRef::npos;
}

uint32_t yamlScalarLength(const SourceFile &File, SourceLoc L, llvm::StringRef Value,
                          bool Plain) {
  // Scan no further than the scalar itself: a 100,000-item flow list on
  // one line must not make this quadratic.
  llvm::StringRef Rest = File.text().substr(L.Offset);
  if (Rest.empty() || Rest[0] == '\n' || Rest[0] == '\r') return 1;
  char Q = Rest[0];
  if (!Plain && (Q == '"' || Q == '\'')) {
    size_t Close = quotedScalarEnd(Rest, 0);
    if (Close != llvm::StringRef::npos) return static_cast<uint32_t>(Close + 1);
    return static_cast<uint32_t>(
        Rest.take_until([](char C) { return C == '\n' || C == '\r'; }).size());
  }
  if (!Plain) return 1;  // block scalar indicator
  llvm::StringRef Head = Rest.take_front(std::max<size_t>(1, Value.size()));
  Head = Head.take_until([](char C) { return C == '\n' || C == '\r'; }).rtrim();
  return static_cast<uint32_t>(std::max<size_t>(1, Head.size()));
}

YamlTree readYaml(const SourceFile &File, llvm::StringRef Text, ir::Arena &A,
                  DiagnosticEngine &Diags, const YamlLimits &Limits) {
  if (Limits.FastPath)
    if (std::optional<YamlTree> Fast = fastReadYaml(File, Text, A, Limits))
      return std::move(*Fast);
  MemoryBuf Buf(Text);
  std::istream In(&Buf);
  Builder B(File, A, Diags, Limits);
  try {
    YAML::Parser P(In);
    // A second document reaches Builder::add with a root already set.
    if (P.HandleNextDocument(B)) P.HandleNextDocument(B);
  } catch (const StopParsing &) {
    return {};
  } catch (const YAML::DeepRecursion &E) {
    Diags.report(DiagKind::YamlTooDeep, File.fromZeroBased(E.mark.line, E.mark.column), 1,
                 Limits.MaxDepth);
    return {};
  } catch (const YAML::Exception &E) {
    SourceLoc L =
        E.mark.is_null() ? SourceLoc(0) : File.fromZeroBased(E.mark.line, E.mark.column);
    Diags.report(DiagKind::YamlSyntax, L, 1, rewordYamlMessage(E.msg));
    return {};
  } catch (const std::exception &E) {
    Diags.report(DiagKind::YamlSyntax, SourceLoc(0), 1,
                 std::string("YAML parser failed: ") + E.what());
    return {};
  }
  if (Diags.hasErrors()) return {};
  return std::move(B.Tree);
}

}  // namespace orch::frontend
