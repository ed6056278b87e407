//===- ModelStats.h - Outcomes of model calls, for UCB selection -*- C++ -*-===//
//
// Steps whose selection policy is `ucb` pick their model at run time, among
// the candidates the compiler found eligible, by the upper confidence
// bound (UCB1) over the outcomes recorded so far: mean reward plus
// c * sqrt(ln N / n). A candidate never tried goes first. The reward of a
// call is 1 when it answered and 0 when it failed. Outcomes are kept
// between runs in the state directory (`model-stats.json`).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "llvm/Support/Error.h"

namespace orch::runtime {

/// Recorded outcomes per model. Thread-safe.
class ModelStats {
 public:
  struct Arm {
    uint64_t Pulls = 0;
    double Reward = 0;  ///< Sum of rewards.
  };

  /// \p Candidates in the order to try them: UCB1 with exploration \p C,
  /// untried ones first (in the given order), ties in the given order.
  std::vector<std::string> rank(const std::vector<std::string> &Candidates,
                                double C) const;
  /// Records one call of \p Model.
  void record(const std::string &Model, bool Ok);
  Arm arm(const std::string &Model) const;

  /// Reads \p Path if it exists (a missing file is an empty record).
  llvm::Error load(const std::string &Path);
  /// Writes to \p Path atomically.
  llvm::Error save(const std::string &Path) const;

 private:
  mutable std::mutex M;
  std::map<std::string, Arm> Arms;
};

/// Where orchrt keeps state between runs: $ORCH_STATE_DIR, else
/// $XDG_STATE_HOME/orch, else ~/.local/state/orch.
std::string defaultStateDir();

}  // namespace orch::runtime
