//===- Actions.cpp - The built-in action table ----------------------------===//
#include "ir/Actions.h"

#include <fmt/format.h>

#include <utility>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

namespace orch::ir {

namespace {
constexpr ActionField TextOnly[] = {{"output", Type::String, "the message"}};

constexpr ActionParam EchoParams[] = {
    {"message", Type::Any, true, "the text (other values print as JSON)"},
    {"strip", Type::Bool, false,
     "drop the white space around the text, as Python's str.strip() (default false)"}};

constexpr ActionParam SleepParams[] = {
    {"ms", Type::Int, true, "milliseconds to wait (0 to 86400000)"}};
constexpr ActionField SleepFields[] = {{"output", Type::String, "always empty"},
                                       {"slept_ms", Type::Int, "the time waited"}};

constexpr ActionParam TransformParams[] = {
    {"input", Type::Any, true, "the value to transform"},
    {"op", Type::String, true, "a template filter name or a transform operation"},
    {"transformation", Type::String, false, "the seed's name for `op`", "op"},
    {"args", Type::List, false, "the operation's arguments"}};
constexpr ActionField TransformFields[] = {
    {"output", Type::String, "the result as text"},
    {"value", Type::Any, "the result as a JSON value"}};

constexpr ActionParam ReadParams[] = {
    {"path", Type::String, true, "a path inside the run directory"}};
constexpr ActionField ReadFields[] = {{"output", Type::String, "the file's content"},
                                      {"bytes", Type::Int, "its size"}};

constexpr ActionParam WriteParams[] = {
    {"path", Type::String, true, "a path inside the run directory"},
    {"content", Type::Any, true, "the text (other values are written as JSON)"},
    {"append", Type::Bool, false, "append instead of replacing (default false)"}};
constexpr ActionField WriteFields[] = {{"output", Type::String, "the path written"},
                                       {"bytes", Type::Int, "bytes written"}};

constexpr ActionParam CopyParams[] = {
    {"path", Type::String, true, "the file to copy, inside the run directory"},
    {"destination", Type::String, true, "where to, inside the run directory"}};
constexpr ActionField CopyFields[] = {{"source", Type::String, "the file copied"},
                                      {"destination", Type::String, "the copy"},
                                      {"bytes", Type::Int, "its size"},
                                      {"success", Type::Bool, "true"},
                                      {"output", Type::String, "the copy's path"}};

constexpr ActionParam ListParams[] = {
    {"path", Type::String, true,
     "a directory inside the run directory (`.` is the run directory)"}};
constexpr ActionField ListFields[] = {
    {"items", Type::List,
     "per entry, by name: `name`, `path`, `type` (file, directory, symlink, other), "
     "`size` (a file's bytes, else null)"},
    {"count", Type::Int, "how many entries"},
    {"path", Type::String, "the directory, as given"},
    {"success", Type::Bool, "true"},
    {"output", Type::String, "the names, one a line"}};

constexpr ActionParam HttpParams[] = {
    {"url", Type::String, true, "an http:// or https:// URL"},
    {"method", Type::String, false, "GET (default), POST, PUT, PATCH, DELETE or HEAD"},
    {"headers", Type::Map, false, "request headers"},
    {"body", Type::Any, false, "text, or a value sent as JSON"},
    {"fail_on_status", Type::Bool, false, "an HTTP status >= 400 fails (default true)"}};
constexpr ActionField HttpFields[] = {
    {"output", Type::String, "the response body"},
    {"status_code", Type::Int, "the HTTP status code"},
    {"headers", Type::Map, "response headers, names lower-cased"},
    {"json", Type::Any, "the body parsed as JSON, or null"}};

constexpr ActionParam ShellParams[] = {
    {"command", Type::String, false,
     "run with /bin/sh -c; each non-constant {{ }} is quoted as one word"},
    {"argv", Type::List, false, "a program and its arguments, run without a shell"},
    {"stdin", Type::String, false, "text written to the command's standard input"},
    {"env", Type::Map, false, "environment variables besides PATH, HOME and LANG"},
    {"run_dir", Type::String, false,
     "none (default: a private work directory), read or write"},
    {"limits", Type::Map, false,
     "memory, cpu, cpu_time, disk, processes, open_files, network (over config.yaml's)"}};
constexpr ActionField ShellFields[] = {
    {"output", Type::String, "standard output without its final newline"},
    {"stdout", Type::String, "standard output as written"},
    {"stderr", Type::String, "standard error"},
    {"exit_code", Type::Int, "the exit status (0: success)"},
    {"command", Type::String,
     "the command as run: `command` rendered, or `argv` quoted for a shell"}};

constexpr ActionParam CodeParams[] = {
    {"code", Type::String, false,
     "the program's text; data goes in input or args (python: a {{ }} where it stays "
     "data, docs/actions.md)"},
    {"file", Type::String, false, "a script in the run directory (bound read-only)"},
    {"args", Type::List, false, "arguments (sys.argv[1:], process.argv.slice(1))"},
    {"input", Type::Any, false, "a value written as JSON to standard input"},
    {"env", Type::Map, false, "environment variables besides PATH, HOME and LANG"},
    {"run_dir", Type::String, false,
     "none (default: a private work directory), read or write"},
    {"limits", Type::Map, false,
     "memory, cpu, cpu_time, disk, processes, open_files, network (over config.yaml's)"}};
constexpr ActionField CodeFields[] = {
    {"output", Type::String, "standard output without its final newline"},
    {"json", Type::Any, "standard output parsed as JSON, or null"},
    {"stdout", Type::String, "standard output as written"},
    {"stderr", Type::String, "standard error"},
    {"exit_code", Type::Int, "the exit status (0: success)"}};

constexpr ActionParam GenerateParams[] = {
    {"prompt", Type::String, true, "the user message"},
    {"system", Type::String, false, "the system message"},
    {"max_tokens", Type::Int, false,
     "answer length limit (default: the step's `max_tokens`, else the model's)"},
    {"temperature", Type::Float, false, "sampling temperature (default 0)"},
    {"response_format", Type::String, false,
     "text (default) or json_object: the answer is one JSON object"},
    {"schema", Type::Any, false,
     "a JSON Schema (draft 7) of an object, written in the pipeline: the answer's "
     "fields (structured output), checked against it"}};
constexpr ActionField GenerateFields[] = {{"output", Type::String, "the model's answer"}};

constexpr ActionParam ExtractParams[] = {
    {"text", Type::String, true, "the text to read the fields from"},
    {"schema", Type::Any, true, "a JSON Schema (draft 7) object: the fields to extract"}};
constexpr ActionField ExtractFields[] = {
    {"data", Type::Any, "the fields the model found (with lenient coercions)"},
    {"valid", Type::Bool, "whether they conform to the schema"},
    {"errors", Type::List, "per problem: message, path, schema_path, validator"},
    {"warnings", Type::List, "coercions made"},
    {"model_used", Type::String, "the model that answered"},
    {"output", Type::String, "`data` as JSON text"}};

constexpr ActionParam HumanInputParams[] = {
    {"prompt", Type::String, true, "the question"},
    {"input_type", Type::String, false, "text (default), number, boolean or choice"},
    {"choices", Type::Any, false, "a choice's options: a list, or JSON text of one"},
    {"default", Type::Any, false, "the value when the answers file has none"},
    {"validation_pattern", Type::String, false,
     "a regex the value must match at its start"},
    {"context", Type::String, false, "cli (the only one built)"}};
constexpr ActionField HumanInputFields[] = {
    {"value", Type::Any, "the answer, converted to `input_type`"},
    {"used_default", Type::Bool, "true: the answers file had none for the step"},
    {"input_type", Type::String, "the type asked for"},
    {"output", Type::String, "the value as text"}};
constexpr ActionParam HumanApprovalParams[] = {
    {"title", Type::String, false, "what is to be approved"},
    {"content", Type::Any, true, "the content shown"},
    {"format", Type::String, false, "text, markdown, json (how the content reads)"},
    {"allow_modifications", Type::Bool, false,
     "an answer may change the content (default true)"},
    {"require_reason", Type::Bool, false, "a rejection needs a reason (default true)"},
    {"context", Type::String, false, "cli (the only one built)"}};
constexpr ActionField HumanApprovalFields[] = {
    {"approved", Type::Bool, "the answer"},
    {"action", Type::String, "ContextLab's approve, modify or reject"},
    {"modified_content", Type::String, "the changed content (only when changed)"},
    {"rejection_reason", Type::String, "why it was rejected (only when rejected)"},
    {"reason", Type::String, "a reason given with an approval (only then)"},
    {"output", Type::String, "approved or rejected"}};
constexpr ActionParam HumanFeedbackParams[] = {
    {"title", Type::String, false, "the form's title"},
    {"questions", Type::Any, true,
     "per question: id, text, type (rating, boolean, choice, text), scale, choices"},
    {"required_questions", Type::List, false, "ids that must be answered"},
    {"anonymous", Type::Bool, false, "recorded as given (no identity is kept anyway)"},
    {"save_to_file", Type::String, false, "a file in the run directory for the answers"},
    {"context", Type::String, false, "cli (the only one built)"}};
constexpr ActionField HumanFeedbackFields[] = {
    {"responses", Type::Map, "question id -> the answer"},
    {"response_count", Type::Int, "the questions answered"},
    {"completion_rate", Type::Float, "answered / asked, in percent"},
    {"summary", Type::Map, "rating_average, boolean_summary, choice_summary"},
    {"saved_to_file", Type::Bool, "whether `save_to_file` was written"},
    {"output", Type::String, "`responses` as JSON text"}};

constexpr ActionParam McpParams[] = {
    {"server", Type::String, true, "a server of `mcp_servers:`"},
    {"tool", Type::String, true, "the tool's name"},
    {"arguments", Type::Map, false, "the tool's arguments (templates allowed)"}};
constexpr ActionField McpFields[] = {
    {"output", Type::String, "the result's text content, one block a line"},
    {"structured", Type::Any, "the result's structuredContent, or null"}};
constexpr ActionField McpCallFields[] = {
    {"result", Type::Any,
     "the tools/call result as the server sent it (content, structuredContent, ...)"},
    {"output", Type::String, "the result's text content, one block a line"}};
constexpr ActionParam McpServerOnly[] = {
    {"server", Type::String, true, "a server of `mcp_servers:`"}};
constexpr ActionField McpConnectFields[] = {
    {"connected", Type::Bool, "true: the server answered `initialize`"},
    {"server_name", Type::String, "the server"},
    {"capabilities", Type::Map, "the capabilities the server announced"},
    {"server_info", Type::Map, "the server's name and version, as it sent them"},
    {"protocol_version", Type::String, "the protocol revision agreed"},
    {"output", Type::String, "the other fields as JSON text"}};
constexpr ActionField McpListFields[] = {
    {"tools", Type::List, "per tool: name, description, input_schema"},
    {"count", Type::Int, "the number of tools"},
    {"server_name", Type::String, "the server"},
    {"output", Type::String, "the tools' names, one a line"}};
constexpr ActionField McpDisconnectFields[] = {
    {"disconnected", Type::Bool, "true"},
    {"server_name", Type::String, "the server"},
    {"message", Type::String, "what was done"},
    {"output", Type::String, "the message"}};

constexpr ActionParam DataFilterParams[] = {
    {"input", Type::Any, true, "rows: a list of objects, an object, or JSON or CSV text"},
    {"criteria", Type::Map, false, "field -> the value a row keeps (Python's ==)"},
    {"operation", Type::Map, false, "ContextLab's form: `{criteria: ...}`"},
    {"format", Type::String, false,
     "json (default; text that looks like CSV is read as CSV) or csv (CSV in, CSV "
     "out)"}};
constexpr ActionField DataFilterFields[] = {
    {"data", Type::Any, "the rows kept (CSV text when `format` is csv)"},
    {"original_count", Type::Int, "the rows read"},
    {"filtered_count", Type::Int, "the rows kept"},
    {"value", Type::Map,
     "ContextLab's result: action, criteria, data, original_count, filtered_count"},
    {"output", Type::String, "`data` as text"}};

constexpr ActionParam ModelSelectParams[] = {
    {"task", Type::String, true, "what the model is to do"},
    {"requirements", Type::Map, false,
     "task_type, complexity (simple, moderate, complex), capabilities, max_tokens, "
     "domain: what the task needs, over what its text says"},
    {"cost_weight", Type::Float, false, "how much a low price counts (default 0.3)"},
    {"quality_weight", Type::Float, false,
     "how much accuracy and a listed task count (default 0.7)"},
    {"latency_weight", Type::Float, false, "how much a low latency counts (default 0)"},
    {"models", Type::List, false,
     "the candidates (default: the registry's models but quantized variants)"}};
constexpr ActionField ModelSelectFields[] = {
    {"selected_model", Type::String, "the best model's name"},
    {"score", Type::Float, "its score, 0 to 1"},
    {"reasons", Type::List, "what counted for it"},
    {"estimated_cost", Type::Float,
     "USD for 1,000 tokens in and 1,000 out (0: unpriced)"},
    {"estimated_latency", Type::Float, "its median latency in seconds (0: unknown)"},
    {"task_analysis", Type::Map,
     "task_type, complexity, required_capabilities, max_tokens, domain, response_format, "
     "other_requirements"},
    {"fallback_models", Type::List, "the next three, best first"},
    {"all_scores", Type::List,
     "every candidate that can take the task: model, score, "
     "reasons, best first"},
    {"excluded", Type::List, "the candidates that cannot: model, reasons"},
    {"output", Type::String, "the best model's name"}};

constexpr ActionParam ModelBatchParams[] = {
    {"tasks", Type::List, true,
     "the prompts, each text or a mapping with `task` and `context`"},
    {"optimization_goal", Type::String, false,
     "minimize_cost (default), balanced, maximize_quality: how each task's model is "
     "routed"},
    {"constraints", Type::Map, false,
     "max_budget_per_task, total_budget (USD), max_latency (seconds)"},
    {"models", Type::Any, false, "the candidates, by name (default: the registry's)"},
    {"max_tokens", Type::Int, false, "the longest answer to each task"},
    {"temperature", Type::Float, false, "sampling temperature"}};
constexpr ActionField ModelBatchFields[] = {
    {"results", Type::List, "each task's answer, in order"},
    {"models_used", Type::List, "the models asked, first use first"},
    {"total_cost", Type::Float, "USD: the answers' tokens at the registry's prices"},
    {"average_cost", Type::Float, "USD a task"},
    {"strategy", Type::String, "the optimization goal"},
    {"optimization_goal", Type::String, "the optimization goal"},
    {"task_count", Type::Int, "how many tasks"},
    {"tasks", Type::List,
     "for each: task_index, model, input_tokens, output_tokens, cost"},
    {"output", Type::String, "the results as JSON text"}};

constexpr ActionParam ModelRouteParams[] = {
    {"request", Type::String, false, "one request to route (or `tasks`)"},
    {"strategy", Type::String, false,
     "for `request`: capability_based (default), cost_optimized, round_robin, "
     "least_loaded"},
    {"max_concurrent", Type::Int, false,
     "for `request`: requests this run may route to one model (default 5)"},
    {"tasks", Type::List, false,
     "tasks to route, each text or a mapping with `task` and `context`"},
    {"routing_strategy", Type::String, false,
     "for `tasks`: balanced (default), cost, cost_optimized, quality, "
     "quality_optimized, capability_based, speed"},
    {"constraints", Type::Map, false,
     "for `tasks`: total_budget, max_cost_per_task (USD), max_latency (seconds)"},
    {"models", Type::Any, false,
     "the candidates, by name (default: the registry's models but quantized "
     "variants)"},
    {"timeout", Type::Float, false, "accepted; routing waits for nothing"}};
constexpr ActionField ModelRouteFields[] = {
    {"selected_model", Type::String, "`request`: the model chosen"},
    {"routing_reason", Type::String, "`request`: why"},
    {"strategy", Type::String, "`request`: the strategy used"},
    {"current_load", Type::Int,
     "`request`: requests this run has routed to the model, this one included"},
    {"average_latency", Type::Float,
     "`request`: the model's median latency in seconds (0: unknown)"},
    {"all_loads", Type::Map, "`request`: requests routed to each candidate"},
    {"recommendations", Type::List,
     "`tasks`: for each, task_index, model (null: none fits), score, "
     "estimated_cost, estimated_latency, reasons"},
    {"total_estimated_cost", Type::Float, "`tasks`: USD, the recommendations' sum"},
    {"models_selected", Type::List, "`tasks`: the models recommended, first use first"},
    {"routing_strategy", Type::String, "`tasks`: the strategy used"},
    {"tasks_count", Type::Int, "`tasks`: how many"},
    {"output", Type::Any,
     "the model chosen (`request`), or the model of each task (`tasks`)"}};

constexpr ActionParam PromptOptimizeParams[] = {
    {"prompt", Type::String, true, "the prompt"},
    {"model", Type::String, false, "the model it is for (its family's rules apply)"},
    {"optimization_goals", Type::Any, false,
     "clarity, brevity, specificity, model_specific (default clarity and "
     "model_specific)"},
    {"max_tokens", Type::Int, false,
     "cut the prompt to this many tokens (a token for four characters)"},
    {"preserve_intent", Type::Bool, false,
     "cut the middle, keeping both ends (default true), else the end"}};
constexpr ActionField PromptOptimizeFields[] = {
    {"optimized_prompt", Type::String, "the rewritten prompt"},
    {"original_prompt", Type::String, "the prompt as given"},
    {"model", Type::Any, "the model it is for, or null"},
    {"applied_optimizations", Type::List, "the goals that changed it, and truncation"},
    {"metrics", Type::Map,
     "original_tokens, optimized_tokens, token_reduction, reduction_percentage"},
    {"recommendations", Type::List, "what else would help"},
    {"output", Type::String, "the rewritten prompt"}};

constexpr ActionParam MemoryStoreParams[] = {
    {"namespace", Type::String, false, "the namespace (default `default`)"},
    {"key", Type::String, true, "the key"},
    {"value", Type::Any, false, "the value (default null)"},
    {"ttl", Type::Int, false, "seconds the key lives (default 0: until the run ends)"}};
constexpr ActionParam MemoryKeyParams[] = {
    {"namespace", Type::String, false, "the namespace (default `default`)"},
    {"key", Type::String, true, "the key"}};
constexpr ActionParam MemoryNamespaceParams[] = {
    {"namespace", Type::String, false, "the namespace (default `default`)"}};
constexpr ActionField MemoryStoreFields[] = {
    {"namespace", Type::String, "the namespace"},
    {"key", Type::String, "the key"},
    {"stored", Type::Bool, "true"},
    {"ttl", Type::Int, "the ttl given (0: none)"},
    {"output", Type::String, "the other fields as JSON text"}};
constexpr ActionField MemoryRetrieveFields[] = {
    {"namespace", Type::String, "the namespace"},
    {"key", Type::String, "the key"},
    {"value", Type::Any, "the value stored, or null"},
    {"found", Type::Bool, "whether the key holds a value"},
    {"expired", Type::Bool, "true: its ttl ran out (it is removed)"},
    {"metadata", Type::Map, "stored_at (Unix seconds), ttl and type of the value"},
    {"output", Type::String, "the value as text (JSON unless text), or empty"}};
constexpr ActionField MemoryListFields[] = {
    {"namespace", Type::String, "the namespace"},
    {"keys", Type::List, "the live keys, in the order first stored"},
    {"count", Type::Int, "the number of keys"},
    {"output", Type::String, "the keys, one a line"}};
constexpr ActionField MemoryClearFields[] = {
    {"namespace", Type::String, "the namespace"},
    {"cleared", Type::Bool, "true"},
    {"count", Type::Int, "the number of keys removed"},
    {"output", Type::String, "the other fields as JSON text"}};
constexpr ActionParam SearchParams[] = {
    {"query", Type::String, true, "what to search for"},
    {"max_results", Type::Int, false, "at most this many results (1 to 100, default 10)"},
    {"backend", Type::String, false,
     "searxng, brave, google (default: the first one configured) or duckduckgo "
     "(only when named)"}};
constexpr ActionField SearchFields[] = {
    {"results", Type::List, "per result: title, url, snippet and rank (1 first)"},
    {"total_results", Type::Int, "the number of results"},
    {"query", Type::String, "the query sent"},
    {"backend", Type::String, "the search service that answered"},
    {"output", Type::String, "the results as JSON text"}};
constexpr ActionParam PdfParams[] = {
    {"markdown_content", Type::String, true, "the document, in Markdown"},
    {"output_path", Type::String, false,
     "the `.pdf` file, in the run directory (default report.pdf)"},
    {"title", Type::String, false, "a title above the text, and the file's title"},
    {"author", Type::String, false, "shown under the title, and the file's author"}};
constexpr ActionField PdfFields[] = {
    {"output_path", Type::String, "the file written"},
    {"file_size", Type::Int, "its bytes"},
    {"pages", Type::Int, "its pages"},
    {"replaced_characters", Type::Int,
     "characters the PDF's standard fonts cannot show, written as `?`"},
    {"message", Type::String, "what was written"},
    {"success", Type::Bool, "true (a file that cannot be written fails the step)"},
    {"output", Type::String, "`output_path` again"}};
constexpr ActionParam ScrapeParams[] = {
    {"url", Type::String, true, "the page: an http:// or https:// URL"},
    {"max_content_length", Type::Int, false,
     "read at most this many bytes of it (1024 to 64 MiB, default 1 MiB)"}};
constexpr ActionField ScrapeFields[] = {
    {"text", Type::String,
     "the page's text: script and style left out, white space "
     "collapsed"},
    {"word_count", Type::Int, "the number of words in `text`"},
    {"title", Type::String, "the text of its `<title>`, or \"\""},
    {"description", Type::String,
     "its `description` (or `og:description`) meta tag, or \"\""},
    {"meta_tags", Type::Map, "its `<meta>` tags: name (or property) -> content"},
    {"links", Type::List, "per `<a href>`: url (resolved), text, title"},
    {"images", Type::List, "per `<img src>`: url (resolved), alt, title"},
    {"url", Type::String, "the URL asked for"},
    {"final_url", Type::String, "the URL that answered, after redirects"},
    {"status_code", Type::Int, "the HTTP status"},
    {"content_type", Type::String, "the answer's Content-Type"},
    {"content_length", Type::Int, "the bytes read"},
    {"truncated", Type::Bool, "true: the page was cut at `max_content_length`"},
    {"output", Type::String, "`text` again"}};
constexpr ActionParam ValidateParams[] = {
    {"data", Type::Any, true, "the value to check (text is read as JSON, else as CSV)"},
    {"schema", Type::Any, true, "a JSON Schema (draft 7) object"},
    {"mode", Type::String, false,
     "strict (default), lenient (coerces scalars to the schema's types) or "
     "report_only (problems are warnings)"},
    {"fail_on_invalid", Type::Bool, false,
     "data that does not conform fails the step (default false: `valid` says it)"}};
constexpr ActionField ValidateFields[] = {
    {"valid", Type::Bool, "whether the data conforms"},
    {"errors", Type::List, "per problem: message, path, schema_path, validator"},
    {"warnings", Type::List, "coercions (lenient) and problems (report_only)"},
    {"data", Type::Any, "the data checked, with lenient coercions applied"},
    {"mode", Type::String, "the mode used"},
    {"rows_validated", Type::Int,
     "the rows checked one by one (a list of objects and an object schema), else 0"},
    {"output", Type::String, "the other fields as JSON text"}};
constexpr ActionField LoopFields[] = {
    {"results", Type::List, "per item: body step id -> its result, in item order"},
    {"count", Type::Int, "the number of items"},
    {"output", Type::String, "the results as JSON text"}};
constexpr ActionField WhileFields[] = {
    {"results", Type::List, "per iteration: body step id -> its result, in order"},
    {"count", Type::Int, "the number of iterations run"},
    {"iteration", Type::Int, "iterations done (inside the body: this one's number)"},
    {"max_reached", Type::Bool,
     "true if it stopped at `max_iterations` with its condition still asking for more"},
    {"output", Type::String, "the results as JSON text"}};

constexpr ActionParam ChartParams[] = {
    {"data", Type::Any, true, "rows: a list of objects, an object, or JSON or CSV text"},
    {"chart_types", Type::Any, false,
     "bar, pie, line, scatter, histogram or auto (default), or a list of them"},
    {"output_dir", Type::String, false,
     "a directory in the run directory (default charts)"},
    {"title", Type::String, false, "the charts' title"},
    {"width", Type::Int, false, "pixels, 100 to 10000 (default 800)"},
    {"height", Type::Int, false, "pixels, 100 to 10000 (default 600)"},
    {"format", Type::String, false, "svg (the only format drawn)"},
    {"theme", Type::String, false, "default, seaborn (the same light look) or dark"}};
constexpr ActionField ChartFields[] = {
    {"charts", Type::List, "the files written, `<type>_chart.svg` in output_dir"},
    {"files", Type::List, "the same list (ContextLab's other name)"},
    {"count", Type::Int, "the number of charts"},
    {"output_dir", Type::String, "the directory written to"},
    {"chart_types", Type::List, "the types drawn (`auto` replaced by its choice)"},
    {"success", Type::Bool,
     "true: every chart asked for was drawn (else the step fails)"},
    {"output", Type::String, "`charts` as JSON text"}};

constexpr ActionParam PipelineParams[] = {
    {"inputs", Type::Map, false, "a sub-pipeline call's bound inputs"},
    {"outputs", Type::Map, false, "a sub-pipeline's outputs"}};
constexpr ActionField PipelineFields[] = {
    {"inputs", Type::Map, "the bound inputs"},
    {"outputs", Type::Map, "the sub-pipeline's outputs"},
    {"output", Type::String, "the outputs as JSON text"}};

#include "ir/ActionsData.inc"

constexpr ActionInfo Table[] = {
    {"chart", "draws charts of rows as SVG files in the run directory", ChartParams,
     ChartFields, false, true},
    {"chart.dashboard", "writes an HTML page showing chart files", DashboardParams,
     DashboardFields, false, true},
    {"data.clean", "drops duplicate rows, fills or drops missing cells and outliers",
     DataCleanParams, DataShapeFields, false, true},
    {"data.filter", "keeps the rows whose fields equal `criteria`", DataFilterParams,
     DataFilterFields, false, true},
    {"data.aggregate", "sums, counts, averages columns, over the table or per group",
     DataAggregateParams, DataAggregateFields, false, true},
    {"data.convert", "writes data as JSON or CSV text", DataConvertParams,
     DataConvertFields, false, true},
    {"data.merge", "stacks or joins tables", DataMergeParams, DataMergeFields, false,
     true},
    {"data.pivot", "makes a pivot table of rows", DataPivotParams, DataPivotFields, false,
     true},
    {"data.profile", "describes a table's columns: missing cells, kinds, statistics",
     DataProfileParams, DataProfileFields, false, true},
    {"data.transform", "applies a list of transformations to rows", DataTransformParams,
     DataTransformFields, false, true},
    {"echo", "returns its message", EchoParams, TextOnly, false, true},
    {"file.copy", "copies a file within the run directory", CopyParams, CopyFields, false,
     true},
    {"file.list", "lists a directory in the run directory", ListParams, ListFields, false,
     true},
    {"file.read", "reads a file in the run directory", ReadParams, ReadFields, false,
     true},
    {"file.write", "writes a file in the run directory", WriteParams, WriteFields, false,
     true},
    {"extract", "asks a model for the fields a JSON Schema describes in a text",
     ExtractParams, ExtractFields, true, false, false, false, false, false, true},
    {"for_each",
     "runs its nested `steps` once per item (docs/control-flow.md)",
     {},
     LoopFields},
    {"generate", "asks a model (chat)", GenerateParams, GenerateFields, true},
    {"http.request", "sends an HTTP request", HttpParams, HttpFields},
    {"human.approval", "takes a person's approval from the run's answers file",
     HumanApprovalParams, HumanApprovalFields, false, true, false, false, false, true},
    {"human.feedback", "takes a person's answers to a form from the run's answers file",
     HumanFeedbackParams, HumanFeedbackFields, false, true, false, false, false, true},
    {"human.input", "takes a person's answer from the run's answers file",
     HumanInputParams, HumanInputFields, false, true, false, false, false, true},
    {"mcp", "calls a tool of an MCP server", McpParams, McpFields, false, false, false,
     true},
    {"mcp.call", "calls a tool of an MCP server and answers its result as sent",
     McpParams, McpCallFields},
    {"mcp.connect", "starts an MCP server and says what it announced", McpServerOnly,
     McpConnectFields, false, false, false, false, false, true},
    {"mcp.disconnect", "ends the connection to an MCP server", McpServerOnly,
     McpDisconnectFields, false, false, false, false, false, true},
    {"mcp.list", "lists the tools of an MCP server", McpServerOnly, McpListFields},
    {"memory.clear", "removes every key of a namespace of the run's memory",
     MemoryNamespaceParams, MemoryClearFields, false, true, false, false, true, true},
    {"memory.list", "lists the keys of a namespace of the run's memory",
     MemoryNamespaceParams, MemoryListFields, false, true, false, false, true, true},
    {"memory.retrieve", "reads a key of the run's memory", MemoryKeyParams,
     MemoryRetrieveFields, false, true, false, false, true, true},
    {"memory.store", "stores a value under a key of the run's memory", MemoryStoreParams,
     MemoryStoreFields, false, true, false, false, true, true},
    // Never cached: the registry it reads is no part of a cache key.
    {"model.batch",
     "asks each of a list of tasks of the model routing recommends for it, at run time",
     ModelBatchParams, ModelBatchFields, false, false, false, false, false, true, false,
     true},
    // Never cached, as model.batch. Its routes are counted in the process
    // (`round_robin`, `least_loaded`, `max_concurrent`): a resumed run
    // routes a `request` again (RunReport takes a routed task list over).
    {"model.route",
     "routes a request, or each of a list of tasks, to a model of the registry, at "
     "run time",
     ModelRouteParams, ModelRouteFields, false, true, false, false, true, true},
    {"model.select", "chooses the registry's model that suits a task best, at run time",
     ModelSelectParams, ModelSelectFields, false, true, false, false, false, true},
    {"node", "runs JavaScript in the sandbox", CodeParams, CodeFields, false, false,
     true},
    {"pdf.compile", "lays Markdown out on PDF pages in the run directory", PdfParams,
     PdfFields, false, true},
    {"pipeline",
     "a sub-pipeline call's inputs and outputs (the front end writes these; "
     "docs/control-flow.md)",
     PipelineParams, PipelineFields, false, true},
    {"prompt.optimize", "rewrites a prompt by fixed rules, without a model",
     PromptOptimizeParams, PromptOptimizeFields, false, true},
    {"python", "runs Python in the sandbox", CodeParams, CodeFields, false, false, true},
    {"shell", "runs a shell command", ShellParams, ShellFields, false, false, true},
    {"sleep", "waits", SleepParams, SleepFields},
    {"transform", "applies a pure string or JSON operation", TransformParams,
     TransformFields, false, true},
    {"validate", "checks data against a JSON Schema (docs/actions.md)", ValidateParams,
     ValidateFields, false, true},
    {"web.scrape", "fetches a web page and answers its text, title, links and images",
     ScrapeParams, ScrapeFields},
    {"web.search", "asks a web search service (docs/actions.md)", SearchParams,
     SearchFields},
    {"while",
     "runs its nested `steps` while (or until) a condition holds, at most "
     "`max_iterations` times (docs/control-flow.md)",
     {},
     WhileFields},
};

constexpr llvm::StringRef ExtraOps[] = {"get",       "keys",  "lowercase", "parse_json",
                                        "reverse",   "sort",  "split",     "unique",
                                        "uppercase", "values"};

/// The seed's transformation names and the filters they run.
constexpr std::pair<llvm::StringRef, llvm::StringRef> SeedOps[] = {
    {"lowercase", "lower"}, {"uppercase", "upper"}};
}  // namespace

llvm::ArrayRef<ActionInfo> builtinActions() { return Table; }

const ActionInfo *findBuiltinAction(llvm::StringRef Name) {
  for (const ActionInfo &A : Table)
    if (A.Name == Name) return &A;
  return nullptr;
}

bool isIntegerParam(const ActionInfo &A, llvm::StringRef Param) {
  return llvm::any_of(A.Params, [&](const ActionParam &P) {
    return P.Name == Param && P.Ty == Type::Int;
  });
}

bool isModelAction(llvm::StringRef Name) {
  const ActionInfo *A = findBuiltinAction(Name);
  return !A || A->UsesModel;
}

bool asksModels(llvm::StringRef Name) {
  const ActionInfo *A = findBuiltinAction(Name);
  return isModelAction(Name) || (A && A->AsksModels);
}

bool batchable(llvm::StringRef Name) {
  const ActionInfo *A = findBuiltinAction(Name);
  return isModelAction(Name) && !(A && A->Alone);
}

bool isMcpAction(llvm::StringRef Name) {
  return Name == "mcp" || Name.starts_with("mcp.");
}

llvm::ArrayRef<llvm::StringRef> transformOps() { return ExtraOps; }

llvm::ArrayRef<llvm::StringRef> dataTransformTypes() { return TransformTypes; }

llvm::ArrayRef<ParamChoices> paramChoices() { return Choices; }

llvm::ArrayRef<llvm::StringRef> paramChoices(llvm::StringRef Action,
                                             llvm::StringRef Param) {
  for (const ParamChoices &C : Choices)
    if (C.Action == Action && C.Param == Param) return C.Values;
  return {};
}

llvm::StringRef canonicalTransformOp(llvm::StringRef Name) {
  for (const auto &[Seed, Op] : SeedOps)
    if (Seed == Name) return Op;
  return Name;
}

llvm::ArrayRef<llvm::StringRef> httpMethods() {
  static constexpr llvm::StringRef Methods[] = {"GET",   "POST",   "PUT",
                                                "PATCH", "DELETE", "HEAD"};
  return Methods;
}

llvm::ArrayRef<llvm::StringRef> responseFormats() {
  static constexpr llvm::StringRef Names[] = {"text", "json_object"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> requestRouteStrategies() {
  static constexpr llvm::StringRef Names[] = {"capability_based", "cost_optimized",
                                              "round_robin", "least_loaded"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> taskRouteStrategies() {
  static constexpr llvm::StringRef Names[] = {
      "balanced",         "cost", "cost_optimized", "quality", "quality_optimized",
      "capability_based", "speed"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> batchGoals() {
  static constexpr llvm::StringRef Names[] = {"minimize_cost", "balanced",
                                              "maximize_quality"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> promptGoals() {
  static constexpr llvm::StringRef Names[] = {"clarity", "brevity", "specificity",
                                              "model_specific"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> validationModes() {
  static constexpr llvm::StringRef Names[] = {"strict", "lenient", "report_only"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> chartTypeNames() {
  static constexpr llvm::StringRef Names[] = {"bar", "pie", "line", "scatter",
                                              "histogram"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> chartThemes() {
  static constexpr llvm::StringRef Names[] = {"default", "seaborn", "dark"};
  return Names;
}

llvm::ArrayRef<llvm::StringRef> searchBackends() {
  static constexpr llvm::StringRef Names[] = {"searxng", "brave", "google", "duckduckgo"};
  return Names;
}

std::string httpTextProblem(HttpPart Part, llvm::StringRef Text) {
  for (char C : Text) {
    if (C == '\r') return "a carriage return (CR)";
    if (C == '\n') return "a line feed (LF)";
    if (C == '\0') return "a NUL byte";
  }
  if (Part != HttpPart::HeaderName) return "";
  if (Text.empty()) return "no characters";
  for (char C : Text) {
    bool Token = llvm::isAlnum(C) || llvm::StringRef("!#$%&'*+-.^_`|~").contains(C);
    if (!Token)
      return static_cast<unsigned char>(C) < 0x20 || static_cast<unsigned char>(C) >= 0x7f
                 ? fmt::format("the byte 0x{:02x}", static_cast<unsigned char>(C))
                 : fmt::format("the character `{}`", C);
  }
  return "";
}

std::string envNameProblem(llvm::StringRef Name) {
  auto Word = [](char C) { return llvm::isAlnum(C) || C == '_'; };
  if (Name.empty() || llvm::isDigit(Name.front()) || !llvm::all_of(Name, Word))
    return fmt::format(
        "`{}` is not a variable name (letters, digits and `_`, not starting with a "
        "digit)",
        Name.str());
  // The loader's and the C library's variables: code or data they load.
  static constexpr llvm::StringLiteral Unsafe[] = {
      "BASH_ENV",    "ENV",         "GCONV_PATH",      "GETCONF_DIR",  "GLIBC_TUNABLES",
      "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",         "MALLOC_TRACE", "NIS_PATH",
      "NLSPATH",     "RES_OPTIONS", "RESOLV_HOST_CONF"};
  if (Name.starts_with("LD_") || llvm::is_contained(Unsafe, Name))
    return fmt::format(
        "`{}` makes the loader or the C library load code or data: it may not be set",
        Name.str());
  return "";
}

}  // namespace orch::ir
