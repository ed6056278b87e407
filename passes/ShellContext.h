//===- ShellContext.h - Where a value lands in a shell command -*- C++ -*-===//
//
// The secure-steps pass quotes every `{{ }}` of a `shell` command as one
// word. That keeps a value data only where the shell reads a plain word of
// a command's arguments: not inside '...' or "..." (ShellQuotedValue), not
// in a here-document's body (ShellHeredocValue), not as the code that
// `eval`, `trap`, `sh -c`, `awk` or `bash <<<` runs (ShellCodeValue), and
// not where this lexer cannot be sure (ShellUnsureValue: after a
// backslash, in a comment, in `$((...))` or backquotes, glued to an option
// of a program that runs code, or as the command itself), nor where a
// program re-parses it at run time (ShellRunTimeCode: piped into `sh`,
// `python -` or `xargs sh -c`, `ssh`'s remote command, `watch`, the file of
// `source`), also through a function the command defines and calls
// (`f() { echo v; }; f | sh`; a redirection on the definition applies to
// its calls), through a command named at run time (`$c | sh`, `| $c`, `$c v`:
// it may be anything), an alias, a variable holding a value (`c=v; eval
// "$c"`) or a function's arguments (`f() { eval "$1"; }; f v`).
// Over all that, the coarse rule (review 5): with a reader of code anywhere
// in the command, a value that is not a plain argument of a plain command
// (a variable, a function, a pipe into anything but a data reader, a file,
// a group, `$(...)`) is RunTime; see docs/sandbox.md §5.
// A variable assigned a literal program name once, unconditionally, before
// it names a command (`PYTHON=python3; "$PYTHON" s.py v`) stands for that
// name; bash arrays (`a=(x v)`, `a+=(...)`) hold their values like any
// variable; arithmetic (`$((c))`, `((...))`) counts as a reader of code;
// a value where an interpreter reads its options or script (`python3 v`) is
// Unsure.
// ShellContext follows the command's literal text, one piece
// at a time, and says for each value where it lands; a pipe can change that later (`{{ x
// }} | sh`), so finish() gives the final word on each.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

namespace orch::passes {

/// Where a value between two pieces of command text lands.
struct ShellSpot {
  enum Kind {
    Word,           ///< an ordinary word: quoting keeps it data
    SingleQuoted,   ///< inside '...'
    DoubleQuoted,   ///< inside "..."
    Heredoc,        ///< in the body of an unquoted here-document
    QuotedHeredoc,  ///< in the body of a quoted one (<<'EOF')
    Code,           ///< code that a program runs (Runner says which)
    Unsure,         ///< a place the lexer cannot vouch for (Runner says why)
    RunTime,        ///< re-parsed as code at run time (Runner says by what)
  } K = Word;
  std::string Runner;  ///< Code: `eval`, `sh -c`, ...; Unsure: the reason.
};

/// A small lexer for the literal text of a command: quotes, backslashes,
/// comments, `$(...)` nested in "...", here-documents and the words of the
/// current simple command.
class ShellContext {
 public:
  /// Follows \p Text, literal command text.
  void text(llvm::StringRef Text);
  /// Where a value placed here lands, as far as the text so far tells;
  /// then counts it as (part of) a word.
  ShellSpot value();
  /// Ends the command; where each value (in order of value()) lands, now
  /// that the programs reading the pipes after it are known.
  const std::vector<ShellSpot> &finish();

