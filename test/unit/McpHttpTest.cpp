//===- McpHttpTest.cpp - The HTTP/1.1 request parser's limits -------------===//
//
// Requests split from a byte stream however it arrives, pipelined requests,
// and every limit answered with its status and never buffered past.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include "runtime/mcp/HttpRequest.h"

using namespace orch::runtime::mcp;
using State = HttpRequestParser::State;

namespace {

const char *Post = "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";

}  // namespace

TEST(HttpRequestParser, ByteByByte) {
  HttpRequestParser P({});
  HttpRequest R;
  std::string S = Post;
  for (size_t I = 0; I + 1 < S.size(); ++I) {
    P.feed(S.substr(I, 1));
    ASSERT_EQ(P.next(R), State::NeedMore) << I;
  }
  P.feed(S.substr(S.size() - 1));
  ASSERT_EQ(P.next(R), State::Ready);
  EXPECT_EQ(R.Method, "POST");
  EXPECT_EQ(R.Target, "/mcp");
  EXPECT_EQ(R.Body, "{}");
  EXPECT_EQ(R.header("host"), llvm::StringRef("x"));
  EXPECT_FALSE(R.wantsClose());
  EXPECT_EQ(P.buffered(), 0u);
}

TEST(HttpRequestParser, Pipelined) {
  HttpRequestParser P({});
  HttpRequest A, B;
  P.feed(std::string(Post) + Post + "GET /");
  ASSERT_EQ(P.next(A), State::Ready);
  ASSERT_EQ(P.next(B), State::Ready);
  EXPECT_EQ(P.next(B), State::NeedMore);
  EXPECT_EQ(P.buffered(), 5u);
}

TEST(HttpRequestParser, HeaderNamesAreCaseInsensitive) {
  HttpRequestParser P({});
  HttpRequest R;
  P.feed("GET /mcp HTTP/1.0\r\nMCP-Session-ID:  abc \r\nConnection: Keep-Alive\r\n\r\n");
  ASSERT_EQ(P.next(R), State::Ready);
  EXPECT_EQ(R.header("mcp-session-id"), llvm::StringRef("abc"));
  EXPECT_FALSE(R.wantsClose());
}

TEST(HttpRequestParser, Limits) {
  struct Case {
    std::string Input;
    int Status;
  };
  HttpLimits L;
  L.MaxHeaderBytes = 256;
  L.MaxHeaders = 4;
  L.MaxBody = 100;
  const Case Cases[] = {
      {"POST /mcp HTTP/1.1\r\nX: " + std::string(300, 'a'), 431},  // no end yet
      {"POST /mcp HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n", 431},
      {"GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n", 431},
      {"POST /mcp HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 413},
      {"POST /mcp HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
      {"POST /mcp HTTP/1.1\r\nContent-Length: +1\r\n\r\n", 400},
      {"POST /mcp HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
      {"POST /mcp HTTP/2.0\r\n\r\n", 505},
      {"POST /mcp FTP/1.1\r\n\r\n", 400},
      {"POST /mcp\r\n\r\n", 400},
      {"POST  /mcp HTTP/1.1\r\n\r\n", 400},
      {"P(ST /mcp HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Name: 1\r\n\r\n", 400},
  };
  for (const Case &C : Cases) {
    HttpRequestParser P(L);
    HttpRequest R;
    P.feed(C.Input);
    EXPECT_EQ(P.next(R), State::Error) << C.Input;
    EXPECT_EQ(P.errorStatus(), C.Status) << C.Input;
    // Nothing is kept after an error, and it stays an error.
    EXPECT_EQ(P.buffered(), 0u);
    P.feed(Post);
    EXPECT_EQ(P.next(R), State::Error);
  }
}

TEST(HttpRequestParser, LeadingEmptyLinesAreSkipped) {
  HttpRequestParser P({});
  HttpRequest R;
  P.feed(std::string("\r\n\r\n") + Post);
  ASSERT_EQ(P.next(R), State::Ready);
  EXPECT_EQ(R.Body, "{}");
}

// A flood of empty lines before the request line is neither buffered nor
// rescanned: it is refused after a few.
TEST(HttpRequestParser, EmptyLineFloodIsRefused) {
  HttpRequestParser P({});
  HttpRequest R;
  for (int I = 0; I < 1000 && P.next(R) == State::NeedMore; ++I) P.feed("\r\n");
  EXPECT_EQ(P.next(R), State::Error);
  EXPECT_EQ(P.errorStatus(), 400);
  EXPECT_EQ(P.buffered(), 0u);
}

// RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400; HTTP/1.0 may
// leave it out.
TEST(HttpRequestParser, Http11NeedsHost) {
  HttpRequestParser P({});
  HttpRequest R;
  P.feed("POST /mcp HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(P.next(R), State::Error);
  EXPECT_EQ(P.errorStatus(), 400);
  HttpRequestParser Q({});
  Q.feed("POST /mcp HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Q.next(R), State::Ready);
}
