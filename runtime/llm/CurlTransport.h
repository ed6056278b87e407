//===- CurlTransport.h - HttpTransport over libcurl ------------*- C++ -*-===//
#pragma once

#include "runtime/llm/Http.h"

namespace orch::llm {

/// Blocking HTTP over libcurl, one easy handle per request. Thread-safe.
class CurlTransport : public HttpTransport {
 public:
  CurlTransport();
  llvm::Expected<HttpResponse> post(const HttpRequest &R) override;
};

}  // namespace orch::llm