 private:
  /// One level of `$(...)`, backquotes or `$((...))`, or the command itself.
  struct Frame {
    char Kind = 0;   ///< 0: the command; '(': $(...); 'p': <(...); '`'; 'a': $((...)).
    char Quote = 0;  ///< ' or " open, else 0.
    int Depth = 0;   ///< Open plain parentheses inside this frame.
    std::vector<std::string> Words;  ///< Of the current simple command.
    std::string Cur;                 ///< The word being read.
    bool InWord = false;
    bool AfterPipe = false;            ///< The current command reads a pipe.
    std::vector<unsigned> Piped;       ///< Values feeding the current pipe.
    std::vector<unsigned> Seen;        ///< Every value in this frame.
    std::vector<unsigned> WordValues;  ///< The values in the word being read.
    /// An open `( ... )`, `{ ... }`, `if`, `for`, `while`, `until`,
    /// `select` or `case`: all it prints is the output of the command it
    /// is part of (`{ a; b; } | sh`).
    struct Group {
      unsigned First = 0;    ///< Its first value.
      bool Paren = false;    ///< `(` (closed by `)`), else a reserved word.
      std::string Function;  ///< The body of this function (`f() { ... }`).
      /// The names it calls (or runs as code: `trap f EXIT`): it prints
      /// what those functions print, resolved when it runs (a function
      /// defined after it counts).
      std::vector<std::string> Called;
      /// What in it runs its standard input as code (`{ sh; }`), "" if nothing.
      std::string Reads;
      /// A positional parameter (`$1`, `"$@"`) is read in it; UsesArgs: where
      /// it may run as code.
      bool Positional = false, UsesArgs = false;
      /// Values of variables it expands (`$c` after `c={{ x }}`).
      std::vector<unsigned> Extra;
    };
    std::vector<Group> Groups;
    /// A function's header was read (`f()`, `function f`): the group that
    /// opens next is its body.
    std::string Defining;
    /// The function whose definition the current command is (`f() { ... }
    /// > out`): its redirections apply to every call.
    std::string Defined;
    size_t CmdStart = 0;  ///< Piped's size when the current command began.
    /// The process substitutions (`<(...)`) among the current command's
    /// words: the word's index and the values inside.
    std::vector<std::pair<size_t, std::vector<unsigned>>> Substs;
    /// `>(...)`: this frame is an output process substitution; Reader is
    /// what runs its input as code (`>(sh)`), "" if nothing does.
    bool Output = false;
    std::string Reader;
    /// The current command writes into a `>(...)` whose reader runs code.
    std::string OutReader;
    /// `exec > >(sh)`: every later command's output is run as code.
    std::string ExecReader;
    /// The values placed as plain words of the current simple command, and
    /// those of the commands piped into it (the coarse rule).
    std::vector<unsigned> CmdValues, PipeWait;
    /// Inside `NAME=( ... )`: the elements are part of the assignment word.
    bool Array = false;
    /// The quotes of the word being read: how many were opened (a backslash
    /// counts two), and where the last `"..."` opened and closed in Cur.
    unsigned Quotes = 0;
    size_t QuoteOpen = 0, QuoteClose = 0;
    /// The text of `$((...))` (this frame's, when it is one).
    std::string Arith;
  };
  Frame &top() { return Frames.back(); }
  void endWord();
  void openGroup(bool Paren, std::string Function);
  void closeGroup(bool Paren);
  bool functionHeader(llvm::StringRef Text, size_t &I);
  void callsFunction();
  void endCommand(bool Pipe = false);
  void newline();
  void push(char Kind);
  void pop();
  size_t heredocOperator(llvm::StringRef Text, size_t I);
  ShellSpot argument();

