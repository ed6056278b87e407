//===- EventLogSecurityTest.cpp - Secrets, modes and locks of the log ----===//
//
// The event log's defences: scrubbing before serialisation (values JSON
// escapes), redaction by name (headers, env, URL credentials), the file's
// mode, symlinks, the lock, and the writer thread writing by itself.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "ir/Secrets.h"
#include "llvm/Support/FileSystem.h"
#include "runtime/observe/EventLog.h"
#include "runtime/observe/Inspect.h"
#include "runtime/observe/Redact.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::observe;

namespace {

std::string readLog(const std::string &Path) {
  std::ifstream In(Path);
  std::stringstream Text;
  Text << In.rdbuf();
  return Text.str();
}

/// The text of \p Path once it holds \p Needle: the writer thread writes
/// by itself within EventLog::WriterPeriod. Gives up (returning what is
/// there, for the caller's expectation to fail) after a minute, far more
/// than any load makes the writer wait.
std::string waitForText(const std::string &Path, const std::string &Needle) {
  std::string Text;
  for (int I = 0; I < 12000; ++I) {
    Text = readLog(Path);
    if (Text.find(Needle) != std::string::npos && Text.back() == '\n') break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Text;
}

std::string tempPath() {
  llvm::SmallString<128> Path;
  EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("events", "jsonl", Path));
  return Path.str().str();
}

TEST(EventLogSecrets, EscapedValuesAreScrubbed) {
  // `"`, `\`, a control byte and invalid UTF-8: all escaped or replaced in
  // the dumped line, so a search of the line would miss them.
  const std::vector<std::string> Secrets = {"abcd\"efgh1234", "pass\\word99",
                                            "tab\there12",
                                            "bin\xff\xfe"
                                            "bytes"};
  std::string Path = tempPath();
  {
    auto Log = EventLog::open(Path, Secrets);
    ASSERT_TRUE(bool(Log));
    json E{{"event", "run_end"}};
    for (size_t I = 0; I < Secrets.size(); ++I) {
      E["v" + std::to_string(I)] = "x" + Secrets[I] + "y";
      E["nested"]["list"].push_back(Secrets[I]);
    }
    E["key " + Secrets[0]] = 1;
    (*Log)->emit(std::move(E));
    EXPECT_EQ((*Log)->error(), "");
  }
  std::string Text = readLog(Path);
  llvm::sys::fs::remove(Path);
  for (const std::string &S : Secrets)
    EXPECT_EQ(
        Text.find(
            json(S).dump(-1, ' ', false, json::error_handler_t::replace).substr(1, 4)),
        std::string::npos)
        << Text;
  EXPECT_EQ(Text.find("efgh1234"), std::string::npos) << Text;
  EXPECT_EQ(Text.find("word99"), std::string::npos) << Text;
  EXPECT_EQ(Text.find("here12"), std::string::npos) << Text;
  EXPECT_EQ(Text.find("bytes"), std::string::npos) << Text;
  EXPECT_NE(Text.find("\"v0\":\"x[redacted]y\""), std::string::npos) << Text;
  EXPECT_NE(Text.find("\"key [redacted]\":1"), std::string::npos) << Text;
}

TEST(EventLogSecrets, ParametersAreRedactedByName) {
  json P = json::parse(R"({
    "url": "https://bob:hunter2pw@api.example.com/v1/x?api-key=KEY123456&q=cats#top",
    "headers": {"Authorization": "Bearer ghp_SuperSecret123", "Accept": "text/plain",
                "X-Api-Key": "k-0123456789", "cookie": "sid=abcdefgh"},
    "env": {"GH_TOKEN": "ghp_SuperSecret123", "OPENROUTER_APIKEY": "or-123456789",
            "DB_PASSWORD_FILE": "/run/pw", "HOME": "/home/u"},
    "command": "true"})");
  std::vector<std::string> Removed = redactParameters(P);
  std::string Text = P.dump();
  for (const char *S : {"hunter2pw", "KEY123456", "ghp_SuperSecret123", "k-0123456789",
                        "abcdefgh", "or-123456789", "/run/pw"})
    EXPECT_EQ(Text.find(S), std::string::npos) << S << " in " << Text;
  EXPECT_EQ(P["url"],
            "https://[redacted]@api.example.com/v1/x?api-key=[redacted]&q=cats#top");
  EXPECT_EQ(P["headers"]["Accept"], "text/plain");
  EXPECT_EQ(P["env"]["HOME"], "/home/u");
  EXPECT_EQ(P["command"], "true");
  // The token alone (after `Bearer`) is remembered, to scrub elsewhere.
  EXPECT_NE(std::find(Removed.begin(), Removed.end(), "ghp_SuperSecret123"),
            Removed.end());
}

