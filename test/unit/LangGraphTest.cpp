//===- LangGraphTest.cpp - The LangGraph export's C++ side ----------------===//
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include "backends/export/ExportTarget.h"
#include "backends/langgraph/JsText.h"
#include "backends/langgraph/LangGraph.h"
#include "frontend/Frontend.h"
#include "ir/Filters.h"
#include "ir/Tests.h"
#include "llvm/Support/raw_ostream.h"
#include "passes/Pass.h"

namespace orch {
namespace {

namespace lg = backends::langgraph;

std::string moduleText(llvm::StringRef Name) {
  for (const auto &[N, Text] : lg::runtimeModules())
    if (N == Name) return Text.str();
  return "";
}

/// The row names of `export const TABLE = {` in runtime module \p Module.
std::set<std::string> tableRows(llvm::StringRef Module, const std::string &Table) {
  std::string Text = moduleText(Module);
  size_t Start = Text.find("export const " + Table + " = {");
  std::set<std::string> Rows;
  if (Start == std::string::npos) return Rows;
  std::regex Row(R"(\n  (\w+): \[)");
  for (auto It =
           std::sregex_iterator(Text.begin() + static_cast<long>(Start), Text.end(), Row);
       It != std::sregex_iterator(); ++It)
    Rows.insert((*It)[1]);
  return Rows;
}

// The exporter refuses filters by runtimeFilters(); it must list exactly the
// rows of FILTERS in the emitted orch_filters.mjs, and every template
// filter of ir/Filters.cpp: a filter added to the compiler needs its JS row
// (or the export refuses it: fail_statements.yaml's `map` cases).
TEST(LangGraph, RuntimeFiltersAreTheModulesRows) {
  std::set<std::string> Rows = tableRows("orch_filters.mjs", "FILTERS");
  ASSERT_FALSE(Rows.empty());
  std::set<std::string> Listed;
  for (llvm::StringRef F : lg::runtimeFilters()) Listed.insert(F.str());
  EXPECT_EQ(Rows, Listed);
  std::set<std::string> InCpp;
  for (const ir::FilterInfo &F : ir::filters()) InCpp.insert(F.Name.str());
  EXPECT_EQ(Listed, InCpp);
}

// Likewise runtimeTests() and the rows of TESTS in orch_tests.mjs: every
// test of ir/Tests.cpp, nothing else.
TEST(LangGraph, RuntimeTestsAreTheModulesRows) {
  std::set<std::string> Rows = tableRows("orch_tests.mjs", "TESTS");
  ASSERT_FALSE(Rows.empty());
  std::set<std::string> Listed, InCpp;
  for (llvm::StringRef T : lg::runtimeTests()) Listed.insert(T.str());
  for (const ir::TestInfo &T : ir::tests()) InCpp.insert(T.Name.str());
  EXPECT_EQ(Rows, Listed);
  EXPECT_EQ(Listed, InCpp);
}

TEST(LangGraph, ConstantsKeepPythonTypes) {
  EXPECT_EQ(lg::jsConst(nlohmann::json(3)), "3n");
  EXPECT_EQ(lg::jsConst(nlohmann::json(-9223372036854775807LL - 1)),
            "-9223372036854775808n");
  EXPECT_EQ(lg::jsConst(nlohmann::json(2.5)), "2.5");
  EXPECT_EQ(lg::jsConst(nlohmann::json(-0.0)), "-0");
  EXPECT_EQ(lg::jsConst(nlohmann::json(std::nan(""))), "NaN");
  EXPECT_EQ(lg::jsConst(nlohmann::json("é\"</script>\u2028")),
            R"("\u00e9\"</script>\u2028")");
  EXPECT_EQ(lg::jsConst(nlohmann::json::parse(R"({"b": [true, null], "a": 1.0})")),
            R"(R.map([["a", 1], ["b", [true, null]]]))");
}

/// Compiles \p Yaml and exports it; the diagnostics go to \p Errors.
bool exportYaml(const std::string &Yaml, std::vector<backends::ExportFile> &Out,
                std::string &Errors, bool AllowShell = false,
                const std::string &Registry = "") {
  auto F = std::make_shared<SourceFile>("t.yaml", Yaml);
  DiagnosticEngine D(F.get());
  llvm::raw_string_ostream OS(Errors);
  std::optional<ast::Document> Doc = frontend::parseDocument(F, D);
  std::unique_ptr<ir::Pipeline> P = Doc ? frontend::lowerDocument(*Doc, D) : nullptr;
  passes::PassContext Ctx{D, {}, nullptr, nullptr, nullptr, {}, 0};
  bool Ok = P && passes::runPasses(*P, Ctx) && !D.hasErrors() &&
            backends::exportLangGraph({*P, "test", AllowShell, Registry}, D, Out);
  D.flush(OS, false);
  return Ok;
}

TEST(LangGraph, CommentTextIsPrintableAscii) {
  // U+2028 and a newline end a `//` comment in JavaScript.
  EXPECT_EQ(lg::jsComment("a\u2028b\nc\\d`e"), "a\\xE2\\x80\\xA8b\\x0Ac\\x5Cd`e");
  EXPECT_EQ(lg::jsComment(std::string("x\0y", 3)), "x\\x00y");
}

/// The text of the exported file \p Name.
std::string fileText(const std::vector<backends::ExportFile> &Out, llvm::StringRef Name) {
  for (const backends::ExportFile &F : Out)
    if (F.Path == Name) return F.Bytes;
  return "";
}

TEST(LangGraph, ModelRegistryEmbedded) {
  // The entries orchrt's client reads go into graph.mjs; entries orchrt
  // would refuse carry its message; key variables are names, not keys.
  std::string Path = ::testing::TempDir() + "lg_models.yaml";
  {
    std::ofstream F(Path);
    F << "models:\n  m:\n    provider: house\n    max_tokens: 321\n    reasoning: true\n"
         "    cost_per_token: 0.5\n"
         "  bad:\n    max_tokens: 0\n"
         "providers:\n  house:\n    api: anthropic\n    api_key_env: HOUSE_KEY\n"
         "    max_concurrent: 2\n"
         "  broken: [1]\n";
  }
  const std::string Model =
      "name: t\nsteps:\n  - id: a\n    action: summarize\n    model: m\n"
      "    parameters: {text: hi}\n";
  std::vector<backends::ExportFile> Out;
  std::string Errors;
  ASSERT_TRUE(exportYaml(Model, Out, Errors, false, Path)) << Errors;
  std::string Graph = fileText(Out, "graph.mjs");
  nlohmann::json Entries = nlohmann::json::parse(lg::registryEntries(Path).dump());
  EXPECT_EQ(Entries["models"]["m"],
            nlohmann::json::parse(
                R"({"provider": "house", "max_tokens": 321, "reasoning": true})"));
  EXPECT_EQ(Entries["models"]["bad"]["error"],
            "model registry `" + Path +
                "`: `models.bad.max_tokens` must be an integer from 1 "
                "to 1000000");
  EXPECT_EQ(Entries["providers"]["house"],
            nlohmann::json::parse(R"({"api": "anthropic", "api_key_env": "HOUSE_KEY"})"));
  EXPECT_EQ(Entries["providers"]["broken"]["error"],
            "model registry `" + Path + "`: `providers.broken` must be a mapping");
  EXPECT_NE(Graph.find("registry: JSON.parse("), std::string::npos);
  EXPECT_NE(Graph.find("HOUSE_KEY"), std::string::npos);
  // Without a registry, or without model steps, there is none.
  Out.clear();
  ASSERT_TRUE(exportYaml(Model, Out, Errors)) << Errors;
  EXPECT_NE(fileText(Out, "graph.mjs").find("registry: null,"), std::string::npos);
  Out.clear();
  ASSERT_TRUE(
      exportYaml("name: t\nsteps:\n  - id: a\n    action: echo\n"
                 "    parameters: {message: hi}\n",
                 Out, Errors, false, Path))
      << Errors;
  EXPECT_NE(fileText(Out, "graph.mjs").find("registry: null,"), std::string::npos);
  // A base URL with credentials would write them into graph.mjs: refused.
  {
    std::ofstream F(Path);
    F << "models:\n  m:\n    provider: house\n"
         "providers:\n  house:\n    base_url: https://user:secret@llm.example/v1\n";
  }
  Out.clear();
  Errors.clear();
  EXPECT_FALSE(exportYaml(Model, Out, Errors, false, Path));
  EXPECT_NE(Errors.find("`providers.house.base_url` with credentials"), std::string::npos)
      << Errors;
  EXPECT_EQ(Errors.find("secret"), std::string::npos) << Errors;
  // An unreadable registry: every model step fails with orchrt's message.
  nlohmann::json Missing =
      nlohmann::json::parse(lg::registryEntries(Path + ".missing").dump());
  EXPECT_NE(
      Missing["error"].get<std::string>().find("model registry `" + Path + ".missing`"),
      std::string::npos);
  std::remove(Path.c_str());
}

TEST(LangGraph, SameInputSameBytes) {
  const std::string Yaml =
      "name: t\nsteps:\n  - id: a\n    action: echo\n    parameters: {message: hi}\n"
      "  - id: b\n    action: summarize\n    parameters: {text: \"{{ steps.a.output "
      "}}\"}\n";
  std::vector<backends::ExportFile> A, B;
  std::string E;
  ASSERT_TRUE(exportYaml(Yaml, A, E)) << E;
  ASSERT_TRUE(exportYaml(Yaml, B, E)) << E;
  ASSERT_EQ(A.size(), B.size());
  for (size_t I = 0; I < A.size(); ++I) {
    EXPECT_EQ(A[I].Path, B[I].Path);
    EXPECT_EQ(A[I].Bytes, B[I].Bytes) << A[I].Path;
  }
  // A model step pulls in the model packages; the manifest names the graph.
  auto Find = [&](llvm::StringRef Name) {
    for (const auto &F : A)
      if (F.Path == Name) return F.Bytes;
    return std::string();
  };
  EXPECT_NE(Find("package.json").find("\"@langchain/openai\": \"1.6.0\""),
            std::string::npos);
  EXPECT_NE(Find("langgraph.json").find("\"t\": \"./graph.mjs:graph\""),
            std::string::npos);
  EXPECT_NE(Find("graph.mjs").find("// Step `b` (t.yaml:6): `summarize`, a model step."),
            std::string::npos);
}

TEST(LangGraph, ShellNeedsTheOption) {
  const std::string Yaml =
      "name: t\nsteps:\n  - id: a\n    action: shell\n    parameters: {command: ls}\n";
  std::vector<backends::ExportFile> Out;
  std::string E;
  EXPECT_FALSE(exportYaml(Yaml, Out, E));
  EXPECT_NE(E.find("[ExportUnsandboxedShell]"), std::string::npos) << E;
  E.clear();
  Out.clear();
  EXPECT_TRUE(exportYaml(Yaml, Out, E, /*AllowShell=*/true)) << E;
}

/// graph.mjs of \p Yaml (empty if the export failed).
std::string graphOf(const std::string &Yaml) {
  std::vector<backends::ExportFile> Out;
  std::string E;
  if (!exportYaml(Yaml, Out, E)) return "";
  for (const auto &F : Out)
    if (F.Path == "graph.mjs") return F.Bytes;
  return "";
}

/// A pipeline of echo steps; \p Deps is one `id: [deps]` line a step.
std::string echoSteps(std::initializer_list<const char *> Deps) {
  std::string Y = "name: t\nsteps:\n";
  for (const char *D : Deps) {
    llvm::StringRef L(D);
    auto [Id, List] = L.split(':');
    Y += "  - id: " + Id.str() + "\n    action: echo\n    parameters: {message: hi}\n";
    if (!List.trim().empty()) Y += "    dependencies: " + List.trim().str() + "\n";
  }
  return Y;
}

// Edges exactly when every step of a level depends on every step of the
// level before (Topology.cpp): then LangGraph's super-step barrier starts
// each step when orchrt would.
TEST(LangGraph, WiringFollowsTheLevels) {
  std::string Chain = graphOf(echoSteps({"a:", "b: [a]", "c: [b]"}));
  EXPECT_NE(Chain.find("wiring: \"edges\""), std::string::npos) << Chain;
  EXPECT_NE(Chain.find("builder.addEdge(START, \"a\");\nbuilder.addEdge(\"a\", \"b\");\n"
                       "builder.addEdge(\"b\", \"c\");\nbuilder.addEdge(\"c\", END);\n"),
            std::string::npos)
      << Chain;
  EXPECT_NE(Chain.find("recursionLimit: 4 "), std::string::npos);

  // Fan-out, fan-in; a join also reading a step two levels up.
  std::string Join =
      graphOf(echoSteps({"r:", "x: [r]", "y: [r]", "j: [x, y, r]", "k: [j]"}));
  EXPECT_NE(Join.find("wiring: \"edges\""), std::string::npos) << Join;
  EXPECT_NE(Join.find("builder.addEdge([\"x\", \"y\", \"r\"], \"j\");"),
            std::string::npos)
      << Join;
  EXPECT_EQ(Join.find("builder.addEdge(START, \"x\")"), std::string::npos);

  // `b` does not wait for the sibling root `c`: orchrt starts it earlier
  // than a barrier would, so every node starts at once and waits.
  std::string Uneven = graphOf(echoSteps({"a:", "b: [a]", "c:", "d: [c]"}));
  EXPECT_NE(Uneven.find("wiring: \"readiness\""), std::string::npos) << Uneven;
  EXPECT_NE(Uneven.find("builder.addEdge(START, \"d\");"), std::string::npos);
  EXPECT_NE(Uneven.find("recursionLimit: 2 "), std::string::npos);

  // Independent steps: one level, edges from START.
  std::string Flat = graphOf(echoSteps({"a:", "b:"}));
  EXPECT_NE(Flat.find("wiring: \"edges\""), std::string::npos) << Flat;
  EXPECT_NE(Flat.find("recursionLimit: 2 "), std::string::npos);
}

}  // namespace
}  // namespace orch