  std::vector<Frame> Frames{Frame()};
  bool Escape = false, Comment = false;
  struct Doc {
    std::string Delim;
    bool Quoted, StripTabs;
  };
  std::vector<Doc> Pending;      ///< Here-documents whose body starts at the next line.
  std::vector<Doc> Bodies;       ///< Front: the body being read.
  std::string Line;              ///< The body's current line.
  std::vector<ShellSpot> Spots;  ///< Each value's, in order.
  /// A function the command defines: the values its body prints and the
  /// names it calls.
  struct Function {
    std::vector<unsigned> Values;
    std::vector<std::string> Calls;
    std::string Reads;      ///< What in it runs its standard input as code.
    bool UsesArgs = false;  ///< Its body reads `$1`, `$@`, ...
  };
  llvm::StringMap<Function> Functions;
  /// Functions defined with their output sent into a process substitution
  /// that runs code (`f() { ...; } > >(sh)`), with that reader: resolved in
  /// finish(), when every function they call is known.
  std::vector<std::pair<Function, std::string>> CodeSinks;
  /// Values passed to a function call (`f {{ x }}`), by the name called:
  /// resolved in finish() against what the function does with `$1`.
  std::vector<std::pair<std::string, unsigned>> Passed;
  /// The variables that may hold a value (`c={{ x }}`, `for c in {{ x }}`,
  /// `read c`, `d=$c`), in text order, and the values they may hold.
  llvm::StringMap<std::vector<unsigned>> Tainted;
  /// The aliases the command defines: a name and the first word it stands
  /// for (`alias p=eval`).
  llvm::StringMap<std::string> Aliases;
  /// What runs the standard input of the command \p Words as code: a
  /// program (stdinRunner), a command named at run time (`| $c`), or a
  /// function the command defines that does (`s() { sh; }; … | s`).
  std::string readerOf(llvm::ArrayRef<std::string> Words) const;
  /// Follows what the word just read does with variables (`c=…`, `$c`).
  void variables();
  /// Marks \p Values (if still Word) as landing at \p S, reached through
  /// \p Via (`$c`).
  void lands(llvm::ArrayRef<unsigned> Values, ShellSpot S, llvm::StringRef Via);
  /// The values that calling \p Name prints, through the functions it
  /// calls as they are defined now, into \p Out.
  void printedBy(llvm::StringRef Name, llvm::StringSet<> &Visited,
                 std::vector<unsigned> &Out) const;
  /// Marks the values the current command prints as run by \p Reader.
  void runsOutput(const std::string &Reader);
  /// Values a command printed into a file (`printf %s v > out`): they feed
  /// no pipe.
  llvm::DenseSet<unsigned> Diverted;
  /// The coarse rule (finish()): the first reader of code the command has
  /// anywhere (`eval`, `sh`, `awk`, a command named at run time, ...), ""
  /// if none; and the values that may reach one: all but those that are
  /// plain arguments of a plain command whose output is not piped or
  /// redirected, outside any group, body, `$(...)` and variable.
  std::string AnyReader;
  llvm::DenseSet<unsigned> MayReach;
  /// A command that makes a name run another program (`hash -p /bin/sh
  /// cat`, `BASH_CMDS[cat]=`, `BASH_ALIASES[e]=`, `enable`), "" if none:
  /// then no command is known by its name, and no value is a plain argument.
  std::string Renames;
  /// Notes a reader of code in \p Text (a word, a here-document line);
  /// \p CommandWord: \p Text names the command.
  void noteReaders(llvm::StringRef Text, bool CommandWord);
  /// The coarse rule on the values of the current command, now ended.
  void coarseCommand(bool Pipe);

  // Constants (`PYTHON=python3; "$PYTHON" s.py v`, docs/sandbox.md §5).
  /// What the command was given, in order (a value: true), for a second
  /// reading without constants when one turned out unsound (finish()).
  std::vector<std::pair<bool, std::string>> Input;
  /// Set on that second reading: no variable stands for its text.
  bool NoConstants = false;
  /// Variables assigned a literal word by an unconditional command of the
  /// top level (`P=python3;`), with that word.
  llvm::StringMap<std::string> Constants;
  /// How often each variable is assigned anywhere (`P=`, `P+=`, `P[i]=`,
  /// `for P`, `export P=`), to check in finish() that a constant stayed one.
  llvm::StringMap<unsigned> Assigned;
  /// A command that may set any variable (`read`, `eval`, `declare`,
  /// `source`, a command named at run time, ...), "" if none.
  std::string SetsAny;
  /// The variables that stood for their constant where a command is named.
  llvm::StringSet<> Resolved;
  /// How the current and the previous command of the top level end: `;`,
  /// `\n`, `&`, `A` (`&&`, `||`), `|`, `E` (the end), 0 (other: unsure).
  char Term = 0, PrevTerm = ';';
  /// Notes the constants an ended command of the top level assigns, and
  /// the commands that may set any variable.
  void constants();
  /// Whether the constants used held (assigned once, nothing that sets
  /// variables at run time, no `IFS`, no function named by a number).
  bool constantsHold() const;
};

}  // namespace orch::passes
