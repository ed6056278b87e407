//===- Runner.cpp ---------------------------------------------------------===//
#include "runtime/actions/Runner.h"

#include <fmt/format.h>

#include <atomic>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "runtime/actions/LocalActions.h"

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

class HttpTask : public ActionTask {
 public:
  HttpTask(llm::CurlMulti &Multi, std::shared_ptr<std::atomic<bool>> Live)
      : Multi(Multi), Live(std::move(Live)) {}
  void cancel() override {
    *Live = false;
    Multi.cancel(Id);
  }
  uint64_t Id = 0;

 private:
  llm::CurlMulti &Multi;
  std::shared_ptr<std::atomic<bool>> Live;
};

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

std::unique_ptr<ActionTask> BuiltinRunner::start(const ActionRequest &R,
                                                 ActionDone Done) {
  const std::string &A = R.Action;
  if (A == "echo") return Done(runEcho(R.Params)), nullptr;
  if (A == "transform") return Done(runTransform(R.Params)), nullptr;
  if (A == "pipeline") return Done(runPipelineValues(R.Params)), nullptr;
  if (A == "file.read") return Done(runFileRead(Config.RunDir, R.Params)), nullptr;
  if (A == "file.write") return Done(runFileWrite(Config.RunDir, R.Params)), nullptr;
  if (A == "sleep") return startSleep(Exec, R.Params, std::move(Done));
  if (A == "mcp") return mcp().start(R, std::move(Done));
  if (const ir::ActionInfo *I = ir::findBuiltinAction(A); I && I->RunsProcess) {
    auto Env = R.Params.find("env");
    bool EnvOk = Env == R.Params.end() || Env->is_null() || Env->is_object();
    if (R.IdempotencyKey.empty() || !EnvOk)  // a bad `env` fails as before
      return startProcessStep(Exec, Config.Process, A, R.Params, std::move(Done));
    // A recorded run names the attempt in the process's environment (the
    // same name again when a resume repeats an attempt a crash cut short).
    json Params = R.Params;
    if (!Params["env"].is_object()) Params["env"] = json::object();
    Params["env"]["ORCH_IDEMPOTENCY_KEY"] = R.IdempotencyKey;
    return startProcessStep(Exec, Config.Process, A, Params, std::move(Done));
  }
  if (A == "http.request") {
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
    Req.Timeout =
        std::chrono::milliseconds(24 * 3600 * 1000);  // the step's timeout rules
    bool FailOnStatus = ir::truthy(R.Params.value("fail_on_status", json(true)));
    auto Live = std::make_shared<std::atomic<bool>>(true);
    auto T = std::make_unique<HttpTask>(http(), Live);
    Executor &E = Exec;
    T->Id = http().send(std::move(Req), [&E, Live, Done, FailOnStatus](
                                            llvm::Expected<llm::HttpResponse> Resp) {
      auto Res =
          std::make_shared<ActionResult>(httpResult(std::move(Resp), FailOnStatus));
      E.post([Live, Done, Res] {
        if (*Live) Done(std::move(*Res));
      });
    });
    return T;
  }
  return llm().start(R, std::move(Done));
}

}  // namespace orch::runtime
