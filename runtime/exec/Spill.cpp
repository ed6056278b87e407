//===- Spill.cpp ----------------------------------------------------------===//
#include "runtime/exec/Spill.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/AtomicFile.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace orch::runtime {

using nlohmann::json;

namespace {

/// A file name from a step id and a field: other bytes become `_`.
std::string fileName(llvm::StringRef StepId, llvm::StringRef Field) {
  std::string N = (StepId + "." + Field).str();
  for (char &C : N)
    if (!llvm::isAlnum(C) && C != '_' && C != '-' && C != '.') C = '_';
  return N;
}

}  // namespace

llvm::Expected<std::vector<SpilledField>> spillFields(json &Fields,
                                                      llvm::StringRef StepId,
                                                      const SpillOptions &O) {
  std::vector<SpilledField> Out;
  if (O.Dir.empty() || !Fields.is_object()) return Out;
  // The longest first, so that a shorter copy can share its file.
  std::vector<std::string> Big;
  for (auto &[Key, V] : Fields.items())
    if (V.is_string() && V.get_ref<const std::string &>().size() > O.Threshold)
      Big.push_back(Key);
  std::sort(Big.begin(), Big.end(), [&](const std::string &A, const std::string &B) {
    size_t SA = Fields[A].get_ref<const std::string &>().size();
    size_t SB = Fields[B].get_ref<const std::string &>().size();
    return SA != SB ? SA > SB : A < B;
  });
  for (const std::string &Key : Big) {
    const std::string &Text = Fields[Key].get_ref<const std::string &>();
    SpilledField S;
    S.Field = Key;
    S.Bytes = Text.size();
    // The same text (or it without the final newline) shares a file.
    for (const SpilledField &Prev : Out) {
      const std::string &P = Fields[Prev.Field].get_ref<const std::string &>();
      std::string_view Whole = P;
      if (Prev.TrimNewline) continue;
      if (Whole == Text || (Whole.size() == Text.size() + 1 && Whole.back() == '\n' &&
                            Whole.substr(0, Text.size()) == Text)) {
        S.Path = Prev.Path;
        S.TrimNewline = Whole.size() != Text.size();
        break;
      }
    }
    if (S.Path.empty()) {
      if (std::error_code EC = llvm::sys::fs::create_directories(O.Dir))
        return llvm::createStringError(
            EC, fmt::format("cannot create `{}`: {}", O.Dir, EC.message()));
      llvm::SmallString<256> P(O.Dir);
      llvm::sys::path::append(P, fileName(StepId, Key));
      S.Path = P.str().str();
      if (llvm::Error E = writeFileAtomically(S.Path, Text)) return E;
    }
    Out.push_back(std::move(S));
  }
  for (const SpilledField &S : Out) Fields.erase(S.Field);
  return Out;
}

llvm::Error loadSpilled(json &Fields, const std::vector<SpilledField> &S) {
  for (const SpilledField &F : S) {
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B =
        llvm::MemoryBuffer::getFile(F.Path, /*IsText=*/false,
                                    /*RequiresNullTerminator=*/false);
    if (!B)
      return llvm::createStringError(
          B.getError(),
          fmt::format("cannot read `{}` back: {}", F.Path, B.getError().message()));
    llvm::StringRef Text = (*B)->getBuffer();
    if (Text.size() < F.Bytes)
      return llvm::createStringError(
          fmt::format("`{}` is shorter than the value it held", F.Path));
    Fields[F.Field] = Text.substr(0, F.Bytes).str();
  }
  return llvm::Error::success();
}

json describeSpilled(const std::vector<SpilledField> &S) {
  json J = json::object();
  for (const SpilledField &F : S) J[F.Field] = json{{"file", F.Path}, {"bytes", F.Bytes}};
  return J;
}

llvm::Expected<std::vector<SpilledField>> parseSpilled(const json &J) {
  std::vector<SpilledField> Out;
  if (!J.is_object()) return llvm::createStringError("`spilled` is not an object");
  for (auto &[Key, V] : J.items()) {
    if (!V.is_object() || !V.contains("file") || !V["file"].is_string() ||
        !V.contains("bytes") || !V["bytes"].is_number_unsigned())
      return llvm::createStringError(fmt::format("`spilled.{}` is malformed", Key));
    SpilledField F;
    F.Field = Key;
    F.Path = V["file"].get<std::string>();
    F.Bytes = V["bytes"].get<uint64_t>();
    uint64_t Size = 0;
    if (llvm::sys::fs::file_size(F.Path, Size) || Size < F.Bytes)
      return llvm::createStringError(fmt::format("`{}` is gone", F.Path));
    F.TrimNewline = Size != F.Bytes;
    Out.push_back(std::move(F));
  }
  return Out;
}

}  // namespace orch::runtime
