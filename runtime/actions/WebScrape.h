//===- WebScrape.h - The web.scrape action ---------------------*- C++ -*-===//
//
// `web.scrape` fetches a page (GET, redirects followed) and answers what it
// says: its text, title, meta tags, links and images (HtmlPage.h), with
// ContextLab's field names (`headless-browser` `scrape`). A status >= 400
// fails the step (429 and 5xx may be retried). docs/actions.md §22.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>

#include "llvm/Support/Error.h"
#include "runtime/actions/Action.h"
#include "runtime/exec/Executor.h"
#include "runtime/llm/CurlTransport.h"

namespace orch::runtime {

/// The most bytes of a page read by default (ContextLab's 1 MiB).
constexpr int64_t DefaultScrapeBytes = 1 << 20;

/// The request of a `web.scrape` step with rendered parameters \p Params;
/// fails on a bad `url` or `max_content_length`.
llvm::Expected<llm::HttpRequest> scrapeRequest(const ir::Json &Params);

/// The step's result from the answer \p R to a GET of \p Url.
ActionResult scrapeResult(const std::string &Url, llvm::Expected<llm::HttpResponse> R);

/// Starts a `web.scrape` step on \p Http; \p Done runs on \p Exec's loop.
std::unique_ptr<ActionTask> startWebScrape(Executor &Exec, llm::CurlMulti &Http,
                                           const ir::Json &Params, ActionDone Done);

}  // namespace orch::runtime
