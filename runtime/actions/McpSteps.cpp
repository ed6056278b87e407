//===- McpSteps.cpp - The `mcp` action ------------------------------------===//
#include "runtime/actions/McpSteps.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

class McpTask : public ActionTask {
 public:
  McpTask(std::weak_ptr<mcp::Client> C, uint64_t Id) : C(std::move(C)), Id(Id) {}
  void cancel() override {
    if (auto Live = C.lock()) Live->cancel(Id);
  }

 private:
  std::weak_ptr<mcp::Client> C;
  uint64_t Id;
};

}  // namespace

std::vector<McpServerSpec> mcpServersOf(const orch::plan::Plan &P) {
  std::vector<McpServerSpec> Out;
  if (!P.mcp_servers()) return Out;
  auto str = [](const flatbuffers::String *S) { return S ? S->str() : std::string(); };
  for (const orch::plan::McpServer *M : *P.mcp_servers()) {
    McpServerSpec S;
    S.Name = str(M->name());
    S.Stdio.Command = str(M->command());
    if (M->args())
      for (const auto *A : *M->args()) S.Stdio.Args.push_back(A->str());
    if (M->env_keys())
      for (uint32_t I = 0; I < M->env_keys()->size(); ++I)
        S.Stdio.Env.push_back(
            {M->env_keys()->Get(I)->str(), M->env_values()->Get(I)->str()});
    S.Http.Url = str(M->url());
    if (M->header_keys())
      for (uint32_t I = 0; I < M->header_keys()->size(); ++I)
        S.Http.Headers.push_back(
            {M->header_keys()->Get(I)->str(), M->header_values()->Get(I)->str()});
    Out.push_back(std::move(S));
  }
  return Out;
}

ActionResult mcpToolResult(const json &Result) {
  std::string Text;
  if (auto C = Result.find("content"); C != Result.end() && C->is_array())
    for (const json &Block : *C)
      if (Block.is_object() && Block.value("type", json()) == "text")
        if (auto T = Block.find("text"); T != Block.end() && T->is_string()) {
          if (!Text.empty()) Text += '\n';
          Text += T->get<std::string>();
        }
  json Structured = nullptr;
  if (auto S = Result.find("structuredContent"); S != Result.end()) Structured = *S;
  auto Err = Result.find("isError");
  if (Err != Result.end() && Err->is_boolean() && Err->get<bool>()) {
    ActionResult F =
        ActionResult::failure(Text.empty() ? std::string("the tool reported an error")
                                           : "the tool failed: " + Text);
    F.Fields = json{{"output", Text}, {"structured", Structured}};
    return F;
  }
  json Fields = json::object();
  if (Structured.is_object())
    for (auto &[K, V] : Structured.items())
      if (K != "status" && K != "error") Fields[K] = V;
  Fields["output"] = std::move(Text);
  Fields["structured"] = std::move(Structured);
  return ActionResult::success(std::move(Fields));
}

McpSteps::McpSteps(Executor &Exec, std::vector<McpServerSpec> Servers, std::string RunDir,
                   std::function<mcp::HttpSender &()> Http, McpTransportFactory Factory)
    : Exec(Exec),
      Servers(std::move(Servers)),
      RunDir(std::move(RunDir)),
      Http(std::move(Http)),
      Factory(std::move(Factory)) {
  Clients.resize(this->Servers.size());
  if (!this->Factory)
    this->Factory =
        [this](const McpServerSpec &S) -> std::unique_ptr<mcp::ClientTransport> {
      if (S.Stdio.Command.empty())
        return std::make_unique<mcp::HttpClientTransport>(this->Exec, S.Http,
                                                          this->Http());
      mcp::StdioServer Srv = S.Stdio;
      llvm::SmallString<256> Dir(this->RunDir);
      llvm::sys::fs::make_absolute(Dir);
      Srv.Cwd = Dir.str().str();
      return std::make_unique<mcp::StdioTransport>(this->Exec, std::move(Srv),
                                                   sandbox::defaultSpawner());
    };
}

McpSteps::~McpSteps() = default;

