//===- Printer.cpp - The `--emit=ir` dump ---------------------------------===//
#include "ir/Printer.h"

namespace orch::ir {

namespace {
void printAuto(llvm::raw_ostream &OS, const AutoTag &T) {
  OS << "auto#" << T.Id;
  if (T.DeclaredType) OS << '<' << typeName(*T.DeclaredType) << '>';
  OS << '(';
  printScalar(OS, Scalar::string(T.Text));
  if (T.Min) {
    OS << ", min=";
    printNumber(OS, *T.Min);
  }
  if (T.Max) {
    OS << ", max=";
    printNumber(OS, *T.Max);
  }
  if (!T.Choices.empty()) {
    OS << ", choices=[";
    for (size_t I = 0; I < T.Choices.size(); ++I) {
      if (I) OS << ", ";
      printScalar(OS, Scalar::string(T.Choices[I]));
    }
    OS << ']';
  }
  OS << ')';
  if (T.Resolved) {
    static const char *Origins[] = {"unresolved", "lock", "cache", "model"};
    OS << " = ";
    printValue(OS, T.Resolved);
    OS << " from " << Origins[static_cast<int>(T.Origin)];
  }
}
}  // namespace

void printValue(llvm::raw_ostream &OS, const Value *V) {
  switch (V->kind()) {
    case Value::Kind::Scalar:
      printScalar(OS, llvm::cast<ScalarValue>(V)->scalar());
      return;
    case Value::Kind::Auto:
      printAuto(OS, *llvm::cast<AutoValue>(V)->tag());
      return;
    case Value::Kind::Template: {
      OS << "tmpl(";
      bool First = true;
      for (const Segment &S : llvm::cast<TemplateValue>(V)->segments()) {
        if (!First) OS << ", ";
        First = false;
        switch (S.K) {
          case Segment::Kind::Text:
            printScalar(OS, Scalar::string(S.Text));
            break;
          case Segment::Kind::Expr:
            OS << '(';
            printExpr(OS, S.E);
            OS << " : " << typeName(S.E->type()) << ')';
            break;
          case Segment::Kind::Auto:
            printAuto(OS, *S.Tag);
            break;
        }
      }
      OS << ')';
      return;
    }
    case Value::Kind::List: {
      OS << '[';
      bool First = true;
      for (const Value *I : llvm::cast<ListValue>(V)->items()) {
        if (!First) OS << ", ";
        First = false;
        printValue(OS, I);
      }
      OS << ']';
      return;
    }
    case Value::Kind::Map: {
      OS << '{';
      bool First = true;
      for (const MapEntry &E : llvm::cast<MapValue>(V)->entries()) {
        if (!First) OS << ", ";
        First = false;
        OS << E.Key << ": ";
        printValue(OS, E.V);
      }
      OS << '}';
      return;
    }
  }
}

namespace {
class PipelinePrinter {
 public:
  PipelinePrinter(llvm::raw_ostream &OS, const Pipeline &P, const PrintOptions &O)
      : OS(OS), P(P), Opts(O) {}

  void run() {
    OS << "pipeline @" << P.Name.Str;
    if (!P.Version.Str.empty()) OS << " version \"" << P.Version.Str << '"';
    OS << " {\n";
    if (!P.Title.Str.empty()) {
      OS << "  title ";
      printScalar(OS, Scalar::string(P.Title.Str));
      OS << '\n';
    }
    if (!P.Description.Str.empty()) {
      OS << "  description ";
      printScalar(OS, Scalar::string(P.Description.Str));
      OS << '\n';
    }
    const ExecContext &C = P.Context;
    if (C.Timeout || C.MaxRetries || !C.CheckpointStrategy.Str.empty() ||
        C.BatchExecution) {
      OS << "  context {";
      const char *Sep = " ";
      if (C.Timeout) {
        OS << Sep << "timeout = " << C.Timeout->Val;
        Sep = ", ";
      }
      if (C.MaxRetries) {
        OS << Sep << "max_retries = " << C.MaxRetries->Val;
        Sep = ", ";
      }
      if (!C.CheckpointStrategy.Str.empty()) {
        OS << Sep << "checkpoint_strategy = " << C.CheckpointStrategy.Str;
        Sep = ", ";
      }
      if (C.BatchExecution) OS << Sep << "execution = batch";
      OS << " }\n";
    }
    if (P.Metadata) {
      OS << "  metadata ";
      printValue(OS, P.Metadata);
      OS << '\n';
    }
    for (const Input &I : P.Inputs) input(I);
    for (const Step &S : P.Steps) step(S);
    for (const Output &O : P.Outputs) {
      OS << "  output " << O.Name.Str << " = ";
      printValue(OS, O.V);
      OS << '\n';
    }
    resources();
    OS << "}\n";
  }