TEST(EventLogSecrets, UrlCredentialsInText) {
  EXPECT_EQ(ir::redactUrlCredentials(
                "Couldn't connect to server (http://bob:pw@127.0.0.1:9/v1/chat)"),
            "Couldn't connect to server (http://[redacted]@127.0.0.1:9/v1/chat)");
  EXPECT_EQ(ir::redactUrlCredentials("GET http://h/p?token=abc&x=1 failed"),
            "GET http://h/p?token=[redacted]&x=1 failed");
  EXPECT_EQ(ir::redactUrlCredentials("no url here: a@b"), "no url here: a@b");
  EXPECT_EQ(ir::redactUrlCredentials("http://h/a@b"), "http://h/a@b");
  EXPECT_TRUE(ir::secretEnvName("OPENROUTER_APIKEY"));
  EXPECT_TRUE(ir::secretHeaderName("Proxy-Authorization"));
  EXPECT_FALSE(ir::secretHeaderName("Content-Type"));
}

TEST(EventLogSecrets, RedactedValuesAreScrubbedFromLaterEvents) {
  std::string Path = tempPath();
  {
    auto Log = EventLog::open(Path, {});
    ASSERT_TRUE(bool(Log));
    AttemptEvents A(**Log);
    runtime::ActionRequest R;
    R.StepId = "sh";
    R.Action = "shell";
    R.Params = json{{"env", {{"GH_TOKEN", "ghp_EchoedToken42"}}}, {"command", "echo"}};
    A.attemptStarted(0, R, "");
    runtime::ActionResult Res;
    Res.Ok = true;
    Res.Fields["output"] = "token is ghp_EchoedToken42";
    A.attemptEnded(0, 1, Res);
    // Queued as the run's loop does before it sleeps, then written and
    // flushed by the writer thread by itself (no flush(), the log still
    // open): the lines are on disk before the log closes.
    (*Log)->publishPending();
    std::string Mid = waitForText(Path, "attempt_end");
    EXPECT_NE(Mid.find("attempt_end"), std::string::npos);
    EXPECT_EQ(Mid.back(), '\n');
  }
  std::string Text = readLog(Path);
  llvm::sys::fs::remove(Path);
  EXPECT_EQ(Text.find("ghp_EchoedToken42"), std::string::npos) << Text;
  EXPECT_NE(Text.find("token is [redacted]"), std::string::npos) << Text;
}

TEST(EventLogSecrets, InputHashDoesNotRevealARedactedSecret) {
  // Two attempts that differ only in a short secret (`env: API_TOKEN`)
  // log the same input_hash: the hash of the parameters as logged, not of
  // the rendered ones (which a search of the 10^6 six-digit tokens would
  // recover from the rest of the line).
  std::string Path = tempPath();
  auto Request = [](const char *Token) {
    runtime::ActionRequest R;
    R.StepId = "pin";
    R.Action = "shell";
    R.Params = json{{"env", {{"API_TOKEN", Token}}}, {"command", "true"}};
    return R;
  };
  {
    auto Log = EventLog::open(Path, {});
    ASSERT_TRUE(bool(Log));
    AttemptEvents A(**Log);
    EXPECT_FALSE(A.needsInputHash());  // the scheduler need not hash for it
    A.attemptStarted(0, Request("482913"), "scheduler-hash-of-rendered-inputs");
    A.attemptStarted(1, Request("571234"), "another-hash");
    runtime::ActionRequest Plain = Request("x");
    Plain.Params = json{{"command", "true"}};
    A.attemptStarted(2, Plain, "");
    EXPECT_EQ((*Log)->error(), "");
  }
  std::vector<json> Lines;
  std::istringstream In(readLog(Path));
  llvm::sys::fs::remove(Path);
  for (std::string Line; std::getline(In, Line);) Lines.push_back(json::parse(Line));
  ASSERT_EQ(Lines.size(), 3u);
  for (const json &L : Lines) {
    EXPECT_EQ(L["input_hash"].get<std::string>().size(), 32u) << L.dump();
    EXPECT_EQ(L["input_hash"], loggedInputHash(L)) << L.dump();
    EXPECT_EQ(L.dump().find("hash-of"), std::string::npos);
  }
  EXPECT_EQ(Lines[0]["parameters"]["env"]["API_TOKEN"], "[redacted]");
  EXPECT_EQ(Lines[0]["input_hash"], Lines[1]["input_hash"]);
  // Not the hash of the rendered (unredacted) inputs.
  json Rendered = Lines[0];
  Rendered["parameters"]["env"]["API_TOKEN"] = "482913";
  EXPECT_NE(Lines[0]["input_hash"], loggedInputHash(Rendered));
  // Nothing redacted: the hash of the rendered inputs, as the state store's.
  json PlainRendered{{"action", "shell"}, {"parameters", {{"command", "true"}}}};
  EXPECT_EQ(Lines[2]["input_hash"], loggedInputHash(PlainRendered));
}

