//===- Memory.cpp - The run's key-value memory ----------------------------===//
#include "runtime/actions/Memory.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "ir/PyOps.h"
#include "llvm/ADT/STLExtras.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

ActionResult memoryError(const std::string &Why) {
  return ActionResult::failure(Why, false);
}

/// Parameter \p Name of \p P as text: absent or null is \p Default; any
/// other value but text is an error (nullopt, with \p Why set).
std::optional<std::string> textParam(const json &P, const char *Name, const char *Default,
                                     std::string &Why) {
  auto It = P.find(Name);
  if (It == P.end() || It->is_null()) return std::string(Default);
  if (!It->is_string()) {
    Why = fmt::format("parameter `{}` must be text, found {}", Name, ir::toJsonText(*It));
    return std::nullopt;
  }
  return It->get<std::string>();
}

}  // namespace

ActionResult MemoryStore::run(const std::string &Action, const json &Params,
                              TimePoint Now, double UnixSeconds) {
  std::string Why;
  std::optional<std::string> Ns = textParam(Params, "namespace", "default", Why);
  if (!Ns) return memoryError(Why);
  if (Action == "memory.list") return list(*Ns, Now);
  if (Action == "memory.clear") return clear(*Ns);
  std::optional<std::string> Key = textParam(Params, "key", "", Why);
  if (!Key) return memoryError(Why);
  if (Key->empty()) return memoryError("parameter `key` must be a non-empty text");
  if (Action == "memory.store") return store(*Ns, Params, Now, UnixSeconds);
  if (Action == "memory.retrieve") return retrieve(*Ns, *Key, Now);
  return memoryError(fmt::format("unknown memory action `{}`", Action));
}

MemoryStore::Entry *MemoryStore::Space::find(llvm::StringRef Key) {
  auto It = Index.find(Key);
  return It == Index.end() ? nullptr : &Entries[It->second];
}

bool MemoryStore::expire(Space &S, TimePoint Now, const std::string &Key) {
  if (Now <= S.NextExpiry) return false;  // nothing has expired yet
  bool Hit = false;
  llvm::erase_if(S.Entries, [&](const Entry &E) {
    if (E.Ttl == 0 || Now <= E.Expires) return false;
    Hit = Hit || E.Key == Key;
    Bytes -= E.Bytes;
    return true;
  });
  S.Index.clear();
  S.NextExpiry = TimePoint::max();
  for (size_t I = 0; I < S.Entries.size(); ++I) {
    S.Index[S.Entries[I].Key] = I;
    if (S.Entries[I].Ttl) S.NextExpiry = std::min(S.NextExpiry, S.Entries[I].Expires);
  }
  return Hit;
}

ActionResult MemoryStore::store(const std::string &Ns, const json &Params, TimePoint Now,
                                double UnixSeconds) {
  std::string Key = Params["key"].get<std::string>();
  int64_t Ttl = 0;
  if (auto T = Params.find("ttl"); T != Params.end() && !T->is_null()) {
    if (!T->is_number_integer() || T->get<int64_t>() < 0 ||
        T->get<int64_t>() > 100LL * 365 * 86400)
      return memoryError(fmt::format(
          "parameter `ttl` must be whole seconds from 0 (no expiry) to 100 years, "
          "found {}",
          ir::toJsonText(*T)));
    Ttl = T->get<int64_t>();
  }
  json Value = Params.value("value", json());
  // Keys and namespace names count, as the values do.
  size_t Size = ir::toJsonText(Value).size() + Key.size() + Ns.size();
  if (Bytes + Size > Limit)  // expired keys anywhere make room first
    for (auto &[Name, Other] : Spaces) expire(Other, Now);
  Space &S = Spaces[Ns];
  expire(S, Now);
  Entry *Old = S.find(Key);
  size_t Freed = Old ? Old->Bytes : 0;
  if (Bytes - Freed + Size > Limit)
    return memoryError(fmt::format(
        "the run's memory would hold more than {} bytes of keys and values (as JSON)",
        Limit));
  Entry E{Key, std::move(Value), Ttl, Now + std::chrono::seconds(Ttl), UnixSeconds, Size};
  if (Ttl) S.NextExpiry = std::min(S.NextExpiry, E.Expires);
  Bytes = Bytes - Freed + Size;
  if (!Old) {
    S.Index[Key] = S.Entries.size();
    S.Entries.push_back(std::move(E));
  } else {
    *Old = std::move(E);  // a key stored again keeps its place, as a dict's
  }
  json Fields = {{"namespace", Ns}, {"key", Key}, {"stored", true}, {"ttl", Ttl}};
  Fields["output"] = ir::toJsonText(Fields);
  return ActionResult::success(std::move(Fields));
}

ActionResult MemoryStore::retrieve(const std::string &Ns, const std::string &Key,
                                   TimePoint Now) {
  Space None;
  auto SIt = Spaces.find(Ns);
  Space &S = SIt == Spaces.end() ? None : SIt->second;
  bool Expired = expire(S, Now, Key);
  json Fields = {{"namespace", Ns}, {"key", Key},         {"value", nullptr},
                 {"found", false},  {"expired", Expired}, {"metadata", json::object()}};
  const Entry *E = S.find(Key);
  if (E) {
    Fields["value"] = E->Value;
    Fields["found"] = true;
    Fields["metadata"] = {
        {"stored_at", E->StoredAt}, {"ttl", E->Ttl}, {"type", ir::pyTypeName(E->Value)}};
  }
  Fields["output"] = E ? ir::displayString(E->Value) : std::string();
  return ActionResult::success(std::move(Fields));
}

ActionResult MemoryStore::list(const std::string &Ns, TimePoint Now) {
  Space None;
  auto SIt = Spaces.find(Ns);
  Space &S = SIt == Spaces.end() ? None : SIt->second;
  expire(S, Now);
  json Keys = json::array();
  std::string Text;
  for (const Entry &E : S.Entries) {
    Keys.push_back(E.Key);
    Text += E.Key + "\n";
  }
  if (!Text.empty()) Text.pop_back();
  return ActionResult::success(json{{"namespace", Ns},
                                    {"keys", std::move(Keys)},
                                    {"count", S.Entries.size()},
                                    {"output", std::move(Text)}});
}

ActionResult MemoryStore::clear(const std::string &Ns) {
  size_t N = 0;
  if (auto It = Spaces.find(Ns); It != Spaces.end()) {
    N = It->second.Entries.size();
    for (const Entry &E : It->second.Entries) Bytes -= E.Bytes;
    Spaces.erase(It);
  }
  json Fields = {{"namespace", Ns}, {"cleared", true}, {"count", N}};
  Fields["output"] = ir::toJsonText(Fields);
  return ActionResult::success(std::move(Fields));
}

}  // namespace orch::runtime