 private:
  void loc(SourceLoc L) {
    if (!Opts.Locations || !L.isValid()) return;
    LineCol LC = P.file().lineCol(L);
    OS << " loc(" << LC.Line << ':' << LC.Col << ')';
  }

  void input(const Input &I) {
    OS << "  input $" << I.Name.Str << " : " << typeName(I.Ty);
    if (I.Bound) {
      OS << " = ";
      printValue(OS, I.Bound);
      OS << " bound";
    } else {
      OS << (I.Required ? " required" : " optional");
      if (I.Default) {
        OS << " default ";
        printValue(OS, I.Default);
      }
    }
    if (I.Implicit) OS << " implicit";
    loc(I.Implicit && !I.Uses.empty() ? I.Uses.front() : I.Name.Loc);
    OS << '\n';
  }

  /// What schedule and group-resources decided, after the steps.
  void resources() {
    if (!P.Scheduled && P.Groups.empty() && !P.MaxConcurrentTasks &&
        P.ModelFusions.empty())
      return;
    OS << "  resources {\n";
    if (P.MaxConcurrentTasks) OS << "    jobs " << P.MaxConcurrentTasks << '\n';
    for (const ResourceGroup &G : P.Groups) {
      OS << "    group @\"" << G.Name << "\"";
      if (G.MaxConcurrent || G.RequestsPerMinute || G.TokensPerMinute) {
        OS << " {";
        const char *Sep = " ";
        if (G.MaxConcurrent) {
          OS << Sep << "max_concurrent = " << G.MaxConcurrent;
          Sep = ", ";
        }
        if (G.RequestsPerMinute) {
          OS << Sep << "requests_per_minute = " << G.RequestsPerMinute;
          if (G.Burst) OS << ", burst = " << G.Burst;
          Sep = ", ";
        }
        if (G.TokensPerMinute) OS << Sep << "tokens_per_minute = " << G.TokensPerMinute;
        OS << " } from \"" << G.LimitsFrom << '"';
      }
      OS << '\n';
    }
    for (const ModelFusionGroup &G : P.ModelFusions) {
      OS << "    request \"" << G.Model << "\" level " << G.Level;
      for (size_t K = 0; K < G.Steps.size(); ++K)
        OS << (K ? ", %" : " %") << P.Steps[G.Steps[K]].Id.Str;
      OS << " { est_prompt_tokens = " << G.EstPromptTokens
         << ", saved = " << G.EstPromptTokensSaved
         << ", est_output_tokens = " << G.EstOutputTokens << " }\n";
    }
    for (const Step &S : P.Steps) {
      OS << "    %" << S.Id.Str;
      if (P.Scheduled)
        OS << " level " << S.Level << ", est_ms " << S.EstMs << ", path_ms " << S.PathMs;
      if (S.Group >= 0)
        OS << (P.Scheduled ? ", " : " ") << "@\"" << P.Groups[S.Group].Name << '"';
      OS << '\n';
    }
    OS << "  }\n";
  }

