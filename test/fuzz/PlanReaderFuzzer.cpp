//===- PlanReaderFuzzer.cpp - libFuzzer entry for the plan reader ---------===//
//
// Random bytes would almost never pass the envelope's SHA-256, so the input
// is taken as a payload and wrapped in a valid header: the fuzzer then
// explores the FlatBuffers verifier, the plan's own checks and the dump.
// (The envelope itself is covered by test/plan/corrupt.test.)
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/plan/PlanFile.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/plan/PlanReader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::string File =
      orch::plan::wrapPlan(llvm::StringRef(reinterpret_cast<const char *>(Data), Size));
  llvm::Expected<orch::runtime::LoadedPlan> P = orch::runtime::readPlan(std::move(File));
  if (!P) {
    llvm::consumeError(P.takeError());
    return 0;
  }
  std::string Sink;
  llvm::raw_string_ostream OS(Sink);
  orch::runtime::dumpPlan(OS, *P);
  return 0;
}
