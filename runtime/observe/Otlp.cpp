//===- Otlp.cpp - OpenTelemetry traces over OTLP/HTTP (JSON) --------------===//
#include "runtime/observe/Otlp.h"

#include <fmt/format.h>

#include "ir/Eval.h"
#include "ir/Secrets.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::observe {

using orch::ir::Json;

namespace {

/// Percent-decodes \p S (a malformed escape stays as it is).
std::string percentDecode(llvm::StringRef S) {
  std::string Out;
  for (size_t I = 0; I < S.size(); ++I) {
    unsigned V = 0;
    if (S[I] == '%' && I + 2 < S.size() && !S.substr(I + 1, 2).getAsInteger(16, V)) {
      Out += static_cast<char>(V);
      I += 2;
    } else {
      Out += S[I];
    }
  }
  return Out;
}

/// Adds the `k=v` entries of \p Var's value to \p C (replacing a key given before).
void addHeaders(OtlpConfig &C, const char *Var, const char *Value) {
  if (!Value) return;
  llvm::SmallVector<llvm::StringRef, 8> Entries;
  llvm::StringRef(Value).split(Entries, ',', -1, /*KeepEmpty=*/false);
  unsigned N = 0;
  for (llvm::StringRef E : Entries) {
    ++N;
    auto [K, V] = E.split('=');
    K = K.trim();
    if (K.empty() || !E.contains('=') || llvm::any_of(K, [](char Ch) {
          return !llvm::isAlnum(Ch) && Ch != '-' && Ch != '_';
        })) {
      // Only the entry's number: its text may hold a secret.
      C.Warnings.push_back(
          fmt::format("entry {} of {} is not `name=value`; ignored", N, Var));
      continue;
    }
    std::string Val = percentDecode(V.trim());
    if (llvm::any_of(Val,
                     [](char Ch) { return Ch == '\r' || Ch == '\n' || Ch == '\0'; })) {
      C.Warnings.push_back(
          fmt::format("entry {} of {} has a line break in its value; ignored", N, Var));
      continue;
    }
    llvm::erase_if(C.Headers, [&](const llm::Header &H) {
      return llvm::StringRef(H.first).equals_insensitive(K);
    });
    C.Headers.push_back({K.str(), std::move(Val)});
  }
}

std::string joinTraces(llvm::StringRef Base) {
  return Base.ends_with("/") ? (Base + "v1/traces").str() : (Base + "/v1/traces").str();
}

Json attributeValue(const Json &V) {
  if (V.is_boolean()) return Json{{"boolValue", V.get<bool>()}};
  // OTLP/JSON writes 64-bit integers as decimal strings.
  if (V.is_number_integer()) return Json{{"intValue", V.dump()}};
  if (V.is_number()) return Json{{"doubleValue", V.get<double>()}};
  return Json{{"stringValue", V.is_string() ? V.get<std::string>() : V.dump()}};
}

}  // namespace

