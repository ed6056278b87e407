//===- CurlTransport.cpp --------------------------------------------------===//
#include "runtime/llm/CurlTransport.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

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

llvm::Expected<HttpResponse> CurlTransport::post(const HttpRequest &R) {
  std::unique_ptr<CURL, void (*)(CURL *)> C(curl_easy_init(), curl_easy_cleanup);
  if (!C)
    return llvm::make_error<TransportError>(TransportFailure::Other,
                                            "curl_easy_init failed");
  HttpResponse Resp;
  curl_slist *List = nullptr;
  for (const Header &H : R.Headers)
    List = curl_slist_append(List, (H.first + ": " + H.second).c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist *)> Headers(List, curl_slist_free_all);
  curl_easy_setopt(C.get(), CURLOPT_URL, R.Url.c_str());
  curl_easy_setopt(C.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(C.get(), CURLOPT_POSTFIELDS, R.Body.data());
  curl_easy_setopt(C.get(), CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)R.Body.size());
  curl_easy_setopt(C.get(), CURLOPT_HTTPHEADER, List);
  curl_easy_setopt(C.get(), CURLOPT_TIMEOUT_MS, (long)R.Timeout.count());
  curl_easy_setopt(C.get(), CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(C.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(C.get(), CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(C.get(), CURLOPT_WRITEDATA, &Resp.Body);
  curl_easy_setopt(C.get(), CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(C.get(), CURLOPT_HEADERDATA, &Resp.Headers);
  CURLcode Rc = curl_easy_perform(C.get());
  if (Rc != CURLE_OK) {
    TransportFailure Kind =
        Rc == CURLE_OPERATION_TIMEDOUT ? TransportFailure::Timeout
        : Rc == CURLE_COULDNT_CONNECT || Rc == CURLE_COULDNT_RESOLVE_HOST
            ? TransportFailure::Connect
            : TransportFailure::Other;
    // The URL is the configured base URL, never a key; say where we failed.
    return llvm::make_error<TransportError>(
        Kind, std::string(curl_easy_strerror(Rc)) + " (" + R.Url + ")");
  }
  curl_easy_getinfo(C.get(), CURLINFO_RESPONSE_CODE, &Resp.Status);
  return Resp;
}

}  // namespace orch::llm
