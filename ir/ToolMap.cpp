//===- ToolMap.cpp - The ContextLab tool table ----------------------------===//
#include "ir/ToolMap.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Regex.h"

namespace orch::ir {

namespace {
constexpr NameMapping ReadFields[] = {{"content", "output"}, {"size", "bytes"}};
constexpr NameMapping WriteFields[] = {{"path", "output"}, {"size", "bytes"}};
constexpr NameMapping ProcessFields[] = {{"return_code", "exit_code"}};
constexpr NameMapping HttpFields[] = {
    {"content", "output"}, {"text", "output"}, {"status", "status_code"}};
constexpr NameMapping TransformParams[] = {
    {"data", "input"}, {"input_data", "input"}, {"operation", "op"}};
constexpr NameMapping FilterParams[] = {
    {"data", "input"}, {"input_data", "input"}, {"input_format", "format"}};
/// ContextLab wraps a data-processing result: `processed_data`.
constexpr NameMapping ProcessedData[] = {{"processed_data", "value"}};
constexpr llvm::StringRef CaptureOutput[] = {"capture_output"};
/// Fallbacks are always listed.
constexpr llvm::StringRef FallbackEnabled[] = {"fallback_enabled"};
constexpr NameMapping GenerateParams[] = {{"max_completion_tokens", "max_tokens"}};
constexpr NameMapping McpServerParams[] = {
    {"server_name", "server"}, {"tool_name", "tool"}, {"tool_params", "arguments"}};
constexpr NameMapping McpResult[] = {{"result", "result"}};
constexpr llvm::StringRef ActionKey[] = {"action"};
/// Re-asking and waiting: an answers file is read once.
constexpr llvm::StringRef PromptKeys[] = {"timeout", "retry_on_invalid", "max_retries"};
/// A run never approves on its own; metadata is ContextLab's history's.
constexpr llvm::StringRef ApprovalKeys[] = {"auto_approve_hash", "metadata"};
constexpr llvm::StringRef ConnectKeys[] = {"action", "server_config"};

constexpr llvm::StringLiteral Search =
    "`action: web.search` asks the search service orchrt is configured with "
    "(SearXNG, Brave or Google; docs/actions.md §11): `results` hold title, url, "
    "snippet and rank, as ContextLab's";
constexpr llvm::StringLiteral Verify =
    "ContextLab's URL check is not built in: `action: http.request` with "
    "`method: HEAD` and `fail_on_status: false` answers the status";
constexpr llvm::StringLiteral NotLocal =
    "only `read`, `write`, `copy` and `list` of the run directory are built in; use "
    "`action: shell` with `run_dir: write`";

constexpr llvm::StringLiteral Scrape =
    "`action: web.scrape` fetches the page and answers its text, title, meta tags, "
    "links and images, as ContextLab's (docs/actions.md §22)";
constexpr llvm::StringLiteral ScrapeJs =
    "ContextLab's scrape_js runs the page's scripts in a browser, which is not built "
    "in: `action: web.scrape` reads the page as served";
constexpr llvm::StringRef GetOnly[] = {"method", "body"};
constexpr llvm::StringLiteral ControlFlow =
    "ContextLab's control-flow markers come with control flow (issue #17)";
constexpr llvm::StringLiteral Pdf =
    "`action: pdf.compile` lays the Markdown out on PDF pages in the run directory, "
    "without pandoc (docs/actions.md §23)";
/// Nothing is installed: the PDF writer is built in.
constexpr llvm::StringRef PdfIgnored[] = {"install_if_missing"};
constexpr llvm::StringLiteral Executor =
    "a sub-pipeline call (`action: pipeline`, docs/control-flow.md §4): the callee "
    "is inlined when the pipeline compiles";
constexpr llvm::StringLiteral Report =
    "ContextLab's report helpers are not built in: write the report with a model "
    "step and `file.write`, and convert it with `action: shell`";
constexpr llvm::StringLiteral FileTool =
    "write `tool: filesystem` with `action: read` or `write` (or `action: file.read`, "
    "`file.write`)";
constexpr llvm::StringLiteral Structured =
    "a chat request whose answer is the object `schema` describes, checked against it";
constexpr llvm::StringLiteral FileDispatch =
    "`action: execute` runs the filesystem action that `parameters: {action: ...}` "
    "names, as ContextLab's filesystem tool does";
/// ContextLab's `list` reads only `path`.
constexpr llvm::StringRef ListUnread[] = {"pattern", "recursive"};
constexpr llvm::StringLiteral Process =
    "write `action: transform` (ContextLab's `tool: data-processing`)";
/// Read by none of ContextLab's validation code.
constexpr llvm::StringRef ValidateUnread[] = {"validation_level"};
constexpr llvm::StringLiteral Validate =
    "`action: validate` checks `data` against a JSON Schema (draft 7) and answers "
    "`valid`, `errors` and `warnings`, as ContextLab's";

constexpr llvm::StringLiteral Charts =
    "`action: chart` draws the charts as SVG files in the run directory "
    "(docs/actions.md §13); `charts` lists them, as ContextLab's";
constexpr llvm::StringLiteral NoDashboard =
    "only `create_charts` and `create_dashboard` map (to `action: chart`, "
    "`chart.dashboard`); ContextLab's figure exports are not built in";
constexpr llvm::StringLiteral Dashboard =
    "`action: chart.dashboard` writes `dashboard.html` showing the SVG charts "
    "(docs/actions.md §25); `url` is its path, as ContextLab's";

constexpr llvm::StringLiteral Memory =
    "a key-value memory of the run, in namespaces; a `ttl` (seconds, 0: none) "
    "expires a key (docs/actions.md §14)";
constexpr llvm::StringLiteral Human =
    "a person's answer, from orchrt's --answers file (step id -> answer); orchrt "
    "asks nothing on a terminal (docs/actions.md §17)";
constexpr llvm::StringLiteral McpDispatch =
    "`parameters: {action: ...}` names the action: the rows below";

/// multi-model-routing: `parameters: {action: ...}` picks the mode; the
/// parameters of the other mode are not taken.
constexpr llvm::StringRef TaskKeys[] = {"tasks", "routing_strategy", "constraints"};
constexpr llvm::StringRef RequestKeys[] = {"request", "strategy", "max_concurrent"};
constexpr llvm::StringLiteral RouteDispatch =
    "`parameters: {action: route}` routes `tasks`; without `action`, one `request` "
    "is routed: the rows below";
constexpr llvm::StringLiteral RouteRequest =
    "one `request` routed by `strategy` over the run's registry (docs/actions.md "
    "§19); `current_load` counts this run's routes";
constexpr llvm::StringLiteral RouteTasks =
    "each of `tasks` routed by model.select's ranking under `constraints` "
    "(docs/actions.md §19); a task no model fits has `model: null`";
constexpr llvm::StringLiteral RouteBatch =
    "each of `tasks` routed as `action: route` routes it (by `optimization_goal`, "
    "within `constraints`) and asked of its model (docs/actions.md §21), where "
    "ContextLab answers placeholders or hard-coded demo translations";
constexpr llvm::StringRef BatchForbidden[] = {"request", "strategy", "max_concurrent",
                                              "routing_strategy"};

constexpr ToolRow Rows[] = {
    {"approval-gate", "*", "human.approval", {}, {}, false, Human, ApprovalKeys},
    {"data-processing", "aggregate", "data.aggregate", FilterParams, ProcessedData, false,
     "`aggregations` over the table or per `group_by`, as ContextLab's Python computes "
     "them (docs/actions.md §24)"},
    {"data-processing", "clean", "data.clean", FilterParams, ProcessedData, false,
     "duplicate rows dropped, missing cells dropped or filled (`handle_missing`), "
     "outliers dropped, as ContextLab's pandas steps do (docs/actions.md §24)"},
    {"data-processing", "convert", "data.convert", FilterParams, ProcessedData, false,
     "the data as JSON or CSV text (docs/actions.md §24)"},
    {"data-processing", "filter", "data.filter", FilterParams, ProcessedData, false,
     "`operation: {criteria: {field: value}}` keeps the rows whose fields equal "
     "those values; `processed_data` is ContextLab's result object"},
    {"data-processing",
     "merge",
     "data.merge",
     {},
     ProcessedData,
     false,
     "`datasets` stacked (`combine` adds `_source`, `concat`) or joined on `join_on` "
     "(docs/actions.md §24)"},
    {"data-processing", "pivot", "data.pivot", FilterParams, ProcessedData, false,
     "a pivot table of `values` by `index` and `columns` (docs/actions.md §24)"},
    {"data-processing", "profile", "data.profile", FilterParams, ProcessedData, false,
     "per column: missing cells, kind, statistics, outliers; duplicate rows "
     "(docs/actions.md §24)"},
    {"data-processing", "transform", "data.transform", FilterParams, ProcessedData, false,
     "ContextLab's list of transformations, and `normalize` (docs/actions.md §24)"},
    {"feedback-collection", "*", "human.feedback", {}, {}, false, Human},
    {"filesystem",
     "read",
     "file.read",
     {},
     ReadFields,
     false,
     "`content` is the file's text, `size` its length",
     ActionKey},
    {"filesystem",
     "write",
     "file.write",
     {},
     WriteFields,
     false,
     "`path` is the path written",
     ActionKey},
    {"filesystem",
     "copy",
     "file.copy",
     {},
     {},
     false,
     "a file copied within the run directory (`path` to `destination`); `source`, "
     "`destination`, `success` are ContextLab's fields",
     ActionKey},
    {"filesystem", "execute", "", {}, {}, false, FileDispatch, {}, {}, "action"},
    {"filesystem", "delete", "", {}, {}, false, NotLocal},
    {"filesystem",
     "list",
     "file.list",
     {},
     {},
     false,
     "a directory within the run directory, by name; `items` (`name`, `path`, `type`, "
     "`size`), `count`, `path`, `success` are ContextLab's fields",
     ActionKey,
     {},
     {},
     {},
     ListUnread,
     "; pick entries from `items` in a template (`selectattr`)"},
    {"filesystem", "move", "", {}, {}, false, NotLocal},
    {"headless-browser", "scrape", "web.scrape", {}, {}, false, Scrape},
    {"headless-browser", "scrape_js", "", {}, {}, false, ScrapeJs},
    {"headless-browser", "search", "web.search", {}, {}, false, Search},
    {"headless-browser", "verify", "", {}, {}, false, Verify},
    {"http-client",
     "get",
     "http.request",
     {},
     HttpFields,
     false,
     "a GET request",
     {},
     GetOnly},
    {"mcp-memory", "execute", "", {}, {}, false, McpDispatch, {}, {}, "action"},
    {"mcp-memory", "store", "memory.store", {}, {}, false, Memory, ActionKey},
    {"mcp-memory", "retrieve", "memory.retrieve", {}, {}, false, Memory, ActionKey},
    {"mcp-memory", "list", "memory.list", {}, {}, false, Memory, ActionKey},
    {"mcp-memory", "clear", "memory.clear", {}, {}, false, Memory, ActionKey},
    {"mcp-server", "execute", "", {}, {}, false, McpDispatch, {}, {}, "action"},
    {"mcp-server",
     "connect",
     "mcp.connect",
     McpServerParams,
     {},
     false,
     "`server_config` (`command`, `args`, `env`, or `url`, `headers`: fixed "
     "text) declares MCP server `server_name`, as `mcp_servers:` does; the step "
     "starts it",
     ConnectKeys},
    {"mcp-server",
     "list_tools",
     "mcp.list",
     McpServerParams,
     {},
     false,
     "asks the server for its tools (`tools/list`)",
     ActionKey},
    {"mcp-server", "execute_tool", "mcp.call", McpServerParams, McpResult, false,
     "calls tool `tool_name` with `tool_params`; `result` is the server's answer "
     "as sent",
     ActionKey},
    {"mcp-server",
     "disconnect",
     "mcp.disconnect",
     McpServerParams,
     {},
     false,
     "ends the connection once its calls in flight are answered; a later call "
     "starts the server again",
     ActionKey},
    {"multi-model-routing",
     "execute",
     "",
     {},
     {},
     false,
     RouteDispatch,
     {},
     {},
     "action",
     "request"},
    {"multi-model-routing",
     "optimize_batch",
     "model.batch",
     {},
     {},
     false,
     RouteBatch,
     ActionKey,
     BatchForbidden},
    {"multi-model-routing",
     "request",
     "model.route",
     {},
     {},
     false,
     RouteRequest,
     ActionKey,
     TaskKeys},
    {"multi-model-routing",
     "route",
     "model.route",
     {},
     {},
     false,
     RouteTasks,
     ActionKey,
     RequestKeys},
    {"pdf-compiler", "compile", "pdf.compile", {}, {}, false, Pdf, PdfIgnored},
    {"pipeline-executor", "*", "pipeline", {}, {}, false, Executor},
    {"prompt-optimization",
     "*",
     "prompt.optimize",
     {},
     {},
     false,
     "this compiler's own rules for each goal, without a model (docs/actions.md "
     "§20); `model` is the model the prompt is for, not the step's"},
    {"python-executor",
     "*",
     "python",
     {},
     ProcessFields,
     false,
     "runs in the sandbox; the code takes no `{{ }}` (pass data in `input`)"},
    {"task-delegation",
     "*",
     "model.select",
     {},
     {},
     false,
     "chooses among the run's registry (`orchrt --models`) with this compiler's own "
     "reading of the task and ranking; the fields are ContextLab's",
     FallbackEnabled},
    {"terminal",
     "*",
     "shell",
     {},
     ProcessFields,
     false,
     "runs in the sandbox; every `{{ }}` in `command` is quoted as one word",
     CaptureOutput},
    {"user-prompt", "*", "human.input", {}, {}, false, Human, PromptKeys},
    {"validation",
     "validate",
     "validate",
     {},
     {},
     false,
     Validate,
     {},
     {},
     {},
     {},
     ValidateUnread,
     "; strictness is `mode` (strict, lenient or report_only)"},
    {"validation",
     "extract_structured",
     "extract",
     {},
     {},
     true,
     "a model reads the fields of `schema` in `text` (as structured output) and the "
     "answer is checked against it: `valid`, `data`, `errors`, `warnings`, "
     "`model_used`, ContextLab's names"},
    {"visualization", "create_charts", "chart", {}, {}, false, Charts},
    {"visualization", "create_dashboard", "chart.dashboard", {}, {}, false, Dashboard},
    {"visualization", "*", "", {}, {}, false, NoDashboard},
    {"validation",
     "*",
     "",
     {},
     {},
     false,
     "only `validate` and `extract_structured` map (to `action: validate`, "
     "`extract`); ContextLab's schema inference and quality checks are not built "
     "in"},
    {"web-search", "*", "web.search", {}, {}, false, Search},
    // Tool-less actions of ContextLab's model tools.
    {"", "analyze", "analyze", {}, {}, true, "an LLM task"},
    {"", "analyze_text", "analyze_text", {}, {}, true, "an LLM task"},
    {"", "generate", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "generate-text", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "generate_text", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "generate-structured", "generate", GenerateParams, {}, true, Structured},
    {"", "generate_structured", "generate", GenerateParams, {}, true, Structured},
    {"", "llm_call", "generate", GenerateParams, {}, true, "a chat request"},
    {"", "llm_generate", "generate", GenerateParams, {}, true, "a chat request"},
    // Tool-less names ContextLab runs with a tool or a fixed handler: never
    // an LLM task here (a model would make up what the tool returns).
    {"", "action_loop", "", {}, {}, false, ControlFlow},
    {"", "capture_result", "", {}, {}, false, ControlFlow},
    {"", "compile_markdown", "", {}, {}, false, Report},
    {"", "compile_pdf", "pdf.compile", {}, {}, false, Pdf, PdfIgnored},
    {"", "control_flow", "", {}, {}, false, ControlFlow},
    {"", "create_parallel_queue", "", {}, {}, false, ControlFlow},
    {"", "evaluate_condition", "", {}, {}, false, ControlFlow},
    {"", "file", "", {}, {}, false, FileTool},
    {"", "filesystem", "", {}, {}, false, FileTool},
    {"", "finalize_report", "", {}, {}, false, Report},
    {"", "loop_complete", "", {}, {}, false, ControlFlow},
    {"", "process", "", {}, {}, false, Process},
    {"", "scrape_page", "web.scrape", {}, {}, false, Scrape},
    {"", "search_web", "web.search", {}, {}, false, Search},
    {"", "validate", "validate", {}, {}, false, Validate},
    {"", "validate_report", "", {}, {}, false, Report},
    {"", "verify_url", "", {}, {}, false, Verify},
    {"", "web_search", "web.search", {}, {}, false, Search},
};

// ContextLab's prose families, matched after the names above.
constexpr ToolRow ShellRow = {"",
                              "!command",
                              "",
                              {},
                              {},
                              false,
                              "ContextLab runs `!command` in a terminal: write "
                              "`action: shell` with `parameters: {command: ...}`"};
constexpr ToolRow EchoRow = {"",
                             "echo ...",
                             "echo",
                             {},
                             {},
                             false,
                             "the text after the first word, as written (quotes "
                             "included), is the `message`: ContextLab's echo answers it"};
constexpr ToolRow FileProseRow = {"",
                                  "write ... to file",
                                  "",
                                  {},
                                  {},
                                  false,
                                  "ContextLab writes a file for this prose: write "
                                  "`action: file.write` with `path` and `content`"};

/// ContextLab's `_FILE_PROSE` pattern (core/actions.py), as an ERE.
constexpr llvm::StringLiteral FileProse =
    "write.*to[[:space:]]+(a[[:space:]]+)?(file|path)"
    "|save.*to[[:space:]]+(a[[:space:]]+)?(file|path)"
    "|write.*following.*content.*to|save.*following.*content.*to"
    "|create.*file[[:space:]]+at|export.*to[[:space:]]+file|store.*in[[:space:]]+file"
    "|(write|save).*to[[:space:]]+[^[:space:]]+\\.(txt|md|json|yaml|yml|csv|html)";
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

const ToolRow *findEchoProseRow(llvm::StringRef Start) {
  static const llvm::Regex Echo("^(echo|print|display|show|output)[[:space:]]");
  return Echo.match(Start.ltrim().lower()) ? &EchoRow : nullptr;
}

const ToolRow *findToolLessRow(llvm::StringRef Action) {
  // ContextLab lower-cases and trims an action before it dispatches on it.
  std::string Name = Action.trim().lower();
  if (Name.empty()) return nullptr;
  if (const ToolRow *R = findToolRow("", Name)) return R;
  if (Name.front() == '!') return &ShellRow;
  // ContextLab's pattern is DOTALL, as an ERE's `.` is: it spans lines.
  static const llvm::Regex File(FileProse);
  if (findEchoProseRow(Name)) return &EchoRow;
  if (File.match(Name)) return &FileProseRow;
  return nullptr;
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
  for (const NameMapping &M : Row.Fields)
    if (M.From == Field) return M.To;
  if (Field == "result") return "output";
  return Field;
}

}  // namespace orch::ir
