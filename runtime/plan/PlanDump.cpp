//===- PlanDump.cpp - `orchc dump`: a plan, readably ----------------------===//
#include <fmt/format.h>

#include "ir/plan/PlanFile.h"
#include "runtime/plan/PlanReader.h"

namespace orch::runtime {

namespace pf = orch::plan;

namespace {

const char *const TypeNames[] = {"any",   "null",   "bool", "int",
                                 "float", "string", "list", "map"};
const char *const BinOps[] = {"or", "and",    "==", "!=", "<", "<=", ">", ">=",
                              "in", "not in", "~",  "+",  "-", "*",  "/", "%"};
const char *const Policies[] = {"fail", "continue", "retry", "skip"};

class Dumper {
 public:
  Dumper(llvm::raw_ostream &OS, const pf::Plan &P) : OS(OS), P(P) {}

  void literal(pf::Type T, bool B, int64_t I, double F, const flatbuffers::String *S) {
    switch (T) {
      case pf::Type::Bool:
        OS << (B ? "true" : "false");
        return;
      case pf::Type::Int:
        OS << I;
        return;
      case pf::Type::Float:
        OS << fmt::format("{}", F);
        return;
      case pf::Type::String:
        OS << '"' << (S ? S->string_view() : std::string_view()) << '"';
        return;
      default:
        OS << "null";
        return;
    }
  }

  void expr(int32_t I) {
    const pf::ExprNode *E = P.exprs()->Get(static_cast<uint32_t>(I));
    std::string S = E->s() ? E->s()->str() : "";
    switch (E->kind()) {
      case pf::ExprKind::Literal:
        literal(E->lit_type(), E->b(), E->i(), E->f(), E->s());
        return;
      case pf::ExprKind::Name:
        OS << S;
        return;
      case pf::ExprKind::Attr:
        expr(E->a());
        OS << '.' << S;
        return;
      case pf::ExprKind::Index:
        expr(E->a());
        OS << '[';
        expr(E->c());
        OS << ']';
        return;
      case pf::ExprKind::Filter: {
        if (E->op() == 4) {  // a global function: `range(n)`
          OS << S << '(';
          for (uint32_t K = 0; E->args() && K < E->args()->size(); ++K) {
            if (K) OS << ", ";
            expr(E->args()->Get(K));
          }
          OS << ')';
          return;
        }
        OS << '(';
        expr(E->a());
        OS << (E->op() == 0   ? " | "
               : E->op() == 1 ? " is "
               : E->op() == 2 ? " is not "
                              : ".")
           << S;
        // A method call always has its parentheses.
        bool Parens = E->op() == 3 || (E->args() && E->args()->size());
        if (Parens) OS << '(';
        if (E->args() && E->args()->size()) {
          for (uint32_t K = 0; K < E->args()->size(); ++K) {
            if (K) OS << ", ";
            if (E->names() && E->names()->Get(K)->size())
              OS << E->names()->Get(K)->string_view() << '=';
            expr(E->args()->Get(K));
          }
        }
        if (Parens) OS << ')';
        OS << ')';
        return;
      }
      case pf::ExprKind::Compound:
        compound(E);
        return;
      case pf::ExprKind::Unary:
        OS << (E->op() == 0 ? "not " : E->op() == 1 ? "-" : "+");
        expr(E->a());
        return;
      case pf::ExprKind::Binary:
        OS << '(';
        expr(E->a());
        OS << ' ' << BinOps[E->op()] << ' ';
        expr(E->c());
        OS << ')';
        return;
      case pf::ExprKind::List:
        OS << '[';
        if (E->args())
          for (uint32_t K = 0; K < E->args()->size(); ++K) {
            if (K) OS << ", ";
            expr(E->args()->Get(K));
          }
        OS << ']';
        return;
    }
  }

  /// `(a if c else b)`, `x[lo:hi:step]`, `{k: v}`, `(a, b)`.
  void compound(const pf::ExprNode *E) {
    uint32_t N = E->args() ? E->args()->size() : 0;
    auto Part = [&](uint32_t K) {
      if (K < N && E->args()->Get(K) >= 0) expr(E->args()->Get(K));
    };
    switch (E->op()) {
      case 0:  // Cond
        OS << '(';
        Part(0);
        OS << " if ";
        Part(1);
        if (N > 2 && E->args()->Get(2) >= 0) {
          OS << " else ";
          Part(2);
        }
        OS << ')';
        return;
      case 1:  // Slice
        Part(0);
        OS << '[';
        Part(1);
        OS << ':';
        Part(2);
        if (N > 3 && E->args()->Get(3) >= 0) {
          OS << ':';
          Part(3);
        }
        OS << ']';
        return;
      case 2:  // Dict
        OS << '{';
        for (uint32_t K = 0; K + 1 < N; K += 2) {
          if (K) OS << ", ";
          Part(K);
          OS << ": ";
          Part(K + 1);
        }
        OS << '}';
        return;
      case 4:  // Block
      case 5:  // For
      case 6:  // Let (set)
        OS << (E->op() == 4 ? "block(" : E->op() == 5 ? "for(" : "set(");
        for (uint32_t K = 0; K < N; ++K) {
          if (K) OS << ", ";
          if (E->args()->Get(K) >= 0)
            Part(K);
          else
            OS << '_';
        }
        OS << ')';
        return;
      default:  // Tuple
        OS << '(';
        for (uint32_t K = 0; K < N; ++K) {
          if (K) OS << ", ";
          Part(K);
        }
        OS << (N == 1 ? ",)" : ")");
        return;
    }
  }

