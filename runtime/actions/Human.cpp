//===- Human.cpp - Answers a person gives a run ---------------------------===//
#include "runtime/actions/Human.h"

#include <fmt/format.h>

#include <cmath>

#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/PyText.h"
#include "ir/Regex.h"
#include "ir/Unicode.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "runtime/actions/LocalActions.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

ActionResult humanError(const std::string &Why) {
  return ActionResult::failure(Why, false);
}

std::string text(const json &P, const char *Name, const char *Default = "") {
  auto It = P.find(Name);
  return It == P.end() || It->is_null() ? std::string(Default) : ir::displayString(*It);
}

bool flag(const json &P, const char *Name, bool Default) {
  auto It = P.find(Name);
  return It == P.end() || It->is_null() ? Default : ir::truthy(*It);
}

/// Null or empty text: no answer, as ContextLab reads an empty line.
bool emptyAnswer(const json &A) {
  return A.is_null() || (A.is_string() && A.get_ref<const std::string &>().empty());
}

/// The answer for step \p Id (in a loop `each[2].ask`: that item's, else
/// step `ask`'s, the same in every item), or null. An empty text is none,
/// as ContextLab reads an empty line.
const json *answerFor(const json &Answers, llvm::StringRef Id) {
  if (!Answers.is_object()) return nullptr;
  auto It = Answers.find(Id.str());
  if (It == Answers.end()) {
    size_t Cut = Id.rfind("].");
    if (Cut == llvm::StringRef::npos) return nullptr;
    It = Answers.find(Id.drop_front(Cut + 2).str());
    if (It == Answers.end()) return nullptr;
  }
  return emptyAnswer(*It) ? nullptr : &*It;
}

/// Python's `bool` of the words ContextLab's prompt reads as yes or no.
std::optional<bool> yesNo(const json &V) {
  if (V.is_boolean()) return V.get<bool>();
  if (!V.is_string() && !V.is_number_integer()) return std::nullopt;
  std::string W = llvm::StringRef(ir::displayString(V)).trim().lower();
  if (W == "true" || W == "yes" || W == "y" || W == "1") return true;
  if (W == "false" || W == "no" || W == "n" || W == "0") return false;
  return std::nullopt;
}

/// A list given as a list, or as JSON text of one (a rendered template).
std::optional<json> listOf(const json &V) {
  if (V.is_array()) return V;
  if (!V.is_string()) return std::nullopt;
  json L = ir::parseJsonBounded(llvm::StringRef(V.get<std::string>()).trim());
  if (L.is_discarded() || !L.is_array()) return std::nullopt;
  return L;
}

/// `context`: only ContextLab's `cli` (answers from the answers file).
std::string contextProblem(const json &P) {
  std::string C = text(P, "context", "cli");
  if (C == "cli") return "";
  return fmt::format(
      "`context: {}` is not built: a person's answers come from orchrt's --answers "
      "file (ContextLab's `cli`)",
      C);
}

/// \p Answer as \p Type (text, number, boolean, choice), as ContextLab
/// converts what was typed; an error says why not.
llvm::Expected<json> convert(const json &Answer, llvm::StringRef Type,
                             const json &Choices) {
  std::string Text = ir::displayString(Answer);
  if (Type == "number") {
    if (Answer.is_number() && !Answer.is_boolean()) return Answer;
    // ContextLab: `float(v) if "." in v else int(v)`, and a number.
    llvm::StringRef T = llvm::StringRef(Text).trim();
    int64_t I = 0;
    if (!T.contains('.')) {
      if (ir::parsePyInt(T, I) == ir::IntParse::Ok) return json(I);
    } else if (std::optional<double> D = ir::parsePyFloat(T); D && std::isfinite(*D)) {
      return json(*D);
    }
    return llvm::createStringError("the answer is not a number");
  }
  if (Type == "boolean") {
    if (std::optional<bool> B = yesNo(Answer)) return json(*B);
    return llvm::createStringError(
        "the answer is not yes or no (true, yes, y, 1, false, no, n, 0)");
  }
  if (Type == "choice") {
    std::string Want = llvm::StringRef(Text).trim().str();
    for (const json &C : Choices)
      if (ir::displayString(C) == Want) return json(Want);
    return llvm::createStringError(
        fmt::format("the answer is not one of the choices {}", ir::toJsonText(Choices)));
  }
  return json(Text);
}

