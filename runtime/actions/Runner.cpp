//===- Runner.cpp ---------------------------------------------------------===//
#include "runtime/actions/Runner.h"

#include <fmt/format.h>

#include <atomic>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "runtime/actions/Chart.h"
#include "runtime/actions/DataActions.h"
#include "runtime/actions/DataFilter.h"
#include "runtime/actions/HttpTask.h"
#include "runtime/actions/Human.h"
#include "runtime/actions/LocalActions.h"
#include "runtime/actions/ModelSelect.h"
#include "runtime/actions/PdfCompile.h"
#include "runtime/actions/PromptOptimize.h"
#include "runtime/actions/Validate.h"
#include "runtime/actions/WebScrape.h"
#include "runtime/actions/WebSearch.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

using ir::MaxSleepMs;

class SleepTask : public ActionTask {
 public:
  SleepTask(Executor &Exec) : Exec(Exec) {}
  void cancel() override { Exec.cancelTimer(Id); }
  Executor::TimerId Id = 0;

 private:
  Executor &Exec;
};

std::unique_ptr<ActionTask> startSleep(Executor &Exec, const json &Params,
                                       ActionDone Done) {
  auto Ms = Params.find("ms");
  if (Ms == Params.end() || !Ms->is_number_integer() || Ms->get<int64_t>() < 0 ||
      Ms->get<int64_t>() > MaxSleepMs) {
    Done(ActionResult::failure(
        fmt::format("parameter `ms` must be an integer from 0 to {}", MaxSleepMs),
        false));
    return nullptr;
  }
  int64_t N = Ms->get<int64_t>();
  auto T = std::make_unique<SleepTask>(Exec);
  T->Id = Exec.addTimer(
      Exec.now() + std::chrono::milliseconds(N), [Done = std::move(Done), N] {
        Done(ActionResult::success(json{{"output", ""}, {"slept_ms", N}}));
      });
  return T;
}

ActionResult httpResult(llvm::Expected<llm::HttpResponse> R, bool FailOnStatus) {
  if (!R) return ActionResult::failure(llvm::toString(R.takeError()));
  json Headers = json::object();
  for (const llm::Header &H : R->Headers) Headers[H.first] = H.second;
  json Parsed = ir::parseJsonBounded(R->Body);  // too deep: not JSON
  if (Parsed.is_discarded()) Parsed = nullptr;
  if (FailOnStatus && R->Status >= 400) {
    std::string Body = R->Body.substr(0, 200);
    // 429 and 5xx may pass; other client errors will not.
    bool Retry = R->Status == 429 || R->Status >= 500;
    ActionResult F =
        ActionResult::failure(fmt::format("HTTP {}: {}", R->Status, Body), Retry);
    F.Fields = json{{"status_code", R->Status}, {"headers", Headers}, {"json", Parsed}};
    return F;
  }
  return ActionResult::success(json{{"output", std::move(R->Body)},
                                    {"status_code", R->Status},
                                    {"headers", std::move(Headers)},
                                    {"json", std::move(Parsed)}});
}

/// Why \p Req cannot be sent as it is (ir::httpTextProblem), or "".
std::string unsafeHttpText(const llm::HttpRequest &Req) {
  using ir::HttpPart;
  if (std::string Why = ir::httpTextProblem(HttpPart::Url, Req.Url); !Why.empty())
    return fmt::format("parameter `url` contains {}; an HTTP request cannot carry it",
                       Why);
  for (const llm::Header &H : Req.Headers) {
    if (std::string Why = ir::httpTextProblem(HttpPart::HeaderName, H.first);
        !Why.empty())
      return fmt::format("header name {} contains {}; an HTTP request cannot carry it",
                         ir::toJsonText(H.first), Why);
    if (std::string Why = ir::httpTextProblem(HttpPart::HeaderValue, H.second);
        !Why.empty())
      return fmt::format(
          "the value of header `{}` contains {}; an HTTP request cannot carry it",
          H.first, Why);
  }
  return "";
}

}  // namespace

