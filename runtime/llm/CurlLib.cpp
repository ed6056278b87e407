//===- CurlLib.cpp --------------------------------------------------------===//
#include "runtime/llm/CurlLib.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace orch::llm {

namespace {
struct Loaded {
  CurlLib Lib{};
  std::string Error;
};

Loaded load() {
  Loaded L;
  void *H = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!H) {
    const char *E = dlerror();
    L.Error = std::string("cannot load libcurl.so.4: ") + (E ? E : "unknown error");
    return L;
  }
  bool Ok = true;
  auto Get = [&](auto &Fn, const char *Name) {
    Fn = reinterpret_cast<std::remove_reference_t<decltype(Fn)>>(dlsym(H, Name));
    if (!Fn) {
      Ok = false;
      L.Error = std::string("libcurl.so.4 lacks ") + Name +
                " (libcurl 7.68 or later is needed)";
    }
  };
  CurlLib &C = L.Lib;
  Get(C.global_init, "curl_global_init");
  Get(C.easy_init, "curl_easy_init");
  Get(C.easy_cleanup, "curl_easy_cleanup");
  Get(C.easy_setopt, "curl_easy_setopt");
  Get(C.easy_perform, "curl_easy_perform");
  Get(C.easy_getinfo, "curl_easy_getinfo");
  Get(C.easy_strerror, "curl_easy_strerror");
  Get(C.slist_append, "curl_slist_append");
  Get(C.slist_free_all, "curl_slist_free_all");
  Get(C.multi_init, "curl_multi_init");
  Get(C.multi_cleanup, "curl_multi_cleanup");
  Get(C.multi_add_handle, "curl_multi_add_handle");
  Get(C.multi_remove_handle, "curl_multi_remove_handle");
  Get(C.multi_perform, "curl_multi_perform");
  Get(C.multi_info_read, "curl_multi_info_read");
  Get(C.multi_poll, "curl_multi_poll");
  Get(C.multi_wakeup, "curl_multi_wakeup");
  if (Ok && C.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    Ok = false;
    L.Error = "curl_global_init failed";
  }
  if (Ok) L.Error.clear();
  return L;
}
}  // namespace

llvm::Expected<const CurlLib &> curlLib() {
  static Loaded L = load();  // thread-safe initialization
  if (!L.Error.empty()) return llvm::createStringError(L.Error);
  return L.Lib;
}

}  // namespace orch::llm