ActionResult input(const ActionRequest &R, const json &Answers) {
  const json &P = R.Params;
  if (std::string Why = contextProblem(P); !Why.empty()) return humanError(Why);
  std::string Type = text(P, "input_type", "text");
  static constexpr llvm::StringLiteral Types[] = {"text", "number", "boolean", "choice"};
  if (!llvm::is_contained(Types, Type))
    return humanError(fmt::format(
        "parameter `input_type` must be text, number, boolean or choice, not `{}`",
        Type));
  json Choices = json::array();
  if (Type == "choice") {
    std::optional<json> L = listOf(P.value("choices", json()));
    if (!L || L->empty())
      return humanError("a `choice` input needs `choices`: a list, or JSON text of one");
    Choices = *L;
  }
  const json *Given = answerFor(Answers, R.StepId);
  bool UsedDefault = !Given;
  if (UsedDefault) {
    auto D = P.find("default");
    if (D == P.end() || D->is_null())
      return humanError(fmt::format(
          "step `{}` asks \"{}\" and has no answer: give one in the --answers file "
          "(`{{\"{}\": ...}}`) or a `default`",
          R.StepId, llvm::StringRef(text(P, "prompt")).trim().str(), R.StepId));
    Given = &*D;
  }
  llvm::Expected<json> Value = convert(*Given, Type, Choices);
  if (!Value)
    return humanError(fmt::format("the {} for step `{}`: {}",
                                  UsedDefault ? "default" : "answer", R.StepId,
                                  llvm::toString(Value.takeError())));
  if (std::string Pattern = text(P, "validation_pattern"); !Pattern.empty()) {
    auto Re = ir::Regex::compile(Pattern);
    if (!Re)
      return humanError("parameter `validation_pattern`: " +
                        llvm::toString(Re.takeError()));
    std::vector<int64_t> Caps;
    // Python's re.match: a match at the start.
    if (!(*Re)->search(ir::decodeUtf8(ir::displayString(*Value)), 0, Caps) ||
        Caps[0] != 0)
      return humanError(
          fmt::format("the answer for step `{}` does not match `{}`", R.StepId, Pattern));
  }
  json Fields = {{"value", *Value},
                 {"used_default", UsedDefault},
                 {"input_type", Type},
                 {"output", ir::displayString(*Value)}};
  return ActionResult::success(std::move(Fields));
}

ActionResult approval(const ActionRequest &R, const json &Answers) {
  const json &P = R.Params;
  if (std::string Why = contextProblem(P); !Why.empty()) return humanError(Why);
  const json *Given = answerFor(Answers, R.StepId);
  if (!Given)
    return humanError(fmt::format(
        "step `{}` needs an approval of \"{}\": give `{{\"{}\": true}}` (or false, or "
        "{{\"approved\": false, \"reason\": ...}}) in the --answers file",
        R.StepId, text(P, "title", "this content"), R.StepId));
  std::optional<bool> Approved;
  std::string Reason, Modified;
  bool HasModified = false;
  // ContextLab's own words too: approve, reject (and modify, with a text).
  auto verdict = [](const json &V) -> std::optional<bool> {
    if (V.is_string()) {
      std::string W = llvm::StringRef(V.get<std::string>()).trim().lower();
      if (W == "approve" || W == "approved" || W == "modify") return true;
      if (W == "reject" || W == "rejected") return false;
    }
    return yesNo(V);
  };
  if (Given->is_object()) {
    Approved = verdict(Given->value("approved", json()));
    Reason = text(*Given, "reason");
    if (auto M = Given->find("modified_content"); M != Given->end() && !M->is_null()) {
      Modified = ir::displayString(*M);
      HasModified = true;
    }
  } else {
    Approved = verdict(*Given);
  }
  if (!Approved)
    return humanError(fmt::format(
        "the answer for step `{}` must say whether it is approved: true, false, or "
        "{{\"approved\": ..., \"reason\": ..., \"modified_content\": ...}}",
        R.StepId));
  if (HasModified && !flag(P, "allow_modifications", true))
    return humanError(fmt::format(
        "step `{}` does not allow modifications (`allow_modifications: false`)",
        R.StepId));
  if (HasModified && !*Approved)
    return humanError(
        fmt::format("step `{}`: a changed content comes with an approval", R.StepId));
  if (!*Approved && Reason.empty() && flag(P, "require_reason", true))
    return humanError(fmt::format(
        "step `{}` requires a reason to reject: give {{\"approved\": false, \"reason\": "
        "...}}",
        R.StepId));
  // ContextLab's choice words.
  const char *Action = !*Approved ? "reject" : HasModified ? "modify" : "approve";
  json Fields = {{"approved", *Approved}, {"action", Action}};
  // As ContextLab's: the fields are there only when they were given.
  if (HasModified) Fields["modified_content"] = Modified;
  if (!Reason.empty()) Fields[*Approved ? "reason" : "rejection_reason"] = Reason;
  Fields["output"] = *Approved ? "approved" : "rejected";
  return ActionResult::success(std::move(Fields));
}