BuiltinRunner::BuiltinRunner(Executor &Exec, RunnerConfig Config)
    : Exec(Exec), Config(std::move(Config)) {
  this->Config.Process.RunDir = this->Config.RunDir;
}

BuiltinRunner::~BuiltinRunner() = default;

llm::CurlMulti &BuiltinRunner::http() {
  if (!Http) Http = std::make_unique<llm::CurlMulti>();
  return *Http;
}

LlmSteps &BuiltinRunner::llm() {
  if (!Llm) Llm = std::make_unique<LlmSteps>(Exec, http(), Clock, Config.Llm);
  return *Llm;
}

McpSteps &BuiltinRunner::mcp() {
  if (!Mcp)
    Mcp = std::make_unique<McpSteps>(
        Exec, Config.McpServers, Config.RunDir, [this]() -> mcp::HttpSender & {
          if (!McpHttp) McpHttp = std::make_unique<mcp::CurlSender>(http());
          return *McpHttp;
        });
  return *Mcp;
}

/// How the runner starts one action.
struct BuiltinRunner::Starter {
  llvm::StringLiteral Name;
  std::unique_ptr<ActionTask> (*Start)(BuiltinRunner &B, const ActionRequest &R,
                                       ActionDone &Done);
};

llvm::ArrayRef<BuiltinRunner::Starter> BuiltinRunner::starters() {
  using Task = std::unique_ptr<ActionTask>;
  // Local actions finish inside the call; the others start and report.
  static constexpr Starter Starters[] = {
      {"chart", &BuiltinRunner::startInRunDir<runChart>},
      {"chart.dashboard", &BuiltinRunner::startInRunDir<runChartDashboard>},
      {"data.aggregate", &BuiltinRunner::startLocal<runDataAggregate>},
      {"data.clean", &BuiltinRunner::startLocal<runDataClean>},
      {"data.convert", &BuiltinRunner::startLocal<runDataConvert>},
      {"data.filter", &BuiltinRunner::startLocal<runDataFilter>},
      {"data.merge", &BuiltinRunner::startLocal<runDataMerge>},
      {"data.pivot", &BuiltinRunner::startLocal<runDataPivot>},
      {"data.profile", &BuiltinRunner::startLocal<runDataProfile>},
      {"data.transform", &BuiltinRunner::startLocal<runDataTransform>},
      {"echo", &BuiltinRunner::startLocal<runEcho>},
      {"extract", &BuiltinRunner::startModel},
      {"file.copy", &BuiltinRunner::startInRunDir<runFileCopy>},
      {"file.list", &BuiltinRunner::startInRunDir<runFileList>},
      {"file.read", &BuiltinRunner::startInRunDir<runFileRead>},
      {"file.write", &BuiltinRunner::startInRunDir<runFileWrite>},
      {"generate", &BuiltinRunner::startModel},
      {"http.request", [](BuiltinRunner &B, const ActionRequest &R,
                          ActionDone &D) { return B.startHttp(R, D); }},
      {"human.approval", &BuiltinRunner::startHuman},
      {"human.feedback", &BuiltinRunner::startHuman},
      {"human.input", &BuiltinRunner::startHuman},
      {"mcp", &BuiltinRunner::startMcp},
      {"mcp.call", &BuiltinRunner::startMcp},
      {"mcp.connect", &BuiltinRunner::startMcp},
      {"mcp.disconnect", &BuiltinRunner::startMcp},
      {"mcp.list", &BuiltinRunner::startMcp},
      {"memory.clear", &BuiltinRunner::startMemory},
      {"memory.list", &BuiltinRunner::startMemory},
      {"memory.retrieve", &BuiltinRunner::startMemory},
      {"memory.store", &BuiltinRunner::startMemory},
      {"model.batch", &BuiltinRunner::startModel},
      {"model.route",
       [](BuiltinRunner &B, const ActionRequest &R, ActionDone &D) -> Task {
         return D(runModelRoute(R.Params, B.Config.Llm.Registry, B.Routes)), nullptr;
       }},
      {"model.select",
       [](BuiltinRunner &B, const ActionRequest &R, ActionDone &D) -> Task {
         return D(runModelSelect(R.Params, B.Config.Llm.Registry)), nullptr;
       }},
      {"node", &BuiltinRunner::startProcess},
      {"pdf.compile", &BuiltinRunner::startInRunDir<runPdfCompile>},
      {"pipeline", &BuiltinRunner::startLocal<runPipelineValues>},
      {"prompt.optimize", &BuiltinRunner::startLocal<runPromptOptimize>},
      {"python", &BuiltinRunner::startProcess},
      {"shell", &BuiltinRunner::startProcess},
      {"sleep", [](BuiltinRunner &B, const ActionRequest &R,
                   ActionDone &D) { return startSleep(B.Exec, R.Params, std::move(D)); }},
      {"transform", &BuiltinRunner::startLocal<runTransform>},
      {"validate", &BuiltinRunner::startLocal<runValidate>},
      {"web.scrape",
       [](BuiltinRunner &B, const ActionRequest &R, ActionDone &D) {
         return startWebScrape(B.Exec, B.http(), R.Params, std::move(D));
       }},
      {"web.search",
       [](BuiltinRunner &B, const ActionRequest &R, ActionDone &D) {
         return startWebSearch(B.Exec, B.http(), B.Config.Llm.Env, R.Params,
                               std::move(D));
       }},
  };
  return Starters;
}

