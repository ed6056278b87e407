//===- Batch.cpp - Many chat requests through a provider's batch API ------===//
#include "runtime/llm/Batch.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "ir/Json.h"
#include "ir/JsonLimits.h"
#include "ir/MakeError.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::llm {

using json = orch::ir::Json;

namespace {

std::string trimmed(std::string U) {
  while (!U.empty() && U.back() == '/') U.pop_back();
  return U;
}

std::string dumpJson(const json &J) {
  return J.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string str(const json &J, const char *Key) {
  auto It = J.find(Key);
  return It != J.end() && It->is_string() ? It->get<std::string>() : std::string();
}

/// Sleeps \p D on \p Clk in slices, returning early (false) when \p Cancel
/// becomes true.
bool sleepUnlessCancelled(Clock &Clk, std::chrono::milliseconds D,
                          const std::atomic<bool> *Cancel) {
  while (D.count() > 0) {
    if (Cancel && *Cancel) return false;
    std::chrono::milliseconds Slice = std::min(D, std::chrono::milliseconds(100));
    Clk.sleepFor(Slice);
    D -= Slice;
  }
  return !(Cancel && *Cancel);
}

/// The batch protocol's HTTP exchanges, with the client's retries (a
/// transport failure, 408, 409, 429, 5xx) and its redaction. \p Cancel,
/// when it becomes true, ends an exchange at once: the transport drops the
/// request and a retry's backoff stops waiting (cancelled() then says so).
class Wire {
 public:
  Wire(Client &C, HttpTransport &T, Clock &Clk, std::vector<Header> Auth,
       const std::atomic<bool> *Cancel)
      : C(C), T(T), Clk(Clk), Auth(std::move(Auth)), Cancel(Cancel) {}

  /// Whether the cancel flag is set.
  bool cancelled() const { return Cancel && *Cancel; }

  /// One exchange's outcome: the body of a 2xx answer, or why not and
  /// whether that may pass (a transport failure, 408, 409, 429, 5xx).
  struct Try {
    std::optional<std::string> Body;
    bool Retryable = false;
    /// A transport failure or a 5xx: the provider may have carried the
    /// request out (a 408, 409 or 429 is a refusal: it did not).
    bool Ambiguous = false;
    std::string Error;       ///< Redacted.
    std::string RetryAfter;  ///< The answer's Retry-After, if any.
  };

  /// The request for \p Method \p Url. \p Droppable false: a cancel
  /// does not drop it in flight.
  HttpRequest request(const std::string &Method, const std::string &Url,
                      std::string Body = "",
                      const std::string &ContentType = "application/json",
                      bool Droppable = true) const {
    HttpRequest R;
    R.Method = Method;
    R.Url = Url;
    R.Headers = Auth;
    if (!Body.empty() || Method == "POST")
      R.Headers.push_back({"Content-Type", ContentType});
    R.Body = std::move(Body);
    R.Timeout = C.config().Timeout;
    R.Cancel = Droppable ? Cancel : nullptr;
    return R;
  }

  /// Sends \p R once.
  Try once(const HttpRequest &R) {
    Try X;
    llvm::Expected<HttpResponse> Resp = T.post(R);
    if (!Resp) {
      X.Retryable = X.Ambiguous = true;
      X.Error = C.redacted(llvm::toString(Resp.takeError()));
      return X;
    }
    if (Resp->Status >= 200 && Resp->Status < 300) {
      X.Body = std::move(Resp->Body);
      return X;
    }
    json E = ir::parseJsonBounded(Resp->Body);
    std::string Msg;
    if (E.is_object() && E.contains("error") && E["error"].is_object())
      Msg = str(E["error"], "message");
    X.Error = C.redacted(fmt::format("HTTP {}: {}", Resp->Status,
                                     Msg.empty() ? Resp->Body.substr(0, 200) : Msg));
    long S = Resp->Status;
    X.Retryable = S == 408 || S == 409 || S == 429 || S >= 500;
    X.Ambiguous = S >= 500;
    X.RetryAfter = Resp->header("retry-after").str();
    return X;
  }

  /// The error of a try \p X of \p R that failed for good after \p Attempt
  /// attempts.
  llvm::Error failed(const HttpRequest &R, const Try &X, unsigned Attempt) const {
    if (!X.Retryable)
      return ir::makeError(fmt::format("provider `{}` rejected {} {}: {}",
                                       C.config().Name, R.Method, C.redacted(path(R.Url)),
                                       X.Error));
    return ir::makeError(fmt::format("provider `{}`: {} {} failed after {} attempts: {}",
                                     C.config().Name, R.Method, C.redacted(path(R.Url)),
                                     Attempt, X.Error));
  }

  /// Sleeps the backoff after attempt \p Attempt of \p X; false when a
  /// cancel cut it short.
  bool backoff(unsigned Attempt, const Try &X) {
    return sleepUnlessCancelled(Clk, C.backoff(Attempt, X.RetryAfter), Cancel);
  }

  /// Sends \p Method \p Url; a 2xx answer's body. \p Droppable false: a
  /// cancel stops the retries but not an exchange in flight.
  llvm::Expected<std::string> send(const std::string &Method, const std::string &Url,
                                   std::string Body = "",
                                   const std::string &ContentType = "application/json",
                                   bool Droppable = true) {
    HttpRequest R = request(Method, Url, std::move(Body), ContentType, Droppable);
    // A request that must not be dropped creates a batch: never re-sent
    // by the transport on a kept-alive connection that broke.
    R.FreshConnection = !Droppable;
    for (unsigned Attempt = 1;; ++Attempt) {
      if (cancelled()) return interrupted(R);
      Try X = once(R);
      if (X.Body) return std::move(*X.Body);
      if (!X.Retryable || Attempt > C.config().MaxRetries) return failed(R, X, Attempt);
      if (!backoff(Attempt, X)) return interrupted(R);
    }
  }

  /// Sends \p R deaf to the cancel flag (what a cancel needs: a batch's
  /// cancel, or the look-up of a batch to cancel), at most \p Tries tries
  /// within CancelBudget in all, so that an interrupt still ends the run
  /// promptly; a try that may pass is tried again after a short pause.
  /// The answer as a JSON object, when it is one with a 2xx status. \p Sent
  /// counts the requests sent.
  std::optional<json> sendDeaf(HttpRequest R, unsigned &Sent,
                               unsigned Tries = CancelTries) {
    R.Cancel = nullptr;
    Clock::TimePoint Start = Clk.now();
    std::chrono::milliseconds Pause = CancelPause;
    for (unsigned K = 0; K < Tries; ++K) {
      if (K) {
        Clk.sleepFor(Pause);
        Pause *= 2;
      }
      auto Used =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clk.now() - Start);
      std::chrono::milliseconds Left = CancelBudget - Used;
      if (Left < CancelPause) return std::nullopt;  // no time left for a try
      R.Timeout = std::min(C.config().Timeout, Left);
      ++Sent;
      Try X = once(R);
      if (X.Body) {
        json J = ir::parseJsonBounded(*X.Body);
        if (!J.is_object()) return std::nullopt;
        return J;
      }
      if (!X.Retryable) return std::nullopt;  // refused (ended, or unknown)
    }
    return std::nullopt;
  }

  /// POSTs a batch's cancel \p Url (sendDeaf()).
  std::optional<json> postCancel(const std::string &Url, unsigned &Tries) {
    return sendDeaf(request("POST", Url, "", "application/json", false), Tries);
  }

  /// send(), its body parsed as a JSON object.
  llvm::Expected<json> sendJson(const std::string &Method, const std::string &Url,
                                std::string Body = "",
                                const std::string &ContentType = "application/json",
                                bool Droppable = true) {
    llvm::Expected<std::string> B =
        send(Method, Url, std::move(Body), ContentType, Droppable);
    if (!B) return B.takeError();
    json J = ir::parseJsonBounded(*B);
    if (!J.is_object())
      return ir::makeError(
          fmt::format("provider `{}` answered {} {} with a body that is not a "
                      "JSON object ({} bytes)",
                      C.config().Name, Method, C.redacted(path(Url)), B->size()));
    return J;
  }

 private:
  llvm::Error interrupted(const HttpRequest &R) const {
    return ir::makeError(
        fmt::format("provider `{}`: {} {} interrupted (the run was cancelled)",
                    C.config().Name, R.Method, C.redacted(path(R.Url))));
  }

  static constexpr unsigned CancelTries = 3;
  static constexpr std::chrono::milliseconds CancelBudget{10000};
  static constexpr std::chrono::milliseconds CancelPause{250};

  /// The URL without its origin, for messages.
  static std::string path(llvm::StringRef Url) {
    size_t Scheme = Url.find("://");
    size_t Slash = Url.find('/', Scheme == llvm::StringRef::npos ? 0 : Scheme + 3);
    return Slash == llvm::StringRef::npos ? Url.str() : Url.substr(Slash).str();
  }

  Client &C;
  HttpTransport &T;
  Clock &Clk;
  std::vector<Header> Auth;
  const std::atomic<bool> *Cancel;
};

/// A multipart/form-data body with `purpose=batch` and \p Jsonl as the
/// file; \p ContentType gets its boundary.
std::string multipart(const std::string &Jsonl, std::string &ContentType) {
  std::string Boundary = "orchrt-batch-boundary";
  for (unsigned N = 0; Jsonl.find(Boundary) != std::string::npos; ++N)
    Boundary = "orchrt-batch-boundary-" + std::to_string(N);
  ContentType = "multipart/form-data; boundary=" + Boundary;
  return "--" + Boundary +
         "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--" +
         Boundary +
         "\r\nContent-Disposition: form-data; name=\"file\"; "
         "filename=\"batch.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n" +
         Jsonl + "\r\n--" + Boundary + "--\r\n";
}

/// One result line: the item's answer body, or its error.
struct LineResult {
  std::string CustomId;
  BatchItemStatus Status = BatchItemStatus::Errored;
  json Body;          ///< Succeeded: the chat answer.
  std::string Error;  ///< Otherwise.
};

/// An OpenAI output- or error-file line.
LineResult openAiLine(const json &L) {
  LineResult R;
  R.CustomId = str(L, "custom_id");
  const json *Resp =
      L.contains("response") && L["response"].is_object() ? &L["response"] : nullptr;
  long Status = Resp && (*Resp).contains("status_code") &&
                        (*Resp)["status_code"].is_number_integer()
                    ? (*Resp)["status_code"].get<long>()
                    : 0;
  if (Resp && Status >= 200 && Status < 300 && Resp->contains("body")) {
    R.Status = BatchItemStatus::Succeeded;
    R.Body = (*Resp)["body"];
    return R;
  }
  if (L.contains("error") && L["error"].is_object()) {
    std::string Code = str(L["error"], "code");
    R.Error = str(L["error"], "message");
    if (Code == "batch_expired") R.Status = BatchItemStatus::Expired;
    if (Code == "batch_cancelled") R.Status = BatchItemStatus::Canceled;
    if (R.Error.empty()) R.Error = Code;
  } else if (Resp && Resp->contains("body") && (*Resp)["body"].is_object() &&
             (*Resp)["body"].contains("error") && (*Resp)["body"]["error"].is_object()) {
    R.Error =
        fmt::format("HTTP {}: {}", Status, str((*Resp)["body"]["error"], "message"));
  } else {
    R.Error = fmt::format("HTTP {}", Status);
  }
  if (Status >= 400 && Status < 500 && Status != 408 && Status != 409 && Status != 429)
    R.Status = BatchItemStatus::Rejected;
  if (R.Error.empty()) R.Error = "no answer";
  return R;
}

/// An Anthropic results line.
LineResult anthropicLine(const json &L) {
  LineResult R;
  R.CustomId = str(L, "custom_id");
  const json Res = L.contains("result") && L["result"].is_object() ? L["result"] : json();
  std::string Type = Res.is_object() ? str(Res, "type") : "";
  if (Type == "succeeded" && Res.contains("message")) {
    R.Status = BatchItemStatus::Succeeded;
    R.Body = Res["message"];
  } else if (Type == "expired") {
    R.Status = BatchItemStatus::Expired;
    R.Error = "the batch expired before the request ran";
  } else if (Type == "canceled") {
    R.Status = BatchItemStatus::Canceled;
    R.Error = "the batch was cancelled before the request ran";
  } else {
    // errored: {"error": {"type": "error", "error": {"type", "message"}}}
    const json *E = Res.is_object() && Res.contains("error") ? &Res["error"] : nullptr;
    if (E && E->is_object() && E->contains("error") && (*E)["error"].is_object())
      E = &(*E)["error"];
    R.Error = E && E->is_object() ? str(*E, "message") : "";
    if (E && E->is_object() && str(*E, "type") == "invalid_request_error")
      R.Status = BatchItemStatus::Rejected;
    if (R.Error.empty()) R.Error = "errored";
  }
  return R;
}

/// The lines of a JSONL text, parsed (bounded depth); bad lines skipped.
std::vector<json> jsonLines(llvm::StringRef Text) {
  std::vector<json> Out;
  llvm::SmallVector<llvm::StringRef, 16> Lines;
  Text.split(Lines, '\n', -1, false);
  for (llvm::StringRef L : Lines) {
    json J = ir::parseJsonBounded(L.trim());
    if (J.is_object()) Out.push_back(std::move(J));
  }
  return Out;
}

/// The metadata key of the marker an OpenAI batch is created with.
constexpr const char *MarkerKey = "orchrt_batch";

/// A marker unique to one batch of one run: 128 random bits (hex).
std::string batchMarker() {
  std::random_device Rd;
  std::string Out = "orchrt-";
  for (int K = 0; K < 4; ++K) Out += fmt::format("{:08x}", Rd());
  return Out;
}

/// Looks up the OpenAI batch created with \p Marker (GET /batches, newest
/// first, up to MarkerPages pages of 100): the batch object when found, a
/// null JSON when the list does not hold it, std::nullopt when the list
/// could not be read. The look-up is deaf to the cancel flag: a batch that
/// was made must be found to be cancelled. \p Sent counts its requests.
std::optional<json> findBatch(Wire &W, const std::string &BatchUrl,
                              const std::string &Marker, unsigned &Sent) {
  constexpr unsigned MarkerPages = 5;
  std::string After;
  for (unsigned Page = 0; Page < MarkerPages; ++Page) {
    std::string Url = BatchUrl + "?limit=100";
    if (!After.empty()) Url += "&after=" + After;
    std::optional<json> L =
        W.sendDeaf(W.request("GET", Url, "", "application/json", false), Sent);
    if (!L || !L->contains("data") || !(*L)["data"].is_array()) return std::nullopt;
    for (const json &B : (*L)["data"]) {
      if (!B.is_object()) continue;
      auto M = B.find("metadata");
      if (M != B.end() && M->is_object() && str(*M, MarkerKey) == Marker) return B;
    }
    After = str(*L, "last_id");
    auto More = L->find("has_more");
    if (After.empty() || After.find_first_of("/?#&") != std::string::npos ||
        More == L->end() || !More->is_boolean() || !More->get<bool>())
      break;
  }
  return json();
}

}  // namespace