std::shared_ptr<mcp::Client> McpSteps::client(const McpServerSpec &S) {
  std::shared_ptr<mcp::Client> &C = Clients[static_cast<size_t>(&S - Servers.data())];
  if (C && C->dead()) {
    Retired.push_back(std::move(C));
    pruneLater();
  }
  if (!C) C = std::make_shared<mcp::Client>(S.Name, Factory(S));
  return C;
}

void McpSteps::pruneLater() {
  std::weak_ptr<bool> Live = Alive;
  Exec.post([this, Live] {
    if (Live.expired()) return;
    llvm::erase_if(Retired, [](const std::shared_ptr<mcp::Client> &C) {
      return C->dead() && C.use_count() == 1;
    });
  });
}

std::unique_ptr<ActionTask> McpSteps::start(const ActionRequest &R, ActionDone Done) {
  if (!Retired.empty()) pruneLater();  // a closing client may be gone by now
  auto param = [&](const char *Name) -> std::string {
    auto It = R.Params.find(Name);
    return It != R.Params.end() && It->is_string() ? It->get<std::string>() : "";
  };
  std::string Server = param("server"), Tool = param("tool");
  const McpServerSpec *Spec = nullptr;
  for (const McpServerSpec &S : Servers)
    if (S.Name == Server) Spec = &S;
  if (!Spec)
    return Done(ActionResult::failure(
               fmt::format("no MCP server `{}` in the pipeline's `mcp_servers:`", Server),
               false)),
           nullptr;
  if (R.Action == "mcp.list") return list(*Spec, std::move(Done));
  if (R.Action == "mcp.disconnect") return disconnect(*Spec, std::move(Done)), nullptr;
  std::shared_ptr<mcp::Client> C = client(*Spec);
  if (R.Action == "mcp.connect") {
    uint64_t Id = C->request("", nullptr, [Done, Server](mcp::CallOutcome O) {
      if (O.K != mcp::CallOutcome::Result) return Done(ActionResult::failure(O.Error));
      auto obj = [&](const char *K) {
        auto It = O.Value.find(K);
        return It != O.Value.end() && It->is_object() ? *It : json::object();
      };
      json Fields = {{"connected", true},
                     {"server_name", Server},
                     {"capabilities", obj("capabilities")},
                     {"server_info", obj("serverInfo")},
                     {"protocol_version", O.Value.value("protocolVersion", "")}};
      Fields["output"] = ir::toJsonText(Fields);
      Done(ActionResult::success(std::move(Fields)));
    });
    return std::make_unique<McpTask>(C, Id);
  }
  if (Tool.empty())
    return Done(ActionResult::failure("parameter `tool` must be a tool's name", false)),
           nullptr;
  json Args = json::object();
  if (auto A = R.Params.find("arguments"); A != R.Params.end() && !A->is_null()) {
    if (!A->is_object())
      return Done(
                 ActionResult::failure("parameter `arguments` must be a mapping", false)),
             nullptr;
    Args = *A;
  }
  bool Raw = R.Action == "mcp.call";
  uint64_t Id = C->callTool(Tool, std::move(Args), [Done, Raw](mcp::CallOutcome O) {
    switch (O.K) {
      case mcp::CallOutcome::Result: {
        ActionResult Res = mcpToolResult(O.Value);
        if (Raw) {  // the answer as sent, and its text
          json Output = Res.Fields["output"];
          Res.Fields = json{{"result", O.Value}, {"output", std::move(Output)}};
        }
        return Done(std::move(Res));
      }
      case mcp::CallOutcome::RpcError:  // an unknown tool, bad arguments
        return Done(ActionResult::failure(O.Error, false));
      case mcp::CallOutcome::Lost:
        return Done(ActionResult::failure(O.Error));
    }
  });
  return std::make_unique<McpTask>(C, Id);
}

