//===- HtmlPageFuzzer.cpp - libFuzzer entry for web.scrape's page reader --===//
//
// The input is a page's bytes: read as web.scrape reads them (encoding,
// HTML, links resolved against a fixed URL) and as DuckDuckGo's results
// page (web.search). Any crash, sanitizer report, hang or escaping
// exception is a bug; the results must be JSON that serializes.
//
//===----------------------------------------------------------------------===//
#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/actions/HtmlPage.h"
#include "runtime/actions/WebScrape.h"
#include "runtime/actions/WebSearch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  using namespace orch;
  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  std::string Text = runtime::pageText(Bytes);
  (void)runtime::readHtmlPage(Text, "https://h.example/a/b?c").dump();
  (void)runtime::readPlainPage(Text).dump();
  (void)runtime::resolveUrl("https://h.example/a/b?c", Bytes.take_front(256));
  llm::HttpResponse Page(200, {{"content-type", "text/html"}}, Bytes.str());
  (void)runtime::scrapeResult("https://h.example/", Page).Fields.dump();
  runtime::SearchCall Call;
  Call.Backend = "duckduckgo";
  Call.Max = 30;
  (void)runtime::searchResult(Call, llm::HttpResponse(200, {}, Bytes.str()))
      .Fields.dump();
  return 0;
}
