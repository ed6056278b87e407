//===- ToolMap.cpp - The ContextLab tool table ----------------------------===//
#include "ir/ToolMap.h"

#include "llvm/ADT/STLExtras.h"

namespace orch::ir {

namespace {
constexpr NameMapping ReadFields[] = {{"content", "output"}, {"size", "bytes"}};
constexpr NameMapping WriteFields[] = {{"path", "output"}, {"size", "bytes"}};
constexpr NameMapping ProcessFields[] = {{"return_code", "exit_code"}};
constexpr NameMapping PageFields[] = {{"content", "output"}, {"text", "output"}};
constexpr NameMapping HttpFields[] = {
    {"content", "output"}, {"text", "output"}, {"status", "status_code"}};
constexpr NameMapping TransformParams[] = {
    {"data", "input"}, {"input_data", "input"}, {"operation", "op"}};
constexpr llvm::StringRef CaptureOutput[] = {"capture_output"};
constexpr NameMapping GenerateParams[] = {{"max_completion_tokens", "max_tokens"}};

constexpr llvm::StringLiteral Search =
    "a search needs a search service: call its HTTP API with `action: http.request`, "
    "or declare an MCP server that searches";
constexpr llvm::StringLiteral NotLocal =
    "only `read` and `write` of the run directory are built in; use `action: shell` "
    "with `run_dir: write`";

constexpr ToolRow Rows[] = {
    {"data-processing",
     "transform",
     "transform",
     TransformParams,
     {},
     false,
     "`data` is `input`, `operation` is `op`: a filter name or a transform operation"},
    {"data-processing",
     "*",
     "",
     {},
     {},
     false,
     "only `transform` maps (to `action: transform`); reshape data with `transform` "
     "or `python`"},
    {"filesystem",
     "read",
     "file.read",
     {},
     ReadFields,
     false,
     "`content` is the file's text, `size` its length"},
    {"filesystem",
     "write",
     "file.write",
     {},
     WriteFields,
     false,
     "`path` is the path written"},
    {"filesystem", "copy", "", {}, {}, false, NotLocal},
    {"filesystem", "delete", "", {}, {}, false, NotLocal},
    {"filesystem", "list", "", {}, {}, false, NotLocal},
    {"filesystem", "move", "", {}, {}, false, NotLocal},
    {"headless-browser",
     "scrape",
     "http.request",
     {},
     PageFields,
     false,
     "fetches the page (GET): its body, not the text a browser renders"},
    {"headless-browser", "*", "", {}, {}, false, Search},
    {"http-client", "get", "http.request", {}, HttpFields, false, "a GET request"},
    {"python-executor",
     "*",
     "python",
     {},
     ProcessFields,
     false,
     "runs in the sandbox; the code takes no `{{ }}` (pass data in `input`)"},
    {"terminal",
     "*",
     "shell",
     {},
     ProcessFields,
     false,
     "runs in the sandbox; every `{{ }}` in `command` is quoted as one word",
     CaptureOutput},
    {"validation",
     "*",
     "",
     {},
     {},
     false,
     "schema checks are not a built-in action: a model step's answer is checked "
     "against the schema of the fields later steps read; check other data with "
     "`python`"},
    {"web-search", "*", "", {}, {}, false, Search},
    // Tool-less actions of ContextLab's model tools.
    {"", "analyze_text", "analyze_text", {}, {}, true, "an LLM task"},
    {"", "generate", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "generate-text", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "generate_text", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "llm_call", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "llm_generate", "generate", GenerateParams, {}, true, "a chat request"},
};
}  // namespace

llvm::ArrayRef<ToolRow> toolRows() { return Rows; }

const ToolRow *findToolRow(llvm::StringRef Tool, llvm::StringRef Action) {
  const ToolRow *Any = nullptr;
  for (const ToolRow &R : Rows) {
    if (R.Tool != Tool) continue;
    if (R.Action == Action) return &R;
    if (R.Action == "*") Any = &R;
  }
  return Any;
}

const ToolRow *findToolLessRow(llvm::StringRef Action) {
  return Action.empty() ? nullptr : findToolRow("", Action);
}

bool isKnownTool(llvm::StringRef Tool) {
  return !Tool.empty() &&
         llvm::any_of(Rows, [&](const ToolRow &R) { return R.Tool == Tool; });
}

llvm::SmallVector<llvm::StringRef, 8> toolActions(llvm::StringRef Tool) {
  llvm::SmallVector<llvm::StringRef, 8> Out;
  for (const ToolRow &R : Rows)
    if (R.Tool == Tool && R.Action != "*") Out.push_back(R.Action);
  return Out;
}

llvm::SmallVector<llvm::StringRef, 16> knownTools() {
  llvm::SmallVector<llvm::StringRef, 16> Out;
  for (const ToolRow &R : Rows)
    if (!R.Tool.empty() && !llvm::is_contained(Out, R.Tool)) Out.push_back(R.Tool);
  return Out;
}

llvm::StringRef mapResultField(const ToolRow &Row, llvm::StringRef Field) {
  if (Field == "result") return "output";
  for (const NameMapping &M : Row.Fields)
    if (M.From == Field) return M.To;
  return Field;
}

}  // namespace orch::ir
