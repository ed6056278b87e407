//===- LlmSteps.h - Steps that ask a model ---------------------*- C++ -*-===//
//
// `generate` and every action that is not built in (the seed's `analyze`,
// `search`, `synthesize`, ...) ask a model through the one LLM client
// (runtime/llm). An LLM task's prompt is built from its action name and
// parameters. When later steps read fields other than `output`, the plan
// carries a JSON schema and the step asks for structured output.
//
// The client is blocking, so calls run on a worker pool; the client's
// per-provider concurrency limit is what bounds calls in flight, and the
// HTTP itself is multiplexed on one curl-multi thread (CurlMulti).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ir/plan/Plan_generated.h"
#include "runtime/actions/Action.h"
#include "runtime/actions/ModelStats.h"
#include "runtime/exec/Executor.h"
#include "runtime/llm/Client.h"
#include "runtime/llm/Providers.h"
#include "runtime/llm/TokenLimiter.h"

namespace orch::runtime {

/// Where model steps find their model.
struct LlmSettings {
  std::string DefaultModel;  ///< --model, else ORCH_MODEL.
  std::string Registry;      ///< models.yaml, or "".
  unsigned Threads = 64;     ///< Worker threads at most.
  /// Outcomes for `ucb` steps (read and recorded), or null.
  ModelStats *Stats = nullptr;
  /// Retries inside the client for each model (tests lower it).
  std::optional<unsigned> ClientRetries;
  llm::EnvLookup Env = llm::processEnv;
  /// Told of every model call (runtime/observe: accounting, budgets,
  /// events), or null.
  llm::CallObserver *Calls = nullptr;
  /// `tokens_per_minute` by provider name (the plan's `provider:<p>`
  /// groups); "default" serves a provider with no entry of its own (the
  /// group of steps whose model the run decides). Batch mode's items are
  /// not counted: the providers' batch queues have limits of their own.
  std::map<std::string, uint64_t> TokensPerMinute;
};

/// The plan's `tokens_per_minute` by provider (its `provider:<p>` groups;
/// 0 for a group without one, so that "default" does not stand in for it).
std::map<std::string, uint64_t> tokenLimitsOf(const orch::plan::Plan &P);

/// The system message and user prompt for step \p R (exposed for tests).
std::pair<std::string, std::string> buildStepPrompt(const ActionRequest &R);

/// The request step \p R sends to \p Model (\p MS its registry entry) in
/// \p Req, or the failure of a bad parameter (no request is made).
std::optional<ActionResult> chatRequestFor(const ActionRequest &R,
                                           const std::string &Model,
                                           const llm::ModelSettings &MS,
                                           llm::ChatRequest &Req);

/// A structured answer as a step's result: its properties (a non-object
/// as `value`) and `output`, the answer's JSON text unless it has one.
ActionResult structuredResult(const orch::ir::Json &Answer);

/// A model's answer as step \p R's result: its \p Text as `output`, or
/// its \p Structured fields (structuredResult). A `generate` step with a
/// `schema` must answer an object (structured, or as JSON text) that
/// conforms to it; an answer that does not is a failure to retry.
ActionResult answerResult(const ActionRequest &R,
                          const std::optional<orch::ir::Json> &Structured,
                          const std::string &Text);

/// An `extract` step's result from the model's \p Answer (an object):
/// checked leniently against \p Schema (`validate`'s checker) as `data`,
/// `valid`, `errors`, `warnings`, and `model_used` \p Model.
ActionResult extractResult(orch::ir::Json Answer, const orch::ir::Json &Schema,
                           const std::string &Model);

/// An `extract` step's schema from its parameters (an object, or JSON
/// text of one), checked: it must describe an object and be usable.
llvm::Expected<orch::ir::Json> extractSchema(const orch::ir::Json &Params);

/// Runs model steps.
class LlmSteps {
 public:
  LlmSteps(Executor &Exec, llm::HttpTransport &Transport, llm::Clock &Clk, LlmSettings S);
  ~LlmSteps();

  /// Starts \p R; \p Done is called on the loop thread.
  std::unique_ptr<ActionTask> start(const ActionRequest &R, ActionDone Done);

