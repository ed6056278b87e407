//===- PromptOptimize.cpp - The prompt.optimize action --------------------===//
#include "runtime/actions/PromptOptimize.h"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/Unicode.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

/// A phrase and what replaces it.
struct Rewrite {
  llvm::StringLiteral From, To;
  /// Only where the phrase ends a clause (the text's end, a line's, or
  /// punctuation follows): `analyze this.`, not `analyze this essay`.
  bool ClauseEnd = false;
};

/// Wordy phrases and their short forms (brevity).
constexpr Rewrite Wordy[] = {
    {"due to the fact that", "because"},
    {"at this point in time", "now"},
    {"in the event that", "if"},
    {"for the purpose of", "for"},
    {"in order to", "to"},
    {"with regard to", "about"},
    {"with respect to", "about"},
    {"a large number of", "many"},
    {"a majority of the", "most of the"},
    {"is able to", "can"},
    {"are able to", "can"},
    {"has the ability to", "can"},
    {"in spite of the fact that", "although"},
    {"please could you", "please"},
    {"could you please", "please"},
    {"can you please", "please"},
    {"i would like you to", "please"},
    {"i want you to", "please"},
};

/// Vague requests and what they ask for (specificity).
constexpr Rewrite Vague[] = {
    {"analyze this", "analyze the following text", true},
    {"fix this", "find and fix the errors in the following", true},
    {"explain this", "explain the following step by step", true},
    {"make it better", "improve it and say what you changed", true},
    {"improve this", "improve the following and say what you changed", true},
    {"summarize this", "summarize the following", true},
};

/// Sentences OpenAI's reasoning guide says not to give its reasoning
/// models (they reason on their own): dropped, as whole words.
constexpr Rewrite StepByStep[] = {{"let's think step by step.", ""},
                                  {"let's think step by step", ""},
                                  {"think step by step.", ""},
                                  {"think step by step", ""}};

/// Words that start an instruction (clarity labels it `Task:`).
constexpr llvm::StringLiteral Imperatives[] = {
    "write",    "create",  "generate", "draft",     "summarize", "list",
    "explain",  "analyze", "analyse",  "compare",   "translate", "describe",
    "classify", "extract", "rewrite",  "implement", "design",    "plan"};

/// Words that say what form the answer takes.
constexpr llvm::StringLiteral FormWords[] = {
    "format",  "output",   "json",      "list",       "table",    "bullet",
    "bullets", "markdown", "paragraph", "paragraphs", "sentence", "sentences",
    "words",   "yaml",     "csv",       "fenced",     "steps"};

bool isWordByte(char C) {
  return llvm::isAlnum(C) || C == '_' || static_cast<unsigned char>(C) >= 0x80;
}

/// \p Text with each whole-word, case-blind occurrence of a table's
/// phrase replaced (the first at a place wins); a phrase that began with a
/// capital keeps it.
std::string rewrite(llvm::StringRef Text, llvm::ArrayRef<Rewrite> Table) {
  std::string Lower = Text.lower(), Out;
  size_t I = 0;
  while (I < Text.size()) {
    bool Done = false;
    if (I == 0 || !isWordByte(Text[I - 1]))
      for (const Rewrite &R : Table) {
        size_t N = R.From.size();
        if (llvm::StringRef(Lower).substr(I, N) != R.From ||
            (I + N < Text.size() && isWordByte(Text[I + N])))
          continue;
        if (R.ClauseEnd && I + N < Text.size() &&
            !llvm::StringRef(".,;:!?\n").contains(Text[I + N]))
          continue;
        std::string To = R.To.str();
        if (!To.empty() && llvm::isUpper(Text[I])) To[0] = llvm::toUpper(To[0]);
        Out += To;
        I += N;
        Done = true;
        break;
      }
    if (!Done) Out += Text[I++];
  }
  return Out;
}

/// The lower-cased words of \p Text (runs of word bytes).
std::vector<std::string> words(llvm::StringRef Text) {
  std::vector<std::string> Out;
  std::string Cur;
  for (char C : Text) {
    if (isWordByte(C)) {
      Cur += llvm::toLower(C);
    } else if (!Cur.empty()) {
      Out.push_back(std::move(Cur));
      Cur.clear();
    }
  }
  if (!Cur.empty()) Out.push_back(std::move(Cur));
  return Out;
}

bool saysForm(llvm::StringRef Text) {
  return llvm::any_of(
      words(Text), [](const std::string &W) { return llvm::is_contained(FormWords, W); });
}

/// Trailing white space of each line dropped, and runs of blank lines
/// made one.
std::string tidy(llvm::StringRef Text) {
  llvm::SmallVector<llvm::StringRef, 32> Lines;
  Text.split(Lines, '\n');
  std::string Out;
  unsigned Blank = 0;
  for (llvm::StringRef L : Lines) {
    L = L.rtrim(" \t\r");
    Blank = L.empty() ? Blank + 1 : 0;
    if (Blank > 1) continue;
    if (!Out.empty() || !L.empty()) Out += L.str() + "\n";
  }
  return llvm::StringRef(Out).rtrim("\n").str();
}

