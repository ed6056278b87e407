//===- EntryCodec.cpp -----------------------------------------------------===//
#include "runtime/state/EntryCodec.h"

#include <fmt/format.h>
#include <zstd.h>

#include "ir/JsonLimits.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Compression.h"
#include "llvm/Support/SHA256.h"

namespace orch::state {

using json = orch::ir::Json;
namespace cmp = llvm::compression;

namespace {

/// The first byte of a stored blob says how it was compressed.
constexpr char TagRaw = 'r', TagZstd = 'z', TagZlib = 'l';

llvm::ArrayRef<uint8_t> bytesOf(llvm::StringRef S) {
  return llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(S.data()), S.size());
}

std::string compress(llvm::StringRef Text) {
  llvm::SmallVector<uint8_t, 0> Out;
  char Tag = TagRaw;
  if (cmp::zstd::isAvailable()) {
    cmp::zstd::compress(bytesOf(Text), Out, 3);
    Tag = TagZstd;
  } else if (cmp::zlib::isAvailable()) {
    cmp::zlib::compress(bytesOf(Text), Out);
    Tag = TagZlib;
  }
  std::string S(1, Tag);
  if (Tag == TagRaw) return S + Text.str();
  S.append(reinterpret_cast<const char *>(Out.data()), Out.size());
  return S;
}

llvm::Expected<std::string> decompress(llvm::StringRef Stored, size_t Size) {
  if (Stored.empty()) return llvm::createStringError("an empty blob");
  llvm::StringRef Body = Stored.drop_front();
  if (Stored[0] == TagRaw) return Body.str();
  // The row's size is not trusted for the allocation: a zstd frame names
  // its own, which must agree; deflate expands at most ~1032 times.
  if (Size > MaxBlobBytes)
    return llvm::createStringError(
        fmt::format("its size ({} bytes) is above the limit of {}", Size, MaxBlobBytes));
  llvm::SmallVector<uint8_t, 0> Out;
  llvm::Error E = llvm::Error::success();
  if (Stored[0] == TagZstd) {
    unsigned long long N = ZSTD_getFrameContentSize(Body.data(), Body.size());
    if (N == ZSTD_CONTENTSIZE_UNKNOWN || N == ZSTD_CONTENTSIZE_ERROR)
      return llvm::createStringError("not a zstd frame with its size");
    if (N != Size)
      return llvm::createStringError(
          fmt::format("its frame holds {} bytes, its record says {}", N, Size));
    E = cmp::zstd::decompress(bytesOf(Body), Out, Size);
  } else if (Stored[0] == TagZlib) {
    if (Size / 1032 > Body.size() + 64)
      return llvm::createStringError(
          fmt::format("{} compressed bytes cannot hold {}", Body.size(), Size));
    E = cmp::zlib::decompress(bytesOf(Body), Out, Size);
  } else {
    return llvm::createStringError("an unknown blob encoding");
  }
  if (E) return E;
  return std::string(reinterpret_cast<const char *>(Out.data()), Out.size());
}

/// A step's own object with one of these keys is escaped as `{"$lit": V}`:
/// only the codec writes `$blob` references.
bool needsEscape(const json &V) {
  return V.is_object() && (V.contains("$blob") || V.contains("$lit"));
}

/// \p V's JSON text, as the entry's dump holds it.
std::string dumpText(const json &V) {
  return V.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Appends \p Key as a JSON string, as a dump writes an object's key.
void appendKey(std::string &Out, const std::string &Key) {
  // Step ids, item names and field names need no escaping: copied as is.
  bool Plain = llvm::all_of(Key, [](char C) {
    auto U = static_cast<unsigned char>(C);
    return U >= 0x20 && U < 0x80 && C != '"' && C != '\\';
  });
  if (Plain) {
    Out += '"';
    Out += Key;
    Out += '"';
  } else {
    Out += dumpText(json(Key));
  }
  Out += ':';
}

/// Appends \p V to \p Out as its entry holds it: its own text (escaped as
/// `{"$lit": V}` if it looks like a reference), or a blob reference when
/// the text is longer than \p Threshold. Each value is dumped once.
void encodeValue(const json &V, size_t Threshold, EncodedEntry &Enc, std::string &Out) {
  std::string Text = dumpText(V);
  if (Text.size() <= Threshold) {
    bool Escape = needsEscape(V);
    if (Escape) Out += "{\"$lit\":";
    Out += Text;
    if (Escape) Out += '}';
    return;
  }
  std::string Hash = sha256Hex(Text);
  Out += fmt::format("{{\"$blob\":\"{}\",\"bytes\":{}}}", Hash, Text.size());
  Enc.Blobs.push_back(Hash);
  Enc.NewBlobs.push_back({std::move(Hash), compress(Text)});
}

llvm::Error badRecord(llvm::StringRef RunId, llvm::StringRef StepId,
                      llvm::StringRef Field, const std::string &Why) {
  return llvm::createStringError(fmt::format("run `{}`, step `{}`, field `{}`: {}",
                                             RunId.str(), StepId.str(), Field.str(),
                                             Why));
}

llvm::Error decodeValue(json &V, StateStore &Store, llvm::StringRef RunId,
                        llvm::StringRef StepId, llvm::StringRef Field) {
  if (!needsEscape(V)) return llvm::Error::success();
  if (V.contains("$lit")) {
    if (V.size() != 1)
      return badRecord(RunId, StepId, Field, "a malformed escaped value");
    json Inner = std::move(V["$lit"]);
    V = std::move(Inner);
    return llvm::Error::success();
  }
  const json &H = V["$blob"];
  const json &N = V.contains("bytes") ? V["bytes"] : json();
  if (V.size() != 2 || !H.is_string() || !N.is_number_unsigned())
    return badRecord(RunId, StepId, Field, "a malformed blob reference");
  std::string Hash = H.get<std::string>();
  llvm::Expected<std::optional<std::string>> B = Store.getBlob(Hash);
  if (!B) return badRecord(RunId, StepId, Field, llvm::toString(B.takeError()));
  if (!*B) return badRecord(RunId, StepId, Field, "blob " + Hash + " is missing");
  llvm::Expected<std::string> Text = decompress(**B, N.get<size_t>());
  if (!Text)
    return badRecord(
        RunId, StepId, Field,
        "blob " + Hash + " cannot be read: " + llvm::toString(Text.takeError()));
  if (sha256Hex(*Text) != Hash || Text->size() != N.get<size_t>())
    return badRecord(RunId, StepId, Field, "blob " + Hash + " does not match its hash");
  std::string Deep;
  json Parsed = ir::parseJsonBounded(*Text, &Deep);
  if (!Deep.empty()) return badRecord(RunId, StepId, Field, "blob " + Hash + ": " + Deep);
  if (Parsed.is_discarded())
    return badRecord(RunId, StepId, Field, "blob " + Hash + " is not JSON");
  V = std::move(Parsed);
  return llvm::Error::success();
}

}  // namespace

std::string sha256Hex(llvm::StringRef Bytes) {
  std::array<uint8_t, 32> D = llvm::SHA256::hash(bytesOf(Bytes));
  return llvm::toHex(llvm::ArrayRef<uint8_t>(D), /*LowerCase=*/true);
}

EncodedEntry encodeEntry(const json &Entry, size_t Threshold) {
  EncodedEntry Out;
  if (!Entry.is_object()) {
    Out.Json = dumpText(Entry);
    return Out;
  }
  // The entry's text is written here, member by member, in the order of
  // its keys: the same bytes as the dump of the entry with its large values
  // replaced, without building that tree or dumping a value twice.
  std::string &T = Out.Json;
  T += '{';
  for (auto It = Entry.begin(); It != Entry.end(); ++It) {
    if (It != Entry.begin()) T += ',';
    appendKey(T, It.key());
    const json &V = It.value();
    if (It.key() == "output") {
      encodeValue(V, Threshold, Out, T);
    } else if (It.key() == "fields" && V.is_object()) {
      T += '{';
      for (auto F = V.begin(); F != V.end(); ++F) {
        if (F != V.begin()) T += ',';
        appendKey(T, F.key());
        encodeValue(F.value(), Threshold, Out, T);
      }
      T += '}';
    } else {
      T += dumpText(V);
    }
  }
  T += '}';
  return Out;
}

llvm::Expected<json> decodeEntry(llvm::StringRef Text, StateStore &Store,
                                 llvm::StringRef RunId, llvm::StringRef StepId) {
  std::string Deep;
  // The entry's own levels (entry, fields, field) come on top of a value's.
  Deep = ir::jsonDepthProblem(Text, ir::MaxValueDepth + 4);
  if (!Deep.empty()) return badRecord(RunId, StepId, "(entry)", Deep);
  json E = json::parse(Text, nullptr, false);
  if (E.is_discarded() || !E.is_object())
    return badRecord(RunId, StepId, "(entry)", "not a JSON object");
  auto Status = E.find("status");
  if (Status == E.end() || !Status->is_string())
    return badRecord(RunId, StepId, "status", "not a string");
  // `running`: the number of an attempt that started (a retry's).
  // `outputs`: the run's outputs (OutputsRowId).
  static const llvm::StringRef Known[] = {"completed", "failed",  "skipped",
                                          "cached",    "running", "outputs"};
  if (!llvm::is_contained(Known, Status->get<std::string>()))
    return badRecord(RunId, StepId, "status",
                     fmt::format("unknown status `{}`", Status->get<std::string>()));
  auto Attempts = E.find("attempts");
  if (Attempts == E.end() || !Attempts->is_number_unsigned())
    return badRecord(RunId, StepId, "attempts", "not a count");
  for (const char *K : {"started_at", "finished_at", "error"})
    if (auto T = E.find(K); T != E.end() && !T->is_string() && !T->is_null())
      return badRecord(RunId, StepId, K, "not a string");
  if (auto F = E.find("fields"); F != E.end() && !F->is_object())
    return badRecord(RunId, StepId, "fields", "not an object");
  if (auto O = E.find("output"); O != E.end())
    if (llvm::Error Err = decodeValue(*O, Store, RunId, StepId, "output")) return Err;
  if (auto F = E.find("fields"); F != E.end())
    for (auto &[K, V] : F->items())
      if (llvm::Error Err = decodeValue(V, Store, RunId, StepId, "fields." + K))
        return Err;
  return E;
}

}  // namespace orch::state
