//===- PlanFile.cpp -------------------------------------------------------===//
#include "ir/plan/PlanFile.h"

#include <fmt/format.h>

#include <array>
#include <cstring>

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/SHA256.h"

namespace orch::plan {

namespace {
constexpr char Magic[8] = {'O', 'R', 'C', 'H', 'P', 'L', 'A', 'N'};

std::array<uint8_t, 32> sha256(llvm::StringRef Data) {
  llvm::SHA256 H;
  H.update(Data);
  return H.final();
}

llvm::Error fail(const std::string &M) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), M);
}
}  // namespace

std::string wrapPlan(llvm::StringRef Payload) {
  std::string Out(HeaderSize, '\0');
  std::memcpy(&Out[0], Magic, 8);
  llvm::support::endian::write32le(&Out[8], FormatVersion);
  llvm::support::endian::write64le(&Out[16], Payload.size());
  std::array<uint8_t, 32> H = sha256(Payload);
  std::memcpy(&Out[24], H.data(), 32);
  Out += Payload.str();
  return Out;
}

llvm::Expected<llvm::StringRef> unwrapPlan(llvm::StringRef File) {
  if (File.size() < 8 || std::memcmp(File.data(), Magic, 8) != 0)
    return fail(
        "not an orchc plan (no ORCHPLAN header); build one with `orchc build -o`");
  if (File.size() < HeaderSize)
    return fail(fmt::format("truncated plan: {} bytes, the header alone is {}",
                            File.size(), HeaderSize));
  uint32_t Version = llvm::support::endian::read32le(File.data() + 8);
  if (Version != FormatVersion)
    return fail(
        fmt::format("plan format version {} is not supported (this orchrt reads "
                    "version {}); rebuild the plan with this toolchain's orchc",
                    Version, FormatVersion));
  if (llvm::support::endian::read32le(File.data() + 12) != 0)
    return fail("corrupted plan: reserved header bytes are not zero");
  uint64_t Size = llvm::support::endian::read64le(File.data() + 16);
  if (File.size() - HeaderSize != Size)
    return fail(
        fmt::format("truncated or padded plan: the header announces {} payload "
                    "bytes, the file has {}",
                    Size, File.size() - HeaderSize));
  llvm::StringRef Payload = File.substr(HeaderSize);
  std::array<uint8_t, 32> H = sha256(Payload);
  if (std::memcmp(H.data(), File.data() + 24, 32) != 0)
    return fail("corrupted plan: the payload does not match its SHA-256 in the header");
  return Payload;
}

std::string planContentHash(llvm::StringRef File) {
  if (File.size() < HeaderSize) return "";
  return llvm::toHex(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(File.data() + 24), 32),
      /*LowerCase=*/true);
}

}  // namespace orch::plan