TEST(EventLogFile, PrivateLockedAndNoSymlink) {
  std::string Path = tempPath();
  ::chmod(Path.c_str(), 0644);
  {
    auto Log = EventLog::open(Path, {});
    ASSERT_TRUE(bool(Log));
    struct stat St;
    ASSERT_EQ(::stat(Path.c_str(), &St), 0);
    EXPECT_EQ(St.st_mode & 0777, 0600u);
    (*Log)->emit(json{{"event", "run_start"}});
    // A second run on the same file fails and leaves the first one's lines.
    auto Second = EventLog::open(Path, {});
    ASSERT_FALSE(bool(Second));
    EXPECT_NE(llvm::toString(Second.takeError()).find("another run"), std::string::npos);
    (*Log)->emit(json{{"event", "run_end"}});
  }
  EXPECT_NE(readLog(Path).find("run_start"), std::string::npos);
  std::string Link = Path + ".link";
  ASSERT_EQ(::symlink(Path.c_str(), Link.c_str()), 0);
  auto ViaLink = EventLog::open(Link, {});
  EXPECT_FALSE(bool(ViaLink));
  if (!ViaLink) llvm::consumeError(ViaLink.takeError());
  ::unlink(Link.c_str());
  llvm::sys::fs::remove(Path);
}

TEST(EventLogFile, WriteFailureIsReported) {
  auto Log = EventLog::open("/dev/full", {});
  ASSERT_TRUE(bool(Log));
  (*Log)->emit(json{{"event", "attempt_end"}, {"output", std::string(100, 'x')}});
  EXPECT_NE((*Log)->error(), "");
}

TEST(Inspect, ControlSequencesNeverReachTheTerminal) {
  std::string Log =
      R"({"event":"run_start","plan":"p\u001b]0;pwned\u0007.bin","steps":-5,"run_id":"r"})"
      "\n"
      R"({"event":"attempt_start","step":"s","action":"llm","attempt":1e30,)"
      R"("parameters":{"k\u001b[31m":"v\u009b2J"}})"
      "\n"
      R"({"event":"model_call","step":"s","model":"m","answer":"hi\u001b]52;c;Zm9v\u0007\u001b[2J\nthere",)"
      R"("input_tokens":-1,"output_tokens":1e300,"attempts":2})"
      "\n"
      R"({"event":"attempt_end","step":"s","status":"completed\u001b[2J","output":"o"})"
      "\n";
  for (const char *Step : {"", "s"}) {
    std::string Out;
    llvm::raw_string_ostream OS(Out);
    ASSERT_FALSE(bool(inspectEvents(Log, Step, OS)));
    EXPECT_EQ(Out.find('\x1b'), std::string::npos) << Out;
    EXPECT_EQ(Out.find("\xc2\x9b"), std::string::npos) << Out;
    EXPECT_EQ(Out.find('\x07'), std::string::npos) << Out;
    if (!*Step) {
      EXPECT_NE(Out.find(": 0 steps"), std::string::npos) << Out;
      EXPECT_NE(Out.find("4294967295 attempts"), std::string::npos) << Out;
    } else {
      EXPECT_NE(Out.find("attempt 18446744073709551615 of"), std::string::npos) << Out;
      EXPECT_NE(Out.find("0 in + 18446744073709551615 out tokens"), std::string::npos)
          << Out;
      EXPECT_NE(Out.find("        there\n"), std::string::npos) << Out;
    }
  }
}

TEST(Inspect, TruncatedLastLineIsSkippedWithANote) {
  std::string Log = R"({"event":"run_start","plan":"p.bin","steps":1,"run_id":"r"})"
                    "\n"
                    R"({"event":"attempt_start","step":"s","action":"llm","attempt":1})"
                    "\n"
                    R"({"event":"model_call","step":"s","mod)";
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  ASSERT_FALSE(bool(inspectEvents(Log, "", OS)));
  EXPECT_NE(Out.find("note: line 3 is cut short"), std::string::npos) << Out;
  EXPECT_NE(Out.find("started"), std::string::npos) << Out;
  // The same line in the middle of the log is still an error.
  std::string Mid = Log + "\n" + R"({"event":"run_end"})" + "\n";
  Out.clear();
  llvm::Error E = inspectEvents(Mid, "", OS);
  ASSERT_TRUE(bool(E));
  EXPECT_NE(llvm::toString(std::move(E)).find("line 3 is not an event"),
            std::string::npos);
}

}  // namespace
