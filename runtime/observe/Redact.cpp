//===- Redact.cpp ---------------------------------------------------------===//
#include "runtime/observe/Redact.h"

#include "ir/Secrets.h"
#include "llvm/ADT/StringRef.h"

namespace orch::observe {

using json = orch::ir::Json;

namespace {

constexpr const char *Redacted = "[redacted]";
constexpr size_t MinSecret = 8;

std::string scrubString(std::string S, llvm::ArrayRef<std::string> Secrets) {
  for (const std::string &Sec : Secrets) {
    if (Sec.empty()) continue;
    for (size_t P = S.find(Sec); P != std::string::npos; P = S.find(Sec, P + 10))
      S.replace(P, Sec.size(), Redacted);
  }
  return S;
}

/// Records \p V (and, for `Scheme credential`, the credential) as removed.
void remember(const std::string &V, std::vector<std::string> &Out) {
  if (V.size() >= MinSecret) Out.push_back(V);
  llvm::StringRef Cred = llvm::StringRef(V).split(' ').second.trim();
  if (Cred.size() >= MinSecret) Out.push_back(Cred.str());
}

void redactNamed(json &Map, bool (*Secret)(llvm::StringRef),
                 std::vector<std::string> &Out) {
  if (!Map.is_object()) return;
  for (auto It = Map.begin(); It != Map.end(); ++It) {
    if (!Secret(It.key())) continue;
    if (It->is_string()) remember(It->get<std::string>(), Out);
    *It = Redacted;
  }
}

void redactWalk(json &J, std::vector<std::string> &Out) {
  if (J.is_string()) {
    const std::string &S = J.get_ref<const std::string &>();
    if (S.find("://") != std::string::npos) J = ir::redactUrlCredentials(S);
  } else if (J.is_object()) {
    for (auto It = J.begin(); It != J.end(); ++It) {
      if (It.key() == "headers")
        redactNamed(*It, ir::secretHeaderName, Out);
      else if (It.key() == "env")
        redactNamed(*It, ir::secretEnvName, Out);
      redactWalk(*It, Out);
    }
  } else if (J.is_array()) {
    for (json &V : J) redactWalk(V, Out);
  }
}

}  // namespace

void scrubSecrets(json &J, llvm::ArrayRef<std::string> Secrets) {
  if (Secrets.empty()) return;
  if (J.is_string()) {
    J = scrubString(J.get<std::string>(), Secrets);
  } else if (J.is_object()) {
    bool KeyHit = false;
    for (auto It = J.begin(); It != J.end(); ++It) {
      scrubSecrets(*It, Secrets);
      KeyHit = KeyHit || scrubString(It.key(), Secrets) != It.key();
    }
    if (KeyHit) {
      json Out = json::object();
      for (auto It = J.begin(); It != J.end(); ++It)
        Out[scrubString(It.key(), Secrets)] = std::move(*It);
      J = std::move(Out);
    }
  } else if (J.is_array()) {
    for (json &V : J) scrubSecrets(V, Secrets);
  }
}

std::vector<std::string> redactParameters(json &Params) {
  std::vector<std::string> Out;
  redactWalk(Params, Out);
  return Out;
}

}  // namespace orch::observe