namespace {

/// A listing in progress: the tools so far, and the page in flight. The
/// callback holds the state weakly: the task owns it, so a listing that
/// is cancelled, or whose client goes without answering, frees it.
struct Listing : ActionTask {
  struct State {
    json Tools = json::array();
    size_t Bytes = 0;
    unsigned Pages = 0;
    uint64_t Id = 0;
  };
  std::weak_ptr<mcp::Client> C;
  std::shared_ptr<State> St = std::make_shared<State>();
  void cancel() override {
    if (auto Live = C.lock()) Live->cancel(St->Id);
  }
};

/// Asks for the page after \p Cursor (none: the first) and goes on until
/// the last, then calls \p Done.
void listPage(std::weak_ptr<mcp::Client> Weak, std::weak_ptr<Listing::State> WeakSt,
              std::string Name, ActionDone Done, json Cursor) {
  auto C = Weak.lock();
  auto St = WeakSt.lock();
  if (!St) return;  // the step was stopped
  if (!C) return Done(ActionResult::failure("the MCP server is gone"));
  json Params = json::object();
  bool FollowUp = !Cursor.is_null();
  if (FollowUp) Params["cursor"] = std::move(Cursor);
  St->Id = C->request(
      "tools/list", std::move(Params),
      [Weak, WeakSt, Name, Done](mcp::CallOutcome O) {
        auto St = WeakSt.lock();
        if (!St) return;
        if (O.K != mcp::CallOutcome::Result)
          return Done(ActionResult::failure(O.Error, O.K == mcp::CallOutcome::Lost));
        if (auto L = O.Value.find("tools"); L != O.Value.end() && L->is_array())
          for (const json &Tool : *L) {
            if (!Tool.is_object() || !Tool.value("name", json()).is_string()) continue;
            json Entry = {{"name", Tool["name"]},
                          {"description", Tool.value("description", json(""))},
                          {"input_schema", Tool.value("inputSchema", json::object())}};
            St->Bytes += ir::toJsonText(Entry).size();
            St->Tools.push_back(std::move(Entry));
            if (St->Tools.size() > McpSteps::MaxListTools ||
                St->Bytes > McpSteps::MaxListBytes)
              return Done(ActionResult::failure(
                  fmt::format(
                      "MCP server `{}` lists more than {} tools or {} MiB of them", Name,
                      McpSteps::MaxListTools, McpSteps::MaxListBytes >> 20),
                  false));
          }
        auto Cursor = O.Value.find("nextCursor");
        if (Cursor != O.Value.end() && Cursor->is_string() && !Cursor->empty()) {
          if (++St->Pages >= McpSteps::MaxListPages)
            return Done(ActionResult::failure(
                fmt::format("MCP server `{}` sent more than {} pages of tools", Name,
                            McpSteps::MaxListPages),
                false));
          return listPage(Weak, WeakSt, Name, Done, *Cursor);
        }
        std::string Text;
        for (const json &Tool : St->Tools) Text += Tool["name"].get<std::string>() + "\n";
        if (!Text.empty()) Text.pop_back();
        size_t N = St->Tools.size();
        Done(ActionResult::success(json{{"tools", std::move(St->Tools)},
                                        {"count", N},
                                        {"server_name", Name},
                                        {"output", std::move(Text)}}));
      },
      FollowUp);
}

}  // namespace

std::unique_ptr<ActionTask> McpSteps::list(const McpServerSpec &S, ActionDone Done) {
  // `tools/list`, page after page (`nextCursor`), within the limits above.
  std::shared_ptr<mcp::Client> C = client(S);
  auto T = std::make_unique<Listing>();
  T->C = C;
  listPage(C, T->St, S.Name, std::move(Done), nullptr);
  return T;
}

void McpSteps::disconnect(const McpServerSpec &S, ActionDone Done) {
  std::shared_ptr<mcp::Client> &C = Clients[static_cast<size_t>(&S - Servers.data())];
  if (C) {
    C->closeWhenIdle();
    Retired.push_back(std::move(C));
    pruneLater();
  }
  std::string Message = fmt::format("Disconnected from server '{}'", S.Name);
  Done(ActionResult::success(json{{"disconnected", true},
                                  {"server_name", S.Name},
                                  {"message", Message},
                                  {"output", Message}}));
}

}  // namespace orch::runtime
