//===- WebSearch.cpp - The search services of web.search ------------------===//
#include "runtime/actions/WebSearch.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/Actions.h"
#include "ir/ConnUrl.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/MakeError.h"
#include "ir/Secrets.h"
#include "ir/Unicode.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/HtmlPage.h"
#include "runtime/actions/HttpTask.h"

namespace orch::runtime {

using json = ir::Json;

namespace {

/// \p S percent-encoded for a query string (RFC 3986: unreserved
/// characters stay, every other byte is %XX).
std::string queryEscape(llvm::StringRef S) {
  std::string Out;
  for (unsigned char C : S) {
    if (llvm::isAlnum(C) || C == '-' || C == '.' || C == '_' || C == '~')
      Out += static_cast<char>(C);
    else
      Out += fmt::format("%{:02X}", C);
  }
  return Out;
}

/// The value of \p Name, if set and not empty.
std::optional<std::string> setting(const llm::EnvLookup &Env, const std::string &Name) {
  std::optional<std::string> V = Env(Name);
  if (V && V->empty()) V.reset();
  return V;
}

/// \p Base without its trailing slashes.
std::string baseUrl(std::string Base) {
  while (!Base.empty() && Base.back() == '/') Base.pop_back();
  return Base;
}

/// Text of the HTML fragments Brave answers (`<strong>` around matches,
/// entities): tags dropped, the common entities decoded.
std::string htmlText(llvm::StringRef S) {
  std::string Out;
  while (!S.empty()) {
    if (S.front() == '<') {
      size_t End = S.find('>');
      if (End != llvm::StringRef::npos) {
        S = S.drop_front(End + 1);
        continue;
      }
    }
    if (S.starts_with("&#")) {  // &#8217; &#x2019;
      size_t End = S.take_front(13).find(';');
      llvm::StringRef Digits = S.slice(2, End);
      unsigned Radix = 10;
      if (Digits.consume_front("x") || Digits.consume_front("X")) Radix = 16;
      uint32_t Code = 0;
      if (End != llvm::StringRef::npos && End <= 12 && !Digits.empty() &&
          !Digits.getAsInteger(Radix, Code) &&
          (Code >= 0x20 || Code == '\t' || Code == '\n' || Code == '\r') &&
          Code != 0x7F && Code <= 0x10FFFF && (Code < 0xD800 || Code > 0xDFFF)) {
        ir::appendUtf8(Out, static_cast<char32_t>(Code));
        S = S.drop_front(End + 1);
        continue;
      }
    }
    if (S.front() == '&') {
      static constexpr std::pair<llvm::StringLiteral, llvm::StringLiteral> Entities[] = {
          {"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},   {"&quot;", "\""},
          {"&#39;", "'"}, {"&#x27;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
      auto It =
          llvm::find_if(Entities, [&](const auto &E) { return S.starts_with(E.first); });
      if (It != std::end(Entities)) {
        Out += It->second.str();
        S = S.drop_front(It->first.size());
        continue;
      }
    }
    Out += S.front();
    S = S.drop_front();
  }
  return Out;
}

/// The string at \p Key of \p O, or "".
std::string text(const json &O, const char *Key) {
  auto It = O.find(Key);
  return It != O.end() && It->is_string() ? It->get<std::string>() : std::string();
}

/// The results of \p Items, a service's list of results, read through the
/// service's names of the three fields; \p Clean turns its text into plain
/// text (or null: it is plain). Not a list: a discarded value.
json collect(const json &Items, const char *Title, const char *Url, const char *Snippet,
             std::string (*Clean)(llvm::StringRef) = nullptr) {
  if (!Items.is_array()) return json::value_t::discarded;
  json Out = json::array();
  for (const json &R : Items) {
    if (!R.is_object()) continue;
    std::string T = text(R, Title), S = text(R, Snippet);
    Out.push_back({{"title", Clean ? Clean(T) : T},
                   {"url", text(R, Url)},
                   {"snippet", Clean ? Clean(S) : S}});
  }
  return Out;
}

/// A GET of \p Url asking for JSON.
llm::HttpRequest getJson(std::string Url) {
  llm::HttpRequest R;
  R.Method = "GET";
  R.Url = std::move(Url);
  R.Headers.push_back({"Accept", "application/json"});
  return R;
}

/// One service: how to ask it and where its answer keeps the results.
struct Backend {
  llvm::StringRef Name;
  /// The variable whose value configures it (and says it is there).
  llvm::StringRef ConfiguredBy;
  /// What to set, for messages.
  llvm::StringRef Setup;
  /// The most results one request answers.
  int64_t PerRequest;
  llvm::Expected<llm::HttpRequest> (*Build)(llvm::StringRef Query, int64_t Max,
                                            const llm::EnvLookup &Env,
                                            std::vector<std::string> &Secrets);
  /// The answer's results as [{title, url, snippet}], or a discarded value
  /// when the answer does not have the service's shape.
  json (*Parse)(llvm::StringRef Body);
};

/// Parse for a service that answers JSON, read by \p F.
template <json (*F)(const json &)>
json fromJson(llvm::StringRef Body) {
  json Answer = ir::parseJsonBounded(Body);
  return Answer.is_discarded() ? Answer : F(Answer);
}

llvm::Expected<llm::HttpRequest> searxngRequest(llvm::StringRef Query, int64_t,
                                                const llm::EnvLookup &Env,
                                                std::vector<std::string> &) {
  return getJson(fmt::format("{}/search?q={}&format=json",
                             baseUrl(*setting(Env, "SEARXNG_URL")), queryEscape(Query)));
}

json searxngResults(const json &A) {
  auto Rs = A.is_object() ? A.find("results") : A.end();
  if (Rs == A.end()) return json::value_t::discarded;
  return collect(*Rs, "title", "url", "content");
}

llvm::Expected<llm::HttpRequest> braveRequest(llvm::StringRef Query, int64_t Max,
                                              const llm::EnvLookup &Env,
                                              std::vector<std::string> &Secrets) {
  std::string Key = *setting(Env, "BRAVE_SEARCH_API_KEY");
  Secrets.push_back(Key);
  llm::HttpRequest R = getJson(fmt::format(
      "{}/res/v1/web/search?q={}&count={}",
      baseUrl(
          setting(Env, "BRAVE_SEARCH_BASE_URL").value_or("https://api.search.brave.com")),
      queryEscape(Query), Max));
  R.Headers.push_back({"X-Subscription-Token", std::move(Key)});
  return R;
}

json braveResults(const json &A) {
  // Every answer of the web search endpoint says `"type": "search"`.
  if (!A.is_object() || text(A, "type") != "search") return json::value_t::discarded;
  json Out = json::array();
  auto Web = A.find("web");
  if (Web == A.end()) return Out;  // no web results for this query
  auto Rs = Web->is_object() ? Web->find("results") : Web->end();
  if (Rs == Web->end()) return json::value_t::discarded;
  return collect(*Rs, "title", "url", "description", htmlText);
}

llvm::Expected<llm::HttpRequest> googleRequest(llvm::StringRef Query, int64_t Max,
                                               const llm::EnvLookup &Env,
                                               std::vector<std::string> &Secrets) {
  std::optional<std::string> Key = setting(Env, "GOOGLE_API_KEY");
  if (!Key)
    return ir::makeError(
        "web.search (google): GOOGLE_CSE_ID is set but GOOGLE_API_KEY is not; set it to "
        "a Programmable Search JSON API key");
  Secrets.push_back(*Key);
  // The key goes in Google's API key header, not in the URL, which
  // transport errors quote.
  llm::HttpRequest R = getJson(fmt::format(
      "{}/customsearch/v1?cx={}&q={}&num={}",
      baseUrl(
          setting(Env, "GOOGLE_SEARCH_BASE_URL").value_or("https://www.googleapis.com")),
      queryEscape(*setting(Env, "GOOGLE_CSE_ID")), queryEscape(Query), Max));
  R.Headers.push_back({"X-goog-api-key", *Key});
  return R;
}

json googleResults(const json &A) {
  // Every answer says `"kind": "customsearch#search"`.
  if (!A.is_object() || text(A, "kind") != "customsearch#search")
    return json::value_t::discarded;
  json Out = json::array();
  auto Items = A.find("items");
  if (Items == A.end()) return Out;  // Google leaves `items` out when none match
  return collect(*Items, "title", "link", "snippet");
}

llvm::Expected<llm::HttpRequest> duckduckgoRequest(llvm::StringRef Query, int64_t,
                                                   const llm::EnvLookup &Env,
                                                   std::vector<std::string> &) {
  llm::HttpRequest R;
  R.Method = "GET";
  R.Url = fmt::format(
      "{}/html/?q={}",
      baseUrl(
          setting(Env, "DUCKDUCKGO_BASE_URL").value_or("https://html.duckduckgo.com")),
      queryEscape(Query));
  R.Headers.push_back({"Accept", "text/html"});
  return R;
}

/// A DuckDuckGo result link's target: its redirect's `uddg` parameter, or
/// the link itself; "" for an ad (a link back to DuckDuckGo).
std::string duckduckgoTarget(llvm::StringRef Href) {
  std::string Url = Href.str();
  if (Href.contains("duckduckgo.com/l/?")) {
    for (llvm::StringRef Part : llvm::split(Href.split('?').second, '&'))
      if (Part.consume_front("uddg=")) {
        // A query value: `+` is a space, then %XX escapes.
        std::string Target = Part.str();
        std::replace(Target.begin(), Target.end(), '+', ' ');
        Target = ir::percentDecode(Target);
        // Not UTF-8 once decoded: the link as written.
        if (pageText(Target) == Target) Url = std::move(Target);
      }
  }
  if (llvm::StringRef(Url).starts_with("//")) Url = "https:" + Url;
  llvm::StringRef U = Url;
  bool Web = U.starts_with("http://") || U.starts_with("https://");
  if (!Web || U.contains("duckduckgo.com/y.js") ||
      U.split("://").second.split('/').first.ends_with("duckduckgo.com"))
    return "";
  return Url;
}

/// DuckDuckGo's HTML results page: each result's `a.result__a` (title and
/// link) and the `.result__snippet` after it. A page with no results
/// element at all is not a results page (a refusal, a challenge).
json duckduckgoResults(llvm::StringRef Body) {
  std::string Page = pageText(Body);
  json Out = json::array();
  auto HasClass = [](const HtmlTag &T, llvm::StringRef C) {
    const std::string *Cls = T.attr("class");
    if (!Cls) return false;
    for (llvm::StringRef W : llvm::split(*Cls, ' '))
      if (W == C) return true;
    return false;
  };
  std::string *Into = nullptr;  // the title or snippet being read
  std::string Closes;           // the tag that ends it
  unsigned Depth = 0;
  bool Keep = false;  // the current result is not an ad
  bool Results = false;
  walkHtml(
      Page,
      [&](const HtmlTag &T) {
        if (Into) {
          if (T.Name == Closes) Depth += T.End ? -1 : 1;
          if (Depth == 0) Into = nullptr;
          return;
        }
        if (T.End) return;
        if (HasClass(T, "results") || HasClass(T, "result") || HasClass(T, "no-results"))
          Results = true;
        if (T.Name == "a" && HasClass(T, "result__a")) {
          const std::string *Href = T.attr("href");
          std::string Url = Href ? duckduckgoTarget(*Href) : "";
          Keep = !Url.empty();
          if (!Keep) return;
          Out.push_back({{"title", ""}, {"url", Url}, {"snippet", ""}});
          Into = Out.back()["title"].get_ptr<std::string *>();
        } else if (Keep && HasClass(T, "result__snippet")) {
          Into = Out.back()["snippet"].get_ptr<std::string *>();
        } else {
          return;
        }
        Closes = T.Name;
        Depth = 1;
      },
      [&](llvm::StringRef Text) {
        if (Into) *Into += Text;
      });
  if (!Results) return json::value_t::discarded;
  for (json &R : Out)
    for (const char *K : {"title", "snippet"}) {
      std::string &V = *R[K].get_ptr<std::string *>();
      V = readPlainPage(V)["text"].get<std::string>();
    }
  return Out;
}

/// The services, in the order a step without `backend:` tries them (the
/// order of ir::searchBackends(), which the compiler checks names against).
/// One configured by no variable (DuckDuckGo, which has no API: its HTML
/// page is read) runs only when a step names it.
constexpr Backend Backends[] = {
    {"searxng", "SEARXNG_URL",
     "SEARXNG_URL (an instance's base URL, JSON output enabled)", 100, searxngRequest,
     fromJson<searxngResults>},
    {"brave", "BRAVE_SEARCH_API_KEY", "BRAVE_SEARCH_API_KEY (a Brave Search API key)", 20,
     braveRequest, fromJson<braveResults>},
    {"google", "GOOGLE_CSE_ID",
     "GOOGLE_CSE_ID and GOOGLE_API_KEY (a Programmable Search engine and its key)", 10,
     googleRequest, fromJson<googleResults>},
    {"duckduckgo", "", "nothing (DUCKDUCKGO_BASE_URL replaces its address)", 30,
     duckduckgoRequest, duckduckgoResults},
};

const Backend *findBackend(llvm::StringRef Name) {
  for (const Backend &B : Backends)
    if (B.Name == Name) return &B;
  return nullptr;
}

/// \p S with each of \p Secrets (as written and as percent-encoded in a
/// URL) replaced, and the credentials of the URLs in it (a SEARXNG_URL's
/// `user:password@`, a `key=` parameter) too.
std::string scrub(std::string S, const std::vector<std::string> &Secrets) {
  // Each match becomes a mark first, so that no key is found again inside
  // the text that replaces another ("[redacted]" holds "dact").
  constexpr char Mark = '\x01';
  std::vector<std::string> Forms;
  for (const std::string &K : Secrets) {
    Forms.push_back(K);
    Forms.push_back(queryEscape(K));
  }
  // The longest first: a key that holds another is replaced whole.
  llvm::stable_sort(Forms, [](const std::string &A, const std::string &B) {
    return A.size() > B.size();
  });
  for (const std::string &Form : Forms) {
    if (Form.empty() || Form.find(Mark) != std::string::npos) continue;
    for (size_t At = S.find(Form); At != std::string::npos; At = S.find(Form, At + 1))
      S.replace(At, Form.size(), 1, Mark);
  }
  std::string Out;
  for (char C : S) Out += C == Mark ? std::string("[redacted]") : std::string(1, C);
  return ir::redactUrlCredentials(Out);
}

}  // namespace

llvm::Expected<SearchCall> searchRequest(const json &Params, const llm::EnvLookup &Env) {
  SearchCall C;
  auto Q = Params.find("query");
  if (Q == Params.end() || Q->is_null() || Q->is_object() || Q->is_array())
    return ir::makeError("parameter `query` must be text");
  C.Query = ir::displayString(*Q);
  if (llvm::StringRef(C.Query).trim().empty())
    return ir::makeError("parameter `query` is empty: there is nothing to search for");
  if (auto M = Params.find("max_results"); M != Params.end() && !M->is_null()) {
    if (!M->is_number_integer() || M->get<int64_t>() < 1 ||
        M->get<int64_t>() > ir::MaxSearchResults)
      return ir::makeError(
          fmt::format("parameter `max_results` must be an integer from 1 to {}",
                      ir::MaxSearchResults));
    C.Max = M->get<int64_t>();
  }
  const Backend *B = nullptr;
  if (auto N = Params.find("backend"); N != Params.end() && !N->is_null()) {
    std::string Name = N->is_string() ? N->get<std::string>() : ir::toJsonText(*N);
    B = findBackend(Name);
    if (!B)
      return ir::makeError(fmt::format("unknown search backend `{}`; expected one of {}",
                                       Name, llvm::join(ir::searchBackends(), ", ")));
    if (!B->ConfiguredBy.empty() && !setting(Env, B->ConfiguredBy.str()))
      return ir::makeError(fmt::format(
          "the step asks search backend `{}`, which is not configured: set {}",
          B->Name.str(), B->Setup.str()));
  } else {
    for (const Backend &Row : Backends)
      if (!Row.ConfiguredBy.empty() && setting(Env, Row.ConfiguredBy.str())) {
        B = &Row;
        break;
      }
    if (!B) {
      std::vector<std::string> Setups;
      for (const Backend &Row : Backends)
        if (!Row.ConfiguredBy.empty()) Setups.push_back(Row.Setup.str());
      return ir::makeError(
          fmt::format("no web search service is configured: set {} (docs/actions.md §11)",
                      llvm::join(Setups, "; or ")));
    }
  }
  C.Backend = B->Name.str();
  llvm::Expected<llm::HttpRequest> R =
      B->Build(C.Query, std::min(C.Max, B->PerRequest), Env, C.Secrets);
  if (!R) return R.takeError();
  C.Request = std::move(*R);
  // The step's timeout bounds the request (as for http.request).
  C.Request.Timeout = std::chrono::milliseconds(24 * 3600 * 1000);
  return C;
}

ActionResult searchResult(const SearchCall &C, llvm::Expected<llm::HttpResponse> R) {
  std::string Who = fmt::format("web.search ({})", C.Backend);
  if (!R)
    return ActionResult::failure(
        scrub(fmt::format("{}: {}", Who, llvm::toString(R.takeError())), C.Secrets));
  if (R->Status >= 400) {
    bool Retry = R->Status == 429 || R->Status >= 500;
    const Backend *B = findBackend(C.Backend);
    // Google answers a bad key with 400, the others with 401 or 403.
    std::string Hint = R->Status == 400 || R->Status == 401 || R->Status == 403
                           ? fmt::format(" (check {})", B ? B->Setup.str() : "")
                           : "";
    return ActionResult::failure(scrub(fmt::format("{}: HTTP {}{}: {}", Who, R->Status,
                                                   Hint, R->Body.substr(0, 200)),
                                       C.Secrets),
                                 Retry);
  }
  const Backend *B = findBackend(C.Backend);
  json Results = B ? B->Parse(R->Body) : json(json::value_t::discarded);
  if (Results.is_discarded())
    return ActionResult::failure(
        scrub(fmt::format("{}: the answer is not a {} search result (starts {})", Who,
                          C.Backend, ir::toJsonText(R->Body.substr(0, 80))),
              C.Secrets),
        false);
  json Out = json::array();
  for (json &Item : Results) {
    if (static_cast<int64_t>(Out.size()) == C.Max) break;
    Item["rank"] = Out.size() + 1;
    Out.push_back(std::move(Item));
  }
  size_t N = Out.size();
  std::string Text = ir::toJsonText(Out);
  return ActionResult::success(json{{"output", std::move(Text)},
                                    {"results", std::move(Out)},
                                    {"total_results", N},
                                    {"query", C.Query},
                                    {"backend", C.Backend}});
}

std::unique_ptr<ActionTask> startWebSearch(Executor &Exec, llm::CurlMulti &Http,
                                           const llm::EnvLookup &Env, const json &Params,
                                           ActionDone Done) {
  llvm::Expected<SearchCall> C = searchRequest(Params, Env);
  if (!C) {
    Done(ActionResult::failure(llvm::toString(C.takeError()), false));
    return nullptr;
  }
  auto Call = std::make_shared<SearchCall>(std::move(*C));
  auto Live = std::make_shared<std::atomic<bool>>(true);
  auto T = std::make_unique<HttpTask>(Http, Live);
  T->Id = Http.send(
      Call->Request, [&Exec, Live, Done, Call](llvm::Expected<llm::HttpResponse> Resp) {
        auto Res = std::make_shared<ActionResult>(searchResult(*Call, std::move(Resp)));
        Exec.post([Live, Done, Res] {
          if (*Live) Done(std::move(*Res));
        });
      });
  return T;
}

}  // namespace orch::runtime
