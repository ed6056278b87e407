//===- HtmlPageTest.cpp - web.scrape's page reader and its requests -------===//
#include <gtest/gtest.h>

#include "runtime/actions/HtmlPage.h"
#include "runtime/actions/WebScrape.h"

namespace orch::runtime {
namespace html_page_test {

using Json = ir::Json;

TEST(HtmlPage, ResolvesReferencesAsRfc3986) {
  // RFC 3986 §5.4.1 and §5.4.2, against its base URI.
  const char *Base = "http://a/b/c/d;p?q";
  const std::pair<const char *, const char *> Cases[] = {
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {";x", "http://a/b/c/;x"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"mailto:x@y.z", "mailto:x@y.z"},
      {"https://other.example/p", "https://other.example/p"}};
  for (const auto &[Ref, Want] : Cases) EXPECT_EQ(resolveUrl(Base, Ref), Want) << Ref;
  EXPECT_EQ(resolveUrl("https://h.example", "x"), "https://h.example/x");
}

TEST(HtmlPage, ReadsTextTitleMetaLinksAndImages) {
  Json P = readHtmlPage(
      "<!DOCTYPE html><html><head><title> Caf&eacute; &amp; Bar\n</title>"
      "<meta name=\"description\" content=\"A &quot;page&quot;\">"
      "<meta property='og:title' content='OG'><meta name=empty content=''>"
      "<style>p { color: red }</style><script>var x = '<p>no</p>';</script>"
      "</head><body><!-- hidden <p>comment</p> -->"
      "<h1>Hello,&nbsp;world</h1><p>one <b>t</b>wo</p><p>three&#x20AC;&#8212;</p>"
      "<a href=\"/docs/../guide?x=1&amp;y=2\" title=\"G\">the <i>guide</i></a>"
      "<a name=anchor>no href</a><a href=mailto:m@x.org>mail</a>"
      "<img src=\"img/p.png\" alt=\"A picture\"><img alt=nosrc>1 < 2"
      "</body></html>",
      "https://site.example/dir/page.html");
  // &eacute; is not in the table: it stays as written. A no-break space
  // is white space; elements that are not blocks do not separate words.
  EXPECT_EQ(P["title"], "Caf&eacute; & Bar");
  EXPECT_EQ(P["text"],
            "Caf&eacute; & Bar Hello, world one two three€— the guideno hrefmail 1 < 2");
  EXPECT_EQ(P["word_count"], 14);
  EXPECT_EQ(P["description"], "A \"page\"");
  EXPECT_EQ(P["meta_tags"], (Json{{"description", "A \"page\""}, {"og:title", "OG"}}));
  ASSERT_EQ(P["links"].size(), 2u);
  EXPECT_EQ(P["links"][0], (Json{{"url", "https://site.example/guide?x=1&y=2"},
                                 {"text", "the guide"},
                                 {"title", "G"}}));
  EXPECT_EQ(P["links"][1]["url"], "mailto:m@x.org");
  EXPECT_EQ(P["images"], (Json::array({Json{{"url", "https://site.example/dir/img/p.png"},
                                            {"alt", "A picture"},
                                            {"title", ""}}})));
}

TEST(HtmlPage, UnclosedAndBrokenMarkupEndsTheText) {
  for (const char *Html : {"<p>open", "<a href='x", "<!-- no end", "<script>x",
                           "<title>t", "<", "</", "<!", "&#99999999999;", "&#;", "&"}) {
    Json P = readHtmlPage(Html, "http://h/");
    EXPECT_TRUE(P["text"].is_string()) << Html;
  }
  EXPECT_EQ(readHtmlPage("&#99999999999;&#0;&#xD800;&#x80;", "http://h/")["text"],
            "\ufffd\ufffd\ufffd€");
  EXPECT_EQ(readHtmlPage("<title>t", "http://h/")["title"], "t");
}

TEST(HtmlPage, PlainTextAndEncodings) {
  Json P = readPlainPage("  two\twords \n");
  EXPECT_EQ(P["text"], "two words");
  EXPECT_EQ(P["word_count"], 2);
  EXPECT_EQ(P["links"], Json::array());
  EXPECT_EQ(readPlainPage("")["word_count"], 0);
  // Valid UTF-8 stays; anything else is windows-1252.
  EXPECT_EQ(pageText("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(pageText("caf\xe9 \x80"), "café €");
}

TEST(WebScrape, Requests) {
  llvm::Expected<llm::HttpRequest> R =
      scrapeRequest(Json{{"url", " https://x.example/a "}, {"max_content_length", 4096}});
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(R->Url, "https://x.example/a");
  EXPECT_EQ(R->Method, "GET");
  EXPECT_TRUE(R->FollowRedirects);
  EXPECT_EQ(R->MaxBodyBytes, 4096u);
  EXPECT_EQ(scrapeRequest(Json{{"url", "https://x/"}})->MaxBodyBytes,
            size_t(DefaultScrapeBytes));
  auto Error = [](Json P) {
    llvm::Expected<llm::HttpRequest> R = scrapeRequest(P);
    return R ? std::string("(none)") : llvm::toString(R.takeError());
  };
  EXPECT_EQ(Error(Json{{"url", ""}}),
            "parameter `url` must be an http:// or https:// URL, found \"\"");
  EXPECT_EQ(Error(Json{{"url", "file:///etc/passwd"}}),
            "parameter `url` must be an http:// or https:// URL, found "
            "\"file:///etc/passwd\"");
  EXPECT_NE(Error(Json{{"url", "http://x/\r\nHost: y"}}).find("cannot carry"),
            std::string::npos);
  EXPECT_NE(
      Error(Json{{"url", "http://x/"}, {"max_content_length", 10}}).find("from 1024 to"),
      std::string::npos);
}

TEST(WebScrape, Results) {
  llm::HttpResponse Page(200, {{"content-type", "text/html; charset=utf-8"}},
                         "<title>T</title><a href=b>B</a>");
  Page.EffectiveUrl = "https://x.example/moved/";
  ActionResult R = scrapeResult("https://user:pw@x.example/a", Page);
  ASSERT_TRUE(R.Ok) << R.Error;
  EXPECT_EQ(R.Fields["links"][0]["url"], "https://x.example/moved/b");
  EXPECT_EQ(R.Fields["final_url"], "https://x.example/moved/");
  EXPECT_EQ(R.Fields["output"], "T B");
  EXPECT_EQ(R.Fields["content_length"], 31);
  EXPECT_EQ(R.Fields["truncated"], false);

  ActionResult Missing =
      scrapeResult("https://user:pw@x.example/a", llm::HttpResponse(404, {}, "no"));
  EXPECT_FALSE(Missing.Ok);
  EXPECT_FALSE(Missing.Retryable);
  EXPECT_EQ(Missing.Error.find("pw"), std::string::npos) << Missing.Error;
  EXPECT_TRUE(scrapeResult("http://x/", llm::HttpResponse(503, {}, "")).Retryable);

  ActionResult Binary =
      scrapeResult("http://x/f.pdf",
                   llm::HttpResponse(200, {{"content-type", "application/pdf"}}, ""));
  EXPECT_FALSE(Binary.Ok);
  EXPECT_EQ(Binary.Error,
            "web.scrape: http://x/f.pdf answered `application/pdf`, not a "
            "web page");
  ActionResult Plain = scrapeResult(
      "http://x/t", llm::HttpResponse(200, {{"content-type", "text/plain"}}, "<b>a</b>"));
  EXPECT_EQ(Plain.Fields["text"], "<b>a</b>");
}

}  // namespace html_page_test
}  // namespace orch::runtime
