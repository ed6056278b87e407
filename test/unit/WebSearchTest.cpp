//===- WebSearchTest.cpp - web.search requests and answers ----------------===//
#include <gtest/gtest.h>

#include <map>

#include "ir/Actions.h"
#include "runtime/actions/Runner.h"
#include "runtime/actions/WebSearch.h"

namespace orch::runtime {
namespace {

using Json = ir::Json;

/// An environment made of \p Vars only.
llm::EnvLookup envOf(std::map<std::string, std::string> Vars) {
  return [Vars = std::move(Vars)](const std::string &N) -> std::optional<std::string> {
    auto It = Vars.find(N);
    if (It == Vars.end()) return std::nullopt;
    return It->second;
  };
}

const std::map<std::string, std::string> AllThree = {
    {"SEARXNG_URL", "http://searx.test/base/"},
    {"BRAVE_SEARCH_API_KEY", "brave-secret-1234"},
    {"GOOGLE_CSE_ID", "engine:1"},
    {"GOOGLE_API_KEY", "goog/secret+key"}};

SearchCall call(const Json &Params, const std::map<std::string, std::string> &Vars) {
  llvm::Expected<SearchCall> C = searchRequest(Params, envOf(Vars));
  EXPECT_TRUE(bool(C)) << (C ? "" : llvm::toString(C.takeError()));
  return C ? std::move(*C) : SearchCall{};
}

std::string failure(const Json &Params, const std::map<std::string, std::string> &Vars) {
  llvm::Expected<SearchCall> C = searchRequest(Params, envOf(Vars));
  if (C) return "(no error)";
  return llvm::toString(C.takeError());
}

llm::HttpResponse answer(long Status, std::string Body) {
  llm::HttpResponse R;
  R.Status = Status;
  R.Body = std::move(Body);
  return R;
}

TEST(WebSearch, EveryCompilerBackendHasARowAndTheDefaultIsTheFirstConfigured) {
  for (llvm::StringRef B : ir::searchBackends())
    EXPECT_EQ(call(Json{{"query", "x"}, {"backend", B.str()}}, AllThree).Backend,
              B.str());
  std::map<std::string, std::string> Vars = AllThree;
  EXPECT_EQ(call(Json{{"query", "x"}}, Vars).Backend, "searxng");
  Vars.erase("SEARXNG_URL");
  EXPECT_EQ(call(Json{{"query", "x"}}, Vars).Backend, "brave");
  Vars.erase("BRAVE_SEARCH_API_KEY");
  EXPECT_EQ(call(Json{{"query", "x"}}, Vars).Backend, "google");
  Vars.erase("GOOGLE_CSE_ID");
  EXPECT_NE(
      failure(Json{{"query", "x"}}, Vars).find("no web search service is configured"),
      std::string::npos);
}

TEST(WebSearch, QueriesArePercentEncodedAndNeverReshapeTheRequest) {
  SearchCall C =
      call(Json{{"query", "a b&c=d#e\r\nX-Evil: 1/é"}, {"backend", "searxng"}}, AllThree);
  EXPECT_EQ(C.Request.Method, "GET");
  EXPECT_EQ(
      C.Request.Url,
      "http://searx.test/base/search?q=a%20b%26c%3Dd%23e%0D%0AX-Evil%3A%201%2F%C3%A9"
      "&format=json");
  SearchCall G =
      call(Json{{"query", "q"}, {"backend", "google"}, {"max_results", 50}}, AllThree);
  // The engine id is encoded too; at most 10 a request; the key goes in a
  // header, never in the URL (which transport errors quote).
  EXPECT_EQ(G.Request.Url,
            "https://www.googleapis.com/customsearch/v1?cx=engine%3A1&q=q&num=10");
  EXPECT_EQ(G.Request.Headers.back(), (llm::Header{"X-goog-api-key", "goog/secret+key"}));
  EXPECT_EQ(G.Secrets, std::vector<std::string>{"goog/secret+key"});
  SearchCall B =
      call(Json{{"query", "q"}, {"backend", "brave"}, {"max_results", 50}}, AllThree);
  EXPECT_EQ(B.Request.Url, "https://api.search.brave.com/res/v1/web/search?q=q&count=20");
  bool Token = false;
  for (const llm::Header &H : B.Request.Headers)
    Token |= H.first == "X-Subscription-Token" && H.second == "brave-secret-1234";
  EXPECT_TRUE(Token);
}

TEST(WebSearch, BadParametersAndMissingSettingsSayWhatToDo) {
  EXPECT_EQ(failure(Json{{"max_results", 3}}, AllThree),
            "parameter `query` must be text");
  EXPECT_EQ(failure(Json{{"query", " \t"}}, AllThree),
            "parameter `query` is empty: there is nothing to search for");
  EXPECT_EQ(failure(Json{{"query", "x"}, {"max_results", 0}}, AllThree),
            "parameter `max_results` must be an integer from 1 to 100");
  EXPECT_EQ(failure(Json{{"query", "x"}, {"max_results", "3"}}, AllThree),
            "parameter `max_results` must be an integer from 1 to 100");
  EXPECT_EQ(failure(Json{{"query", "x"}, {"backend", "bing"}}, AllThree),
            "unknown search backend `bing`; expected one of searxng, brave, google, "
            "duckduckgo");
  EXPECT_EQ(
      failure(Json{{"query", "x"}, {"backend", "brave"}}, {{"SEARXNG_URL", "http://s"}}),
      "the step asks search backend `brave`, which is not configured: set "
      "BRAVE_SEARCH_API_KEY (a Brave Search API key)");
  EXPECT_NE(failure(Json{{"query", "x"}}, {{"GOOGLE_CSE_ID", "cx"}})
                .find("GOOGLE_CSE_ID is set but GOOGLE_API_KEY is not"),
            std::string::npos);
  // An empty variable is not a setting.
  EXPECT_NE(failure(Json{{"query", "x"}}, {{"SEARXNG_URL", ""}}).find("no web search"),
            std::string::npos);
}

TEST(WebSearch, EachServiceAnswerBecomesOneShape) {
  SearchCall S =
      call(Json{{"query", "q"}, {"backend", "searxng"}, {"max_results", 2}}, AllThree);
  ActionResult R = searchResult(
      S, answer(200, R"({"results": [{"title": "A", "url": "u1", "content": "c1"},
                                     {"title": "B", "url": "u2"}, 7,
                                     {"title": "C", "url": "u3", "content": "c3"}]})"));
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["total_results"], 2);
  EXPECT_EQ(R.Fields["results"][0],
            (Json{{"title", "A"}, {"url", "u1"}, {"snippet", "c1"}, {"rank", 1}}));
  EXPECT_EQ(R.Fields["results"][1]["snippet"], "");
  EXPECT_EQ(R.Fields["results"][1]["rank"], 2);
  EXPECT_EQ(R.Fields["backend"], "searxng");
  EXPECT_EQ(R.Fields["query"], "q");

