//===- Value.h - Parameter values: literals, templates, AUTO tags -*- C++ -*-===//
#pragma once

#include <cstdint>
#include <optional>

#include "ir/Expr.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"

namespace orch::ir {

class Value;

/// Where the value of an AUTO tag came from.
enum class AutoOrigin : uint8_t { Unresolved, Lock, Cache, Model };

/// A descriptive `<AUTO>` attribute: `task="summarize"`.
struct AutoHint {
  llvm::StringRef Name;
  llvm::StringRef Value;
};

/// One `<AUTO ...>text</AUTO>` tag.
struct AutoTag {
  uint32_t Id = 0;       ///< Index in source order.
  SourceLoc Loc;         ///< The `<` of `<AUTO`.
  uint32_t Length = 0;   ///< Source length of the whole tag.
  llvm::StringRef Text;  ///< What the model should decide.
  /// Attributes, as written.
  std::optional<Type> DeclaredType;
  std::optional<double> Min, Max;
  llvm::ArrayRef<llvm::StringRef> Choices;
  /// ContextLab's descriptive attributes (`task="summarize"`,
  /// `expertise="high"`), in source order: shown to the model.
  llvm::ArrayRef<AutoHint> Hints;
  /// `<AUTO task="...">` with no text and no `</AUTO>`: Text is made from
  /// the attributes.
  bool SelfClosing = false;
  /// The least value the field allows (`timeout`: 1, `max_retries`: 0),
  /// kept apart from `min` so a range in the text can still bound it.
  std::optional<double> Floor;
  /// Where the tag sits, as a path: `steps.a.parameters.style`.
  llvm::StringRef Path;
  /// The resolved value, once resolution ran.
  Value *Resolved = nullptr;
  AutoOrigin Origin = AutoOrigin::Unresolved;
  /// Who decided the value: `openai/gpt-4o-mini`, `hand-written`.
  llvm::StringRef Model;
};

/// A piece of a template string.
struct Segment {
  enum class Kind : uint8_t { Text, Expr, Auto };
  Kind K;
  /// Kind::Text: the literal text. Kind::Expr: the expression as written
  /// between `{{ }}`, unescaped and trimmed (empty in a loaded plan).
  llvm::StringRef Text;
  Expr *E = nullptr;       ///< Kind::Expr: the parsed expression.
  AutoTag *Tag = nullptr;  ///< Kind::Auto.
  /// Where an Expr or Auto segment sits in the source (ir/Expr.cpp).
  SourceLoc loc() const;
  /// The length of that place.
  uint32_t length() const;
};

/// A key of a map value.
struct MapEntry {
  llvm::StringRef Key;
  SourceLoc KeyLoc;
  Value *V;
};

/// A parameter value.
class Value {
 public:
  enum class Kind : uint8_t { Scalar, Template, Auto, List, Map };
  Kind kind() const { return K; }
  SourceLoc loc() const { return Loc; }
  uint32_t length() const { return Len; }
  /// The static type: Any for templates until resolution says more.
  Type type() const { return Ty; }
  void setType(Type T) { Ty = T; }

 protected:
  Value(Kind K, SourceLoc Loc, uint32_t Len, Type Ty)
      : K(K), Ty(Ty), Loc(Loc), Len(Len) {}

 private:
  Kind K;
  Type Ty;
  SourceLoc Loc;
  uint32_t Len;
};

/// A constant.
class ScalarValue : public Value {
 public:
  ScalarValue(SourceLoc L, uint32_t Len, Scalar S)
      : Value(Kind::Scalar, L, Len, S.Ty), S(S) {}
  const Scalar &scalar() const { return S; }
  static bool classof(const Value *V) { return V->kind() == Kind::Scalar; }

 private:
  Scalar S;
};

/// A string with `{{ expr }}` placeholders and/or AUTO tags among text. A
/// template that is exactly one placeholder keeps the expression's type.
class TemplateValue : public Value {
 public:
  TemplateValue(SourceLoc L, uint32_t Len, llvm::ArrayRef<Segment> Segs)
      : Value(Kind::Template, L, Len, Type::String), Segs(Segs) {}
  llvm::ArrayRef<Segment> segments() const { return Segs; }
  /// For passes that replace expressions; the arena's storage is writable.
  llvm::MutableArrayRef<Segment> mutableSegments() {
    return {const_cast<Segment *>(Segs.data()), Segs.size()};
  }
  /// The expression if the template is a single placeholder, else null.
  Expr *soleExpr() const {
    return Segs.size() == 1 && Segs[0].K == Segment::Kind::Expr ? Segs[0].E : nullptr;
  }
  static bool classof(const Value *V) { return V->kind() == Kind::Template; }

 private:
  llvm::ArrayRef<Segment> Segs;
};

/// A whole value decided by an AUTO tag.
class AutoValue : public Value {
 public:
  AutoValue(SourceLoc L, uint32_t Len, AutoTag *T)
      : Value(Kind::Auto, L, Len, T->DeclaredType.value_or(Type::Any)), Tag(T) {}
  AutoTag *tag() const { return Tag; }
  static bool classof(const Value *V) { return V->kind() == Kind::Auto; }

 private:
  AutoTag *Tag;
};

/// `[a, b]`.
class ListValue : public Value {
 public:
  ListValue(SourceLoc L, uint32_t Len, llvm::ArrayRef<Value *> Items)
      : Value(Kind::List, L, Len, Type::List), Items(Items) {}
  llvm::ArrayRef<Value *> items() const { return Items; }
  /// For passes that replace items; the arena's storage is writable.
  llvm::MutableArrayRef<Value *> mutableItems() {
    return {const_cast<Value **>(Items.data()), Items.size()};
  }
  static bool classof(const Value *V) { return V->kind() == Kind::List; }

 private:
  llvm::ArrayRef<Value *> Items;
};

/// `{k: v}`, keys in source order.
class MapValue : public Value {
 public:
  MapValue(SourceLoc L, uint32_t Len, llvm::ArrayRef<MapEntry> Entries)
      : Value(Kind::Map, L, Len, Type::Map), Entries(Entries) {}
  llvm::ArrayRef<MapEntry> entries() const { return Entries; }
  /// For passes that replace values; the arena's storage is writable.
  llvm::MutableArrayRef<MapEntry> mutableEntries() {
    return {const_cast<MapEntry *>(Entries.data()), Entries.size()};
  }
  static bool classof(const Value *V) { return V->kind() == Kind::Map; }

 private:
  llvm::ArrayRef<MapEntry> Entries;
};

/// Calls \p Fn on every expression in \p V, in source order.
template <typename Fn>
void forEachExpr(const Value *V, Fn &&F) {
  if (!V) return;
  switch (V->kind()) {
    case Value::Kind::Template:
      for (const Segment &S : llvm::cast<TemplateValue>(V)->segments())
        if (S.K == Segment::Kind::Expr) F(S.E);
      return;
    case Value::Kind::List:
      for (const Value *I : llvm::cast<ListValue>(V)->items()) forEachExpr(I, F);
      return;
    case Value::Kind::Map:
      for (const MapEntry &E : llvm::cast<MapValue>(V)->entries()) forEachExpr(E.V, F);
      return;
    default:
      return;
  }
}

}  // namespace orch::ir
