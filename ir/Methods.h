//===- Methods.h - Python methods templates call on values -----*- C++ -*-===//
//
// Jinja2 templates call Python's methods on values: `s.lower()`,
// `text.split('\n')`, `d.get('k', 0)`, `xs.index(x)`. Every supported
// method is one row here and one function in Methods.cpp, with Python 3's
// semantics for the receiver type the row names. A method of another type,
// or one not in the table, is an error (never a different result).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ir/Json.h"
#include "ir/Type.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// The Python type a method belongs to.
/// `Loop` is a `{% for %}`'s `loop` (`loop.cycle('odd', 'even')`).
enum class MethodReceiver : uint8_t { Str, List, Dict, Loop };

/// What a method returns beyond its value: a dict view (`keys()`,
/// `values()`, `items()`), which Python prints and serializes differently
/// from a list, so it is only iterated, tested with `in` or counted.
enum class MethodResult : uint8_t { Value, View, PairView };

/// A method's implementation: the receiver (of the row's type) and the
/// evaluated positional arguments. Errors read as Python's.
using MethodFn = llvm::Expected<orch::ir::Json> (*)(const orch::ir::Json &Self,
                                                    llvm::ArrayRef<orch::ir::Json> Args);

/// A method usable as `value.name(args)`.
struct MethodInfo {
  llvm::StringRef Name;
  MethodReceiver Receiver;
  uint8_t MinArgs;
  uint8_t MaxArgs;
  /// Static result type; Any where it depends on the values (`get`).
  Type Result;
  MethodResult Kind;
  llvm::StringRef Summary;
  MethodFn Fn;
  /// The method takes keyword arguments (`'{x}'.format(x=1)`): its Fn gets
  /// them as one more argument, a JSON object, after the positional ones
  /// (which MinArgs and MaxArgs count).
  bool Keywords = false;
};

/// Every method, sorted by name and receiver.
llvm::ArrayRef<MethodInfo> methods();
/// The method \p Name of \p R, if the table has it.
const MethodInfo *findMethod(llvm::StringRef Name, MethodReceiver R);
/// Whether any receiver has the method \p Name.
bool isKnownMethod(llvm::StringRef Name);
/// The receiver type of a value, if it has methods here.
std::optional<MethodReceiver> receiverOf(const orch::ir::Json &V);
/// The receiver type of a static type, if it is one.
std::optional<MethodReceiver> receiverOf(Type T);
/// Python's name of a receiver type: `str`, `list`, `dict`, `loop`.
llvm::StringRef receiverName(MethodReceiver R);
/// The names of the methods a receiver has, joined by `, ` (for messages).
std::string methodNames(std::optional<MethodReceiver> R);

}  // namespace orch::ir
