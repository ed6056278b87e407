//===- Revisions.cpp ------------------------------------------------------===//
#include "runtime/mcp/Revisions.h"

#include <fmt/format.h>

namespace orch::runtime::mcp {

namespace {

constexpr const char *All[] = {"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"};

}  // namespace

llvm::ArrayRef<const char *> allRevisions() { return All; }
llvm::ArrayRef<const char *> supportedRevisions() { return allRevisions().drop_front(); }

bool isSupportedRevision(llvm::StringRef V) {
  for (const char *R : All)
    if (V == R) return true;
  return false;
}

RpcError unsupportedRevision(const std::string &Requested) {
  nlohmann::json Supported = nlohmann::json::array();
  for (const char *R : All) Supported.push_back(R);
  return {UnsupportedProtocolVersion,
          fmt::format("unsupported protocol version `{}`; supported: {}", Requested,
                      fmt::join(All, ", ")),
          {{"supported", std::move(Supported)}, {"requested", Requested}}};
}

std::optional<std::string> metaRevision(const nlohmann::json &Params, RpcError &Err) {
  if (!Params.is_object()) return std::string();
  auto Meta = Params.find("_meta");
  if (Meta == Params.end() || !Meta->is_object()) return std::string();
  auto V = Meta->find(MetaVersionKey.str());
  if (V == Meta->end()) return std::string();
  if (!V->is_string()) {
    Err = unsupportedRevision(messageText(*V));
    return std::nullopt;
  }
  const std::string &Asked = V->get_ref<const std::string &>();
  if (!isSupportedRevision(Asked)) {
    Err = unsupportedRevision(Asked);
    return std::nullopt;
  }
  // A handshake-era revision is the session's, negotiated by `initialize`.
  if (Asked != StatelessRevision) return std::string();
  if (auto C = Meta->find(MetaCapabilitiesKey.str());
      C != Meta->end() && !C->is_object()) {
    Err = {InvalidParams,
           fmt::format("`_meta.{}` must be an object", MetaCapabilitiesKey.str())};
    return std::nullopt;
  }
  return V->get<std::string>();
}

}  // namespace orch::runtime::mcp
