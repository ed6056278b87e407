//===- FastYamlTest.cpp - The fast reader builds yaml-cpp's tree ----------===//
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/AutoLexer.h"
#include "frontend/YamlReader.h"

using namespace orch;
using namespace orch::frontend;

namespace {

struct Outcome {
  bool FastTook = false;
  bool Same = true;
  std::string Why;
};

/// Reads \p Text with both readers; when the fast one takes the file, the
/// trees and the order of value scalars must be the same.
Outcome compare(const std::string &Text) {
  SourceFile F("t.yaml", Text);
  DiagnosticEngine D(&F);
  AutoScan Scan = scanAutoTags(F, D);
  Outcome O;
  if (D.hasErrors()) return O;
  ir::Arena A1, A2;
  std::optional<YamlTree> Fast = fastReadYaml(F, Scan.Rewritten, A1, {});
  if (!Fast) return O;
  O.FastTook = true;
  YamlLimits Slow;
  Slow.FastPath = false;
  DiagnosticEngine D2(&F);
  YamlTree Ref = readYaml(F, Scan.Rewritten, A2, D2, Slow);
  if (!Ref.Root) {
    O.Same = false;
    O.Why = "yaml-cpp rejects what the fast reader took";
    return O;
  }
  if (!ast::sameTree(Fast->Root, Ref.Root, O.Why)) {
    O.Same = false;
    return O;
  }
  if (Fast->ValueScalars.size() != Ref.ValueScalars.size()) {
    O.Same = false;
    O.Why = "different value scalar counts";
  }
  for (size_t I = 0; O.Same && I < Ref.ValueScalars.size(); ++I)
    if (Fast->ValueScalars[I]->loc() != Ref.ValueScalars[I]->loc()) {
      O.Same = false;
      O.Why = "value scalars in a different order";
    }
  return O;
}

TEST(FastYaml, AgreesWithYamlCppOnEveryTestFile) {
  unsigned Took = 0, Total = 0;
  for (const char *Dir : {ORCH_SOURCE_DIR "/examples", ORCH_SOURCE_DIR "/test"}) {
    for (const auto &E : std::filesystem::recursive_directory_iterator(Dir)) {
      if (E.path().extension() != ".yaml") continue;
      std::ifstream In(E.path(), std::ios::binary);
      std::stringstream SS;
      SS << In.rdbuf();
      Outcome O = compare(SS.str());
      ++Total;
      Took += O.FastTook;
      EXPECT_TRUE(O.Same) << E.path() << ": " << O.Why;
    }
  }
  // Most pipelines are in the subset; a regression here is a speed bug.
  EXPECT_GT(Took * 2, Total) << Took << " of " << Total;
}

TEST(FastYaml, Constructs) {
  const char *Cases[] = {
      "a: 1\nb: [x, 'y', \"z\"]\nc: {k: v, n: ~}\nd:\n  - 1\n  -\n  - e: f\n    g: h\n",
      "top:\n- a\n- b\nnext: 1\n",
      "s: |\n  line one\n    indented\n\n  three\nt: x\n",
      "s: |-\n  keep\n\nt: >\n  folded\n  text\n",
      "s: |+\n  kept\n\n\nt: 1\n",
      "# c\n---\nk: v # trailing\n'q k': \"e\\\"s\\\\c\"\n",
      "k: 'it''s'\nempty:\nz: null\n",
      "steps:\n  - id: a\n    parameters:\n      m: \"{{ x }}\"\n    dependencies: []\n",
  };
  for (const char *C : Cases) {
    Outcome O = compare(C);
    EXPECT_TRUE(O.FastTook) << C;
    EXPECT_TRUE(O.Same) << C << ": " << O.Why;
  }
}

TEST(FastYaml, GivesUpOutsideTheSubset) {
  const char *Cases[] = {
      "a: &x 1\nb: *x\n",        // anchors
      "a: !!str 1\n",            // tags
      "a: b\na: c\n",            // duplicate key: yaml-cpp reports it
      "a: multi\n  line\n",      // multi-line plain scalar
      "a: \"multi\n  line\"\n",  // multi-line quoted
      "a: [1,\n  2]\n",          // multi-line flow
      "? complex\n: key\n",      // explicit key
      "a: 1\n---\nb: 2\n",       // two documents
      "a: b: c\n",               // an error
      "a: \"\\x41\"\n",          // rare escapes
  };
  for (const char *C : Cases) {
    Outcome O = compare(C);
    EXPECT_FALSE(O.FastTook) << C;
  }
}

}  // namespace
