//===- HttpTask.h - An action waiting for one HTTP answer ------*- C++ -*-===//
#pragma once

#include <atomic>
#include <memory>

#include "runtime/actions/Action.h"
#include "runtime/llm/CurlTransport.h"

namespace orch::runtime {

/// A request sent on a CurlMulti for an action. cancel() abandons it and
/// clears Live, which the completion checks on the loop thread, so a
/// cancelled action never reports.
class HttpTask : public ActionTask {
 public:
  HttpTask(llm::CurlMulti &Multi, std::shared_ptr<std::atomic<bool>> Live)
      : Multi(Multi), Live(std::move(Live)) {}
  void cancel() override {
    *Live = false;
    Multi.cancel(Id);
  }
  uint64_t Id = 0;  ///< CurlMulti::send's id.

 private:
  llm::CurlMulti &Multi;
  std::shared_ptr<std::atomic<bool>> Live;
};

}  // namespace orch::runtime
