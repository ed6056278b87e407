//===- Spill.cpp ----------------------------------------------------------===//
#include "runtime/exec/Spill.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/Eval.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace orch::runtime {

using json = orch::ir::Json;
namespace fs = llvm::sys::fs;

namespace {

/// Is the JSON text of \p V longer than \p Limit? Walks it without
/// writing it (an estimate within a few bytes per value), stopping early.
bool largerThan(const json &V, uint64_t Limit) {
  uint64_t N = 0;
  std::vector<const json *> Work{&V};
  while (!Work.empty()) {
    const json *X = Work.back();
    Work.pop_back();
    if (X->is_string())
      N += X->get_ref<const std::string &>().size() + 3;
    else if (X->is_object())
      for (auto &[K, E] : X->items()) {
        N += K.size() + 4;
        Work.push_back(&E);
      }
    else if (X->is_array())
      for (const json &E : *X) {
        N += 1;
        Work.push_back(&E);
      }
    else
      N += 8;
    if (N > Limit) return true;
  }
  return false;
}

/// Writes \p Text to a new file \p Path readable by its owner only.
llvm::Error writeNew(const std::string &Path, llvm::StringRef Text) {
  int Fd;
  if (std::error_code EC = fs::openFileForWrite(Path, Fd, fs::CD_CreateNew, fs::OF_None,
                                                fs::owner_read | fs::owner_write))
    return llvm::createStringError(
        EC, fmt::format("cannot create `{}`: {}", Path, EC.message()));
  llvm::raw_fd_ostream OS(Fd, /*shouldClose=*/true);
  OS << Text;
  OS.close();
  if (OS.has_error()) {
    std::error_code EC = OS.error();
    OS.clear_error();
    fs::remove(Path);
    return llvm::createStringError(
        EC, fmt::format("cannot write `{}`: {}", Path, EC.message()));
  }
  return llvm::Error::success();
}

bool isSchedulerField(llvm::StringRef K) { return K == "status" || K == "error"; }

}  // namespace

llvm::Expected<std::vector<SpilledField>> spillFields(json &Fields, uint32_t Step,
                                                      const SpillOptions &O) {
  std::vector<SpilledField> Out;
  if (O.Dir.empty() || !Fields.is_object()) return Out;
  // The longest strings first, so that a shorter copy can share its file.
  std::vector<std::string> Big;
  for (auto &[Key, V] : Fields.items()) {
    if (isSchedulerField(Key)) continue;
    if (V.is_string() ? V.get_ref<const std::string &>().size() > O.Threshold
                      : (V.is_structured() && largerThan(V, O.Threshold)))
      Big.push_back(Key);
  }
  auto Len = [&](const std::string &K) {
    const json &V = Fields[K];
    return V.is_string() ? V.get_ref<const std::string &>().size() : 0;
  };
  std::sort(Big.begin(), Big.end(), [&](const std::string &A, const std::string &B) {
    size_t SA = Len(A), SB = Len(B);
    return SA != SB ? SA > SB : A < B;
  });
  auto Undo = [&Out] {
    for (const SpilledField &S : Out)
      if (!S.TrimNewline) fs::remove(S.Path);
  };
  for (const std::string &Key : Big) {
    const json &V = Fields[Key];
    SpilledField S;
    S.Field = Key;
    S.Json = !V.is_string();
    std::string JsonText;
    if (S.Json) JsonText = ir::toJsonText(V);
    llvm::StringRef Text = S.Json ? llvm::StringRef(JsonText)
                                  : llvm::StringRef(V.get_ref<const std::string &>());
    S.Bytes = Text.size();
    // The same string (or it without the final newline) shares a file.
    for (const SpilledField &Prev : Out) {
      if (S.Json || Prev.Json || Prev.TrimNewline) continue;
      llvm::StringRef Whole = Fields[Prev.Field].get_ref<const std::string &>();
      if (Whole == Text || (Whole.size() == Text.size() + 1 && Whole.back() == '\n' &&
                            Whole.starts_with(Text))) {
        S.Path = Prev.Path;
        S.TrimNewline = Whole.size() != Text.size();
        break;
      }
    }
    if (S.Path.empty()) {
      if (std::error_code EC = fs::create_directories(O.Dir, true, fs::owner_all)) {
        Undo();
        return llvm::createStringError(
            EC, fmt::format("cannot create `{}`: {}", O.Dir, EC.message()));
      }
      // By number: field names may hold any byte and be of any length.
      llvm::SmallString<256> P(O.Dir);
      llvm::sys::path::append(P, fmt::format("step{}-{}", Step, Out.size()));
      S.Path = P.str().str();
      if (llvm::Error E = writeNew(S.Path, Text)) {
        Undo();
        return E;
      }
    }
    Out.push_back(std::move(S));
  }
  for (const SpilledField &S : Out) Fields.erase(S.Field);
  return Out;
}

