//===- Ast.h - The pipeline document as parsed -----------------*- C++ -*-===//
//
// The front end's output before lowering: the YAML tree with a location on
// every node, every string scalar split into text, `{{ expr }}` and AUTO
// segments. Nodes live in an ir::Arena; aliases share nodes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>

#include "ir/Pipeline.h"
#include "ir/SourceFile.h"
#include "ir/Value.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::ast {

/// Base of every document node.
class Node {
 public:
  enum class Kind : uint8_t { Null, Scalar, Seq, Map };
  Kind kind() const { return K; }
  SourceLoc loc() const { return Loc; }
  /// Characters to underline in diagnostics.
  uint32_t length() const { return Len; }
  /// A short description for messages: "a string", "a mapping", ...
  llvm::StringRef describe() const;

 protected:
  Node(Kind K, SourceLoc Loc, uint32_t Len) : K(K), Loc(Loc), Len(Len) {}

 private:
  Kind K;
  SourceLoc Loc;
  uint32_t Len;
};

/// `~`, `null` or an empty value.
class NullNode : public Node {
 public:
  NullNode(SourceLoc L, uint32_t Len) : Node(Kind::Null, L, Len) {}
  static bool classof(const Node *N) { return N->kind() == Kind::Null; }
};

/// A scalar. Plain scalars are typed by their spelling (`3` is an int);
/// quoted and block scalars are strings.
class ScalarNode : public Node {
 public:
  ScalarNode(SourceLoc L, uint32_t Len, llvm::StringRef V, bool Plain)
      : Node(Kind::Scalar, L, Len), Val(V), Plain(Plain) {}
  /// The scalar's value after YAML processing (placeholders, not tags).
  llvm::StringRef value() const { return Val; }
  bool isPlain() const { return Plain; }
  /// Template and AUTO segments; empty when the scalar is plain text.
  llvm::ArrayRef<ir::Segment> segments() const { return Segs; }
  void setSegments(llvm::ArrayRef<ir::Segment> S) { Segs = S; }
  /// True if the scalar holds a `{{ }}` placeholder or an AUTO tag.
  bool isTemplated() const { return !Segs.empty(); }
  /// The AUTO tag if the whole scalar is one tag.
  ir::AutoTag *soleAuto() const {
    return Segs.size() == 1 && Segs[0].K == ir::Segment::Kind::Auto ? Segs[0].Tag
                                                                    : nullptr;
  }
  /// The typed constant a plain scalar spells (string for quoted ones).
  ir::Scalar typedValue() const;
  /// A plain integer (decimal, `0x`, `0o`) too large for 64 bits: YAML
  /// (and Python) read it as an integer, which typedValue() cannot hold,
  /// so it is an error where it is used, never a string.
  bool isOversizedInteger() const;
  static bool classof(const Node *N) { return N->kind() == Kind::Scalar; }

 private:
  llvm::StringRef Val;
  bool Plain;
  llvm::ArrayRef<ir::Segment> Segs;
};

/// A sequence.
class SeqNode : public Node {
 public:
  SeqNode(SourceLoc L, uint32_t Len, llvm::ArrayRef<Node *> Items)
      : Node(Kind::Seq, L, Len), Items(Items) {}
  llvm::ArrayRef<Node *> items() const { return Items; }
  static bool classof(const Node *N) { return N->kind() == Kind::Seq; }

 private:
  llvm::ArrayRef<Node *> Items;
};

/// One `key: value` pair.
struct KeyValue {
  ScalarNode *Key;
  Node *Value;
};

/// A mapping, keys in source order and unique.
class MapNode : public Node {
 public:
  MapNode(SourceLoc L, uint32_t Len, llvm::ArrayRef<KeyValue> Entries)
      : Node(Kind::Map, L, Len), Entries(Entries) {}
  llvm::ArrayRef<KeyValue> entries() const { return Entries; }
  /// The value under \p Key, or null.
  const KeyValue *find(llvm::StringRef Key) const;
  static bool classof(const Node *N) { return N->kind() == Kind::Map; }

 private:
  llvm::ArrayRef<KeyValue> Entries;
};

/// A parsed pipeline file.
struct Document {
  std::shared_ptr<const SourceFile> File;
  std::shared_ptr<ir::Arena> Arena;
  Node *Root = nullptr;
  /// Every AUTO tag in the order scalars hold them.
  std::vector<ir::AutoTag *> AutoTags;
};

/// Structural equality of two trees: kinds, locations, lengths, scalar
/// values and styles, keys, order. On a difference returns false and says
/// where in \p Why. Used to hold the fast YAML reader to yaml-cpp's result.
bool sameTree(const Node *A, const Node *B, std::string &Why);

/// Prints \p Doc as an indented tree (`--emit=ast`).
void printDocument(llvm::raw_ostream &OS, const Document &Doc, bool ShowLocs);

}  // namespace orch::ast
