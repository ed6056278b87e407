//===- WebSearch.h - The web.search action ---------------------*- C++ -*-===//
//
// `web.search` asks a web search service and answers its results in one
// shape, whichever service answered: `results` (title, url, snippet, rank),
// `total_results`, `query`, `backend`. The services are rows of a table
// (WebSearch.cpp): SearXNG (`SEARXNG_URL`), the Brave Search API
// (`BRAVE_SEARCH_API_KEY`) and Google's Programmable Search JSON API
// (`GOOGLE_CSE_ID`, `GOOGLE_API_KEY`), configured by the environment of
// `orchrt`, never by the plan. Keys go in the request only; an error names
// the variable to set and never carries a key. docs/actions.md §11.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/actions/Action.h"
#include "runtime/exec/Executor.h"
#include "runtime/llm/Client.h"
#include "runtime/llm/CurlTransport.h"

namespace orch::runtime {

/// One search, ready to send.
struct SearchCall {
  std::string Backend;  ///< A name of ir::searchBackends().
  std::string Query;
  int64_t Max = 10;  ///< The step's `max_results`.
  llm::HttpRequest Request;
  /// Values that must not appear in a message (the service's key).
  std::vector<std::string> Secrets;
};

/// The request of a `web.search` step with rendered parameters \p Params:
/// to its `backend`, else to the first service of ir::searchBackends() that
/// \p Env configures. Fails, for people, on a bad parameter or when no
/// service (or not the one asked for) is configured, naming what to set.
llvm::Expected<SearchCall> searchRequest(const ir::Json &Params,
                                         const llm::EnvLookup &Env);

/// The step's result from the service's answer \p R to \p C: at most C.Max
/// results, in the service's order. HTTP 429 and 5xx and transport
/// failures may be retried; other statuses and an answer of another shape
/// may not. Messages never carry C.Secrets.
ActionResult searchResult(const SearchCall &C, llvm::Expected<llm::HttpResponse> R);

/// Starts a `web.search` step on \p Http; \p Done runs on \p Exec's loop.
std::unique_ptr<ActionTask> startWebSearch(Executor &Exec, llm::CurlMulti &Http,
                                           const llm::EnvLookup &Env,
                                           const ir::Json &Params, ActionDone Done);

}  // namespace orch::runtime