const char *batchItemStatusName(BatchItemStatus S) {
  switch (S) {
    case BatchItemStatus::Succeeded:
      return "succeeded";
    case BatchItemStatus::Errored:
      return "errored";
    case BatchItemStatus::Rejected:
      return "rejected";
    case BatchItemStatus::Expired:
      return "expired";
    case BatchItemStatus::Canceled:
      return "canceled";
    case BatchItemStatus::Refused:
      return "refused";
  }
  return "errored";
}

llvm::Expected<BatchOutcome> runBatch(Client &C, HttpTransport &T, Clock &Clk,
                                      llvm::ArrayRef<BatchItem> Items,
                                      const std::atomic<bool> *Cancel) {
  const ProviderConfig &P = C.config();
  bool OpenAI = P.Kind == ApiKind::OpenAI;
  BatchOutcome Out;
  Out.Items.resize(Items.size());
  // The items' bodies; each is told to its observer (a hold) before the
  // batch goes out.
  std::vector<std::string> Bodies(Items.size());
  std::vector<CallStart> Starts(Items.size());
  std::vector<uint64_t> Holds(Items.size(), 0);
  std::vector<bool> Sent(Items.size(), false);
  std::map<std::string, size_t> ById;
  for (size_t K = 0; K < Items.size(); ++K) {
    const ChatRequest &R = Items[K].Request;
    BatchItemResult &Res = Out.Items[K];
    llvm::Expected<HttpRequest> H = C.buildRequest(R, /*ElideKey=*/true);
    if (!H) {
      Res.Error = C.redacted(llvm::toString(H.takeError()));
      continue;
    }
    if (!ById.emplace(Items[K].CustomId, K).second) {
      Res.Error = fmt::format("custom_id `{}` is not unique", Items[K].CustomId);
      continue;
    }
    Bodies[K] = std::move(H->Body);
    CallStart &S = Starts[K];
    S.Caller = R.Caller;
    S.Model = R.Model;
    S.Provider = P.Name;
    S.Body = Bodies[K];
    S.MaxTokens = R.MaxTokens || OpenAI ? R.MaxTokens : DefaultAnthropicMaxTokens;
    S.PriceFactor = P.BatchPriceFactor;
    S.Cancel = Cancel;
    // The holds of this batch's earlier items settle only after the batch
    // is sent: an item must not wait for them.
    S.NoWait = std::find(Sent.begin(), Sent.begin() + K, true) != Sent.begin() + K;
    if (R.Observer)
      if (llvm::Error E = R.Observer->callStarting(S, Holds[K])) {
        Res.Status = BatchItemStatus::Refused;
        Res.Error = llvm::toString(std::move(E));
        ById.erase(Items[K].CustomId);
        continue;
      }
    Sent[K] = true;
  }
  Clock::TimePoint T0 = Clk.now();
  std::string BatchId;
  // The batch was created but its results were never read (cancelled, or
  // a poll or a download failed): an item without a result may have run
  // and been billed.
  bool Unread = false;
  // Settles every hold: each item's own call; an item without an answer
  // costs nothing when it never ran, and its hold's estimate (the request's
  // bytes / 4, its max_tokens up to 1024), marked estimated, when it may
  // have run unread.
  auto Settle = [&] {
    auto Latency = std::chrono::duration_cast<std::chrono::milliseconds>(Clk.now() - T0);
    for (size_t K = 0; K < Items.size(); ++K) {
      if (!Sent[K] || !Items[K].Request.Observer) continue;
      const BatchItemResult &Res = Out.Items[K];
      Starts[K].Batch = BatchId;
      CallEnd E;
      E.Attempts = 1;
      E.Latency = Latency;
      E.Ok = Res.Status == BatchItemStatus::Succeeded && Res.Response;
      if (Res.Response) {
        E.Tokens = Res.Response->Tokens;
        if (E.Ok)
          E.Answer = Res.Response->Structured ? dumpJson(*Res.Response->Structured)
                                              : Res.Response->Text;
      }
      if (!E.Ok) {
        E.Error = Res.Error;
        E.Calls = Res.Response ? 1 : 0;  // it never ran: no request is billed
        if (!Res.Response && Unread) {
          E.Calls = 1;
          E.Estimated = true;
          E.Tokens.InputTokens = Starts[K].Body.size() / 4;
          E.Tokens.OutputTokens =
              Starts[K].MaxTokens ? std::min(Starts[K].MaxTokens, 1024u) : 1024u;
        }
      }
      Items[K].Request.Observer->callEnded(Holds[K], Starts[K], E);
    }
  };
  std::string Base = trimmed(P.BaseUrl);
  std::string BatchUrl = OpenAI ? Base + "/batches" : Base + "/v1/messages/batches";
  json Batch;
  auto Status = [&] { return str(Batch, OpenAI ? "status" : "processing_status"); };
  auto Ended = [&] {
    std::string S = Status();
    return OpenAI
               ? S == "completed" || S == "failed" || S == "expired" || S == "cancelled"
               : S == "ended";
  };
  std::optional<Wire> W;
  bool CancelSent = false;
  // Once a batch exists and has not ended: its cancel (a few tries within
  // 10 s: an interrupt must not wait long on it), so that nothing keeps
  // running and billing at the provider after we stop waiting for it.
  auto CancelBatch = [&] {
    if (!W || BatchId.empty() || CancelSent || Ended()) return;
    CancelSent = true;
    if (std::optional<json> B =
            W->postCancel(BatchUrl + "/" + BatchId + "/cancel", Out.CancelTries))
      Batch = std::move(*B);
  };
  auto FailAll = [&](llvm::Error E) -> llvm::Expected<BatchOutcome> {
    Unread = !BatchId.empty() && Status() != "failed";  // a failed batch ran nothing
    CancelBatch();
    std::string Why = C.redacted(llvm::toString(std::move(E)));
    for (size_t K = 0; K < Items.size(); ++K)
      if (Sent[K]) Out.Items[K].Error = Why;
    Settle();
    return ir::makeError(Why);
  };
  if (ById.empty()) return Out;
  llvm::Expected<std::vector<Header>> Auth = C.authHeaders();
  if (!Auth) return FailAll(Auth.takeError());
  W.emplace(C, T, Clk, std::move(*Auth), Cancel);

  // Create the batch.
  if (OpenAI) {
    std::string Jsonl;
    for (size_t K = 0; K < Items.size(); ++K)
      if (Sent[K])
        Jsonl += dumpJson(json{{"custom_id", Items[K].CustomId},
                               {"method", "POST"},
                               {"url", "/v1/chat/completions"},
                               {"body", json::parse(Bodies[K])}}) +
                 "\n";
    std::string Type;
    std::string Form = multipart(Jsonl, Type);
    llvm::Expected<json> File =
        W->sendJson("POST", Base + "/files", std::move(Form), Type);
    if (!File) return FailAll(File.takeError());
    if (str(*File, "id").empty())
      return FailAll(ir::makeError(
          fmt::format("provider `{}` answered the upload without an `id`", P.Name)));
    // Tagged with a marker of this batch alone, so that a create whose
    // answer is lost finds the batch it may have made (findBatch) instead
    // of making a second one, and cancels it when a cancel came.
    std::string Marker = batchMarker();
    HttpRequest Create = W->request("POST", BatchUrl,
                                    dumpJson(json{{"input_file_id", str(*File, "id")},
                                                  {"endpoint", "/v1/chat/completions"},
                                                  {"completion_window", "24h"},
                                                  {"metadata", {{MarkerKey, Marker}}}}),
                                    "application/json", /*Droppable=*/false);
    Create.FreshConnection = true;  // never re-sent by the transport
    auto Interrupted = [&] {
      return FailAll(ir::makeError(fmt::format(
          "provider `{}`: POST /batches interrupted (the run was cancelled)", P.Name)));
    };
    for (unsigned Attempt = 1;; ++Attempt) {
      if (Attempt == 1 && W->cancelled()) return Interrupted();
      Wire::Try X = W->once(Create);
      if (X.Body) {
        Batch = ir::parseJsonBounded(*X.Body);
        if (!Batch.is_object()) Batch = json::object();
        break;
      }
      if (!X.Retryable) return FailAll(W->failed(Create, X, Attempt));
      if (X.Ambiguous) {
        // The provider may have made it: look it up before asking again.
        std::optional<json> Found = findBatch(*W, BatchUrl, Marker, Out.Lookups);
        if (!Found)
          return FailAll(ir::makeError(fmt::format(
              "provider `{}`: POST /batches failed ({}) and the batch it may have made "
              "could not be looked up: not created again",
              P.Name, X.Error)));
        if (Found->is_object()) {
          Batch = std::move(*Found);
          Out.Adopted = true;
          break;
        }
      }
      if (W->cancelled()) return Interrupted();  // it made none: nothing to cancel
      if (Attempt > P.MaxRetries) return FailAll(W->failed(Create, X, Attempt));
      if (!W->backoff(Attempt, X)) return Interrupted();
    }
  } else {
    json Requests = json::array();
    for (size_t K = 0; K < Items.size(); ++K)
      if (Sent[K])
        Requests.push_back(
            json{{"custom_id", Items[K].CustomId}, {"params", json::parse(Bodies[K])}});
    llvm::Expected<json> B =
        W->sendJson("POST", BatchUrl, dumpJson(json{{"requests", std::move(Requests)}}),
                    "application/json", /*Droppable=*/false);
    if (!B) return FailAll(B.takeError());
    Batch = std::move(*B);
  }
  std::string NewId = str(Batch, "id");
  if (NewId.empty() || NewId.find_first_of("/?#") != std::string::npos)
    return FailAll(ir::makeError(
        fmt::format("provider `{}` created a batch without a usable `id`", P.Name)));
  BatchId = NewId;
  Out.Id = BatchId;

  // Poll until it ends, backing off; a cancel cancels the batch, also one
  // that came while the create request was in flight (that request is not
  // dropped: without its answer the batch would run, unknown, and bill).
  std::chrono::milliseconds Wait = P.BatchPollInitial;
  bool Cancelled = W->cancelled();
  while (!Cancelled && !Ended()) {
    if (!sleepUnlessCancelled(Clk, Wait, Cancel)) {
      Cancelled = true;
      break;
    }
    llvm::Expected<json> B = W->sendJson("GET", BatchUrl + "/" + BatchId);
    ++Out.Polls;
    if (!B && W->cancelled()) {
      llvm::consumeError(B.takeError());
      Cancelled = true;
      break;
    }
    if (!B) return FailAll(B.takeError());
    Batch = std::move(*B);
    Wait = std::min(Wait * 2, std::max(P.BatchPollMax, P.BatchPollInitial));
  }
  if (Cancelled) {
    Unread = true;
    CancelBatch();  // the batch may still end on its own
  }
  Out.Status = Cancelled ? "cancelled" : Status();

  // Read the results.
  std::vector<LineResult> Lines;
  if (!Cancelled && OpenAI) {
    if (Out.Status == "failed") {
      std::string Why = "the batch failed";
      if (Batch.contains("errors") && Batch["errors"].is_object() &&
          Batch["errors"].contains("data") && Batch["errors"]["data"].is_array() &&
          !Batch["errors"]["data"].empty() && Batch["errors"]["data"][0].is_object())
        Why += ": " + str(Batch["errors"]["data"][0], "message");
      return FailAll(ir::makeError(
          fmt::format("provider `{}`: batch {}: {}", P.Name, BatchId, Why)));
    }
    for (const char *F : {"output_file_id", "error_file_id"}) {
      std::string Id = str(Batch, F);
      if (Id.empty()) continue;
      if (Id.find_first_of("/?#") != std::string::npos)
        return FailAll(ir::makeError(
            fmt::format("provider `{}` named an unusable `{}`", P.Name, F)));
      llvm::Expected<std::string> Text =
          W->send("GET", Base + "/files/" + Id + "/content");
      if (!Text) return FailAll(Text.takeError());
      for (const json &L : jsonLines(*Text)) Lines.push_back(openAiLine(L));
    }
  } else if (!Cancelled) {
    // The results' URL, when it is the provider's own; else the documented
    // path (the key is never sent elsewhere).
    std::string Url = str(Batch, "results_url");
    if (!llvm::StringRef(Url).starts_with(Base + "/"))
      Url = BatchUrl + "/" + BatchId + "/results";
    llvm::Expected<std::string> Text = W->send("GET", Url);
    if (!Text) return FailAll(Text.takeError());
    for (const json &L : jsonLines(*Text)) Lines.push_back(anthropicLine(L));
  }
  std::vector<bool> Got(Items.size(), false);
  for (LineResult &L : Lines) {
    auto It = ById.find(L.CustomId);
    if (It == ById.end() || Got[It->second]) continue;
    size_t K = It->second;
    Got[K] = true;
    BatchItemResult &Res = Out.Items[K];
    Res.Status = L.Status;
    if (L.Status != BatchItemStatus::Succeeded) {
      Res.Error = C.redacted(L.Error);
      continue;
    }
    Usage Tokens;
    llvm::Expected<ChatResponse> A =
        C.parseAnswer(Items[K].Request, dumpJson(L.Body), Tokens);
    if (!A) {
      Res.Status = BatchItemStatus::Errored;
      Res.Error = C.redacted(llvm::toString(A.takeError()));
      Res.Response.emplace();
      Res.Response->Tokens = Tokens;  // the answer was billed
      continue;
    }
    A->Attempts = 1;
    A->Tokens = Tokens;
    Res.Response = std::move(*A);
  }
  for (size_t K = 0; K < Items.size(); ++K) {
    if (!Sent[K] || Got[K]) continue;
    BatchItemResult &Res = Out.Items[K];
    if (Cancelled || Out.Status == "cancelled") {
      Res.Status = BatchItemStatus::Canceled;
      Res.Error = "the batch was cancelled before the request ran";
    } else if (Out.Status == "expired") {
      Res.Status = BatchItemStatus::Expired;
      Res.Error = "the batch expired before the request ran";
    } else {
      Res.Status = BatchItemStatus::Errored;
      Res.Error = "the batch has no result for it";
    }
  }
  Settle();
  return Out;
}

}  // namespace orch::llm
