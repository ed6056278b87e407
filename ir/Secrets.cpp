//===- Secrets.cpp --------------------------------------------------------===//
#include "ir/Secrets.h"

#include "llvm/ADT/StringExtras.h"

namespace orch::ir {

bool secretEnvName(llvm::StringRef Name) {
  std::string U = Name.upper();
  llvm::StringRef N = U;
  return N.ends_with("_KEY") || N.ends_with("_APIKEY") || N.ends_with("_TOKEN") ||
         N.ends_with("_SECRET") || N.contains("PASSWORD") || N == "API_KEY" ||
         N == "APIKEY" || N == "TOKEN";
}

bool providerSecretEnvName(llvm::StringRef Name) {
  std::string U = Name.upper();
  llvm::StringRef N = U;
  return N.ends_with("_API_KEY") || N.ends_with("_TOKEN") || N.ends_with("_SECRET") ||
         N.ends_with("_PASSWORD") || N == "API_KEY";
}

bool secretHeaderName(llvm::StringRef Name) {
  std::string L = Name.lower();
  llvm::StringRef N = L;
  return N == "authorization" || N == "proxy-authorization" || N == "cookie" ||
         N == "set-cookie" || N.contains("api-key") || N.contains("api_key") ||
         N.contains("apikey") || N.contains("token") || N.contains("secret") ||
         N.contains("password");
}

namespace {

/// Does the query parameter \p Name look like a credential?
bool secretQueryName(llvm::StringRef Name) {
  std::string L = Name.lower();
  llvm::StringRef N = L;
  return N == "key" || N == "sig" || N == "signature" || N == "code" ||
         N.contains("api-key") || N.contains("api_key") || N.contains("apikey") ||
         N.contains("token") || N.contains("secret") || N.contains("password") ||
         N == "pw" || N == "pass" || N == "auth";
}

/// Does a URL end at \p C (whitespace, quotes and brackets around it)?
bool urlEnd(char C) {
  return llvm::isSpace(C) || C == '"' || C == '\'' || C == '<' || C == '>' || C == ')' ||
         C == '`';
}

}  // namespace

std::string redactUrlCredentials(llvm::StringRef Text) {
  std::string Out;
  Out.reserve(Text.size());
  size_t I = 0;
  while (I < Text.size()) {
    size_t Sep = Text.find("://", I);
    if (Sep == llvm::StringRef::npos) break;
    size_t AuthStart = Sep + 3;
    size_t End = AuthStart;
    while (End < Text.size() && !urlEnd(Text[End])) ++End;
    Out.append(Text.begin() + I, Text.begin() + AuthStart);
    llvm::StringRef Url = Text.slice(AuthStart, End);
    // The authority ends at the first `/`, `?` or `#`; userinfo is what
    // comes before its last `@`.
    size_t AuthEnd = Url.find_first_of("/?#");
    llvm::StringRef Authority = Url.take_front(AuthEnd);
    if (size_t At = Authority.rfind('@'); At != llvm::StringRef::npos) {
      Out += "[redacted]@";
      Url = Url.drop_front(At + 1);
    }
    size_t Q = Url.find('?');
    Out.append(Url.take_front(Q).str());
    if (Q != llvm::StringRef::npos) {
      llvm::StringRef Query = Url.drop_front(Q + 1), Fragment;
      std::tie(Query, Fragment) = Query.split('#');
      bool HasFragment = Url.drop_front(Q + 1).contains('#');
      Out += '?';
      bool First = true;
      while (!Query.empty() || First) {
        auto [Pair, Rest] = Query.split('&');
        if (!First) Out += '&';
        First = false;
        auto [Name, Value] = Pair.split('=');
        Out.append(Name.str());
        if (Pair.contains('='))
          Out +=
              secretQueryName(Name) && !Value.empty() ? "=[redacted]" : "=" + Value.str();
        Query = Rest;
        if (Rest.empty()) break;
      }
      if (HasFragment) Out += "#" + Fragment.str();
    }
    I = End;
  }
  Out.append(Text.begin() + I, Text.end());
  return Out;
}

}  // namespace orch::ir