/// Starts with a label (`Task:`, `Question:`, `Context:`)?
bool labelled(llvm::StringRef Text) {
  llvm::StringRef First = Text.take_until([](char C) { return C == '\n'; });
  size_t Colon = First.find(':');
  return Colon != llvm::StringRef::npos && Colon <= 20 &&
         llvm::all_of(First.take_front(Colon),
                      [](char C) { return llvm::isAlpha(C) || C == ' '; });
}

std::string clarity(llvm::StringRef Prompt, llvm::StringRef) {
  std::string Out = tidy(Prompt);
  llvm::StringRef T(Out);
  bool OneParagraph = T.find("\n\n") == llvm::StringRef::npos;
  std::vector<std::string> W = words(T);
  if (OneParagraph && !labelled(T) && !W.empty()) {
    if (T.ends_with("?"))
      Out = "Question: " + Out;
    else if (llvm::is_contained(Imperatives, W.front()))
      Out = "Task: " + Out;
  }
  static constexpr llvm::StringLiteral CodeWords[] = {"code", "function", "script",
                                                      "program", "class"};
  if (!saysForm(Out) && llvm::any_of(W, [](const std::string &X) {
        return llvm::is_contained(CodeWords, X);
      }))
    Out += "\n\nAnswer with the code in one fenced block.";
  return Out;
}

std::string brevity(llvm::StringRef Prompt, llvm::StringRef) {
  std::string Out = rewrite(Prompt, Wordy);
  // Runs of spaces inside a line are one; indentation is kept.
  llvm::SmallVector<llvm::StringRef, 32> Lines;
  llvm::StringRef(Out).split(Lines, '\n');
  std::string Squeezed;
  for (llvm::StringRef L : Lines) {
    size_t Indent = std::min(L.find_first_not_of(' '), L.size());
    Squeezed += L.take_front(Indent).str();
    bool Space = false;
    for (char C : L.drop_front(Indent)) {
      if (C == ' ' && Space) continue;
      Space = C == ' ';
      Squeezed += C;
    }
    Squeezed += '\n';
  }
  return tidy(Squeezed);
}

std::string specificity(llvm::StringRef Prompt, llvm::StringRef) {
  return rewrite(Prompt, Vague);
}

/// A model family and how a prompt for it changes.
struct Family {
  llvm::StringLiteral Match;  ///< The model name's last part, lower-cased.
  std::string (*Apply)(llvm::StringRef Prompt);
};

std::string xmlTagged(llvm::StringRef Prompt) {
  // Anthropic's prompting guide: XML tags set instructions apart.
  if (Prompt.contains("<instructions>")) return Prompt.str();
  return "<instructions>\n" + Prompt.str() + "\n</instructions>";
}

std::string noStepByStep(llvm::StringRef Prompt) {
  std::string Out = rewrite(Prompt, StepByStep);
  if (Out == Prompt) return Out;
  // Where a sentence went: no space left doubled, none at either end.
  std::string Joined;
  for (char C : llvm::StringRef(Out).trim())
    if (!(C == ' ' && !Joined.empty() && Joined.back() == ' ')) Joined += C;
  return Joined;
}

/// The first family the model's name is, or starts with followed by `-`,
/// applies.
constexpr Family Families[] = {{"claude", xmlTagged},
                               {"o1", noStepByStep},
                               {"o3", noStepByStep},
                               {"o4", noStepByStep},
                               {"gpt-5", noStepByStep}};

std::string modelSpecific(llvm::StringRef Prompt, llvm::StringRef Model) {
  std::string Name = Model.lower();
  // The name's last part: `openai/o3-mini` is o3, `anthropic:claude-x` claude.
  llvm::StringRef Base = llvm::StringRef(Name).rsplit('/').second.empty()
                             ? llvm::StringRef(Name)
                             : llvm::StringRef(Name).rsplit('/').second;
  Base = Base.rsplit(':').second.empty() ? Base : Base.rsplit(':').second;
  for (const Family &F : Families)
    if (Base == F.Match || Base.starts_with((F.Match + "-").str()))
      return F.Apply(Prompt);
  return Prompt.str();
}

/// A goal and its rewrite.
struct Goal {
  llvm::StringLiteral Name;
  std::string (*Apply)(llvm::StringRef Prompt, llvm::StringRef Model);
};
constexpr Goal Goals[] = {{"clarity", clarity},
                          {"brevity", brevity},
                          {"specificity", specificity},
                          {"model_specific", modelSpecific}};

/// Tokens, estimated: a token for every four code points, rounded up.
int64_t tokens(llvm::StringRef Text) {
  return static_cast<int64_t>((ir::codePointCount(Text) + 3) / 4);
}

