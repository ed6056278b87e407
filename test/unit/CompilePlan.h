//===- CompilePlan.h - YAML to a loaded plan, in-process -------*- C++ -*-===//
//
// Scheduler tests compile their plans with the real front end, passes and
// plan writer, then read the plan back as orchrt does.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "backends/plan/PlanWriter.h"
#include "frontend/Frontend.h"
#include "passes/ModelCatalog.h"
#include "passes/Pass.h"
#include "runtime/plan/PlanProgram.h"
#include "runtime/plan/PlanReader.h"

namespace orch::testing {

/// A plan as orchrt loads it; Plan is null when compiling failed.
struct Compiled {
  std::unique_ptr<runtime::LoadedPlan> Plan;
  std::unique_ptr<runtime::PlanProgram> Prog;
  std::string Errors;  ///< The diagnostics, when compiling failed.
};

/// Compiles \p Yaml with \p Config as `config.yaml`; a failure is a test
/// failure, with the diagnostics.
inline Compiled compile(const std::string &Yaml,
                        const passes::RunConfig *Config = nullptr) {
  Compiled C;
  auto F = std::make_shared<SourceFile>("t.yaml", Yaml);
  DiagnosticEngine D(F.get());
  std::string Msgs;
  llvm::raw_string_ostream OS(Msgs);
  auto Fail = [&](const char *Stage) {
    D.flush(OS, false);
    C.Errors = std::string(Stage) + ": " + Msgs;
    ADD_FAILURE() << C.Errors << "\n" << Yaml;
    return std::move(C);
  };
  auto Doc = frontend::parseDocument(F, D);
  if (!Doc) return Fail("parse");
  auto P = frontend::lowerDocument(*Doc, D);
  if (!P) return Fail("lower");
  passes::PassContext Ctx{D, {}, nullptr, nullptr, Config, "", 0};
  if (!passes::runPasses(*P, Ctx)) return Fail("passes");
  llvm::Expected<std::string> Bytes = backends::writePlan(*P, "test");
  if (!Bytes) {
    llvm::consumeError(Bytes.takeError());
    return Fail("writePlan");
  }
  llvm::Expected<runtime::LoadedPlan> L = runtime::readPlan(*Bytes);
  if (!L) {
    llvm::consumeError(L.takeError());
    return Fail("readPlan");
  }
  C.Plan = std::make_unique<runtime::LoadedPlan>(std::move(*L));
  C.Prog = std::make_unique<runtime::PlanProgram>(*C.Plan);
  return C;
}

}  // namespace orch::testing
