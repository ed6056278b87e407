//===- RunVariablesTest.cpp - `execution` and `output_path` in templates --===//
#include <gtest/gtest.h>

#include "frontend/ExprParser.h"
#include "ir/Eval.h"
#include "runtime/exec/Scheduler.h"

using json = orch::ir::Json;
using namespace orch;

namespace {

TEST(RunVariablesTest, ExecutionFieldsFromTheStartTime) {
  // 2026-11-30T19:04:10Z.
  auto At = std::chrono::system_clock::time_point(std::chrono::seconds(1796065450));
  json E = runtime::executionVariable(At, "");
  EXPECT_EQ(E["timestamp"], "2026-11-30T19:04:10Z");
  EXPECT_EQ(E["date"], "2026-11-30");
  EXPECT_EQ(E["run_id"], "local-20261130T190410");
  EXPECT_EQ(runtime::executionVariable(At, "r-42")["run_id"], "r-42");
}

/// A scope with run-time variables, as the scheduler gives them.
class RunScope : public ir::EvalScope {
 public:
  json Execution = {{"timestamp", "2026-11-30T19:04:10Z"}, {"run_id", "r-1"}},
       Out = "/runs/a";
  const json *input(llvm::StringRef) const override { return nullptr; }
  const json *step(llvm::StringRef) const override { return nullptr; }
  const json *runVariable(llvm::StringRef N) const override {
    return N == "execution"     ? &Execution
           : N == "output_path" ? &Out
           : N == "timestamp"   ? &Execution.at("timestamp")
                                : nullptr;
  }
};

std::string render(const std::string &Text, const ir::EvalScope &S) {
  ir::Arena A;
  SourceFile F{"t", ""};
  DiagnosticEngine D{&F};
  ir::Expr *E = frontend::parseExpression(Text, SourceLoc(), SourceLoc(), A, D);
  if (!E) return "parse error";
  llvm::Expected<json> V = ir::evaluate(E, S);
  if (!V) return "error: " + llvm::toString(V.takeError());
  return V->is_string() ? V->get<std::string>() : V->dump();
}

TEST(RunVariablesTest, ReadByTemplatesOnlyWhenRunning) {
  RunScope Run;
  EXPECT_EQ(render("execution.run_id ~ '@' ~ output_path", Run), "r-1@/runs/a");
  EXPECT_EQ(render("execution.timestamp | date('%H:%M')", Run), "19:04");
  EXPECT_EQ(render("timestamp ~ ' ' ~ timestamp[:10]", Run),
            "2026-11-30T19:04:10Z 2026-11-30");
  struct NoRun : ir::EvalScope {
    const json *input(llvm::StringRef) const override { return nullptr; }
    const json *step(llvm::StringRef) const override { return nullptr; }
  } Compile;
  EXPECT_EQ(
      render("output_path", Compile),
      "error: in `output_path`: `output_path` (known only when the pipeline runs) is "
      "undefined");
}

}  // namespace
