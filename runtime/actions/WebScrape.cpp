//===- WebScrape.cpp - The web.scrape action ------------------------------===//
#include "runtime/actions/WebScrape.h"

#include <fmt/format.h>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/MakeError.h"
#include "ir/Secrets.h"
#include "ir/Unicode.h"
#include "runtime/actions/HtmlPage.h"
#include "runtime/actions/HttpTask.h"

namespace orch::runtime {

using json = ir::Json;

namespace {
/// \p S without a UTF-8 sequence its end cuts short.
llvm::StringRef dropCutCharacter(llvm::StringRef S) {
  size_t N = S.size();
  for (size_t Back = 1; Back <= 4 && Back <= N; ++Back) {
    unsigned char C = static_cast<unsigned char>(S[N - Back]);
    if ((C & 0xC0) == 0x80) continue;  // a continuation byte
    size_t Need = (C & 0xE0) == 0xC0   ? 2
                  : (C & 0xF0) == 0xE0 ? 3
                  : (C & 0xF8) == 0xF0 ? 4
                                       : 1;
    return Need > Back ? S.drop_back(Back) : S;
  }
  return S;
}

/// What kind of text a Content-Type names.
enum class PageKind { Html, Plain, Other };

PageKind pageKind(llvm::StringRef ContentType) {
  llvm::StringRef Media = ContentType.split(';').first.trim();
  if (Media.empty() || Media.contains_insensitive("html") ||
      Media.contains_insensitive("xml"))
    return PageKind::Html;
  if (Media.starts_with_insensitive("text/")) return PageKind::Plain;
  return PageKind::Other;
}
}  // namespace

llvm::Expected<llm::HttpRequest> scrapeRequest(const json &Params) {
  auto U = Params.find("url");
  std::string Url = U == Params.end() || U->is_null() || U->is_object() || U->is_array()
                        ? std::string()
                        : ir::displayString(*U);
  Url = llvm::StringRef(Url).trim().str();
  llvm::StringRef S = Url;
  if (!S.starts_with_insensitive("http://") && !S.starts_with_insensitive("https://"))
    return ir::makeError(fmt::format(
        "parameter `url` must be an http:// or https:// URL, found {}",
        ir::toJsonText(pageText(ir::utf8Prefix(ir::redactUrlCredentials(Url), 200)))));
  if (std::string Why = ir::httpTextProblem(ir::HttpPart::Url, Url); !Why.empty())
    return ir::makeError(
        fmt::format("parameter `url` contains {}; an HTTP request cannot carry it", Why));
  int64_t Max = DefaultScrapeBytes;
  if (auto M = Params.find("max_content_length"); M != Params.end() && !M->is_null()) {
    if (!M->is_number_integer() || M->get<int64_t>() < ir::MinScrapeBytes ||
        M->get<int64_t>() > ir::MaxScrapeBytes)
      return ir::makeError(fmt::format(
          "parameter `max_content_length` must be a whole number of bytes from {} to {}",
          ir::MinScrapeBytes, ir::MaxScrapeBytes));
    Max = M->get<int64_t>();
  }
  llm::HttpRequest R;
  R.Method = "GET";
  R.Url = std::move(Url);
  R.Headers.push_back({"Accept", "text/html,application/xhtml+xml,text/plain;q=0.9"});
  R.Headers.push_back({"User-Agent", "Mozilla/5.0 (compatible; orchrt web.scrape)"});
  R.FollowRedirects = true;
  R.MaxBodyBytes = static_cast<size_t>(Max);
  R.Timeout = std::chrono::milliseconds(24 * 3600 * 1000);  // the step's timeout rules
  return R;
}

ActionResult scrapeResult(const std::string &Url, llvm::Expected<llm::HttpResponse> R) {
  std::string Shown = ir::redactUrlCredentials(Url);
  if (!R)
    return ActionResult::failure(ir::redactUrlCredentials(
        fmt::format("web.scrape: {}", llvm::toString(R.takeError()))));
  if (R->Status >= 400)
    return ActionResult::failure(
        fmt::format("web.scrape: HTTP {} from {}", R->Status, Shown),
        R->Status == 429 || R->Status >= 500);
  std::string Type = pageText(R->header("content-type").take_front(200));
  PageKind Kind = pageKind(Type);
  if (Kind == PageKind::Other)
    return ActionResult::badParam(
        fmt::format("web.scrape: {} answered `{}`, not a web page", Shown, Type));
  // A cut inside a character drops its first bytes, not the page's UTF-8.
  llvm::StringRef Body = R->Body;
  if (R->Truncated) Body = dropCutCharacter(Body);
  std::string Text = pageText(Body);
  std::string Base = R->EffectiveUrl.empty() ? Url : R->EffectiveUrl;
  json Out = Kind == PageKind::Html ? readHtmlPage(Text, Base) : readPlainPage(Text);
  Out["url"] = Url;
  Out["final_url"] = Base;
  Out["status_code"] = R->Status;
  Out["content_type"] = Type.empty() ? "text/html" : Type;
  Out["content_length"] = R->Body.size();
  Out["truncated"] = R->Truncated;
  Out["output"] = Out["text"];
  return ActionResult::success(std::move(Out));
}

std::unique_ptr<ActionTask> startWebScrape(Executor &Exec, llm::CurlMulti &Http,
                                           const json &Params, ActionDone Done) {
  llvm::Expected<llm::HttpRequest> Req = scrapeRequest(Params);
  if (!Req) {
    Done(ActionResult::badParam(llvm::toString(Req.takeError())));
    return nullptr;
  }
  auto Url = std::make_shared<std::string>(Req->Url);
  auto Live = std::make_shared<std::atomic<bool>>(true);
  auto T = std::make_unique<HttpTask>(Http, Live);
  T->Id = Http.send(
      std::move(*Req), [&Exec, Live, Done, Url](llvm::Expected<llm::HttpResponse> Resp) {
        auto Res = std::make_shared<ActionResult>(scrapeResult(*Url, std::move(Resp)));
        Exec.post([Live, Done, Res] {
          if (*Live) Done(std::move(*Res));
        });
      });
  return T;
}

}  // namespace orch::runtime
