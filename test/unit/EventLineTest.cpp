//===- EventLineTest.cpp - The attempt lines written without a tree -------===//
//
// appendPlainAttemptLine (EventLine.h) must write exactly the line of the
// tree path (EventLog::eventOf, redaction, scrubbing, input_hash, dump)
// whenever it says yes, and say no whenever the tree path would change
// something. Randomized records (values with strings, escapes, Unicode,
// floats, nested members, `headers`/`env`/URLs; secrets that do and do
// not occur) are written both ways.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ir/Json.h"
#include "runtime/observe/EventLine.h"
#include "runtime/observe/EventLog.h"
#include "runtime/observe/Redact.h"

using namespace orch::observe;
using json = orch::ir::Json;

namespace {

struct LineRng {
  std::mt19937_64 G{20261203};
  size_t below(size_t N) { return G() % N; }

  std::string text() {
    static const char *Pieces[] = {"a",    "step", "é",
                                   "日本", "x y",  "\"",
                                   "\\",   "\n",   "\t",
                                   "\x7f", "://",  "sk-secret-1234",
                                   "env",  "1.5",  "e5",
                                   "-",    "{",    "}",
                                   "\xff", "\xc3", "https://u:pw@h/x?token=abcdefgh"};
    std::string S;
    for (size_t I = below(4); I > 0; --I) S += Pieces[below(std::size(Pieces))];
    return S;
  }

