//===- Type.cpp -----------------------------------------------------------===//
#include "ir/Type.h"

#include "llvm/ADT/ArrayRef.h"

namespace orch::ir {

llvm::StringRef typeName(Type T) {
  switch (T) {
    case Type::Any:
      return "any";
    case Type::Null:
      return "null";
    case Type::Bool:
      return "bool";
    case Type::Int:
      return "int";
    case Type::Float:
      return "float";
    case Type::String:
      return "string";
    case Type::List:
      return "list";
    case Type::Map:
      return "map";
  }
  return "any";
}

llvm::StringRef describeType(Type T) {
  switch (T) {
    case Type::Any:
      return "any value";
    case Type::Null:
      return "null";
    case Type::Bool:
      return "a boolean";
    case Type::Int:
      return "an integer";
    case Type::Float:
      return "a number";
    case Type::String:
      return "a string";
    case Type::List:
      return "a list";
    case Type::Map:
      return "a mapping";
  }
  return "any value";
}

namespace {
struct Spelling {
  llvm::StringRef Name;
  Type T;
};
constexpr Spelling Spellings[] = {
    {"string", Type::String}, {"str", Type::String},   {"integer", Type::Int},
    {"int", Type::Int},       {"number", Type::Float}, {"float", Type::Float},
    {"boolean", Type::Bool},  {"bool", Type::Bool},    {"list", Type::List},
    {"array", Type::List},    {"object", Type::Map},   {"map", Type::Map},
    {"dict", Type::Map},      {"any", Type::Any},
};
}  // namespace

bool parseTypeName(llvm::StringRef Name, Type &Out) {
  for (const Spelling &S : Spellings)
    if (S.Name == Name) {
      Out = S.T;
      return true;
    }
  return false;
}

llvm::ArrayRef<llvm::StringRef> typeNameSpellings() {
  static const llvm::StringRef Names[] = {
      "string", "str",  "integer", "int",    "number", "float", "boolean",
      "bool",   "list", "array",   "object", "map",    "dict",  "any"};
  return Names;
}

llvm::StringRef jsonSchemaType(Type T) {
  switch (T) {
    case Type::Any:
      return "";
    case Type::Null:
      return "null";
    case Type::Bool:
      return "boolean";
    case Type::Int:
      return "integer";
    case Type::Float:
      return "number";
    case Type::String:
      return "string";
    case Type::List:
      return "array";
    case Type::Map:
      return "object";
  }
  return "";
}

bool isAssignable(Type From, Type To) {
  if (From == To || From == Type::Any || To == Type::Any) return true;
  return From == Type::Int && To == Type::Float;
}

}  // namespace orch::ir
