//===- ToolMap.h - ContextLab's tools mapped to built-in actions -*- C++ -*-===//
//
// Pipelines written for the ContextLab orchestrator name a `tool:` and an
// `action:` (`tool: filesystem`, `action: read`), or a tool-less action of
// theirs (`action: generate_text`). This table says what each pair becomes
// here: a built-in action or an LLM task, with its parameters and result
// fields renamed, or nothing, and why. docs/language.md §14 prints it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

namespace orch::ir {

/// A name in ContextLab's spelling and the name it has here.
struct NameMapping {
  llvm::StringRef From;
  llvm::StringRef To;
};

/// One (tool, action) pair of ContextLab.
struct ToolRow {
  /// ContextLab's tool (`filesystem`); empty for a tool-less action.
  llvm::StringRef Tool;
  /// ContextLab's action (`read`); `*` for every action of Tool.
  llvm::StringRef Action;
  /// The action it runs here (`file.read`), or empty: no equivalent (Why).
  llvm::StringRef Target;
  /// Parameters renamed (`max_completion_tokens` -> `max_tokens`).
  llvm::ArrayRef<NameMapping> Params;
  /// Result fields as ContextLab names them (`content`) and here (`output`).
  llvm::ArrayRef<NameMapping> Fields;
  /// The parameter `model` is the step's `model:`.
  bool ModelParam = false;
  /// Empty Target: what to write instead. Otherwise a note for the docs.
  llvm::StringRef Why;
  /// Parameters accepted and dropped: they ask for what happens here anyway
  /// (`capture_output`: output is always captured).
  llvm::ArrayRef<llvm::StringRef> Ignored = {};
  /// Parameters the target takes but this row fixes (`method` of a GET):
  /// `UnknownActionParam`.
  llvm::ArrayRef<llvm::StringRef> Forbidden = {};
  /// Set on a dispatch row (`mcp-memory`'s `execute`): the parameter whose
  /// constant value names the tool's action (`parameters: {action:
  /// store}`); the row for that action says what runs.
  llvm::StringRef ActionParam = {};
  /// A dispatch row whose ActionParam may be absent: the action it then
  /// names (`multi-model-routing` routes one `request`); empty: required.
  llvm::StringRef DefaultAction = {};
  /// Parameters ContextLab's tool never reads (`validation_level`): dropped
  /// with the warning ToolParamUnread.
  llvm::ArrayRef<llvm::StringRef> Unread = {};
  /// What to write instead of an Unread parameter ("" for nothing).
  llvm::StringRef UnreadWhy = {};
};

/// Every row, tools in alphabetical order, tool-less actions last.
llvm::ArrayRef<ToolRow> toolRows();

/// The row for \p Tool and \p Action (a tool's `*` row when it has no row
/// for the action), or null: \p Tool is unknown, or has no such action.
const ToolRow *findToolRow(llvm::StringRef Tool, llvm::StringRef Action);

/// The row of a tool-less ContextLab action (`generate_text`), or null.
const ToolRow *findToolLessRow(llvm::StringRef Action);

/// The row of ContextLab's echo prose (`echo TEXT`) when \p Start, the
/// text of an action up to its first template, begins with its word (echo,
/// print, display, show, output, in any case) and white space; else null.
const ToolRow *findEchoProseRow(llvm::StringRef Start);

/// Does the table know \p Tool at all?
bool isKnownTool(llvm::StringRef Tool);

/// The actions the table lists for \p Tool, in table order.
llvm::SmallVector<llvm::StringRef, 8> toolActions(llvm::StringRef Tool);

/// The distinct tools of the table, in table order.
llvm::SmallVector<llvm::StringRef, 16> knownTools();

/// The field a ContextLab result field \p Field is here, by \p Row (and
/// `result` -> `output` for a row that does not rename it); \p Field itself
/// when not renamed.
llvm::StringRef mapResultField(const ToolRow &Row, llvm::StringRef Field);

}  // namespace orch::ir
