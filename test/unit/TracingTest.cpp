//===- TracingTest.cpp - OTLP configuration, exporter and tracer ----------===//
//
// observe::otlpConfig reads the OTLP exporter variables as the spec says;
// traceparent parses and prints; the SpanExporter batches, counts what a
// failing or full path drops, and stops in bounded time against a
// collector that never answers; the Tracer nests model calls under their
// step attempt and hands out that attempt's traceparent. The wire format
// itself is decoded by an official OpenTelemetry package in
// test/run/otlp_traces.yaml.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>

#include "runtime/observe/Otlp.h"
#include "runtime/observe/Tracer.h"

using namespace orch::observe;
using orch::ir::Json;

namespace {

std::function<const char *(const char *)> envOf(std::map<std::string, std::string> &E) {
  return [&E](const char *Name) -> const char * {
    auto It = E.find(Name);
    return It == E.end() ? nullptr : It->second.c_str();
  };
}

TEST(OtlpConfig, EndpointsPerTheSpec) {
  std::map<std::string, std::string> E;
  EXPECT_FALSE(otlpConfig("", envOf(E)).enabled());
  EXPECT_EQ(otlpConfig("http://cfg:4318", envOf(E)).Url, "http://cfg:4318/v1/traces");
  E["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://base:4318/";
  EXPECT_EQ(otlpConfig("http://cfg:4318", envOf(E)).Url, "http://base:4318/v1/traces");
  E["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://traces:9/custom";
  EXPECT_EQ(otlpConfig("", envOf(E)).Url, "http://traces:9/custom");
  E["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "grpc://x";
  OtlpConfig C = otlpConfig("", envOf(E));
  EXPECT_FALSE(C.enabled());
  ASSERT_EQ(C.Warnings.size(), 1u);
}

TEST(OtlpConfig, HeadersAreDecodedAndNeverEchoed) {
  std::map<std::string, std::string> E{
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:1"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr%3Dt%20value, x=1,broken-s3cret-entry"},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "X=2"}};
  OtlpConfig C = otlpConfig("", envOf(E));
  ASSERT_EQ(C.Headers.size(), 2u);
  EXPECT_EQ(C.Headers[0], (orch::llm::Header{"api-key", "s3cr=t value"}));
  EXPECT_EQ(C.Headers[1], (orch::llm::Header{"X", "2"}));  // the traces variable wins
  ASSERT_EQ(C.Warnings.size(), 1u);
  EXPECT_EQ(C.Warnings[0],
            "entry 3 of OTEL_EXPORTER_OTLP_HEADERS is not `name=value`; ignored");
}

TEST(TraceParent, ParsesAndPrints) {
  auto C = parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(C);
  EXPECT_EQ(hexBytes(C->TraceId.data(), 16), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(C->SpanId, 0xb7ad6b7169203331u);
  EXPECT_TRUE(C->Sampled);
  EXPECT_EQ(formatTraceParent(*C),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
}

TEST(TraceParent, MalformedValuesAreRefused) {
  for (const char *Bad : {
           "00-00000000000000000000000000000000-b7ad6b7169203331-01",  // zero trace
           "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // zero span
           "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",  // upper case
           "garbage",
           "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x",  // 00: 55 only
           "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",   // no `-` after
           "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",    // never valid
           "0G-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
           "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0",
       })
    EXPECT_FALSE(parseTraceParent(Bad)) << Bad;
}

TEST(TraceParent, AHigherVersionIsReadAsFarAsVersion00Goes) {
  // W3C: a higher version (not ff) is parsed by its first 55 characters;
  // anything after them must begin with `-`.
  auto C = parseTraceParent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  ASSERT_TRUE(C);
  EXPECT_EQ(C->SpanId, 0xb7ad6b7169203331u);
  auto D = parseTraceParent(
      "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-what-next");
  ASSERT_TRUE(D);
  EXPECT_FALSE(D->Sampled);
  EXPECT_EQ(formatTraceParent(*D),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
}

TEST(TraceState, ValidListsArePassedOnInvalidOnesAreNot) {
  EXPECT_EQ(parseTraceState("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(parseTraceState(" a=1 ,, tenant@sys=x y "), "a=1,tenant@sys=x y");
  EXPECT_EQ(parseTraceState(""), "");
  EXPECT_FALSE(parseTraceState("novalue"));
  EXPECT_FALSE(parseTraceState("Upper=1"));           // keys are lower case
  EXPECT_FALSE(parseTraceState("a=1\r\nX-Evil: 1"));  // no header smuggling
  EXPECT_FALSE(parseTraceState("a=b=c"));
  EXPECT_FALSE(parseTraceState("a=1,a=2"));  // a key at most once
  EXPECT_FALSE(parseTraceState(std::string(600, 'a') + "=1"));
  std::string Many;
  for (int I = 0; I < 33; ++I) Many += "k" + std::to_string(I) + "=v,";
  EXPECT_FALSE(parseTraceState(Many));  // at most 32 members
}

/// Records the bodies it is sent; answers \p Status, or fails to connect.
class FakeCollector : public orch::llm::HttpTransport {
 public:
  long Status = 200;
  bool Refuse = false;
  bool Hang = false;  ///< Never answers: waits until the request is cancelled.
  std::mutex M;
  std::vector<Json> Bodies;
  std::vector<std::vector<orch::llm::Header>> Headers;
  llvm::Expected<orch::llm::HttpResponse> post(const orch::llm::HttpRequest &R) override {
    if (Hang) {
      while (!R.Cancel || !R.Cancel->load()) std::this_thread::yield();
      return llvm::make_error<orch::llm::TransportError>(
          orch::llm::TransportFailure::Other, "request cancelled");
    }
    if (Refuse)
      return llvm::make_error<orch::llm::TransportError>(
          orch::llm::TransportFailure::Connect,
          "connection refused (" + R.Url + ")");  // as curl's transport says
    std::lock_guard<std::mutex> L(M);
    Bodies.push_back(Json::parse(R.Body));
    Headers.push_back(R.Headers);
    orch::llm::HttpResponse Resp;
    Resp.Status = Status;
    return Resp;
  }
  std::vector<Json> spans() {
    std::vector<Json> Out;
    for (Json &B : Bodies)
      for (Json &S : B["resourceSpans"][0]["scopeSpans"][0]["spans"]) Out.push_back(S);
    return Out;
  }
};

OtlpConfig config() {
  OtlpConfig C;
  C.Url = "http://user:pw@127.0.0.1:9/v1/traces";
  C.Headers = {{"Authorization", "Bearer very-secret-token"}};
  return C;
}

Span spanNamed(std::string Name) {
  Span S;
  S.TraceId[0] = 1;
  S.SpanId = 7;
  S.Name = std::move(Name);
  S.StartNs = 1;
  S.EndNs = 2;
  return S;
}

TEST(SpanExporter, SendsEverySpanWithTheHeaders) {
  FakeCollector F;
  {
    SpanExporter X(config(), F, "orchrt");
    for (int I = 0; I < 1000; ++I) X.add(spanNamed("s" + std::to_string(I)));
    X.shutdown();
    EXPECT_EQ(X.stats().Exported, 1000u);
    EXPECT_EQ(X.stats().Dropped, 0u);
  }
  EXPECT_EQ(F.spans().size(), 1000u);
  EXPECT_GE(F.Bodies.size(), 2u);  // BatchSize 512 a request
  for (auto &H : F.Headers) {
    EXPECT_NE(std::find(H.begin(), H.end(),
                        orch::llm::Header{"Authorization", "Bearer very-secret-token"}),
              H.end());
    EXPECT_NE(std::find(H.begin(), H.end(),
                        orch::llm::Header{"Content-Type", "application/json"}),
              H.end());
  }
  Json R = F.Bodies[0]["resourceSpans"][0];
  EXPECT_EQ(R["resource"]["attributes"][0]["key"], "service.name");
  EXPECT_EQ(R["resource"]["attributes"][0]["value"]["stringValue"], "orchrt");
}

TEST(SpanExporter, ADeadCollectorDropsAndSaysWhyWithoutSecrets) {
  FakeCollector F;
  F.Refuse = true;
  SpanExporter X(config(), F, "orchrt");
  for (int I = 0; I < 3; ++I) X.add(spanNamed("s"));
  X.shutdown();
  SpanExporter::Stats S = X.stats();
  EXPECT_EQ(S.Exported, 0u);
  EXPECT_EQ(S.Dropped, 3u);
  EXPECT_GE(S.FailedRequests, 1u);
  EXPECT_NE(S.FirstError.find("connection refused"), std::string::npos);
  EXPECT_EQ(S.FirstError.find("very-secret-token"), std::string::npos);
  EXPECT_EQ(S.FirstError.find("pw@"), std::string::npos);
  EXPECT_EQ(S.FirstError.find("user:"), std::string::npos);
}

TEST(SpanExporter, AnErrorStatusCountsAsAFailure) {
  FakeCollector F;
  F.Status = 503;
  SpanExporter X(config(), F, "orchrt");
  X.add(spanNamed("s"));
  X.shutdown();
  EXPECT_EQ(X.stats().Dropped, 1u);
  EXPECT_NE(X.stats().FirstError.find("HTTP status 503"), std::string::npos);
}

TEST(SpanExporter, AHungCollectorIsCancelledAtShutdownAndTheQueueIsBounded) {
  FakeCollector F;
  F.Hang = true;
  SpanExporter X(config(), F, "orchrt");
  size_t N = SpanExporter::QueueLimit + SpanExporter::BatchSize + 100;
  for (size_t I = 0; I < N; ++I) X.add(spanNamed("s"));
  X.shutdown();  // returns: the request in flight is cancelled
  SpanExporter::Stats S = X.stats();
  EXPECT_EQ(S.Exported, 0u);
  EXPECT_EQ(S.Dropped, N);  // the full queue's overflow, the cancelled batch, the rest
  X.add(spanNamed("late"));
  EXPECT_EQ(X.stats().Dropped, N + 1);
}

TEST(Tracer, AParentThatIsNotSampledRecordsNothingButPropagatesItsTrace) {
  FakeCollector F;
  SpanExporter X(config(), F, "orchrt");
  auto Parent =
      parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  ASSERT_TRUE(Parent);
  Tracer T(X, Parent, "plan.bin", "run-1", {});
  EXPECT_FALSE(T.sampled());
  orch::runtime::ActionRequest R;
  R.StepId = "fetch";
  R.Action = "http.request";
  T.attemptStarted(0, R, "");
  std::string TP = T.traceParent("fetch");
  EXPECT_EQ(TP.substr(0, 36), "00-0af7651916cd43dd8448eb211c80319c-");
  EXPECT_NE(TP.substr(36, 16), "b7ad6b7169203331");  // the attempt's own id
  EXPECT_EQ(TP.substr(52), "-00");                   // not sampled, passed on
  T.attemptEnded(0, 1, orch::runtime::ActionResult::failure("boom"));
  T.finish("failed", "boom");
  X.shutdown();
  EXPECT_EQ(F.spans().size(), 0u);
  EXPECT_EQ(X.stats().Exported + X.stats().Dropped, 0u);
}

TEST(Tracer, ModelCallsNestUnderTheirAttempt) {
  FakeCollector F;
  SpanExporter X(config(), F, "orchrt");
  auto Parent =
      parseTraceParent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  Tracer T(X, Parent, "plan.bin", "run-1", {"hunter2-secret-value"});
  orch::runtime::ActionRequest R;
  R.StepId = "ask";
  R.Action = "generate";
  R.Model = "gpt-4o";
  T.attemptStarted(0, R, "");
  std::string TP = T.traceParent("ask");
  EXPECT_EQ(TP.substr(0, 36), "00-0af7651916cd43dd8448eb211c80319c-");
  orch::llm::CallStart C;
  C.Caller = "ask";
  C.Model = "gpt-4o";
  C.Provider = "openai";
  orch::llm::CallEnd E;
  E.Ok = true;
  E.Attempts = 1;
  E.Latency = std::chrono::milliseconds(0);
  E.ResponseModel = "gpt-4o-2024-08-06";  // the answer's `model`
  T.modelCall(C, E, 12, 34, 0.5, false);
  T.attemptEnded(0, 1, orch::runtime::ActionResult::failure("boom hunter2-secret-value"));
  T.finish("failed", "step `ask` failed");
  X.shutdown();
  std::vector<Json> S = F.spans();
  ASSERT_EQ(S.size(), 3u);
  Json &Model = S[0], &Step = S[1], &Run = S[2];
  EXPECT_EQ(Model["name"], "chat gpt-4o");
  EXPECT_EQ(Model["kind"], 3);
  EXPECT_EQ(Model["parentSpanId"], Step["spanId"]);
  EXPECT_EQ(Json(TP.substr(36, 16)), Step["spanId"]);
  EXPECT_EQ(Step["parentSpanId"], Run["spanId"]);
  EXPECT_EQ(Run["parentSpanId"], "b7ad6b7169203331");
  for (Json &Sp : S) EXPECT_EQ(Sp["traceId"], "0af7651916cd43dd8448eb211c80319c");
  std::map<std::string, Json> A;
  for (Json &Attr : Model["attributes"]) A[Attr["key"]] = Attr["value"];
  EXPECT_EQ(A["gen_ai.operation.name"]["stringValue"], "chat");
  EXPECT_EQ(A["gen_ai.provider.name"]["stringValue"], "openai");
  EXPECT_EQ(A["gen_ai.request.model"]["stringValue"], "gpt-4o");
  EXPECT_EQ(A["gen_ai.response.model"]["stringValue"], "gpt-4o-2024-08-06");
  EXPECT_EQ(A["gen_ai.usage.input_tokens"]["intValue"], "12");
  EXPECT_EQ(A["gen_ai.usage.output_tokens"]["intValue"], "34");
  EXPECT_EQ(Step["status"]["code"], 2);
  EXPECT_EQ(Step["status"]["message"], "boom [redacted]");
  // A step attempt's name and attributes, in order (since observe8 made
  // on the exporter's thread from Span::Step).
  EXPECT_EQ(Step["name"], "step ask");
  EXPECT_EQ(Step["kind"], 1);
  EXPECT_EQ(Step["attributes"].dump(),
            R"([{"key":"orch.step","value":{"stringValue":"ask"}},)"
            R"({"key":"orch.action","value":{"stringValue":"generate"}},)"
            R"({"key":"orch.attempt","value":{"intValue":"1"}},)"
            R"({"key":"orch.model","value":{"stringValue":"gpt-4o"}}])");
  EXPECT_EQ(Run["status"]["code"], 2);
  // Once the attempt ended, a request of the step parents to the run.
  EXPECT_EQ(Json(T.traceParent("ask").substr(36, 16)), Run["spanId"]);
}

}  // namespace
