//===- FakeRunner.h - Actions on virtual time, for scheduler tests -*- C++ -*-===//
#pragma once

#include <map>
#include <string>
#include <vector>

#include "FakeExecutor.h"
#include "runtime/actions/Action.h"

namespace orch::testing {

using json = orch::ir::Json;

/// `work`: ms (virtual), fail (failed attempts before success), message,
/// ask_again (its first start ends with ActionResult::AskAgain, as a
/// fused request's member whose part was missing).
class FakeRunner : public runtime::ActionRunner {
 public:
  explicit FakeRunner(FakeExecutor &E) : E(E) {}

  struct Task : runtime::ActionTask {
    FakeRunner *R;
    runtime::Executor::TimerId Id = 0;
    void cancel() override {
      R->E.cancelTimer(Id);
      --R->Running;
      ++R->Cancelled;
    }
  };

  std::unique_ptr<runtime::ActionTask> start(const runtime::ActionRequest &Req,
                                             runtime::ActionDone Done) override {
    Starts.push_back(Req.StepId);
    StartTimes[Req.StepId].push_back(E.elapsed().count());
    if (Req.Action == "fields") {  // its `fields` parameter is its result
      Done(runtime::ActionResult::success(Req.Params.value("fields", json::object())));
      return nullptr;
    }
    if (Req.Action == "instant") {  // finishes inside start(), like echo
      Done(runtime::ActionResult::success(
          json{{"output", Req.Params.value("message", "")}}));
      return nullptr;
    }
    int64_t Ms = Req.Params.value("ms", 0);
    int Fail = Req.Params.value("fail", 0);
    json Msg = Req.Params.value("message", json("done"));
    bool AskAgain =
        Req.Params.value("ask_again", false) && StartTimes[Req.StepId].size() == 1;
    ++Running;
    MaxRunning = std::max(MaxRunning, Running);
    auto T = std::make_unique<Task>();
    T->R = this;
    unsigned Attempt = Req.Attempt;
    T->Id = E.addTimer(E.now() + std::chrono::milliseconds(Ms),
                       [this, Done, Fail, Attempt, Msg, AskAgain] {
                         --Running;
                         if (AskAgain) {
                           runtime::ActionResult A;
                           A.AskAgain = true;
                           A.SharedRequest = "a,b (asked again alone: missing)";
                           Done(std::move(A));
                         } else if (static_cast<int>(Attempt) <= Fail)
                           Done(runtime::ActionResult::failure("flaky"));
                         else
                           Done(runtime::ActionResult::success(json{{"output", Msg}}));
                       });
    return T;
  }

  FakeExecutor &E;
  int Running = 0, MaxRunning = 0, Cancelled = 0;
  std::vector<std::string> Starts;
  std::map<std::string, std::vector<int64_t>> StartTimes;
};

}  // namespace orch::testing