  void step(const Step &S) {
    OS << "  step %" << S.Id.Str << " = ";
    if (S.ActionAuto)
      printAuto(OS, *S.ActionAuto);
    else
      OS << S.Action.Str;
    loc(S.Id.Loc.isValid() ? S.Id.Loc : S.Loc);
    OS << " {\n";
    if (S.ToolMap && (!S.Tool.Str.empty() || S.ToolMap->Action != S.ToolMap->Target)) {
      // ContextLab's tool and action it was mapped from
      OS << "    from";
      if (!S.Tool.Str.empty()) OS << " tool " << S.Tool.Str;
      if (S.ToolMap->Action != "*") OS << " action " << S.ToolMap->Action;
      OS << '\n';
    }
    if (S.Params)
      for (const MapEntry &E : S.Params->entries()) {
        OS << "    " << E.Key << " : " << typeName(E.V->type()) << " = ";
        printValue(OS, E.V);
        OS << '\n';
      }
    if (S.ModelAuto) {
      OS << "    model ";
      printAuto(OS, *S.ModelAuto);
      OS << '\n';
    } else if (S.ModelValue) {
      OS << "    model ";
      printValue(OS, S.ModelValue);
      OS << " when it starts\n";
    } else if (!S.Model.Str.empty() && !S.ModelSelected) {
      OS << "    model " << S.Model.Str << '\n';
    }
    if (S.Condition) {
      OS << "    condition ";
      printValue(OS, S.Condition);
      OS << '\n';
    }
    if (S.ForEach) {
      OS << "    for_each ";
      printValue(OS, S.ForEach);
      if (S.MaxParallel) OS << " max_parallel " << S.MaxParallel->Val;
    } else if (S.LoopCond) {
      OS << (S.LoopUntil ? "    until " : "    while ");
      printValue(OS, S.LoopCond);
      if (S.MaxIterationsValue) {
        OS << " max_iterations ";
        printValue(OS, S.MaxIterationsValue);
      } else if (S.MaxIterations) {
        OS << " max_iterations " << S.MaxIterations->Val;
      }
      // A routing cycle (docs/control-flow.md §5): the step whose route
      // back repeats it.
      if (S.isCycle()) OS << " cycle %" << P.Steps[S.CycleTail].Id.Str;
    }
    if (S.isLoop()) {
      OS << "\n    body(";
      for (size_t I = 0; I < S.Body.size(); ++I)
        OS << (I ? ", %" : "%") << P.Steps[S.Body[I]].Id.Str;
      OS << ")\n";
    }
    if (S.Parent >= 0) OS << "    in %" << P.Steps[S.Parent].Id.Str << '\n';
    if (!S.Deps.empty() || S.DepsAuto) {
      OS << "    needs(";
      bool First = true;
      for (const DepEdge &D : S.Deps) {
        if (!First) OS << ", ";
        First = false;
        OS << '%' << P.Steps[D.Target].Id.Str;
        if (D.Inferred) OS << " inferred";
        if (D.Order) OS << " route-order";
      }
      if (S.DepsAuto) {
        if (!First) OS << ", ";
        printAuto(OS, *S.DepsAuto);
      }
      OS << ")\n";
    } else if (!S.DepNames.empty()) {
      // Before dependency resolution: the names as written.
      OS << "    needs(";
      for (size_t I = 0; I < S.DepNames.size(); ++I)
        OS << (I ? ", " : "") << '"' << S.DepNames[I].Str << '"';
      OS << ") unresolved\n";
    }
    for (const Route &R : S.Routes) {  // docs/language.md §6.4
      OS << "    route " << routeKindName(R.Kind);
      if (R.Kind == RouteKind::When) {
        OS << " when ";
        printValue(OS, R.When);
      } else if (R.Kind == RouteKind::Default) {
        OS << " default";
      }
      OS << " -> ";
      if (R.To >= 0)
        OS << '%' << P.Steps[R.To].Id.Str;
      else
        OS << '"' << R.Target.Str << "\" unresolved";
      if (R.Back) OS << " back";
      OS << '\n';
    }
    if (!S.Uses.empty()) {
      OS << "    uses(";
      for (size_t I = 0; I < S.Uses.size(); ++I) {
        OS << (I ? ", " : "") << '%' << P.Steps[S.Uses[I].Target].Id.Str;
        if (!S.Uses[I].Field.empty()) OS << '.' << S.Uses[I].Field;
      }
      OS << ")\n";
    }
    if (!S.OutputSchema.empty()) OS << "    answers " << S.OutputSchema << "\n";
    if (!S.ModelWhy.empty() && !S.ModelValue &&
        (S.ModelSelected || S.Model.Str.empty())) {
      OS << "    selected model ";
      if (!S.Model.Str.empty())
        printScalar(OS, Scalar::string(S.Model.Str));
      else
        OS << "from the run";
      for (llvm::StringRef F : S.FallbackModels) OS << ", then \"" << F << '"';
      OS << " (" << S.ModelWhy << ")\n";
    }

    if (S.MaxTokens) OS << "    max_tokens " << S.MaxTokens->Val << "\n";
    bool Policy = !S.OnFailureText.Str.empty() || S.Timeout || S.MaxRetries ||
                  S.TimeoutAuto || S.MaxRetriesAuto;
    if (Policy) {
      OS << "    policy {";
      const char *Sep = " ";
      if (!S.OnFailureText.Str.empty()) {
        OS << Sep << "on_failure = " << failurePolicyName(S.OnFailure);
        Sep = ", ";
      }
      if (S.Timeout && !S.TimeoutAuto) {
        OS << Sep << "timeout = " << S.Timeout->Val;
        Sep = ", ";
      }
      if (S.TimeoutAuto) {
        OS << Sep << "timeout = ";
        printAuto(OS, *S.TimeoutAuto);
        Sep = ", ";
      }
      if (S.MaxRetries && !S.MaxRetriesAuto)
        OS << Sep << "max_retries = " << S.MaxRetries->Val;
      if (S.MaxRetriesAuto) {
        OS << Sep << "max_retries = ";
        printAuto(OS, *S.MaxRetriesAuto);
      }
      OS << " }\n";
    }
    OS << "  }\n";
  }

  llvm::raw_ostream &OS;
  const Pipeline &P;
  const PrintOptions &Opts;
};
}  // namespace

void printPipeline(llvm::raw_ostream &OS, const Pipeline &P, const PrintOptions &Opts) {
  PipelinePrinter(OS, P, Opts).run();
}

}  // namespace orch::ir