OtlpConfig otlpConfig(llvm::StringRef Configured,
                      const std::function<const char *(const char *)> &Get) {
  OtlpConfig C;
  const char *Traces = Get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const char *Base = Get("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (Traces && *Traces)
    C.Url = Traces;
  else if (Base && *Base)
    C.Url = joinTraces(Base);
  else if (!Configured.empty())
    C.Url = joinTraces(Configured);
  llvm::StringRef U = C.Url;
  if (!U.empty() && !U.starts_with("http://") && !U.starts_with("https://")) {
    C.Warnings.push_back(
        fmt::format("traces endpoint `{}` is not an http:// or https:// "
                    "URL; no traces are sent",
                    ir::redactUrlCredentials(U)));
    C.Url.clear();
  }
  addHeaders(C, "OTEL_EXPORTER_OTLP_HEADERS", Get("OTEL_EXPORTER_OTLP_HEADERS"));
  addHeaders(C, "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
             Get("OTEL_EXPORTER_OTLP_TRACES_HEADERS"));
  return C;
}

std::string hexBytes(const uint8_t *P, size_t N) {
  static const char Digits[] = "0123456789abcdef";
  std::string Out(2 * N, '0');
  for (size_t I = 0; I < N; ++I) {
    Out[2 * I] = Digits[P[I] >> 4];
    Out[2 * I + 1] = Digits[P[I] & 15];
  }
  return Out;
}

std::string hexSpanId(uint64_t Id) { return fmt::format("{:016x}", Id); }

std::optional<TraceContext> parseTraceParent(llvm::StringRef V) {
  V = V.trim();
  auto IsHex = [](llvm::StringRef S) {
    return llvm::all_of(
        S, [](char Ch) { return llvm::isDigit(Ch) || (Ch >= 'a' && Ch <= 'f'); });
  };
  // <version>-<32 hex>-<16 hex>-<2 hex>: version 00 exactly; a later
  // version may add fields after a `-`; ff is never valid.
  if (V.size() < 55 || !IsHex(V.substr(0, 2)) || V.starts_with("ff")) return std::nullopt;
  if (V.size() > 55 && (V.starts_with("00") || V[55] != '-')) return std::nullopt;
  V = V.take_front(55);
  if (V[2] != '-' || V[35] != '-' || V[52] != '-') return std::nullopt;
  if (!IsHex(V.substr(3, 32)) || !IsHex(V.substr(36, 16)) || !IsHex(V.substr(53, 2)))
    return std::nullopt;
  TraceContext C;
  bool NonZero = false;
  for (size_t I = 0; I < 16; ++I) {
    unsigned B = 0;
    V.substr(3 + 2 * I, 2).getAsInteger(16, B);
    C.TraceId[I] = static_cast<uint8_t>(B);
    NonZero |= B != 0;
  }
  if (V.substr(36, 16).getAsInteger(16, C.SpanId) || !NonZero || C.SpanId == 0)
    return std::nullopt;
  unsigned Flags = 0;
  V.substr(53, 2).getAsInteger(16, Flags);
  C.Sampled = Flags & 1;
  return C;
}

std::optional<std::string> parseTraceState(llvm::StringRef V) {
  if (V.size() > 512) return std::nullopt;
  auto KeyChar = [](char C) {
    return llvm::isDigit(C) || (C >= 'a' && C <= 'z') || C == '_' || C == '-' ||
           C == '*' || C == '/' || C == '@';
  };
  std::string Out;
  llvm::SmallVector<llvm::StringRef, 8> Keys;
  while (!V.empty()) {
    auto [Member, Rest] = V.split(',');
    V = Rest;
    Member = Member.trim(" \t");
    if (Member.empty()) continue;
    auto [Key, Value] = Member.split('=');
    if (Key.size() == Member.size() || Key.empty() || Key.size() > 256 || Value.empty() ||
        Value.size() > 256 || Value.back() == ' ' || !llvm::all_of(Key, KeyChar) ||
        !(llvm::isDigit(Key[0]) || llvm::isLower(Key[0])) || Key.count('@') > 1 ||
        !llvm::all_of(
            Value,
            [](char C) { return C >= 0x20 && C <= 0x7e && C != ',' && C != '='; }) ||
        llvm::is_contained(Keys, Key) || Keys.size() == 32)
      return std::nullopt;
    Keys.push_back(Key);
    if (!Out.empty()) Out += ',';
    Out += Member.str();
  }
  return Out;
}

std::string formatTraceParent(const TraceContext &C) {
  return fmt::format("00-{}-{}-{}", hexBytes(C.TraceId.data(), 16), hexSpanId(C.SpanId),
                     C.Sampled ? "01" : "00");
}

Json otlpTraceRequest(const std::vector<Span> &Spans, llvm::StringRef Service) {
  Json List = Json::array();
  for (const Span &S : Spans) {
    Json Attrs = Json::array();
    auto Attr = [&](const std::string &K, const Json &V) {
      Attrs.push_back({{"key", K}, {"value", attributeValue(V)}});
    };
    if (S.Step) {
      Attr("orch.step", S.Step->StepId);
      Attr("orch.action", S.Step->Action);
      Attr("orch.attempt", S.Step->Attempt);
      if (!S.Step->Model.empty()) Attr("orch.model", S.Step->Model);
    }
    for (auto &[K, V] : S.Attributes) Attr(K, V);
    Json J{{"traceId", hexBytes(S.TraceId.data(), 16)},
           {"spanId", hexSpanId(S.SpanId)},
           {"name", S.Name.empty() && S.Step ? "step " + S.Step->StepId : S.Name},
           {"kind", S.Kind},
           {"startTimeUnixNano", std::to_string(S.StartNs)},
           {"endTimeUnixNano", std::to_string(S.EndNs)},
           {"attributes", std::move(Attrs)}};
    if (S.ParentId) J["parentSpanId"] = hexSpanId(S.ParentId);
    Json Status{{"code", S.Status}};
    if (S.Status == 2 && !S.Message.empty()) Status["message"] = S.Message;
    J["status"] = std::move(Status);
    List.push_back(std::move(J));
  }
  Json Resource{
      {"attributes", Json::array({{{"key", "service.name"},
                                   {"value", {{"stringValue", Service.str()}}}}})}};
  return Json{
      {"resourceSpans",
       Json::array({{{"resource", std::move(Resource)},
                     {"scopeSpans", Json::array({{{"scope", {{"name", "orchrt"}}},
                                                  {"spans", std::move(List)}}})}}})}};
}

SpanExporter::SpanExporter(OtlpConfig Config, llm::HttpTransport &Http,
                           std::string Service)
    : Config(std::move(Config)),
      Http(Http),
      Service(std::move(Service)),
      Worker([this] { loop(); }) {}

SpanExporter::~SpanExporter() { shutdown(); }

void SpanExporter::add(Span Sp) {
  std::lock_guard<std::mutex> L(M);
  if (Stop || Queue.size() >= QueueLimit) {
    ++S.Dropped;
    return;
  }
  Queue.push_back(std::move(Sp));
  if (Queue.size() >= BatchSize) Wake.notify_one();
}

void SpanExporter::loop() {
  std::unique_lock<std::mutex> L(M);
  while (true) {
    Wake.wait_for(L, Period, [&] { return Stop || Queue.size() >= BatchSize; });
    if (Queue.empty()) {
      if (Stop) break;
      continue;
    }
    size_t N = std::min(Queue.size(), BatchSize);
    std::vector<Span> Batch(std::make_move_iterator(Queue.begin()),
                            std::make_move_iterator(Queue.begin() + N));
    Queue.erase(Queue.begin(), Queue.begin() + N);
    Sending = true;
    L.unlock();
    send(std::move(Batch));
    L.lock();
    Sending = false;
    Idle.notify_all();
  }
  Sending = false;
  Idle.notify_all();
}

void SpanExporter::send(std::vector<Span> Batch) {
  llm::HttpRequest R;
  R.Url = Config.Url;
  R.Headers = Config.Headers;
  R.Headers.push_back({"Content-Type", "application/json"});
  R.Body = ir::toJsonText(otlpTraceRequest(Batch, Service));
  R.Timeout = RequestTimeout;
  R.Cancel = &Abort;
  std::string Why;
  llvm::Expected<llm::HttpResponse> Resp = Http.post(R);
  if (!Resp)
    Why = llvm::toString(Resp.takeError());
  else if (Resp->Status < 200 || Resp->Status > 299)
    Why = fmt::format("HTTP status {}", Resp->Status);
  std::lock_guard<std::mutex> L(M);
  LastFailed = !Why.empty();
  if (Why.empty()) {
    S.Exported += Batch.size();
    return;
  }
  S.Dropped += Batch.size();
  if (S.FailedRequests++ != 0) return;
  // The transport's text may name the URL (curl's does) or echo a header:
  // the whole message is redacted, never only the prefix this adds.
  std::string Msg = ir::redactUrlCredentials(fmt::format("{}: {}", Config.Url, Why));
  for (const llm::Header &H : Config.Headers)
    for (size_t At = 0;
         H.second.size() >= 8 && (At = Msg.find(H.second, At)) != std::string::npos;
         At += 10)
      Msg.replace(At, H.second.size(), "[redacted]");
  S.FirstError = std::move(Msg);
}

void SpanExporter::shutdown() {
  std::unique_lock<std::mutex> L(M);
  if (!Worker.joinable()) return;
  Stop = true;
  Wake.notify_one();
  // Bounded: a slow collector's request in flight is cancelled.
  auto Limit = LastFailed ? ShutdownLimitAfterFailure : ShutdownLimit;
  if (!Idle.wait_for(L, Limit, [&] { return Queue.empty() && !Sending; })) {
    Abort = true;
    S.Dropped += Queue.size();
    Queue.clear();
  }
  L.unlock();
  Worker.join();
}

SpanExporter::Stats SpanExporter::stats() const {
  std::lock_guard<std::mutex> L(M);
  return S;
}

uint64_t unixNanos() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace orch::observe