std::vector<llvm::StringRef> BuiltinRunner::actionNames() {
  std::vector<llvm::StringRef> Names;
  for (const Starter &S : starters()) Names.push_back(S.Name);
  return Names;
}

bool BuiltinRunner::runsAction(llvm::StringRef Name) {
  return llvm::any_of(starters(), [&](const Starter &S) { return S.Name == Name; });
}

std::unique_ptr<ActionTask> BuiltinRunner::start(const ActionRequest &R,
                                                 ActionDone Done) {
  for (const Starter &S : starters())
    if (S.Name == R.Action) return S.Start(*this, R, Done);
  return startModel(*this, R, Done);  // an LLM task
}

std::unique_ptr<ActionTask> BuiltinRunner::startModel(BuiltinRunner &B,
                                                      const ActionRequest &R,
                                                      ActionDone &Done) {
  return B.llm().start(R, std::move(Done));
}

std::unique_ptr<ActionTask> BuiltinRunner::startMemory(BuiltinRunner &B,
                                                       const ActionRequest &R,
                                                       ActionDone &Done) {
  using namespace std::chrono;
  double Unix = duration<double>(system_clock::now().time_since_epoch()).count();
  return Done(B.Memory.run(R.Action, R.Params, B.Exec.now(), Unix)), nullptr;
}

std::unique_ptr<ActionTask> BuiltinRunner::startHuman(BuiltinRunner &B,
                                                      const ActionRequest &R,
                                                      ActionDone &Done) {
  return Done(runHuman(R, B.Config.Answers, B.Config.RunDir)), nullptr;
}

std::unique_ptr<ActionTask> BuiltinRunner::startMcp(BuiltinRunner &B,
                                                    const ActionRequest &R,
                                                    ActionDone &Done) {
  return B.mcp().start(R, std::move(Done));
}

std::unique_ptr<ActionTask> BuiltinRunner::startProcess(BuiltinRunner &B,
                                                        const ActionRequest &R,
                                                        ActionDone &Done) {
  const std::string &A = R.Action;
  auto Env = R.Params.find("env");
  bool EnvOk = Env == R.Params.end() || Env->is_null() || Env->is_object();
  if (R.IdempotencyKey.empty() || !EnvOk)  // a bad `env` fails as before
    return startProcessStep(B.Exec, B.Config.Process, A, R.Params, std::move(Done));
  // A recorded run names the attempt in the process's environment (the
  // same name again when a resume repeats an attempt a crash cut short).
  json Params = R.Params;
  if (!Params["env"].is_object()) Params["env"] = json::object();
  Params["env"]["ORCH_IDEMPOTENCY_KEY"] = R.IdempotencyKey;
  return startProcessStep(B.Exec, B.Config.Process, A, Params, std::move(Done));
}

