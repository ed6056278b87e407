//===- CurlTransport.cpp --------------------------------------------------===//
#include "runtime/llm/CurlTransport.h"

#include <fcntl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

#include "llvm/ADT/StringExtras.h"
#include "runtime/llm/CurlLib.h"

namespace orch::llm {

char TransportError::ID = 0;

llvm::StringRef HttpResponse::header(llvm::StringRef Name) const {
  for (const Header &H : Headers)
    if (llvm::StringRef(H.first).equals_insensitive(Name)) return H.second;
  return "";
}

namespace {
/// Where a transfer's body goes: the response, or the request's OnBody.
struct BodyTarget {
  const HttpRequest *Req = nullptr;
  HttpResponse *Resp = nullptr;
};

size_t onBody(char *Data, size_t Size, size_t N, void *User) {
  auto *T = static_cast<BodyTarget *>(User);
  if (!T->Req->OnBody) {
    size_t Keep = Size * N;
    if (size_t Max = T->Req->MaxBodyBytes) {
      size_t Room = Max - std::min(Max, T->Resp->Body.size());
      if (Keep > Room) {
        // The rest is not read: curl ends the transfer (CURLE_WRITE_ERROR,
        // which the callers take as a complete, truncated answer).
        T->Resp->Body.append(Data, Room);
        T->Resp->Truncated = true;
        return 0;
      }
    }
    T->Resp->Body.append(Data, Keep);
    return Size * N;
  }
  // Anything but Size * N makes curl abort the transfer.
  return T->Req->OnBody(T->Resp->Headers, llvm::StringRef(Data, Size * N)) ? Size * N : 0;
}

size_t onHeader(char *Data, size_t Size, size_t N, void *User) {
  llvm::StringRef Line(Data, Size * N);
  // A status line starts an answer: after a redirect, the last one's
  // headers are the response's.
  if (Line.starts_with("HTTP/")) static_cast<std::vector<Header> *>(User)->clear();
  auto [Name, Value] = Line.split(':');
  if (!Value.empty() || Line.contains(':'))
    static_cast<std::vector<Header> *>(User)->push_back(
        {Name.trim().lower(), Value.trim().str()});
  return Size * N;
}
}  // namespace

CurlTransport::CurlTransport() = default;

namespace {
/// Marks each socket curl opens close-on-exec (libcurl 7.88 does not), so
/// a kept-alive connection never reaches a step's process.
int onSocket(void *, curl_socket_t Fd, curlsocktype) {
  return fcntl(Fd, F_SETFD, FD_CLOEXEC) == 0 ? CURL_SOCKOPT_OK : CURL_SOCKOPT_ERROR;
}

/// Sets up \p C for \p R, writing into \p Resp (the body through \p Body,
/// which points at both and outlives the transfer); returns the header
/// list to free after the transfer.
curl_slist *configure(const CurlLib &L, CURL *C, const HttpRequest &R, HttpResponse &Resp,
                      BodyTarget &Body) {
  Body = {&R, &Resp};
  curl_slist *List = nullptr;
  for (const Header &H : R.Headers)
    List = L.slist_append(List, (H.first + ": " + H.second).c_str());
  L.easy_setopt(C, CURLOPT_URL, R.Url.c_str());
  if (R.Method == "POST" || !R.Body.empty()) {
    L.easy_setopt(C, CURLOPT_POSTFIELDS, R.Body.data());
    L.easy_setopt(C, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)R.Body.size());
  }
  if (R.Method == "HEAD")
    L.easy_setopt(C, CURLOPT_NOBODY, 1L);
  else if (R.Method != "POST" && R.Method != "GET")
    L.easy_setopt(C, CURLOPT_CUSTOMREQUEST, R.Method.c_str());
  else if (R.Method == "GET" && !R.Body.empty())
    L.easy_setopt(C, CURLOPT_CUSTOMREQUEST, "GET");
  L.easy_setopt(C, CURLOPT_HTTPHEADER, List);
  if (R.FreshConnection) {
    L.easy_setopt(C, CURLOPT_FRESH_CONNECT, 1L);
    L.easy_setopt(C, CURLOPT_FORBID_REUSE, 1L);
  }
  L.easy_setopt(C, CURLOPT_TIMEOUT_MS, (long)R.Timeout.count());
  L.easy_setopt(C, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  L.easy_setopt(C, CURLOPT_NOSIGNAL, 1L);
  L.easy_setopt(C, CURLOPT_SOCKOPTFUNCTION, onSocket);
  L.easy_setopt(C, CURLOPT_PROTOCOLS_STR, "http,https");
  if (R.FollowRedirects) {
    L.easy_setopt(C, CURLOPT_FOLLOWLOCATION, 1L);
    L.easy_setopt(C, CURLOPT_MAXREDIRS, 10L);
    L.easy_setopt(C, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  }
  L.easy_setopt(C, CURLOPT_WRITEFUNCTION, onBody);
  L.easy_setopt(C, CURLOPT_WRITEDATA, &Body);
  L.easy_setopt(C, CURLOPT_HEADERFUNCTION, onHeader);
  L.easy_setopt(C, CURLOPT_HEADERDATA, &Resp.Headers);
  // No progress callback reads R.Cancel: its owner may free it as soon as
  // post() gives up, while this transfer still runs on the curl thread
  // (an ASan use-after-free). post() polls the flag and cancel() removes
  // the handle instead.
  return List;
}

/// The URL \p C answered from, after redirects.
std::string effectiveUrl(const CurlLib &L, CURL *C) {
  char *Url = nullptr;
  L.easy_getinfo(C, CURLINFO_EFFECTIVE_URL, &Url);
  return Url ? std::string(Url) : std::string();
}

llvm::Error transportError(const CurlLib &L, CURLcode Rc, const HttpRequest &R) {
  TransportFailure Kind =
      Rc == CURLE_OPERATION_TIMEDOUT ? TransportFailure::Timeout
      : Rc == CURLE_COULDNT_CONNECT || Rc == CURLE_COULDNT_RESOLVE_HOST
          ? TransportFailure::Connect
          : TransportFailure::Other;
  // The URL is the configured base URL, never a key; say where we failed.
  return llvm::make_error<TransportError>(
      Kind, std::string(L.easy_strerror(Rc)) + " (" + R.Url + ")");
}
}  // namespace

namespace {
llvm::Error unavailable(llvm::Error E) {
  return llvm::make_error<TransportError>(TransportFailure::Other,
                                          llvm::toString(std::move(E)));
}
}  // namespace

llvm::Expected<HttpResponse> CurlTransport::post(const HttpRequest &R) {
  llvm::Expected<const CurlLib &> Lib = curlLib();
  if (!Lib) return unavailable(Lib.takeError());
  const CurlLib &L = *Lib;
  std::unique_ptr<CURL, void (*)(CURL *)> C(L.easy_init(), L.easy_cleanup);
  if (!C)
    return llvm::make_error<TransportError>(TransportFailure::Other,
                                            "curl_easy_init failed");
  HttpResponse Resp;
  BodyTarget Body;
  std::unique_ptr<curl_slist, void (*)(curl_slist *)> Headers(
      configure(L, C.get(), R, Resp, Body), L.slist_free_all);
  CURLcode Rc = L.easy_perform(C.get());
  if (Rc != CURLE_OK && !(Rc == CURLE_WRITE_ERROR && Resp.Truncated))
    return transportError(L, Rc, R);
  L.easy_getinfo(C.get(), CURLINFO_RESPONSE_CODE, &Resp.Status);
  Resp.EffectiveUrl = effectiveUrl(L, C.get());
  return Resp;
}

struct CurlMulti::Call {
  const CurlLib &L;
  explicit Call(const CurlLib &L) : L(L) {}
  uint64_t Id = 0;
  HttpRequest Req;
  HttpResponse Resp;
  BodyTarget Body;
  Callback Done;
  CURL *Easy = nullptr;
  curl_slist *Headers = nullptr;
  ~Call() {
    if (Easy) L.easy_cleanup(Easy);
    if (Headers) L.slist_free_all(Headers);
  }
};

CurlMulti::CurlMulti() {
  llvm::Expected<const CurlLib &> L = curlLib();
  if (!L) {
    LoadError = llvm::toString(L.takeError());
    return;
  }
  Lib = &*L;
  Multi = Lib->multi_init();
  Worker = std::thread([this] { loop(); });
}

CurlMulti::~CurlMulti() {
  if (!Lib) return;
  const CurlLib &L = *Lib;
  {
    std::lock_guard<std::mutex> L(M);
    Quit = true;
  }
  L.multi_wakeup(static_cast<CURLM *>(Multi));
  Worker.join();
  L.multi_cleanup(static_cast<CURLM *>(Multi));
}

uint64_t CurlMulti::send(HttpRequest R, Callback Done) {
  if (!Lib) {
    Done(llvm::make_error<TransportError>(TransportFailure::Other, LoadError));
    return 0;
  }
  const CurlLib &L = *Lib;
  auto C = std::make_unique<Call>(L);
  C->Req = std::move(R);
  C->Done = std::move(Done);
  uint64_t Id;
  {
    std::lock_guard<std::mutex> L(M);
    Id = C->Id = NextId++;
    Incoming.push_back(std::move(C));
  }
  L.multi_wakeup(static_cast<CURLM *>(Multi));
  return Id;
}

void CurlMulti::cancel(uint64_t Id) {
  if (!Lib) return;
  const CurlLib &L = *Lib;
  {
    std::lock_guard<std::mutex> L(M);
    Cancelled.push_back(Id);
  }
  L.multi_wakeup(static_cast<CURLM *>(Multi));
}

llvm::Expected<HttpResponse> CurlMulti::post(const HttpRequest &R) {
  // Shared with the callback, which may still run after a cancelled wait.
  struct Waiter {
    std::mutex M;
    std::condition_variable CV;
    std::optional<llvm::Expected<HttpResponse>> Result;
  };
  auto W = std::make_shared<Waiter>();
  uint64_t Id = send(R, [W](llvm::Expected<HttpResponse> Resp) {
    std::lock_guard<std::mutex> L(W->M);
    W->Result.emplace(std::move(Resp));
    W->CV.notify_one();
  });
  std::unique_lock<std::mutex> L(W->M);
  auto Ready = [&] { return W->Result.has_value(); };
  if (!R.Cancel) {
    W->CV.wait(L, Ready);
  } else {
    while (!W->CV.wait_for(L, std::chrono::milliseconds(50), Ready))
      if (R.Cancel->load()) {
        cancel(Id);
        return llvm::make_error<TransportError>(TransportFailure::Other,
                                                "request cancelled");
      }
  }
  return std::move(*W->Result);
}

void CurlMulti::loop() {
  const CurlLib &L = *Lib;
  CURLM *Mh = static_cast<CURLM *>(Multi);
  std::unordered_map<CURL *, std::unique_ptr<Call>> Active;
  while (true) {
    std::deque<std::unique_ptr<Call>> New;
    std::vector<uint64_t> Drop;
    {
      std::lock_guard<std::mutex> L(M);
      if (Quit) break;
      New.swap(Incoming);
      Drop.swap(Cancelled);
    }
    for (auto &C : New) {
      if (std::find(Drop.begin(), Drop.end(), C->Id) != Drop.end()) continue;
      C->Easy = L.easy_init();
      if (!C->Easy) {
        C->Done(llvm::make_error<TransportError>(TransportFailure::Other,
                                                 "curl_easy_init failed"));
        continue;
      }
      C->Headers = configure(L, C->Easy, C->Req, C->Resp, C->Body);
      L.multi_add_handle(Mh, C->Easy);
      CURL *E = C->Easy;
      Active.emplace(E, std::move(C));
    }
    for (uint64_t Id : Drop)
      for (auto It = Active.begin(); It != Active.end(); ++It)
        if (It->second->Id == Id) {
          L.multi_remove_handle(Mh, It->first);
          Active.erase(It);
          break;
        }
    int Running = 0;
    L.multi_perform(Mh, &Running);
    int Left = 0;
    while (CURLMsg *Msg = L.multi_info_read(Mh, &Left)) {
      if (Msg->msg != CURLMSG_DONE) continue;
      // The message is invalid once its handle is removed: copy it first.
      CURL *Easy = Msg->easy_handle;
      CURLcode Result = Msg->data.result;
      auto It = Active.find(Easy);
      if (It == Active.end()) continue;
      std::unique_ptr<Call> C = std::move(It->second);
      Active.erase(It);
      L.multi_remove_handle(Mh, C->Easy);
      if (Result != CURLE_OK && !(Result == CURLE_WRITE_ERROR && C->Resp.Truncated)) {
        C->Done(transportError(L, Result, C->Req));
      } else {
        L.easy_getinfo(C->Easy, CURLINFO_RESPONSE_CODE, &C->Resp.Status);
        C->Resp.EffectiveUrl = effectiveUrl(L, C->Easy);
        C->Done(std::move(C->Resp));
      }
    }
    L.multi_poll(Mh, nullptr, 0, 1000, nullptr);
  }
  for (auto &[E, C] : Active) L.multi_remove_handle(Mh, E);
}

}  // namespace orch::llm
