//===- ConnUrl.cpp --------------------------------------------------------===//
#include "ir/ConnUrl.h"

#include <optional>
#include <vector>

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::ir {

namespace {

/// Where what follows the scheme starts (after `://`).
size_t afterScheme(llvm::StringRef Url) {
  size_t Sep = Url.find("://");
  return Sep == llvm::StringRef::npos ? 0 : Sep + 3;
}

/// The userinfo's password span of \p U (the URL after its scheme): from
/// the first `:` to the last `@`, when a `:` comes before an `@` anywhere.
/// libpq stops its `@` search at the first `/`, but a password with an
/// unencoded `/` or `?` is still what the user meant: counted, conservatively.
std::optional<std::pair<size_t, size_t>> userinfoPassword(llvm::StringRef U) {
  size_t At = U.rfind('@');
  if (At == llvm::StringRef::npos) return std::nullopt;
  size_t Colon = U.find(':');
  if (Colon == llvm::StringRef::npos || Colon > At) return std::nullopt;
  return std::make_pair(Colon + 1, At);
}

/// Is the query key \p Key (as written) one that may hold a password?
bool passwordKey(llvm::StringRef Key) {
  if (Key.contains('%')) return true;
  std::string K = llvm::StringRef(percentDecode(Key)).trim().lower();
  return K == "password" || K == "sslpassword";
}

/// Calls \p F(KeyStart, ValueStart, End) for every `key=value` segment of
/// \p U that follows a `?` or `&` anywhere (a `?` inside the userinfo too:
/// libpq may read the query after it).
template <typename Fn>
void eachParam(llvm::StringRef U, Fn F) {
  for (size_t I = 0; I < U.size(); ++I) {
    if (U[I] != '?' && U[I] != '&') continue;
    size_t K = I + 1;
    size_t End = U.find_first_of("?&", K);
    if (End == llvm::StringRef::npos) End = U.size();
    size_t Eq = U.find('=', K);
    if (Eq != llvm::StringRef::npos && Eq < End) F(K, Eq + 1, End);
    I = End - 1;
  }
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

/// The spans of \p U that may hold a password, in order.
static std::vector<std::pair<size_t, size_t>> secretSpans(llvm::StringRef U) {
  std::vector<std::pair<size_t, size_t>> Spans;
  auto UI = userinfoPassword(U);
  if (UI) Spans.push_back(*UI);
  eachParam(U, [&](size_t K, size_t V, size_t End) {
    if (UI && K < UI->second) return;  // inside the userinfo's password
    if (passwordKey(U.slice(K, V - 1))) Spans.push_back({V, End});
  });
  return Spans;
}

bool connUrlHasPassword(llvm::StringRef Url) {
  return !secretSpans(Url.drop_front(afterScheme(Url))).empty();
}

std::string redactConnUrl(llvm::StringRef Url) {
  size_t Start = afterScheme(Url);
  llvm::StringRef U = Url.drop_front(Start);
  std::string Out = Url.take_front(Start).str();
  size_t At = 0;
  for (auto [B, E] : secretSpans(U)) {
    Out += U.slice(At, B).str() + "***";
    At = E;
  }
  return Out + U.drop_front(At).str();
}

std::string scrubConnSecrets(llvm::StringRef Url, llvm::StringRef Text) {
  llvm::StringRef U = Url.drop_front(afterScheme(Url));
  std::vector<std::string> Secrets;
  for (auto [B, E] : secretSpans(U)) {
    llvm::StringRef S = U.slice(B, E);
    Secrets.push_back(S.str());
    Secrets.push_back(percentDecode(S));
    // libpq may quote a piece of it (a port before a `/`, say).
    llvm::SmallVector<llvm::StringRef, 4> Parts;
    for (char Sep : llvm::StringRef("/:@?&#")) {
      Parts.clear();
      S.split(Parts, Sep, -1, false);
      for (llvm::StringRef P : Parts) Secrets.push_back(P.str());
    }
  }
  std::string Out = Text.str();
  for (const std::string &S : Secrets) {
    if (S.size() < 2) continue;  // a lone character would blank the text
    for (size_t P = Out.find(S); P != std::string::npos; P = Out.find(S, P + 3))
      Out.replace(P, S.size(), "***");
  }
  return Out;
}

}  // namespace orch::ir
