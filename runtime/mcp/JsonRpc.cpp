//===- JsonRpc.cpp --------------------------------------------------------===//
#include "runtime/mcp/JsonRpc.h"

#include <algorithm>

#include "llvm/ADT/SmallVector.h"

namespace orch::runtime::mcp {

using json = orch::ir::Json;

namespace {

/// MCP ids are strings or integers; null is not allowed.
bool validId(const json &Id) {
  return Id.is_string() || Id.is_number_integer() || Id.is_number_unsigned();
}

std::optional<RpcMessage> fail(RpcError &Err, int Code, std::string Msg) {
  Err = {Code, std::move(Msg)};
  return std::nullopt;
}

}  // namespace

std::optional<RpcMessage> classifyMessage(const json &V, RpcError &Err, json &ErrId) {
  ErrId = nullptr;
  if (!V.is_object()) return fail(Err, InvalidRequest, "a message must be a JSON object");
  auto Id = V.find("id");
  bool HasId = Id != V.end();
  if (HasId && validId(*Id)) ErrId = *Id;
  auto Ver = V.find("jsonrpc");
  if (Ver == V.end() || !Ver->is_string() || Ver->get_ref<const std::string &>() != "2.0")
    return fail(Err, InvalidRequest, "`jsonrpc` must be \"2.0\"");
  if (HasId && !validId(*Id))
    return fail(Err, InvalidRequest, "`id` must be a string or an integer");
  RpcMessage M;
  if (HasId) M.Id = *Id;
  auto Method = V.find("method");
  if (Method == V.end()) {
    if (HasId && (V.contains("result") || V.contains("error"))) {
      M.K = RpcMessage::Response;
      return M;
    }
    return fail(Err, InvalidRequest, "a request needs a `method`");
  }
  if (!Method->is_string()) return fail(Err, InvalidRequest, "`method` must be a string");
  M.Method = Method->get<std::string>();
  M.K = HasId ? RpcMessage::Request : RpcMessage::Notification;
  auto Params = V.find("params");
  if (Params != V.end()) {
    if (Params->is_array())
      return fail(Err, InvalidParams, "`params` must be an object, not an array");
    if (!Params->is_object() && !Params->is_null())
      return fail(Err, InvalidRequest, "`params` must be an object");
    M.Params = *Params;
  }
  return M;
}

json resultMessage(const json &Id, json Result) {
  json M = json::object();
  M["jsonrpc"] = "2.0";
  M["id"] = Id;
  M["result"] = std::move(Result);
  return M;
}

json errorMessage(const json &Id, const RpcError &E) {
  json M = json::object();
  M["jsonrpc"] = "2.0";
  M["id"] = Id;
  M["error"] = {{"code", E.Code}, {"message", E.Message}};
  if (!E.Data.is_null()) M["error"]["data"] = E.Data;
  return M;
}

json notificationMessage(const std::string &Method, json Params) {
  json M = json::object();
  M["jsonrpc"] = "2.0";
  M["method"] = Method;
  M["params"] = std::move(Params);
  return M;
}

namespace {
/// Appends \p V to \p Out as compact JSON, the keys of each object sorted
/// (as a std::map orders them), without copying \p V into one.
void writeSorted(const json &V, std::string &Out) {
  constexpr auto Replace = json::error_handler_t::replace;
  if (V.is_object()) {
    llvm::SmallVector<std::pair<const std::string *, const json *>, 8> Items;
    for (auto It = V.begin(); It != V.end(); ++It)
      Items.push_back({&It.key(), &It.value()});
    std::sort(Items.begin(), Items.end(),
              [](const auto &A, const auto &B) { return *A.first < *B.first; });
    Out += '{';
    for (size_t I = 0; I < Items.size(); ++I) {
      if (I) Out += ',';
      Out += json(*Items[I].first).dump(-1, ' ', false, Replace);
      Out += ':';
      writeSorted(*Items[I].second, Out);
    }
    Out += '}';
  } else if (V.is_array()) {
    Out += '[';
    for (size_t I = 0; I < V.size(); ++I) {
      if (I) Out += ',';
      writeSorted(V[I], Out);
    }
    Out += ']';
  } else {
    Out += V.dump(-1, ' ', false, Replace);
  }
}
}  // namespace

std::string messageText(const json &V) {
  // Keys sorted, as the wire format always had them (values keep their
  // insertion order only inside the run).
  std::string Out;
  writeSorted(V, Out);
  return Out;
}

}  // namespace orch::runtime::mcp