llvm::Expected<json> loadField(const SpilledField &F) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> B =
      llvm::MemoryBuffer::getFile(F.Path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!B)
    return llvm::createStringError(
        B.getError(), fmt::format("`{}` (field `{}`) cannot be read back: {}", F.Path,
                                  F.Field, B.getError().message()));
  llvm::StringRef Text = (*B)->getBuffer();
  if (Text.size() < F.Bytes)
    return llvm::createStringError(fmt::format(
        "`{}` (field `{}`) is shorter than the value it held", F.Path, F.Field));
  Text = Text.substr(0, F.Bytes);
  if (!F.Json) return json(Text.str());
  json V = json::parse(Text.begin(), Text.end(), nullptr, /*allow_exceptions=*/false);
  if (V.is_discarded())
    return llvm::createStringError(
        fmt::format("`{}` (field `{}`) is not valid JSON", F.Path, F.Field));
  return V;
}

llvm::Error loadSpilled(json &Fields, const std::vector<SpilledField> &S) {
  for (const SpilledField &F : S) {
    llvm::Expected<json> V = loadField(F);
    if (!V) return V.takeError();
    Fields[F.Field] = std::move(*V);
  }
  return llvm::Error::success();
}

json describeSpilled(const std::vector<SpilledField> &S) {
  json J = json::object();
  for (const SpilledField &F : S) {
    J[F.Field] = json{{"file", F.Path}, {"bytes", F.Bytes}};
    if (F.Json) J[F.Field]["json"] = true;
  }
  return J;
}

llvm::Expected<std::vector<SpilledField>> parseSpilled(const json &J,
                                                       llvm::StringRef Root) {
  std::vector<SpilledField> Out;
  if (!J.is_object()) return llvm::createStringError("`spilled` is not an object");
  llvm::SmallString<256> RealRoot;
  if (fs::real_path(Root, RealRoot))
    return llvm::createStringError(fmt::format("`{}` is gone", Root.str()));
  for (auto &[Key, V] : J.items()) {
    if (!V.is_object() || !V.contains("file") || !V["file"].is_string() ||
        !V.contains("bytes") || !V["bytes"].is_number_unsigned() ||
        (V.contains("json") && !V["json"].is_boolean()) || isSchedulerField(Key))
      return llvm::createStringError(fmt::format("`spilled.{}` is malformed", Key));
    SpilledField F;
    F.Field = Key;
    F.Path = V["file"].get<std::string>();
    F.Bytes = V["bytes"].get<uint64_t>();
    F.Json = V.value("json", false);
    // Only files this run directory's runs wrote: a result file must not
    // make orchrt read anything else into templates.
    llvm::SmallString<256> Real;
    fs::file_status St;
    if (fs::real_path(F.Path, Real) || fs::status(Real, St) || !fs::is_regular_file(St) ||
        !Real.str().starts_with((RealRoot + "/").str()))
      return llvm::createStringError(
          fmt::format("`{}` is not a file under `{}`", F.Path, Root.str()));
    F.Path = Real.str().str();
    uint64_t Size = St.getSize();
    if (Size < F.Bytes)
      return llvm::createStringError(fmt::format("`{}` is gone", F.Path));
    F.TrimNewline = Size != F.Bytes;
    Out.push_back(std::move(F));
  }
  return Out;
}

}  // namespace orch::runtime