 private:
  ActionResult run(const ActionRequest &R, const std::atomic<bool> *Cancel);
  /// One model's attempt (the client retries inside); \p Refused is set
  /// when the budget refused the call (none was made); \p Used, if given,
  /// gets the tokens the answer reported.
  ActionResult ask(const ActionRequest &R, const std::string &Model,
                   const std::atomic<bool> *Cancel, bool &Refused,
                   llm::Usage *Used = nullptr);
  /// `model.batch` (ModelBatch.cpp): each task routed over the run's
  /// registry (model.route's task mode), then asked of its model in turn.
  ActionResult runTaskBatch(const ActionRequest &R, const std::atomic<bool> *Cancel);
  /// The client for \p Model and, in \p Settings, its registry entry's.
  llvm::Expected<llm::Client *> clientFor(const std::string &Model,
                                          llm::ModelSettings &Settings);
  void worker();
  /// Queues \p Job for a worker thread.
  void enqueue(std::function<void()> Job);
  /// A model step waiting, in this loop turn, for the others of its fused
  /// request (fuse-models, docs/fusion.md).
  struct FusedMember {
    ActionRequest R;
    ActionDone Done;
    std::shared_ptr<std::atomic<bool>> Cancel;
  };
  /// The members of one fused request that are not cancelled: the request
  /// is cancelled (Cancel) once none is left.
  struct FusedCancel {
    std::atomic<unsigned> Left{0};
    std::atomic<bool> Cancel{false};
  };
  /// Takes the members of \p Key that started this turn and are not
  /// cancelled out of \p Members, and their cancel out of \p Cancels.
  template <typename K>
  static std::vector<FusedMember> takeTurn(
      std::map<K, std::vector<FusedMember>> &Members,
      std::map<K, std::shared_ptr<FusedCancel>> &Cancels, const K &Key,
      std::shared_ptr<FusedCancel> &G) {
    std::vector<FusedMember> Ms;
    for (FusedMember &M : Members[Key])
      if (!*M.Cancel) Ms.push_back(std::move(M));
    Members.erase(Key);
    G = std::move(Cancels[Key]);
    Cancels.erase(Key);
    return Ms;
  }
  /// Sends the members of fused request \p F that started this turn.
  void flush(int32_t F);
  /// One request for \p M, split into each member's result; parts missing
  /// or failing their schema are asked again alone.
  /// Member \p X's own request, outside its fused one: run() if it paid
  /// its admission and no request was made for it yet (\p Extra false),
  /// else an AskAgain result (with \p Note as its shared_request) so that
  /// the scheduler admits the extra request through its group.
  ActionResult alone(const FusedMember &X, bool Extra, std::string Note);
  /// \p Cancel stops the shared request (every member was cancelled).
  std::vector<ActionResult> runFused(const std::vector<FusedMember> &M,
                                     const std::atomic<bool> *Cancel);

  /// The model \p R asks first: a written one, else --model, else the
  /// compiler's choice.
  std::string firstModel(const ActionRequest &R) const;
  /// Batch mode: does \p R go in a batch (the scheduler marked it
  /// ActionRequest::Batched, and it has a model)?
  bool batched(const ActionRequest &R) const;
  /// Sends the steps of \p Model that started this turn as one batch.
  void flushBatch(const std::string &Model);
  /// One batch of \p M (all asking \p Model), each member's result;
  /// \p Cancel cancels the batch (every member was cancelled).
  std::vector<ActionResult> runBatch(const std::string &Model,
                                     const std::vector<FusedMember> &M,
                                     const std::atomic<bool> *Cancel);

  Executor &Exec;
  llm::HttpTransport &Transport;
  llm::Clock &Clk;
  LlmSettings S;
  std::mutex ClientsM;
  std::map<std::string, std::unique_ptr<llm::Client>> Clients;
  /// One a provider with `tokens_per_minute`: its clients share it.
  std::map<std::string, std::unique_ptr<llm::TokenLimiter>> Limiters;
  std::map<std::string, llm::ModelSettings> Settings;
  std::mutex QM;
  std::condition_variable QCV;
  std::deque<std::function<void()>> Queue;
  std::map<int32_t, std::vector<FusedMember>> Pending;            ///< Loop thread only.
  std::map<int32_t, std::shared_ptr<FusedCancel>> PendingCancel;  ///< Loop thread only.
  /// Batch mode: the steps waiting for this turn's batch, by model.
  std::map<std::string, std::vector<FusedMember>> PendingBatch;     ///< Loop thread only.
  std::map<std::string, std::shared_ptr<FusedCancel>> BatchCancel;  ///< Loop thread only.
  std::vector<std::thread> Workers;
  unsigned Idle = 0;
  bool Quit = false;
};

}  // namespace orch::runtime
