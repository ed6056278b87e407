//===- MakeError.h - An llvm::Error holding just a message ------*- C++ -*-===//

#ifndef ORCH_IR_MAKEERROR_H
#define ORCH_IR_MAKEERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace orch::ir {

/// An llvm::Error whose message is \p Msg and whose error code carries
/// nothing: the shared form of every "this failed, here is why" error.
inline llvm::Error makeError(const llvm::Twine &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg);
}

}  // namespace orch::ir

#endif  // ORCH_IR_MAKEERROR_H
