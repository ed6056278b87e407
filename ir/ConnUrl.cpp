//===- ConnUrl.cpp --------------------------------------------------------===//
#include "ir/ConnUrl.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::ir {

namespace {

/// Where the authority starts (after `://`) and ends (libpq: the first `/`).
std::pair<size_t, size_t> authority(llvm::StringRef Url) {
  size_t Sep = Url.find("://");
  size_t Start = Sep == llvm::StringRef::npos ? 0 : Sep + 3;
  size_t End = Url.find('/', Start);
  return {Start, End == llvm::StringRef::npos ? Url.size() : End};
}

/// Is the query key \p Key (as written) one that may hold a password?
bool passwordKey(llvm::StringRef Key) {
  if (Key.contains('%')) return true;
  std::string K = llvm::StringRef(percentDecode(Key)).trim().lower();
  return K == "password" || K == "sslpassword";
}

}  // namespace

std::string percentDecode(llvm::StringRef S) {
  std::string Out;
  Out.reserve(S.size());
  for (size_t I = 0; I < S.size(); ++I) {
    if (S[I] == '%' && I + 2 < S.size() && llvm::isHexDigit(S[I + 1]) &&
        llvm::isHexDigit(S[I + 2])) {
      Out += static_cast<char>(llvm::hexFromNibbles(S[I + 1], S[I + 2]));
      I += 2;
    } else {
      Out += S[I];
    }
  }
  return Out;
}

bool connUrlHasPassword(llvm::StringRef Url) {
  auto [Start, End] = authority(Url);
  llvm::StringRef Auth = Url.slice(Start, End);
  size_t Colon = Auth.find(':');
  if (Colon != llvm::StringRef::npos && Auth.find('@', Colon) != llvm::StringRef::npos)
    return true;
  size_t Q = Url.find('?', Start);
  if (Q == llvm::StringRef::npos) return false;
  llvm::SmallVector<llvm::StringRef, 8> Params;
  Url.drop_front(Q + 1).split(Params, '&');
  for (llvm::StringRef P : Params)
    if (passwordKey(P.split('=').first)) return true;
  return false;
}

std::string redactConnUrl(llvm::StringRef Url) {
  auto [Start, End] = authority(Url);
  llvm::StringRef Auth = Url.slice(Start, End);
  std::string Out = Url.take_front(Start).str();
  llvm::StringRef Rest = Url.drop_front(Start);
  size_t Colon = Auth.find(':');
  size_t At = Auth.rfind('@');
  if (Colon != llvm::StringRef::npos && At != llvm::StringRef::npos && Colon < At) {
    Out += Auth.take_front(Colon).str() + ":***@";
    Rest = Rest.drop_front(At + 1);
  }
  size_t Q = Rest.find('?');
  Out += Rest.take_front(Q).str();
  if (Q == llvm::StringRef::npos) return Out;
  Out += '?';
  llvm::SmallVector<llvm::StringRef, 8> Params;
  Rest.drop_front(Q + 1).split(Params, '&');
  for (size_t I = 0; I < Params.size(); ++I) {
    auto [Key, Value] = Params[I].split('=');
    if (I) Out += '&';
    Out += Key.str();
    if (Params[I].contains('=')) Out += passwordKey(Key) ? "=***" : "=" + Value.str();
  }
  return Out;
}

}  // namespace orch::ir