  json value(int Depth) {
    switch (below(Depth > 2 ? 6 : 8)) {
      case 0:
        return nullptr;
      case 1:
        return below(2) == 0;
      case 2:
        return int64_t(G()) >> below(64);
      case 3:
        return uint64_t(G());
      case 4:
        return below(4) == 0 ? json(double(G() % 100000) / 7.0)
                             : json(int64_t(below(1000)));
      case 5:
        return text();
      case 6: {
        json A = json::array();
        for (size_t I = below(4); I > 0; --I) A.push_back(value(Depth + 1));
        return A;
      }
      default: {
        json O = json::object();
        static const char *Keys[] = {
            "message",       "ms",        "headers", "env",        "url", "k", "é",
            "Authorization", "API_TOKEN", "X-Token", "DB_PASSWORD"};
        for (size_t I = below(4); I > 0; --I)
          O[Keys[below(std::size(Keys))] + std::string(below(3) == 0 ? "x" : "")] =
              value(Depth + 1);
        return O;
      }
    }
  }
};

/// The line the writer's tree path gives for \p R.
std::string treeLine(const EventLog::AttemptRecord &R, llvm::StringRef Arena,
                     std::vector<std::string> Secrets, bool &Changed) {
  json E = EventLog::eventOf(R, Arena);
  json Before = E;
  auto P = E.find("parameters");
  if (R.Start && P != E.end()) {
    std::vector<std::string> More = redactParameters(*P);
    Secrets.insert(Secrets.end(), More.begin(), More.end());
  }
  scrubSecrets(E, Secrets);
  // As text: a NaN `t_ms` is unequal to itself as a value.
  Changed = E.dump(-1, ' ', false, json::error_handler_t::replace) !=
            Before.dump(-1, ' ', false, json::error_handler_t::replace);
  if (R.Start) E["input_hash"] = loggedInputHash(E);
  return E.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

TEST(EventLine, WritesTheTreePathsLineOrSaysNo) {
  LineRng Rng;
  size_t Fast = 0, Slow = 0;
  for (int Case = 0; Case < 20000; ++Case) {
    std::string Arena;
    auto Put = [&](const std::string &S) {
      EventLog::AttemptRecord::Text T{uint32_t(Arena.size()), uint32_t(S.size())};
      Arena += S;
      return T;
    };
    EventLog::AttemptRecord R;
    R.Start = Rng.below(2) == 0;
    R.Attempt = unsigned(1 + Rng.below(3));
    R.Step = Put(Rng.below(3) ? "s" + std::to_string(Case) : Rng.text());
    R.Action = Put(Rng.below(2) ? "echo" : Rng.text());
    R.Model = Put(Rng.below(3) ? "" : Rng.text());
    R.Group = Put(Rng.below(2) ? "" : Rng.below(2) ? "subprocess" : Rng.text());
    json V = R.Start && Rng.below(3) ? json::object({{"message", Rng.value(1)}})
                                     : Rng.value(0);
    std::string VText;
    if (!appendJsonText(VText, V)) continue;
    R.Value = Put(VText);
    R.HasValue = Rng.below(4) != 0;
    R.HasWait = Rng.below(2) == 0;
    R.QueueWaitUs = int64_t(Rng.below(100000));
    R.GroupWaitUs = Rng.below(2) ? 0 : int64_t(Rng.below(100000));
    R.Ok = Rng.below(3) != 0;
    R.Retryable = Rng.below(2) == 0;
    R.Error = Put(Rng.text());
    R.HasDuration = Rng.below(3) != 0;
    R.DurationMs = double(Rng.below(1000000)) / 1000;
    R.TMs = double(Rng.below(100000000)) / 1000;
    if (Rng.below(50) == 0) R.TMs = std::nan("");
    if (Rng.below(50) == 0) R.DurationMs = -0.0;
    std::vector<std::string> Secrets;
    if (Rng.below(2)) Secrets.push_back("sk-secret-1234");
    if (Rng.below(4) == 0) Secrets.push_back("a\"b\\c\nd");
    // A secret that is one of the line's own words (a key or a status).
    static const char *Words[] = {"completed", "parameters",  "attempt_start",
                                  "retryable", "duration_ms", "queue_wait_ms",
                                  "group"};
    if (Rng.below(20) == 0) Secrets.push_back(Words[Rng.below(std::size(Words))]);

    std::string Out = "kept";
    bool Changed = false;
    std::string Want = treeLine(R, Arena, Secrets, Changed);
    if (appendPlainAttemptLine(R, Arena, Secrets, Out)) {
      ++Fast;
      EXPECT_FALSE(Changed) << Want;
      ASSERT_EQ(Out, "kept" + Want) << "case " << Case;
    } else {
      ++Slow;
      EXPECT_EQ(Out, "kept");
    }
  }
  // Both paths are taken often: the comparison means something.
  EXPECT_GT(Fast, 3000u);
  EXPECT_GT(Slow, 3000u);
}

TEST(EventLine, SaysNoWhereTheTreePathChangesTheLine) {
  auto Line = [](bool Start, const std::string &Value, std::vector<std::string> Secrets,
                 const std::string &Step = "s") {
    std::string Arena = Step + "echo" + Value;
    EventLog::AttemptRecord R;
    R.Start = Start;
    R.Attempt = 1;
    R.Ok = true;
    R.HasValue = true;
    R.Step = {0, uint32_t(Step.size())};
    R.Action = {uint32_t(Step.size()), 4};
    R.Value = {uint32_t(Step.size() + 4), uint32_t(Value.size())};
    std::string Out;
    return appendPlainAttemptLine(R, Arena, Secrets, Out);
  };
  EXPECT_TRUE(Line(true, R"({"message":"hi"})", {}));
  EXPECT_FALSE(Line(true, R"({"headers":{"Authorization":"x"}})", {}));
  EXPECT_FALSE(Line(true, R"({"env":{"TOKEN":"x"}})", {}));
  EXPECT_FALSE(Line(true, R"({"url":"https://u:p@h"})", {}));
  EXPECT_FALSE(Line(true, R"({"message":"the sk-secret-1234"})", {"sk-secret-1234"}));
  EXPECT_FALSE(Line(false, R"("sk-secret-1234")", {"sk-secret-1234"}));
  EXPECT_FALSE(Line(false, R"("a\nb")", {}));
  EXPECT_FALSE(Line(false, R"(0.5)", {}));
  EXPECT_FALSE(Line(false, R"([1e5])", {}));
  EXPECT_FALSE(Line(false, R"("x")", {}, "a\"b"));
  EXPECT_FALSE(Line(false, R"("x")", {},
                    "a\xff"
                    "b"));
  EXPECT_FALSE(Line(false, R"("x")", {"completed"}));
  EXPECT_FALSE(Line(true, R"({"message":"x"})", {"parameters"}));
  EXPECT_TRUE(Line(false, R"({"e1":"1.5e3","n":-7})", {}));
  // An output's `headers` or URL is not redacted by name: written as is.
  EXPECT_TRUE(Line(false, R"({"headers":{"a":"https://x"}})", {}));
}
