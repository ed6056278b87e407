//===- LoweringRoutes.cpp - on_success, on_false, on_failure, next -------===//
//
// A step's routes (docs/language.md §6.4): `on_success: T` (or ContextLab's
// step key `goto: T`, taken when the step completed), `on_false: T`,
// `on_failure: {goto: T}` (a plain `on_failure: T` that is not a policy is
// told apart by resolve-routes, which knows every step id) and `next:`, a
// list of `{when: C, goto: T}` ending with an optional default `{goto: T}`.
// Targets are resolved by the resolve-routes pass.
//
//===----------------------------------------------------------------------===//
#include <fmt/format.h>

#include "frontend/Lowerer.h"

namespace orch::frontend::lowering {

namespace {
const llvm::StringRef NextKeys[] = {"when", "goto"};
const llvm::StringRef GotoKeys[] = {"goto"};
}  // namespace

bool isRouteKey(llvm::StringRef K) {
  return K == "on_success" || K == "goto" || K == "on_false" || K == "next";
}

std::optional<ir::LocString> Lowerer::routeTarget(const Node *V, llvm::StringRef What) {
  if (const auto *M = llvm::dyn_cast<MapNode>(V)) {
    checkKeys(M, GotoKeys, What);
    const KeyValue *G = M->find("goto");
    if (!G) {
      Diags.report(DiagKind::MissingKey, M->loc(), 1, "goto", What.str());
      return std::nullopt;
    }
    return getString(G->Value, "a route target");
  }
  return getString(V, "a route target");
}

void Lowerer::lowerRoutes(const MapNode *M, ir::Step &S, const std::string &Prefix) {
  // The first of the keys that choose where a completed step goes
  // (`on_success`, `goto`, `next`): each later one is DuplicateAlias
  // (ContextLab takes `on_success` and ignores `goto` when both are given:
  // here that is an error, never a route dropped).
  const KeyValue *Completion = nullptr;
  for (const KeyValue &KV : M->entries()) {
    llvm::StringRef K = KV.Key->value();
    bool GotoMap = K == "on_failure" && llvm::isa<MapNode>(KV.Value);
    if (!isRouteKey(K) && !GotoMap) continue;
    if (K == "on_success" || K == "goto" || K == "next") {
      if (Completion)
        Diags.report(DiagKind::DuplicateAlias, KV.Key->loc(), KV.Key->length(),
                     Completion->Key->value().str(), K.str());
      else
        Completion = &KV;
    }
    if (K != "next") {
      ir::RouteKind Kind = K == "on_success" || K == "goto" ? ir::RouteKind::Success
                           : K == "on_false"                ? ir::RouteKind::False
                                                            : ir::RouteKind::Failure;
      if (auto T = routeTarget(KV.Value, fmt::format("`{}`", K.str()))) {
        S.Routes.push_back({Kind, *T, nullptr, -1, K == "goto"});
        if (GotoMap) S.OnFailure = ir::FailurePolicy::Continue;  // the route handles it
      }
      continue;
    }
    const auto *Seq = llvm::dyn_cast<ast::SeqNode>(KV.Value);
    if (!Seq) {
      Diags.report(DiagKind::TypeMismatch, KV.Value->loc(), KV.Value->length(), "`next`",
                   "a list of `{when: ..., goto: STEP}` entries",
                   KV.Value->describe().str());
      continue;
    }
    bool SawDefault = false;
    for (const Node *E : Seq->items()) {
      const MapNode *EM = expectMap(E, "a `next` entry");
      if (!EM) continue;
      checkKeys(EM, NextKeys, "a `next` entry");
      const KeyValue *G = EM->find("goto");
      if (!G) {
        Diags.report(DiagKind::MissingKey, EM->loc(), 1, "goto", "a `next` entry");
        continue;
      }
      auto T = getString(G->Value, "a route target");
      if (!T) continue;
      if (SawDefault) {
        Diags.report(DiagKind::TypeMismatch, EM->loc(), EM->length(), "a `next` list",
                     "entries with `when` first and the default (no `when`) last",
                     "an entry after the default");
        continue;
      }
      ir::Route R{ir::RouteKind::Default, *T, nullptr, -1, false};
      if (const KeyValue *W = EM->find("when")) {
        R.Kind = ir::RouteKind::When;
        R.When = lowerCondition(W->Value, Prefix + ".next.when");
        if (!R.When) continue;
      } else {
        SawDefault = true;
      }
      S.Routes.push_back(R);
    }
  }
}

}  // namespace orch::frontend::lowering