  SearchCall B = call(Json{{"query", "q"}, {"backend", "brave"}}, AllThree);
  R = searchResult(B, answer(200, R"({"type": "search", "web": {"results": [
      {"title": "<strong>Fish</strong> &amp; chips", "url": "u",
       "description": "a &lt;b&gt; &quot;c&quot; &#39;d&#39; <em>e</em> & f"}]}})"));
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["results"][0]["title"], "Fish & chips");
  EXPECT_EQ(R.Fields["results"][0]["snippet"], "a <b> \"c\" 'd' e & f");
  R = searchResult(B, answer(200, R"({"type": "search", "web": {"results": [
      {"title": "it&#8217;s &#x2014; a<b", "url": "u",
       "description": "&#0; &#xD800; &bogus;"}]}})"));
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["results"][0]["title"], "it\u2019s \u2014 a<b");
  EXPECT_EQ(R.Fields["results"][0]["snippet"], "&#0; &#xD800; &bogus;");
  // No `web` at all: no web results.
  R = searchResult(B, answer(200, R"({"type": "search"})"));
  ASSERT_TRUE(R.Ok);
  EXPECT_EQ(R.Fields["total_results"], 0);

  SearchCall G = call(Json{{"query", "q"}, {"backend", "google"}}, AllThree);
  R = searchResult(G, answer(200, R"({"kind": "customsearch#search", "items": [
      {"title": "T", "link": "L", "snippet": "S"}]})"));
  ASSERT_TRUE(R.Ok);
  EXPECT_EQ(R.Fields["results"][0],
            (Json{{"title", "T"}, {"url", "L"}, {"snippet", "S"}, {"rank", 1}}));
  R = searchResult(G, answer(200, R"({"kind": "customsearch#search"})"));
  ASSERT_TRUE(R.Ok);
  EXPECT_EQ(R.Fields["results"], Json::array());
}

TEST(WebSearch, OtherAnswersFailAndOnlySomeMayBeRetried) {
  SearchCall G = call(Json{{"query", "q"}, {"backend", "google"}}, AllThree);
  ActionResult R = searchResult(G, answer(500, "down"));
  EXPECT_FALSE(R.Ok);
  EXPECT_TRUE(R.Retryable);
  EXPECT_EQ(R.Error, "web.search (google): HTTP 500: down");
  R = searchResult(G, answer(429, "slow down"));
  EXPECT_TRUE(R.Retryable);
  R = searchResult(G, answer(403, "no"));
  EXPECT_FALSE(R.Retryable);
  EXPECT_NE(R.Error.find("(check GOOGLE_CSE_ID and GOOGLE_API_KEY"), std::string::npos);
  for (const char *Body : {"<html>", R"({"items": []})", R"({"kind": "x", "items": []})",
                           R"({"kind": "customsearch#search", "items": {}})", "[]"}) {
    R = searchResult(G, answer(200, Body));
    EXPECT_FALSE(R.Ok) << Body;
    EXPECT_FALSE(R.Retryable) << Body;
  }
  SearchCall S = call(Json{{"query", "q"}, {"backend", "searxng"}}, AllThree);
  EXPECT_FALSE(searchResult(S, answer(200, R"({"results": {}})")).Ok);
  SearchCall B = call(Json{{"query", "q"}, {"backend", "brave"}}, AllThree);
  EXPECT_FALSE(searchResult(B, answer(200, R"({"type": "search", "web": []})")).Ok);
}

TEST(WebSearch, MessagesNeverCarryTheKey) {
  SearchCall G = call(Json{{"query", "q"}, {"backend", "google"}}, AllThree);
  // A text that quotes the key as written and as a URL carries it.
  ActionResult R = searchResult(
      G,
      llvm::make_error<llm::TransportError>(
          llm::TransportFailure::Connect,
          "Couldn't connect (http://h/x?key=goog%2Fsecret%2Bkey&cx=1) goog/secret+key"));
  EXPECT_TRUE(R.Retryable);
  EXPECT_EQ(R.Error.find("secret"), std::string::npos) << R.Error;
  // A body that echoes it.
  R = searchResult(G, answer(400, "bad key goog/secret+key"));
  EXPECT_EQ(R.Error,
            "web.search (google): HTTP 400 (check GOOGLE_CSE_ID and GOOGLE_API_KEY (a "
            "Programmable Search engine and its key)): bad key [redacted]");
  SearchCall B = call(Json{{"query", "q"}, {"backend", "brave"}}, AllThree);
  R = searchResult(B, answer(401, "token brave-secret-1234 is not valid"));
  EXPECT_EQ(R.Error.find("brave-secret"), std::string::npos) << R.Error;
  // An instance's URL with credentials, quoted by a transport error.
  SearchCall S =
      call(Json{{"query", "q"}}, {{"SEARXNG_URL", "http://me:hunter2pass@s/"}});
  R = searchResult(
      S, llvm::make_error<llm::TransportError>(
             llm::TransportFailure::Connect, "Couldn't connect (" + S.Request.Url + ")"));
  EXPECT_EQ(R.Error.find("hunter2pass"), std::string::npos) << R.Error;
  // A key that is a part of "[redacted]" is replaced once, not forever.
  SearchCall Short = call(Json{{"query", "q"}, {"backend", "brave"}},
                          {{"BRAVE_SEARCH_API_KEY", "dact"}});
  R = searchResult(Short, answer(500, "dact dact"));
  EXPECT_EQ(R.Error, "web.search (brave): HTTP 500: [redacted] [redacted]");
}

TEST(WebSearch, TheRunnerHasARowForEveryBuiltinActionButTheLoops) {
  for (const ir::ActionInfo &A : ir::builtinActions()) {
    bool Loop = A.Name == "for_each" || A.Name == "while";
    EXPECT_EQ(BuiltinRunner::runsAction(A.Name), !Loop) << A.Name.str();
  }
  // And the other way: a row the compiler does not know would compile as
  // an LLM task (no parameter checks, a model step's schedule and schema).
  for (llvm::StringRef Name : BuiltinRunner::actionNames())
    EXPECT_NE(ir::findBuiltinAction(Name), nullptr) << Name.str();
}

TEST(WebSearch, DuckDuckGoIsReadFromItsResultsPageWhenNamed) {
  // Named, it needs no setting; unnamed, it is never chosen.
  SearchCall C = call(Json{{"query", "a&b"}, {"backend", "duckduckgo"}}, {});
  EXPECT_EQ(C.Request.Url, "https://html.duckduckgo.com/html/?q=a%26b");
  EXPECT_NE(failure(Json{{"query", "x"}}, {}).find("no web search"), std::string::npos);
  EXPECT_EQ(call(Json{{"query", "x"}, {"backend", "duckduckgo"}},
                 {{"DUCKDUCKGO_BASE_URL", "http://127.0.0.1:9/"}})
                .Request.Url,
            "http://127.0.0.1:9/html/?q=x");
  C.Max = 5;
  const char *Page =
      "<div class=\"results\"><div class=\"result result--ad\">"
      "<a class=\"result__a\" href=\"https://duckduckgo.com/y.js?ad=1\">Ad</a>"
      "<a class=\"result__snippet\">Buy</a></div>"
      "<div class=\"result\"><h2><a rel=nofollow class=\"result__a\" "
      "href=\"//duckduckgo.com/l/"
      "?uddg=https%3A%2F%2Fe.test%2Fp%3Fa%3D1%26b%3D2&amp;rut=x\">"
      "One &amp; <b>two</b></a></h2><a class=\"result__snippet\" href=#>S <b>b</b> "
      "<i>i</i></a></div>"
      "<div class=\"result\"><a class=\"result__a\" href=\"https://direct.test/\">D</a>"
      "</div></div>";
  ActionResult R = searchResult(C, llm::HttpResponse(200, {}, Page));
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(
      R.Fields["results"],
      Json::parse(R"([{"rank":1,"title":"One & two","url":"https://e.test/p?a=1&b=2",
                             "snippet":"S b i"},
                            {"rank":2,"title":"D","url":"https://direct.test/","snippet":""}])"));
  ActionResult Refused =
      searchResult(C, llm::HttpResponse(202, {}, "<html><body>Are you human?</body>"));
  EXPECT_FALSE(Refused.Ok);
  EXPECT_FALSE(Refused.Retryable);
  ActionResult None = searchResult(
      C, llm::HttpResponse(200, {}, "<div class=\"no-results\">No results.</div>"));
  ASSERT_TRUE(None.Ok) << None.Error;
  EXPECT_EQ(None.Fields["total_results"], 0);
}

}  // namespace
}  // namespace orch::runtime