std::vector<std::string> advice(llvm::StringRef Original) {
  std::vector<std::string> Out;
  std::vector<std::string> W = words(Original);
  static constexpr llvm::StringLiteral Makes[] = {"write", "create", "generate", "draft",
                                                  "design"};
  bool Makes1 =
      llvm::any_of(W, [](const std::string &X) { return llvm::is_contained(Makes, X); });
  if (Makes1 && !llvm::is_contained(W, "example") && !llvm::is_contained(W, "examples"))
    Out.push_back("Add an example of the answer you want");
  if (!saysForm(Original))
    Out.push_back("Say what form the answer takes (a list, JSON, a paragraph, ...)");
  if (ir::codePointCount(Original) > 1000)
    Out.push_back("Split the prompt into steps: it is over 1,000 characters");
  return Out;
}

}  // namespace

ActionResult runPromptOptimize(const json &Params) {
  auto P = Params.find("prompt");
  if (P == Params.end() || !P->is_string() ||
      llvm::StringRef(P->get_ref<const std::string &>()).trim().empty())
    return ActionResult::badParam("parameter `prompt` must be a non-empty string");
  const std::string &Prompt = P->get_ref<const std::string &>();
  std::string Model;
  if (auto M = Params.find("model"); M != Params.end() && !M->is_null()) {
    if (!M->is_string())
      return ActionResult::badParam("parameter `model` must be a string");
    Model = M->get<std::string>();
  }
  json GoalList = json::array({"clarity", "model_specific"});
  if (auto G = Params.find("optimization_goals"); G != Params.end() && !G->is_null()) {
    GoalList = *G;
    if (GoalList.is_string()) {
      json Parsed = ir::parseJsonBounded(GoalList.get<std::string>());
      GoalList = Parsed.is_array() ? std::move(Parsed) : json::array({GoalList});
    }
  }
  if (!GoalList.is_array())
    return ActionResult::badParam(
        "parameter `optimization_goals` must be a list of goals");
  std::vector<const Goal *> Chosen;
  for (const json &G : GoalList) {
    const Goal *Found = nullptr;
    if (G.is_string())
      for (const Goal &X : Goals)
        if (X.Name == G.get_ref<const std::string &>()) Found = &X;
    if (!Found)
      return ActionResult::badParam(fmt::format("optimization goal {} is not one of {}",
                                                ir::toJsonText(G),
                                                llvm::join(ir::promptGoals(), ", ")));
    if (!llvm::is_contained(Chosen, Found)) Chosen.push_back(Found);
  }
  std::optional<int64_t> MaxTokens;
  if (auto M = Params.find("max_tokens"); M != Params.end() && !M->is_null()) {
    if (!M->is_number_integer() || M->get<int64_t>() < 1)
      return ActionResult::badParam(
          "parameter `max_tokens` must be a whole number of at least 1");
    MaxTokens = M->get<int64_t>();
  }
  bool Preserve = true;
  if (auto K = Params.find("preserve_intent"); K != Params.end() && !K->is_null()) {
    if (!K->is_boolean())
      return ActionResult::badParam("parameter `preserve_intent` must be true or false");
    Preserve = K->get<bool>();
  }

  // Goals apply in the table's order, whatever order the list gives.
  std::string Text = Prompt;
  json Applied = json::array();
  for (const Goal &G : Goals) {
    if (!llvm::is_contained(Chosen, &G)) continue;
    std::string Next = G.Apply(Text, Model);
    if (Next != Text) Applied.push_back(G.Name.str());
    Text = std::move(Next);
  }
  if (MaxTokens && tokens(Text) > *MaxTokens) {
    ir::CodePoints C = ir::decodeUtf8(Text);
    size_t Keep = static_cast<size_t>(*MaxTokens) * 4;
    static constexpr char32_t Gap[] = U"\n[...]\n";
    size_t GapLen = std::char_traits<char32_t>::length(Gap);
    if (Preserve && Keep > GapLen + 1) {
      size_t Head = (Keep - GapLen) / 2, Tail = Keep - GapLen - Head;
      C = C.substr(0, Head) + Gap + C.substr(C.size() - Tail);
    } else {
      C = C.substr(0, Keep);
    }
    Text = ir::encodeUtf8(C);
    Applied.push_back("truncation");
  }
  int64_t Before = tokens(Prompt), After = tokens(Text);
  double Percent = Before > 0 ? std::round((Before - After) * 1000.0 / Before) / 10 : 0.0;
  return ActionResult::success({{"output", Text},
                                {"optimized_prompt", Text},
                                {"original_prompt", Prompt},
                                {"model", Model.empty() ? json(nullptr) : json(Model)},
                                {"applied_optimizations", std::move(Applied)},
                                {"metrics",
                                 {{"original_tokens", Before},
                                  {"optimized_tokens", After},
                                  {"token_reduction", Before - After},
                                  {"reduction_percentage", Percent}}},
                                {"recommendations", advice(Prompt)}});
}

}  // namespace orch::runtime
