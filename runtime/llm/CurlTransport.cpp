//===- CurlTransport.cpp --------------------------------------------------===//
#include "runtime/llm/CurlTransport.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

#include "llvm/ADT/StringExtras.h"

namespace orch::llm {

char TransportError::ID = 0;

llvm::StringRef HttpResponse::header(llvm::StringRef Name) const {
  for (const Header &H : Headers)
    if (llvm::StringRef(H.first).equals_insensitive(Name)) return H.second;
  return "";
}

namespace {
size_t onBody(char *Data, size_t Size, size_t N, void *User) {
  static_cast<std::string *>(User)->append(Data, Size * N);
  return Size * N;
}

size_t onHeader(char *Data, size_t Size, size_t N, void *User) {
  llvm::StringRef Line(Data, Size * N);
  auto [Name, Value] = Line.split(':');
  if (!Value.empty() || Line.contains(':'))
    static_cast<std::vector<Header> *>(User)->push_back(
        {Name.trim().lower(), Value.trim().str()});
  return Size * N;
}
}  // namespace

CurlTransport::CurlTransport() {
  static std::once_flag Once;
  std::call_once(Once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {
/// Sets up \p C for \p R, writing into \p Resp; returns the header list
/// to free after the transfer.
curl_slist *configure(CURL *C, const HttpRequest &R, HttpResponse &Resp) {
  curl_slist *List = nullptr;
  for (const Header &H : R.Headers)
    List = curl_slist_append(List, (H.first + ": " + H.second).c_str());
  curl_easy_setopt(C, CURLOPT_URL, R.Url.c_str());
  if (R.Method == "POST" || !R.Body.empty()) {
    curl_easy_setopt(C, CURLOPT_POSTFIELDS, R.Body.data());
    curl_easy_setopt(C, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)R.Body.size());
  }
  if (R.Method == "HEAD")
    curl_easy_setopt(C, CURLOPT_NOBODY, 1L);
  else if (R.Method != "POST" && R.Method != "GET")
    curl_easy_setopt(C, CURLOPT_CUSTOMREQUEST, R.Method.c_str());
  else if (R.Method == "GET" && !R.Body.empty())
    curl_easy_setopt(C, CURLOPT_CUSTOMREQUEST, "GET");
  curl_easy_setopt(C, CURLOPT_HTTPHEADER, List);
  curl_easy_setopt(C, CURLOPT_TIMEOUT_MS, (long)R.Timeout.count());
  curl_easy_setopt(C, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(C, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(C, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(C, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(C, CURLOPT_WRITEDATA, &Resp.Body);
  curl_easy_setopt(C, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(C, CURLOPT_HEADERDATA, &Resp.Headers);
  return List;
}

llvm::Error transportError(CURLcode Rc, const HttpRequest &R) {
  TransportFailure Kind =
      Rc == CURLE_OPERATION_TIMEDOUT ? TransportFailure::Timeout
      : Rc == CURLE_COULDNT_CONNECT || Rc == CURLE_COULDNT_RESOLVE_HOST
          ? TransportFailure::Connect
          : TransportFailure::Other;
  // The URL is the configured base URL, never a key; say where we failed.
  return llvm::make_error<TransportError>(
      Kind, std::string(curl_easy_strerror(Rc)) + " (" + R.Url + ")");
}
}  // namespace

llvm::Expected<HttpResponse> CurlTransport::post(const HttpRequest &R) {
  std::unique_ptr<CURL, void (*)(CURL *)> C(curl_easy_init(), curl_easy_cleanup);
  if (!C)
    return llvm::make_error<TransportError>(TransportFailure::Other,
                                            "curl_easy_init failed");
  HttpResponse Resp;
  std::unique_ptr<curl_slist, void (*)(curl_slist *)> Headers(configure(C.get(), R, Resp),
                                                              curl_slist_free_all);
  CURLcode Rc = curl_easy_perform(C.get());
  if (Rc != CURLE_OK) return transportError(Rc, R);
  curl_easy_getinfo(C.get(), CURLINFO_RESPONSE_CODE, &Resp.Status);
  return Resp;
}

struct CurlMulti::Call {
  uint64_t Id;
  HttpRequest Req;
  HttpResponse Resp;
  Callback Done;
  CURL *Easy = nullptr;
  curl_slist *Headers = nullptr;
  ~Call() {
    if (Easy) curl_easy_cleanup(Easy);
    if (Headers) curl_slist_free_all(Headers);
  }
};

CurlMulti::CurlMulti() {
  static std::once_flag Once;
  std::call_once(Once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Multi = curl_multi_init();
  Worker = std::thread([this] { loop(); });
}

CurlMulti::~CurlMulti() {
  {
    std::lock_guard<std::mutex> L(M);
    Quit = true;
  }
  curl_multi_wakeup(static_cast<CURLM *>(Multi));
  Worker.join();
  curl_multi_cleanup(static_cast<CURLM *>(Multi));
}

uint64_t CurlMulti::send(HttpRequest R, Callback Done) {
  auto C = std::make_unique<Call>();
  C->Req = std::move(R);
  C->Done = std::move(Done);
  uint64_t Id;
  {
    std::lock_guard<std::mutex> L(M);
    Id = C->Id = NextId++;
    Incoming.push_back(std::move(C));
  }
  curl_multi_wakeup(static_cast<CURLM *>(Multi));
  return Id;
}

void CurlMulti::cancel(uint64_t Id) {
  {
    std::lock_guard<std::mutex> L(M);
    Cancelled.push_back(Id);
  }
  curl_multi_wakeup(static_cast<CURLM *>(Multi));
}

llvm::Expected<HttpResponse> CurlMulti::post(const HttpRequest &R) {
  std::mutex WM;
  std::condition_variable CV;
  bool Ready = false;
  std::optional<llvm::Expected<HttpResponse>> Result;
  send(R, [&](llvm::Expected<HttpResponse> Resp) {
    std::lock_guard<std::mutex> L(WM);
    Result.emplace(std::move(Resp));
    Ready = true;
    CV.notify_one();
  });
  std::unique_lock<std::mutex> L(WM);
  CV.wait(L, [&] { return Ready; });
  return std::move(*Result);
}

void CurlMulti::loop() {
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
      C->Easy = curl_easy_init();
      if (!C->Easy) {
        C->Done(llvm::make_error<TransportError>(TransportFailure::Other,
                                                 "curl_easy_init failed"));
        continue;
      }
      C->Headers = configure(C->Easy, C->Req, C->Resp);
      curl_multi_add_handle(Mh, C->Easy);
      CURL *E = C->Easy;
      Active.emplace(E, std::move(C));
    }
    for (uint64_t Id : Drop)
      for (auto It = Active.begin(); It != Active.end(); ++It)
        if (It->second->Id == Id) {
          curl_multi_remove_handle(Mh, It->first);
          Active.erase(It);
          break;
        }
    int Running = 0;
    curl_multi_perform(Mh, &Running);
    int Left = 0;
    while (CURLMsg *Msg = curl_multi_info_read(Mh, &Left)) {
      if (Msg->msg != CURLMSG_DONE) continue;
      auto It = Active.find(Msg->easy_handle);
      if (It == Active.end()) continue;
      std::unique_ptr<Call> C = std::move(It->second);
      Active.erase(It);
      curl_multi_remove_handle(Mh, C->Easy);
      if (Msg->data.result != CURLE_OK) {
        C->Done(transportError(Msg->data.result, C->Req));
      } else {
        curl_easy_getinfo(C->Easy, CURLINFO_RESPONSE_CODE, &C->Resp.Status);
        C->Done(std::move(C->Resp));
      }
    }
    curl_multi_poll(Mh, nullptr, 0, 1000, nullptr);
  }
  for (auto &[E, C] : Active) curl_multi_remove_handle(Mh, E);
}

}  // namespace orch::llm
