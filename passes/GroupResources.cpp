//===- GroupResources.cpp - Steps that share a resource -------------------===//
//
// Groups steps by what they use: model steps by provider, whose limits
// all its models share (`provider:openai`, `provider:default` when the run
// decides the model; a templated `model:` takes its rendered model's
// provider group when it starts, so each provider with limits gets one),
// `shell`
// steps share `subprocess`, `http.request` steps with a constant URL share
// their host, `mcp` steps their server (`mcp:NAME`). Limits, which orchrt enforces per
// group:
//   model groups   the registry's `providers.<p>` (max_concurrent,
//                  requests_per_minute, burst, tokens_per_minute: the
//                  LLM client's, per request), else config.yaml's
//                  `providers.<p>`, else its `security.rate_limiting`;
//   mcp groups     the server's `max_concurrent`;
//   every group    nothing more than -j otherwise.
// config.yaml's `execution.max_concurrent_tasks` becomes the plan's
// default job limit.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include <set>

#include "ir/Actions.h"
#include "llvm/Support/Path.h"
#include "passes/McpSteps.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"

namespace orch::passes {

namespace {

using namespace ir;

/// The file name of \p Path: plans do not depend on where files were.
std::string fileName(const std::string &Path) {
  return llvm::sys::path::filename(Path).str();
}

/// The host of a constant http(s) URL, or "".
std::string hostOf(const Step &S) {
  if (!S.Params) return "";
  for (const MapEntry &E : S.Params->entries())
    if (auto *Sc = llvm::dyn_cast<ScalarValue>(E.V);
        Sc && E.Key == "url" && Sc->scalar().Ty == Type::String) {
      llvm::StringRef U = Sc->scalar().S;
      if (!U.consume_front("https://") && !U.consume_front("http://")) return "";
      return U.take_until([](char C) { return C == '/' || C == '?' || C == '#'; }).str();
    }
  return "";
}

class GroupResourcesPass : public Pass {
 public:
  llvm::StringRef name() const override { return "group-resources"; }

  bool run(Pipeline &P, PassContext &Ctx) override {
    P.Groups.clear();
    P.MaxConcurrentTasks = Ctx.Config ? Ctx.Config->MaxConcurrentTasks : 0;
    for (Step &S : P.Steps) {
      S.Group = -1;
      if (S.ActionAuto && !S.ActionAuto->Resolved) continue;
      llvm::StringRef A = S.Action.Str;
      std::string Key, Provider;
      if (isModelAction(A)) {
        std::string Model = S.Model.Str.str();
        const ModelInfo *M = Ctx.Models ? Ctx.Models->find(Model) : nullptr;
        Provider = M && !M->Provider.empty()                      ? M->Provider
                   : Model.empty()                                ? "default"
                   : llvm::StringRef(Model).starts_with("claude") ? "anthropic"
                                                                  : "openai";
        // Limits are a provider's: its models share one group.
        Key = "provider:" + Provider;
      } else if (A == "shell") {
        Key = "subprocess";
      } else if (isMcpAction(A)) {
        // One group a server: its `max_concurrent` bounds calls in flight.
        const McpServer *Srv = mcpServerOf(P, S);
        if (!Srv) continue;
        S.Group = groupFor(P, Ctx, "mcp:" + Srv->Name.Str.str(), "");
        ResourceGroup &G = P.Groups[static_cast<size_t>(S.Group)];
        if (Srv->MaxConcurrent) {
          G.MaxConcurrent = static_cast<unsigned>(Srv->MaxConcurrent->Val);
          G.LimitsFrom =
              P.arena().save(fmt::format("mcp_servers.{}.max_concurrent", Srv->Name.Str));
        }
        continue;
      } else if (A == "http.request" || A == "web.scrape") {
        std::string Host = hostOf(S);
        Key = Host.empty() ? "http" : "http:" + Host;
      } else {
        continue;  // local work: only -j bounds it
      }
      S.Group = groupFor(P, Ctx, Key, Provider);
    }
    // A model named when its step starts (a templated `model:`) takes its
    // provider's group then (orchrt): every provider with limits has one.
    // So does each model a `model.batch` routes a task to: its requests
    // share their provider's token window (tokens_per_minute).
    if (llvm::any_of(P.Steps, [](const Step &S) {
          return S.ModelValue || S.Action.Str == "model.batch";
        })) {
      auto HasLimits = [](const ProviderLimits &L) {
        return L.MaxConcurrent || L.RequestsPerMinute || L.TokensPerMinute;
      };
      std::set<std::string> Limited;  // by name: the plan's order is stable
      if (Ctx.Models)
        for (const auto &[Name, L] : Ctx.Models->Providers)
          if (HasLimits(L)) Limited.insert(Name);
      if (Ctx.Config)
        for (const auto &[Name, L] : Ctx.Config->Providers)
          if (HasLimits(L)) Limited.insert(Name);
      for (const std::string &Name : Limited) groupFor(P, Ctx, "provider:" + Name, Name);
    }
    return true;
  }

 private:
  int32_t groupFor(Pipeline &P, const PassContext &Ctx, const std::string &Key,
                   const std::string &Provider) {
    for (size_t I = 0; I < P.Groups.size(); ++I)
      if (P.Groups[I].Name == Key) return static_cast<int32_t>(I);
    ResourceGroup G;
    G.Name = P.arena().save(Key);
    if (!Provider.empty()) {
      const ProviderLimits *L = nullptr;
      std::string From;
      if (Ctx.Models)
        if (auto It = Ctx.Models->Providers.find(Provider);
            It != Ctx.Models->Providers.end()) {
          L = &It->second;
          From = fmt::format("{}: providers.{}", fileName(Ctx.Models->Path), Provider);
        }
      if (!L && Ctx.Config) {
        if (auto It = Ctx.Config->Providers.find(Provider);
            It != Ctx.Config->Providers.end()) {
          L = &It->second;
          From = fmt::format("{}: providers.{}", fileName(Ctx.Config->Path), Provider);
        } else if (Ctx.Config->ModelRequests.RequestsPerMinute ||
                   Ctx.Config->ModelRequests.MaxConcurrent ||
                   Ctx.Config->ModelRequests.TokensPerMinute) {
          L = &Ctx.Config->ModelRequests;
          From = fmt::format("{}: security.rate_limiting", fileName(Ctx.Config->Path));
        }
      }
      if (L) {
        G.MaxConcurrent = L->MaxConcurrent;
        G.RequestsPerMinute = L->RequestsPerMinute;
        G.Burst = L->Burst;
        G.TokensPerMinute = L->TokensPerMinute;
        G.LimitsFrom = P.arena().save(From);
      }
    }
    P.Groups.push_back(G);
    return static_cast<int32_t>(P.Groups.size() - 1);
  }
};

}  // namespace

std::unique_ptr<Pass> createGroupResourcesPass() {
  return std::make_unique<GroupResourcesPass>();
}

}  // namespace orch::passes
