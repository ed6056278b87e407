//===- SchedulerCyclesTest.cpp - Routing cycles on virtual time -----------===//
//
// Random routing cycles (docs/control-flow.md §5) compiled from generated
// YAML by the real compiler and run by the real scheduler on a
// FakeExecutor (virtual time) at -j 1, 2 and 4, against a model: the
// cycle's steps run once a round, in dependency order, and the round goes
// again while the last step routes back (`iteration < K`), at most
// `max_iterations` times. Each step of the cycle answers its round and what
// it read of a later step (the previous round) and of an earlier one (this
// round); the steps after the cycle read its last round. A failing seed
// prints its YAML; ORCH_CYCLE_SEED=<n> replays one.
//
//===----------------------------------------------------------------------===//
#include <gtest/gtest.h>

#include <cstdlib>

#include "LoopRun.h"
#include "SplitMix.h"

using json = orch::ir::Json;
using namespace orch;
using namespace orch::runtime;

namespace {

using CycleRng = orch::testing::SplitMix;

/// A generated pipeline: `pre`, the cycle `c0`..`c<N-1>` (c<N-1> routes
/// back to c0 while `iteration < K`), then `post`.
struct CycleGen {
  unsigned N = 1, K = 0, Max = 1;
  std::vector<int> Later;    ///< Per cycle step: a later cycle step it reads, or -1.
  std::vector<int> Earlier;  ///< Per cycle step: an earlier one it reads, or -1.
  std::vector<unsigned> Ms;  ///< Per cycle step: its virtual duration.
};

std::string cycleId(unsigned I) { return "c" + std::to_string(I); }

std::string cycleYaml(const CycleGen &G) {
  std::string Y =
      "name: cyc\nsteps:\n  - id: pre\n    action: work\n"
      "    parameters: {ms: 3, message: pre}\n";
  for (unsigned I = 0; I < G.N; ++I) {
    std::string Msg = cycleId(I) + "@{{ iteration }}";
    // A later step (or the step itself): its previous round.
    if (G.Later[I] >= 0)
      Msg += " prev={{ " + cycleId(G.Later[I]) + ".output | default('none') }}";
    if (G.Earlier[I] >= 0) Msg += " cur={{ " + cycleId(G.Earlier[I]) + ".output }}";
    Y += "  - id: " + cycleId(I) +
         "\n    action: work\n    parameters: {ms: " + std::to_string(G.Ms[I]) +
         ", message: \"" + Msg + "\"}\n";
  }
  Y += "    next:\n      - when: \"{{ iteration < " + std::to_string(G.K) +
       " }}\"\n        goto: c0\n    max_iterations: " + std::to_string(G.Max) + "\n";
  Y += "  - id: post\n    action: work\n    parameters: {message: \"{{ " +
       cycleId(G.N - 1) + ".output }}\"}\n";
  return Y;
}

/// What the model says step \p I answers in round \p R.
std::string cycleOutput(const CycleGen &G, unsigned I, unsigned R) {
  std::string Out = cycleId(I) + "@" + std::to_string(R);
  if (G.Later[I] >= 0)
    Out += " prev=" + (R == 0 ? std::string("none")
                              : cycleOutput(G, static_cast<unsigned>(G.Later[I]), R - 1));
  if (G.Earlier[I] >= 0)
    Out += " cur=" + cycleOutput(G, static_cast<unsigned>(G.Earlier[I]), R);
  return Out;
}

void checkCycleSeed(uint64_t Seed) {
  CycleRng Rn{Seed};
  CycleGen G;
  G.N = 1 + Rn.below(4);
  G.K = Rn.below(6);
  G.Max = 1 + Rn.below(6);
  for (unsigned I = 0; I < G.N; ++I) {
    // At or after I (a step may read itself): the previous round.
    G.Later.push_back(Rn.below(3) ? -1 : static_cast<int>(I + Rn.below(G.N - I)));
    G.Earlier.push_back(I && Rn.below(2) ? static_cast<int>(Rn.below(I)) : -1);
    G.Ms.push_back(Rn.below(4) * 5);
  }
  std::string Yaml = cycleYaml(G);
  unsigned Rounds = std::min(G.K + 1, G.Max);
  for (unsigned Jobs : {1u, 2u, 4u}) {
    SCOPED_TRACE("seed " + std::to_string(Seed) + " -j " + std::to_string(Jobs) + "\n" +
                 Yaml);
    orch::testing::LoopRun R(Yaml, Jobs);
    ASSERT_EQ(R.S->status(), RunStatus::Completed) << R.S->runError();
    const json &L = R.state("cycle:" + cycleId(G.N - 1)).Result;
    ASSERT_EQ(L["count"], Rounds);
    EXPECT_EQ(L["max_reached"], G.K + 1 > G.Max);
    EXPECT_EQ(L["next"], nullptr);
    for (unsigned Round = 0; Round < Rounds; ++Round)
      for (unsigned I = 0; I < G.N; ++I)
        EXPECT_EQ(L["results"][Round][cycleId(I)]["output"], cycleOutput(G, I, Round))
            << "round " << Round << " step " << cycleId(I);
    EXPECT_EQ(R.state("post").Result["output"], cycleOutput(G, G.N - 1, Rounds - 1));
    // Each round's steps started once; `pre` and `post` once in the run.
    EXPECT_EQ(R.R.Starts.size(), 2 + Rounds * G.N);
  }
}

TEST(SchedulerCycles, RandomCyclesMatchTheModel) {
  if (const char *S = std::getenv("ORCH_CYCLE_SEED"))
    return checkCycleSeed(std::strtoull(S, nullptr, 10));
  for (uint64_t Seed = 1; Seed <= 150; ++Seed) {
    checkCycleSeed(Seed);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