std::unique_ptr<ActionTask> BuiltinRunner::startHttp(const ActionRequest &R,
                                                     ActionDone &Done) {
  llm::HttpRequest Req;
  if (auto M = R.Params.find("method"); M != R.Params.end() && !M->is_null()) {
    if (!M->is_string())
      return Done(ActionResult::failure("parameter `method` must be a string", false)),
             nullptr;
    Req.Method = M->get<std::string>();
  } else {
    Req.Method = "GET";
  }
  if (!llvm::is_contained(ir::httpMethods(), Req.Method))
    return Done(ActionResult::failure(
               fmt::format("unknown HTTP method `{}`; expected GET, POST, PUT, PATCH, "
                           "DELETE or HEAD",
                           Req.Method),
               false)),
           nullptr;
  if (auto U = R.Params.find("url");
      U != R.Params.end() && !U->is_array() && !U->is_object())
    Req.Url = ir::displayString(*U);
  llvm::StringRef Url = Req.Url;
  if (!Url.starts_with("http://") && !Url.starts_with("https://"))
    return Done(ActionResult::failure(
               "parameter `url` must be an http:// or https:// URL", false)),
           nullptr;
  if (auto H = R.Params.find("headers"); H != R.Params.end() && H->is_object())
    for (auto &[K, V] : H->items()) Req.Headers.push_back({K, ir::displayString(V)});
  // A recorded run names each attempt, so a server can drop a repeat
  // (the same attempt re-sent after a crash); the step's own header wins.
  if (!R.IdempotencyKey.empty() && llvm::none_of(Req.Headers, [](const llm::Header &H) {
        return llvm::StringRef(H.first).equals_insensitive("Idempotency-Key");
      }))
    Req.Headers.push_back({"Idempotency-Key", R.IdempotencyKey});
  // A traced run passes its context on (W3C trace context); the step's
  // own header wins.
  if (Config.TraceParent && llvm::none_of(Req.Headers, [](const llm::Header &H) {
        return llvm::StringRef(H.first).equals_insensitive("traceparent");
      }))
    if (std::string TP = Config.TraceParent(R.StepId); !TP.empty()) {
      Req.Headers.push_back({"traceparent", std::move(TP)});
      if (!Config.TraceState.empty() &&
          llvm::none_of(Req.Headers, [](const llm::Header &H) {
            return llvm::StringRef(H.first).equals_insensitive("tracestate");
          }))
        Req.Headers.push_back({"tracestate", Config.TraceState});
    }
  // Rendered text must not smuggle a header or a request (CR/LF).
  if (std::string Why = unsafeHttpText(Req); !Why.empty())
    return Done(ActionResult::failure(Why, false)), nullptr;
  if (auto B = R.Params.find("body"); B != R.Params.end() && !B->is_null()) {
    Req.Body = B->is_string() ? B->get<std::string>() : ir::toJsonText(*B);
    if (!B->is_string()) Req.Headers.push_back({"Content-Type", "application/json"});
  }
  Req.Timeout = std::chrono::milliseconds(24 * 3600 * 1000);  // the step's timeout rules
  bool FailOnStatus = ir::truthy(R.Params.value("fail_on_status", json(true)));
  auto Live = std::make_shared<std::atomic<bool>>(true);
  auto T = std::make_unique<HttpTask>(http(), Live);
  Executor &E = Exec;
  T->Id = http().send(std::move(Req), [&E, Live, Done, FailOnStatus](
                                          llvm::Expected<llm::HttpResponse> Resp) {
    auto Res = std::make_shared<ActionResult>(httpResult(std::move(Resp), FailOnStatus));
    E.post([Live, Done, Res] {
      if (*Live) Done(std::move(*Res));
    });
  });
  return T;
}

}  // namespace orch::runtime
