//===- CurlLib.h - libcurl, loaded when first needed -----------*- C++ -*-===//
//
// Linking libcurl costs every process start about 6 ms (it pulls in some
// thirty libraries: TLS, LDAP, Kerberos, ...), yet most orchc and orchrt
// runs send no request at all. So libcurl is opened with dlopen on the
// first request, and calls go through this table.
//
//===----------------------------------------------------------------------===//
#pragma once

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#include "llvm/Support/Error.h"

namespace orch::llm {

/// The libcurl functions the project uses.
struct CurlLib {
  decltype(&::curl_global_init) global_init;
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_multi_init) multi_init;
  decltype(&::curl_multi_cleanup) multi_cleanup;
  decltype(&::curl_multi_add_handle) multi_add_handle;
  decltype(&::curl_multi_remove_handle) multi_remove_handle;
  decltype(&::curl_multi_perform) multi_perform;
  decltype(&::curl_multi_info_read) multi_info_read;
  decltype(&::curl_multi_poll) multi_poll;
  decltype(&::curl_multi_wakeup) multi_wakeup;
};

/// libcurl, opened and initialized once (thread-safe); an error says why
/// it could not be loaded.
llvm::Expected<const CurlLib &> curlLib();

}  // namespace orch::llm
