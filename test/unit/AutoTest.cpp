//===- AutoTest.cpp - AUTO typing, the lock file and the cache ------------===//
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "frontend/Frontend.h"
#include "llvm/Support/FileSystem.h"
#include "passes/AutoResolve.h"
#include "passes/AutoSpec.h"
#include "passes/AutoStore.h"
#include "passes/Pass.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::passes;

namespace {

/// The spec of every tag of the pipeline \p Text (its one step is step 0);
/// a tag's field is the last part of its path when \p ByField.
std::vector<AutoSpec> specsIn(const std::string &Text, bool ByField) {
  auto F = std::make_shared<SourceFile>("t.yaml", Text);
  DiagnosticEngine D(F.get());
  auto Doc = frontend::parseDocument(F, D);
  auto P = Doc ? frontend::lowerDocument(*Doc, D) : nullptr;
  std::vector<AutoSpec> Out;
  if (!P) return Out;
  for (ir::AutoTag *T : P->AutoTags)
    Out.push_back(buildAutoSpec(
        *P, *T, 0, ByField ? llvm::StringRef(T->Path).rsplit('.').second : "parameter",
        {}));
  return Out;
}

/// Builds the spec of every tag of a one-step pipeline.
std::vector<AutoSpec> specs(const std::string &Params) {
  return specsIn(
      "name: p\nsteps:\n  - id: a\n    action: analyze\n    parameters:\n" + Params,
      false);
}

TEST(AutoSpec, TypesFromContext) {
  auto S = specs(
      "      num_results: <AUTO>Determine optimal number of results per query</AUTO>\n"
      "      num_models: <AUTO>Optimal ensemble size (3-7 models)</AUTO>\n"
      "      confidence_level: <AUTO>Set based on data quality</AUTO>\n"
      "      anomaly_detection: <AUTO>Enable based on data characteristics</AUTO>\n"
      "      queries: <AUTO>Generate search queries</AUTO>\n"
      "      analysis_type: <AUTO>Determine the best analysis approach</AUTO>\n"
      "      sampling_strategy: <AUTO>Full load or sampling based on size</AUTO>\n"
      "      n: <AUTO type=\"number\" min=\"0\" max=\"1\">a ratio</AUTO>\n");
  ASSERT_EQ(S.size(), 8u);
  EXPECT_EQ(S[0].Schema, json({{"type", "integer"}, {"minimum", 1}}));
  EXPECT_EQ(S[1].Schema, json({{"type", "integer"}, {"minimum", 3}, {"maximum", 7}}));
  EXPECT_EQ(S[2].Schema, json({{"type", "number"}}));
  EXPECT_EQ(S[3].Schema, json({{"type", "boolean"}}));
  EXPECT_EQ(S[4].Schema, json({{"type", "array"}, {"items", {{"type", "string"}}}}));
  EXPECT_FALSE(S[5].Schema.has_value());  // open: the format is asked first
  EXPECT_EQ(S[6].Schema, json({{"type", "string"}}));
  EXPECT_EQ(S[7].Schema, json({{"type", "number"}, {"minimum", 0.0}, {"maximum", 1.0}}));
  // The prompt carries the context.
  EXPECT_NE(S[0].Prompt.find("Pipeline: p"), std::string::npos);
  EXPECT_NE(S[0].Prompt.find("Step: a (action: analyze)"), std::string::npos);
  EXPECT_NE(S[0].Prompt.find("Field: steps.a.parameters.num_results"), std::string::npos);
  EXPECT_NE(S[0].Prompt.find("queries:"), std::string::npos);  // a sibling
}

TEST(AutoSpec, PromptShowsParametersAsWritten) {
  std::string Text =
      "name: research\n"
      "description: Research a topic\n"
      "steps:\n"
      "  - id: web_search\n"
      "    action: search\n"
      "  - id: synth\n"
      "    action: synthesize\n"
      "    parameters:\n"
      "      sources: \"{{ steps.web_search.results }}\"\n"
      "      title: \"Report on {{ steps.web_search.results | length }} sources\"\n"
      "      style: <AUTO>Choose writing style: academic, business, or general</AUTO>\n"
      "      limits: [3, {a: b}]\n"
      "      depth: <AUTO>Choose fast or thorough</AUTO>\n";
  auto F = std::make_shared<SourceFile>("t.yaml", Text);
  DiagnosticEngine D(F.get());
  auto Doc = frontend::parseDocument(F, D);
  ASSERT_TRUE(Doc);
  auto P = frontend::lowerDocument(*Doc, D);
  ASSERT_TRUE(P);
  ASSERT_EQ(P->AutoTags.size(), 2u);
  AutoSpec S = buildAutoSpec(*P, *P->AutoTags[1], 1, "parameter", {});
  EXPECT_EQ(S.Prompt,
            "Pipeline: research\n"
            "Description: Research a topic\n"
            "Step: synth (action: synthesize)\n"
            "Other parameters of this step:\n"
            "  sources: {{ steps.web_search.results }}\n"
            "  title: Report on {{ steps.web_search.results | length }} sources\n"
            "  style: <AUTO>Choose writing style: academic, business, or general</AUTO>\n"
            "  limits: [3, {a: b}]\n"
            "Field: steps.synth.parameters.depth\n"
            "Decide: Choose fast or thorough\n"
            "Answer with exactly one of: fast, thorough\n");
  EXPECT_EQ(S.Schema, json({{"type", "string"}, {"enum", {"fast", "thorough"}}}));
  EXPECT_EQ(S.Prompt.find("tmpl("), std::string::npos);
  EXPECT_EQ(S.Prompt.find("auto#"), std::string::npos);
}

TEST(AutoSpec, PromptShowsExpressionsAsWrittenEvenWhenQuotedOrSplit) {
  std::string Long;
  for (int I = 0; I < 150; ++I) Long += "\xc3\xa9";  // é: two bytes each
  std::string Text =
      "name: p\n"
      "steps:\n"
      "  - id: a\n"
      "    action: analyze\n"
      "    parameters:\n"
      "      paren: \"{{ (x ~ 'b') | upper }}\"\n"
      "      inner: \"{{ x * (1 + 2) }}\"\n"
      "      single: '{{ x ~ ''q'' }}'\n"
      "      escaped: \"{{ x ~ \\\"q\\\" }}\"\n"
      "      split: |-\n"
      "        {{ x\n"
      "           | upper }}\n"
      "      block: |\n"
      "        line one\n"
      "        line two\n"
      "      long: \"" +
      Long +
      "\"\n"
      "      depth: <AUTO>Choose fast or thorough</AUTO>\n";
  std::vector<AutoSpec> S = specsIn(Text, false);
  ASSERT_EQ(S.size(), 1u);
  const std::string &Pr = S[0].Prompt;
  EXPECT_NE(Pr.find("  paren: {{ (x ~ 'b') | upper }}\n"), std::string::npos) << Pr;
  EXPECT_NE(Pr.find("  inner: {{ x * (1 + 2) }}\n"), std::string::npos) << Pr;
  EXPECT_NE(Pr.find("  single: {{ x ~ 'q' }}\n"), std::string::npos) << Pr;
  EXPECT_NE(Pr.find("  escaped: {{ x ~ \"q\" }}\n"), std::string::npos) << Pr;
  EXPECT_NE(Pr.find("  split: {{ x\\n   | upper }}\n"), std::string::npos) << Pr;
  EXPECT_NE(Pr.find("  block: line one\\nline two\\n\n"), std::string::npos) << Pr;
  // Cut to 200 bytes at a character boundary: 98 whole characters.
  EXPECT_NE(Pr.find("  long: " + Long.substr(0, 196) + "...\n"), std::string::npos) << Pr;
}

TEST(AutoSpec, RangesBoundWholeNumbers) {
  auto S = specs(
      "      num_sources: <AUTO>Between 3 and 7 sources</AUTO>\n"
      "      rounds: <AUTO type=\"integer\">how many rounds, 2\xe2\x80\x93"
      "4</AUTO>\n"
      "      mode: <AUTO>one of: quick / deep / exhaustive</AUTO>\n");
  ASSERT_EQ(S.size(), 3u);
  EXPECT_EQ(S[0].Schema, json({{"type", "integer"}, {"minimum", 3}, {"maximum", 7}}));
  EXPECT_EQ(S[1].Schema, json({{"type", "integer"}, {"minimum", 2}, {"maximum", 4}}));
  EXPECT_EQ(S[2].Schema,
            json({{"type", "string"}, {"enum", {"quick", "deep", "exhaustive"}}}));
}

/// The specs of a one-step pipeline's `timeout` and `max_retries` tags.
std::vector<AutoSpec> policySpecs(const std::string &Keys) {
  return specsIn("name: p\nsteps:\n  - id: a\n    action: analyze\n" + Keys, true);
}

TEST(AutoSpec, PolicyFieldsTakeTheTextsRange) {
  auto S = policySpecs(
      "    timeout: <AUTO>Seconds, between 30 and 90</AUTO>\n"
      "    max_retries: <AUTO>between 2 and 5 retries</AUTO>\n");
  ASSERT_EQ(S.size(), 2u);
  EXPECT_EQ(S[0].Schema, json({{"type", "integer"}, {"minimum", 30}, {"maximum", 90}}));
  EXPECT_EQ(S[1].Schema, json({{"type", "integer"}, {"minimum", 2}, {"maximum", 5}}));
  // No range: the field's floor.
  S = policySpecs(
      "    timeout: <AUTO>Seconds to allow</AUTO>\n"
      "    max_retries: <AUTO>how many retries</AUTO>\n");
  ASSERT_EQ(S.size(), 2u);
  EXPECT_EQ(S[0].Schema, json({{"type", "integer"}, {"minimum", 1}}));
  EXPECT_EQ(S[1].Schema, json({{"type", "integer"}, {"minimum", 0}}));
  // A range below the floor keeps the floor; `min` as written wins.
  S = policySpecs(
      "    timeout: <AUTO>Seconds, 0-20</AUTO>\n"
      "    max_retries: <AUTO min=\"3\">between 1 and 9</AUTO>\n");
  ASSERT_EQ(S.size(), 2u);
  EXPECT_EQ(S[0].Schema, json({{"type", "integer"}, {"minimum", 1}, {"maximum", 20}}));
  EXPECT_EQ(S[1].Schema, json({{"type", "integer"}, {"minimum", 3}}));
}

/// The spec of the tag in \p Param of a one-step pipeline running \p Action.
AutoSpec specOf(const std::string &Action, const std::string &Param) {
  auto S = specsIn("name: p\nsteps:\n  - id: a\n    action: " + Action +
                       "\n    parameters:\n      " + Param + "\n",
                   false);
  return S.size() == 1 ? S[0] : AutoSpec{};
}

TEST(AutoSpec, DeclaredParameterTypesWinOverProse) {
  // `sleep` `ms` is an integer: "between polls and retries" is no choice.
  EXPECT_EQ(specOf("sleep", "ms: <AUTO>Pause between polls and retries</AUTO>").Schema,
            json({{"type", "integer"}}));
  // `generate` `temperature` is a number: the range bounds it.
  EXPECT_EQ(
      specOf("generate",
             "temperature: <AUTO>Sampling temperature between 0 and 1</AUTO>\n      "
             "prompt: hi")
          .Schema,
      json({{"type", "number"}, {"minimum", 0}, {"maximum", 1}}));
  // Prose in an LLM task's parameter: no choices; the name decides.
  EXPECT_EQ(specOf("analyze",
                   "ratio: <AUTO>Ratio between precision and recall "
                   "weight</AUTO>")
                .Schema,
            json({{"type", "number"}}));
}

TEST(AutoStore, LockRoundTripIsStable) {
  LockFile L;
  L.Entries.push_back({"steps.a.parameters.x", "3:7", "pick: a, b \"q\"", "openai/m",
                       "sha256:00", json({"a", 1, true, nullptr, {{"k", "v"}}})});
  L.Entries.push_back(
      {"steps.a.parameters.y", "4:7", "n", "hand-written", "sha256:11", json(2.5)});
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("orch-lock", Dir));
  std::string Path = (Dir + "/p.auto.lock").str();
  ASSERT_FALSE(bool(L.write(Path, "pipe")));
  auto R = LockFile::read(Path);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  ASSERT_EQ(R->Entries.size(), 2u);
  EXPECT_EQ(R->Entries[0].Text, "pick: a, b \"q\"");
  EXPECT_EQ(R->Entries[0].Value, L.Entries[0].Value);
  EXPECT_EQ(R->Entries[1].Value, json(2.5));
  EXPECT_EQ(R->render("pipe"), L.render("pipe"));
  EXPECT_TRUE(R->find("steps.a.parameters.y", "n"));
  EXPECT_FALSE(R->find("steps.a.parameters.y", "other text"));
  llvm::sys::fs::remove_directories(Dir);
}

