//===- Inspect.cpp --------------------------------------------------------===//
#include "runtime/observe/Inspect.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "ir/Eval.h"
#include "ir/Json.h"
#include "ir/JsonLimits.h"
#include "runtime/exec/Progress.h"

namespace orch::observe {

using json = orch::ir::Json;

namespace {

// Everything printed comes from the log, and the log holds untrusted text
// (model answers, command output): it goes through runtime::terminalSafe,
// line by line, so no escape sequence reaches the terminal.

/// The text of \p K in \p J, as it is (for block()).
std::string raw(const json &J, const char *K) {
  auto It = J.find(K);
  if (It == J.end()) return "";
  return It->is_string() ? It->get<std::string>() : ir::toJsonText(*It);
}

/// The text of \p K in \p J, safe for one line of a terminal.
std::string str(const json &J, const char *K) { return runtime::terminalSafe(raw(J, K)); }

double num(const json &J, const char *K) {
  auto It = J.find(K);
  return It != J.end() && It->is_number() ? It->get<double>() : 0;
}

/// \p K in \p J as a count: negative, NaN and missing are 0, too large
/// is the largest count (never an out-of-range conversion).
uint64_t count(const json &J, const char *K) {
  auto It = J.find(K);
  if (It == J.end() || !It->is_number()) return 0;
  if (It->is_number_unsigned()) return It->get<uint64_t>();
  if (It->is_number_integer()) return std::max<int64_t>(It->get<int64_t>(), 0);
  double D = It->get<double>();
  if (!(D > 0)) return 0;
  if (D >= 18446744073709551615.0) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(D);
}

/// Prints \p Text under \p Label, each line indented.
void block(llvm::raw_ostream &OS, llvm::StringRef Label, llvm::StringRef Text,
           unsigned Indent) {
  std::string Pad(Indent, ' ');
  OS << Pad << runtime::terminalSafe(Label) << ":\n";
  llvm::SmallVector<llvm::StringRef, 8> Lines;
  Text.split(Lines, '\n');
  for (llvm::StringRef L : Lines) OS << Pad << "  " << runtime::terminalSafe(L) << '\n';
}

std::string money(double Usd) { return fmt::format("${:.6f}", Usd); }

std::string tokens(const json &E) {
  return fmt::format("{} in + {} out tokens", count(E, "input_tokens"),
                     count(E, "output_tokens"));
}

/// The messages, schema and model of an OpenAI or Anthropic request body.
void printRequest(llvm::raw_ostream &OS, const json &Req) {
  if (!Req.is_object()) return block(OS, "request", ir::toJsonText(Req), 6);
  if (auto S = Req.find("system"); S != Req.end() && S->is_string())
    block(OS, "system", S->get<std::string>(), 6);  // block() makes it safe
  if (auto M = Req.find("messages"); M != Req.end() && M->is_array())
    for (const json &Msg : *M)
      if (Msg.is_object()) block(OS, raw(Msg, "role"), raw(Msg, "content"), 6);
  const json *Schema = nullptr;
  if (auto RF = Req.find("response_format"); RF != Req.end() && RF->is_object())
    if (auto JS = RF->find("json_schema"); JS != RF->end() && JS->contains("schema"))
      Schema = &(*JS)["schema"];
  if (auto T = Req.find("tools"); T != Req.end() && T->is_array() && !T->empty() &&
                                  (*T)[0].is_object() && (*T)[0].contains("input_schema"))
    Schema = &(*T)[0]["input_schema"];
  if (Schema) block(OS, "schema", ir::toJsonText(*Schema), 6);
}

struct StepRow {
  std::string Status = "started";
  unsigned Attempts = 0;
  double Ms = 0, Cost = 0;
  uint64_t Tokens = 0;
};

}  // namespace

llvm::Error forEachEvent(llvm::StringRef Log, llvm::function_ref<void(json &&)> Each,
                         unsigned &Truncated) {
  unsigned LineNo = 0;
  Truncated = 0;
  while (!Log.empty()) {
    auto [Line, Rest] = Log.split('\n');
    bool Unterminated = Line.size() == Log.size();
    Log = Rest;
    ++LineNo;
    if (Line.trim().empty()) continue;
    std::string Deep;
    json E = ir::parseJsonBounded(Line, &Deep);
    if (!E.is_object() || !E.contains("event")) {
      // A killed run can leave its last line cut short: the rest is read.
      if (Unterminated) {
        Truncated = LineNo;
        return llvm::Error::success();
      }
      return llvm::createStringError(
          fmt::format("line {} is not an event (a JSON object with `event`)", LineNo));
    }
    Each(std::move(E));
  }
  return llvm::Error::success();
}

llvm::Error inspectEvents(llvm::StringRef Log, llvm::StringRef Step,
                          llvm::raw_ostream &OS) {
  std::vector<json> Events;
  unsigned Truncated = 0;
  if (llvm::Error E = forEachEvent(
          Log, [&](json &&Ev) { Events.push_back(std::move(Ev)); }, Truncated))
    return E;
  if (Truncated)
    OS << fmt::format("note: line {} is cut short (the run was killed?); skipped\n",
                      Truncated);
  if (Step.empty()) {
    std::vector<std::string> Order;
    std::map<std::string, StepRow> Rows;
    for (const json &E : Events) {
      std::string Ev = str(E, "event"), Id = str(E, "step");
      if (Ev == "run_start")
        OS << fmt::format("run {} of `{}`: {} steps\n", str(E, "run_id"), str(E, "plan"),
                          count(E, "steps"));
      if (Ev == "events_dropped" && E.value("unwritten", false))
        OS << fmt::format(
            "note: {} events could not be written to the run's record (a state "
            "store error); the record is incomplete\n",
            count(E, "dropped"));
      else if (Ev == "events_dropped")  // the run's record keeps a bounded prefix
        OS << fmt::format(
            "note: the run's record kept its first {} bytes of events; {} later "
            "events were not kept\n",
            count(E, "limit_bytes"), count(E, "dropped"));
      if (Id.empty()) continue;
      if (!Rows.count(Id)) Order.push_back(Id);
      StepRow &R = Rows[Id];
      if (Ev == "attempt_start")
        R.Attempts = unsigned(std::min<uint64_t>(count(E, "attempt"), UINT32_MAX));
      if (Ev == "attempt_end") {
        R.Status = str(E, "status");
        R.Ms += num(E, "duration_ms");
      }
      if (Ev == "model_call") {
        R.Cost += num(E, "cost_usd");
        R.Tokens += count(E, "input_tokens") + count(E, "output_tokens");
      }
    }
    for (const std::string &Id : Order) {
      const StepRow &R = Rows[Id];
      OS << fmt::format("  {:<24} {:<9} {} attempt{} {:>10.1f} ms {:>8} tokens {}\n", Id,
                        R.Status, R.Attempts, R.Attempts == 1 ? " " : "s", R.Ms, R.Tokens,
                        money(R.Cost));
    }
    for (const json &E : Events)
      if (str(E, "event") == "run_end")
        OS << fmt::format("run {}: {}, {}, {} model calls, {:.1f} ms\n", str(E, "status"),
                          tokens(E), money(num(E, "cost_usd")), count(E, "calls"),
                          num(E, "t_ms"));
    return llvm::Error::success();
  }
  bool Seen = false;
  for (const json &E : Events) {
    if (str(E, "step") != Step) continue;
    Seen = true;
    std::string Ev = str(E, "event");
    if (Ev == "attempt_start") {
      OS << fmt::format("attempt {} of `{}` ({}{}) at {:.1f} ms\n", count(E, "attempt"),
                        runtime::terminalSafe(Step), str(E, "action"),
                        E.contains("model") ? ", model " + str(E, "model") : "",
                        num(E, "t_ms"));
      OS << "  inputs hash " << str(E, "input_hash") << '\n';
      if (auto P = E.find("parameters"); P != E.end() && P->is_object())
        for (auto &[K, V] : P->items())
          block(OS, "parameter " + K,
                V.is_string() ? V.get<std::string>() : ir::toJsonText(V), 2);
    } else if (Ev == "attempt_ask_again") {
      // fuse-models: the attempt goes on with a request of its own.
      OS << fmt::format("  asked again alone at {:.1f} ms\n", num(E, "t_ms"));
      if (E.contains("why")) block(OS, "why", raw(E, "why"), 4);
    } else if (Ev == "model_call") {
      OS << fmt::format("  model call to `{}` ({}): {} request{}, {:.0f} ms, {}, {}\n",
                        str(E, "model"), str(E, "provider"), count(E, "attempts"),
                        num(E, "attempts") == 1 ? "" : "s", num(E, "latency_ms"),
                        tokens(E), money(num(E, "cost_usd")));
      if (auto R = E.find("request"); R != E.end()) printRequest(OS, *R);
      if (E.contains("answer")) block(OS, "answer", raw(E, "answer"), 6);
      if (E.contains("error")) block(OS, "error", raw(E, "error"), 6);
    } else if (Ev == "attempt_end") {
      OS << fmt::format("  {} after {:.1f} ms\n", str(E, "status"),
                        num(E, "duration_ms"));
      if (E.contains("error")) block(OS, "why", raw(E, "error"), 2);
      if (E.contains("output")) block(OS, "output", raw(E, "output"), 2);
    }
  }
  if (!Seen)
    return llvm::createStringError(
        fmt::format("the event log has no step `{}`", runtime::terminalSafe(Step)));
  return llvm::Error::success();
}

}  // namespace orch::observe