  void value(const pf::Value *V) {
    if (!V) {
      OS << "null";
      return;
    }
    switch (V->kind()) {
      case pf::ValueKind::Scalar:
        literal(V->lit_type(), V->b(), V->i(), V->f(), V->s());
        return;
      case pf::ValueKind::Template:
        OS << "tmpl(";
        if (V->segments())
          for (uint32_t K = 0; K < V->segments()->size(); ++K) {
            const pf::Segment *S = V->segments()->Get(K);
            if (K) OS << ", ";
            if (S->kind() == pf::SegmentKind::Text)
              OS << '"' << (S->text() ? S->text()->string_view() : std::string_view())
                 << '"';
            else if (S->kind() == pf::SegmentKind::Expr)
              expr(S->expr());
            else
              OS << "auto#" << S->auto_();
          }
        OS << ')';
        return;
      case pf::ValueKind::List:
        OS << '[';
        if (V->items())
          for (uint32_t K = 0; K < V->items()->size(); ++K) {
            if (K) OS << ", ";
            value(V->items()->Get(K));
          }
        OS << ']';
        return;
      case pf::ValueKind::Map:
        OS << '{';
        if (V->items())
          for (uint32_t K = 0; K < V->items()->size(); ++K) {
            if (K) OS << ", ";
            OS << V->keys()->Get(K)->string_view() << ": ";
            value(V->items()->Get(K));
          }
        OS << '}';
        return;
    }
  }