TEST(AutoStore, CacheIsSafeUnderConcurrentWriters) {
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("orch-cache", Dir));
  DiskCache C(Dir.str().str());
  std::string Big(20000, 'x');  // large enough that a torn write would show
  std::atomic<int> Torn{0}, Seen{0};
  std::vector<std::thread> Threads;
  for (int W = 0; W < 4; ++W)
    Threads.emplace_back([&, W] {
      for (int I = 0; I < 50; ++I)
        EXPECT_FALSE(bool(C.put("k", json({{"writer", W}, {"pad", Big}}))));
    });
  for (int R = 0; R < 4; ++R)
    Threads.emplace_back([&] {
      for (int I = 0; I < 200; ++I) {
        std::optional<json> V = C.get("k");
        if (!V) continue;
        ++Seen;
        if (!V->is_object() || (*V)["pad"] != Big) ++Torn;
      }
    });
  for (std::thread &T : Threads) T.join();
  EXPECT_EQ(Torn.load(), 0);
  EXPECT_TRUE(C.get("k").has_value());
  // No temporary files are left behind.
  std::error_code EC;
  int Files = 0;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), E; It != E && !EC; It.increment(EC))
    ++Files;
  EXPECT_EQ(Files, 1);
  llvm::sys::fs::remove_directories(Dir);
}