ActionResult feedback(const ActionRequest &R, const json &Answers,
                      const std::string &RunDir) {
  const json &P = R.Params;
  if (std::string Why = contextProblem(P); !Why.empty()) return humanError(Why);
  std::optional<json> Questions = listOf(P.value("questions", json()));
  if (!Questions || Questions->empty())
    return humanError("parameter `questions` must be a non-empty list of questions");
  json Required =
      listOf(P.value("required_questions", json::array())).value_or(json::array());
  const json *Given = answerFor(Answers, R.StepId);
  if (!Given || !Given->is_object())
    return humanError(fmt::format(
        "step `{}` asks {} questions and has no answers: give `{{\"{}\": {{\"<question "
        "id>\": ...}}}}` in the --answers file",
        R.StepId, Questions->size(), R.StepId));
  json Responses = json::object();
  json Booleans = json::object(), Choices = json::object();
  double RatingSum = 0;
  size_t Ratings = 0;
  for (const json &Q : *Questions) {
    if (!Q.is_object() || !Q.value("id", json()).is_string())
      return humanError("each question needs an `id` (text)");
    std::string Id = Q["id"].get<std::string>();
    std::string Type = Q.value("type", json("text")).is_string()
                           ? Q.value("type", std::string("text"))
                           : std::string("text");
    auto A = Given->find(Id);
    bool Needed = llvm::any_of(Required, [&](const json &X) { return X == Id; });
    if (A == Given->end() || emptyAnswer(*A)) {
      if (Needed)
        return humanError(
            fmt::format("step `{}`: question `{}` must be answered", R.StepId, Id));
      continue;
    }
    json Value;
    if (Type == "rating") {
      int64_t Scale = Q.value("scale", json(5)).is_number_integer()
                          ? Q.value("scale", int64_t(5))
                          : 5;
      llvm::Expected<json> N = convert(*A, "number", json());
      if (!N || !N->is_number_integer() || N->get<int64_t>() < 1 ||
          N->get<int64_t>() > Scale) {
        if (!N) llvm::consumeError(N.takeError());
        return humanError(fmt::format(
            "step `{}`: question `{}` takes a rating from 1 to {}", R.StepId, Id, Scale));
      }
      Value = *N;
      RatingSum += static_cast<double>(Value.get<int64_t>());
      ++Ratings;
    } else if (Type == "boolean") {
      std::optional<bool> B = yesNo(*A);
      if (!B)
        return humanError(
            fmt::format("step `{}`: question `{}` takes yes or no", R.StepId, Id));
      Value = *B;
      Booleans[Id] = *B;
    } else if (Type == "choice") {
      llvm::Expected<json> C = convert(
          *A, "choice", listOf(Q.value("choices", json())).value_or(json::array()));
      if (!C)
        return humanError(fmt::format("step `{}`: question `{}`: {}", R.StepId, Id,
                                      llvm::toString(C.takeError())));
      Value = *C;
      Choices[Id] = Value;
    } else if (Type == "text") {
      Value = ir::displayString(*A);
    } else {
      return humanError(fmt::format(
          "question `{}` has type `{}`: rating, boolean, choice or text", Id, Type));
    }
    Responses[Id] = std::move(Value);
  }
  json Summary = {
      {"rating_average", Ratings ? json(RatingSum / double(Ratings)) : json()},
      {"boolean_summary", Booleans},
      {"choice_summary", Choices}};
  size_t Count = Responses.size();
  json Fields = {{"responses", Responses},
                 {"response_count", Count},
                 {"completion_rate", double(Count) / double(Questions->size()) * 100.0},
                 {"summary", Summary},
                 {"saved_to_file", false}};
  if (std::string Path = text(P, "save_to_file"); !Path.empty()) {
    json Saved = {{"title", text(P, "title")},
                  {"anonymous", flag(P, "anonymous", false)},
                  {"responses", Responses},
                  {"summary", Summary}};
    ActionResult W = runFileWrite(RunDir, json{{"path", Path}, {"content", Saved}});
    if (!W.Ok) return W;
    Fields["saved_to_file"] = true;
  }
  Fields["output"] = ir::toJsonText(Responses);
  return ActionResult::success(std::move(Fields));
}

}  // namespace

ActionResult runHuman(const ActionRequest &R, const json &Answers,
                      const std::string &RunDir) {
  if (R.Action == "human.input") return input(R, Answers);
  if (R.Action == "human.approval") return approval(R, Answers);
  if (R.Action == "human.feedback") return feedback(R, Answers, RunDir);
  return humanError(fmt::format("unknown human action `{}`", R.Action));
}

}  // namespace orch::runtime