  void run(const std::string &Hash) {
    OS << "plan @" << (P.name() ? P.name()->string_view() : "") << " version \""
       << (P.version() ? P.version()->string_view() : "") << "\"\n";
    OS << "  format " << plan::FormatVersion << ", compiled by orchc "
       << (P.compiler_version() ? P.compiler_version()->string_view() : "") << " from "
       << (P.source_name() ? P.source_name()->string_view() : "") << '\n';
    OS << "  sha256 " << Hash << '\n';
    if (P.inputs())
      for (const pf::Input *In : *P.inputs()) {
        OS << "  input $" << In->name()->string_view() << " : "
           << TypeNames[static_cast<int>(In->type())];
        if (In->bound()) {
          OS << " = ";
          value(In->bound());
          OS << " bound";
        } else {
          OS << (In->required() ? " required" : " optional");
          if (In->default_value()) {
            OS << " default ";
            value(In->default_value());
          }
        }
        OS << '\n';
      }
    if (P.max_concurrent_tasks()) OS << "  jobs " << P.max_concurrent_tasks() << '\n';
    if (P.groups())
      for (const pf::Group *G : *P.groups()) {
        OS << "  group \"" << G->name()->string_view() << '"';
        if (G->max_concurrent()) OS << " max_concurrent = " << G->max_concurrent();
        if (G->requests_per_minute())
          OS << " requests_per_minute = " << G->requests_per_minute()
             << " burst = " << G->burst();
        if (G->tokens_per_minute())
          OS << " tokens_per_minute = " << G->tokens_per_minute();
        if (G->limits_from() && G->limits_from()->size())
          OS << " from \"" << G->limits_from()->string_view() << '"';
        OS << '\n';
      }
    if (P.batch_execution()) OS << "  execution batch\n";
    if (P.model_fusions())
      for (const pf::ModelFusion *F : *P.model_fusions()) {
        OS << "  request \"" << (F->model() ? F->model()->string_view() : "") << '"';
        for (uint32_t K = 0; K < F->steps()->size(); ++K)
          OS << (K ? ", %" : " %")
             << P.steps()->Get(F->steps()->Get(K))->id()->string_view();
        OS << " est_prompt_tokens = " << F->est_prompt_tokens()
           << " saved = " << F->est_prompt_tokens_saved() << '\n';
      }
    if (P.mcp_servers())
      for (const pf::McpServer *M : *P.mcp_servers()) {
        OS << "  mcp_server \"" << M->name()->string_view() << "\" ";
        if (M->command()) {
          OS << "command \"" << M->command()->string_view() << '"';
          if (M->args())
            for (const auto *A : *M->args()) OS << " \"" << A->string_view() << '"';
        } else {
          OS << "url \"" << M->url()->string_view() << '"';
        }
        auto pairs = [&](const char *What, const auto *Keys, const auto *Vals) {
          if (Keys)
            for (uint32_t I = 0; I < Keys->size(); ++I)
              OS << ' ' << What << ' ' << Keys->Get(I)->string_view() << "=\""
                 << Vals->Get(I)->string_view() << '"';
        };
        pairs("env", M->env_keys(), M->env_values());
        pairs("header", M->header_keys(), M->header_values());
        OS << '\n';
      }
    if (P.steps())
      for (const pf::Step *S : *P.steps()) {
        OS << "  step %" << S->id()->string_view() << " = " << S->action()->string_view()
           << " {\n";
        if (S->params())
          for (uint32_t K = 0; K < S->params()->size(); ++K) {
            OS << "    " << S->params_keys()->Get(K)->string_view() << " = ";
            value(S->params()->Get(K));
            OS << '\n';
          }
        if (S->for_each()) {  // loops (format 5)
          OS << "    for_each ";
          value(S->for_each());
          if (S->max_parallel()) OS << " max_parallel " << S->max_parallel();
          OS << '\n';
        }
        if (S->loop_cond()) {  // while/until loops
          OS << (S->loop_until() ? "    until " : "    while ");
          value(S->loop_cond());
          OS << " max_iterations ";
          if (S->max_iterations_value())
            value(S->max_iterations_value());
          else
            OS << S->max_iterations();
          if (S->cycle_tail() >= 0)  // a routing cycle (format 10)
            OS << " cycle %"
               << P.steps()
                      ->Get(static_cast<uint32_t>(S->cycle_tail()))
                      ->id()
                      ->string_view();
          OS << '\n';
        }
        if (S->parent() >= 0)
          OS << "    in %" << P.steps()->Get(S->parent())->id()->string_view() << '\n';
        auto Ids = [&](const char *Label, const flatbuffers::Vector<uint32_t> *V) {
          if (!V || !V->size()) return;
          OS << "    " << Label << '(';
          for (uint32_t K = 0; K < V->size(); ++K)
            OS << (K ? ", %" : "%") << P.steps()->Get(V->Get(K))->id()->string_view();
          OS << ")\n";
        };
        Ids("needs", S->deps());
        // --- routing (format 7) ---
        Ids("after-route", S->order_deps());
        if (S->routes())
          for (const pf::Route *R : *S->routes()) {
            static const char *const Kinds[] = {"on_success", "on_failure", "on_false",
                                                "next when", "next default"};
            OS << "    route " << Kinds[static_cast<int>(R->kind()) % 5];
            if (R->when()) {
              OS << ' ';
              value(R->when());
            }
            OS << " -> %" << P.steps()->Get(R->target())->id()->string_view();
            // A routing cycle's route back: into its own loop's body.
            if (S->parent() >= 0 && P.steps()->Get(R->target())->parent() == S->parent())
              OS << " back";
            OS << '\n';
          }
        if (S->route_target()) OS << "    route target\n";
        // --- end routing ---
        if (S->output_schema())
          OS << "    answers " << S->output_schema()->string_view() << '\n';
        if (S->model() && S->model()->size()) {
          OS << "    model \"" << S->model()->string_view() << '"';
          if (S->fallback_models())
            for (const auto *F : *S->fallback_models())
              OS << ", then \"" << F->string_view() << '"';
          if (S->model_selected()) OS << " selected";
          if (S->ucb_exploration() > 0)
            OS << fmt::format(", ranked by ucb (exploration {})", S->ucb_exploration());
          if (S->model_why()) OS << " (" << S->model_why()->string_view() << ')';
          OS << '\n';
        }
        if (S->model_value()) {  // format 11
          OS << "    model ";
          value(S->model_value());
          OS << " when it starts\n";
        }
        OS << "    schedule { level = " << S->level() << ", est_ms = " << S->est_ms()
           << ", path_ms = " << S->path_ms();
        if (S->group() >= 0)
          OS << ", group = \"" << P.groups()->Get(S->group())->name()->string_view()
             << '"';
        OS << " }\n";
        OS << "    policy { on_failure = " << Policies[static_cast<int>(S->on_failure())];
        if (S->timeout_ms()) OS << ", timeout_ms = " << S->timeout_ms();
        if (S->max_retries() >= 0) OS << ", max_retries = " << S->max_retries();
        if (S->max_tokens()) OS << ", max_tokens = " << S->max_tokens();
        if (S->budget_max_cost_usd() > 0)
          OS << ", budget_max_cost_usd = " << fmt::format("{}", S->budget_max_cost_usd());
        if (S->budget_max_tokens())
          OS << ", budget_max_tokens = " << S->budget_max_tokens();
        OS << " }\n  }\n";
      }
    if (P.auto_tags())
      for (uint32_t K = 0; K < P.auto_tags()->size(); ++K) {
        const pf::AutoTag *T = P.auto_tags()->Get(K);
        OS << "  auto#" << K << ' ' << (T->path() ? T->path()->string_view() : "")
           << " = ";
        value(T->value());
        OS << " by " << (T->model() ? T->model()->string_view() : "") << '\n';
      }
    if (P.outputs())
      for (const pf::Output *O : *P.outputs()) {
        OS << "  output " << O->name()->string_view() << " = ";
        value(O->value());
        OS << '\n';
      }
  }

 private:
  llvm::raw_ostream &OS;
  const pf::Plan &P;
};

}  // namespace

void dumpPlan(llvm::raw_ostream &OS, const LoadedPlan &P) {
  Dumper(OS, P.plan()).run(P.contentHash());
}

}  // namespace orch::runtime