/// An oracle that answers from a script and counts questions.
class ScriptOracle : public AutoOracle {
 public:
  std::vector<json> Answers;
  std::atomic<size_t> Next{0};
  std::string modelId() const override { return "fake/model"; }
  llvm::Expected<json> ask(const std::string &, const std::string &, const json &,
                           const std::string &) override {
    size_t I = Next++;
    if (I >= Answers.size())
      return llvm::createStringError(llvm::inconvertibleErrorCode(), "no more answers");
    return Answers[I];
  }
};

TEST(AutoResolve, InvalidAnswersAreAskedAgainOnce) {
  std::string Text =
      "name: p\nsteps:\n  - id: a\n    action: analyze\n    parameters:\n"
      "      depth: <AUTO>choose: shallow or deep</AUTO>\n";
  auto Run = [&](std::vector<json> Answers, DiagnosticEngine &D, ScriptOracle &O) {
    auto F = std::make_shared<SourceFile>("t.yaml", Text);
    auto Doc = frontend::parseDocument(F, D);
    auto P = frontend::lowerDocument(*Doc, D);
    O.Answers = std::move(Answers);
    AutoOptions Opts;
    Opts.Oracle = &O;
    PassContext Ctx{D, {}, &Opts};
    bool Ok = runPasses(*P, Ctx);
    return std::make_pair(Ok, std::move(P));
  };
  {
    auto F = std::make_shared<SourceFile>("t.yaml", Text);
    DiagnosticEngine D(F.get());
    ScriptOracle O;
    auto [Ok, P] = Run({json("medium"), json("deep")}, D, O);
    EXPECT_TRUE(Ok);
    EXPECT_EQ(O.Next.load(), 2u);
    ASSERT_TRUE(P->AutoTags[0]->Resolved);
    EXPECT_EQ(llvm::cast<ir::ScalarValue>(P->AutoTags[0]->Resolved)->scalar().S, "deep");
  }
  {
    auto F = std::make_shared<SourceFile>("t.yaml", Text);
    DiagnosticEngine D(F.get());
    ScriptOracle O;
    auto [Ok, P] = Run({json("medium"), json(42)}, D, O);
    EXPECT_FALSE(Ok);
    ASSERT_EQ(D.pending().size(), 1u);
    EXPECT_EQ(D.pending()[0].Kind, DiagKind::AutoBadAnswer);
  }
}

}  // namespace
