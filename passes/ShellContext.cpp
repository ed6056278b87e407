//===- ShellContext.cpp ---------------------------------------------------===//
#include "passes/ShellContext.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

namespace orch::passes {

namespace {

/// Words that come before the command they run (`exec sh -c`, `if eval`).
bool prefixWord(llvm::StringRef W) {
  return llvm::is_contained(
             {"exec",  "command", "builtin", "nohup",  "env",    "sudo",  "nice", "time",
              "xargs", "setsid",  "timeout", "stdbuf", "ionice", "doas",  "!",    "{",
              "then",  "do",      "else",    "if",     "elif",   "while", "until"},
             W) ||
         W.starts_with("-");  // the options of those (env -i, nice -n)
}

/// `NAME=value` before a command.
bool assignment(llvm::StringRef W) {
  size_t Eq = W.find('=');
  return Eq != llvm::StringRef::npos && Eq > 0 &&
         llvm::all_of(W.take_front(Eq),
                      [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

/// How a program takes its code.
enum class Takes {
  Shell,    ///< `sh -c CODE`: the first operand after the flag, options between.
  Flag,     ///< `python3 -c CODE`: the word right after the flag.
  Operand,  ///< `awk CODE`: the first operand, unless a file option names it.
};

/// Programs that run an argument as code: the words that name them
/// (version suffixes such as `python3.11` dropped), the options after which
/// the next argument is code, the letters that do it inside a cluster of
/// short options (`sh -ec`, `perl -lne`), and the options that take an
/// argument of their own (`sh -o errexit`, `awk -F ,`) or name a program
/// file (the code is then not an argument).
struct CodeRunner {
  llvm::StringLiteral Names;    ///< Space-separated.
  llvm::StringLiteral Flags;    ///< Space-separated.
  llvm::StringLiteral Cluster;  ///< Letters.
  Takes How;
  llvm::StringLiteral WithArg = "";  ///< Space-separated.
  llvm::StringLiteral FileOpt = "";  ///< Space-separated.
};
constexpr CodeRunner Runners[] = {
    {"sh bash dash zsh ksh mksh ash busybox", "-c", "c", Takes::Shell, "-o +o -O +O"},
    {"python python2 python3 pypy pypy3", "-c", "c", Takes::Flag},
    {"node nodejs deno bun", "-e --eval -p --print", "ep", Takes::Flag},
    {"perl", "-e -E", "eE", Takes::Flag},
    {"ruby", "-e", "e", Takes::Flag},
    {"php", "-r", "r", Takes::Flag},
    {"su runuser script flock", "-c --command", "", Takes::Flag},
    {"awk gawk mawk nawk", "-e --source", "", Takes::Operand, "-F -v", "-f --file"},
    {"sed", "-e --expression", "", Takes::Operand, "-l", "-f --file"},
};

const CodeRunner *runnerOf(llvm::StringRef Word) {
  llvm::StringRef Name = llvm::sys::path::filename(Word);
  llvm::StringRef Bare = Name.rtrim("0123456789.");
  for (const CodeRunner &R : Runners) {
    llvm::SmallVector<llvm::StringRef, 8> Names;
    R.Names.split(Names, ' ');
    if (llvm::is_contained(Names, Name) || llvm::is_contained(Names, Bare)) return &R;
  }
  return nullptr;
}

bool listed(llvm::StringRef List, llvm::StringRef W) {
  llvm::SmallVector<llvm::StringRef, 4> Items;
  List.split(Items, ' ', -1, false);
  return llvm::is_contained(Items, W);
}

/// The code option of \p R that \p W is ("" if none).
llvm::StringRef codeFlag(const CodeRunner &R, llvm::StringRef W) {
  llvm::SmallVector<llvm::StringRef, 4> Flags;
  R.Flags.split(Flags, ' ');
  if (llvm::is_contained(Flags, W)) return W;
  if (W.size() > 2 && W[0] == '-' && W[1] != '-' &&
      W.drop_front().find_first_of(R.Cluster) != llvm::StringRef::npos)
    return Flags.front();
  return "";
}

/// Whether \p Glued, the start of the word a value is glued to, is one of
/// \p R's code options with its code attached (`-c…`, `--eval=…`).
bool gluedCode(const CodeRunner &R, llvm::StringRef Glued) {
  if (!Glued.starts_with("-") && !Glued.starts_with("+")) return false;
  llvm::SmallVector<llvm::StringRef, 4> Flags;
  R.Flags.split(Flags, ' ');
  for (llvm::StringRef F : Flags)
    if (Glued.starts_with(F)) return true;
  return !codeFlag(R, Glued).empty() || Glued.size() <= 2;
}

bool isOption(llvm::StringRef W) { return W.size() > 1 && (W[0] == '-' || W[0] == '+'); }

/// Whether a value after \p Words[From..] (glued to \p Glued when \p InWord)
/// is the code of runner \p R named at \p Words[From - 1].
bool runsCode(const CodeRunner &R, llvm::ArrayRef<std::string> Words, size_t From,
              bool InWord, llvm::StringRef Glued, llvm::StringRef &Used) {
  if (InWord && gluedCode(R, Glued)) return true;
  static const llvm::Regex Redirect("^[0-9]*(<|>|>>|<>|>&|<&|>\\|)$");
  static const llvm::Regex RedirectTo("^[0-9]*[<>]");
  bool Flag = false, Operand = false, FromFile = false;
  bool Pending = false;  // the next word is the code
  for (size_t I = From; I < Words.size(); ++I) {
    llvm::StringRef W = Words[I];
    if (Operand && R.How != Takes::Operand) return false;  // arguments of the code
    if (Pending && (R.How != Takes::Shell || !isOption(W))) {
      Pending = false;  // the code
      Operand = true;
      continue;
    }
    if (Redirect.match(W)) {  // `2> file`: not an argument
      ++I;
      continue;
    }
    if (RedirectTo.match(W)) continue;  // `2>&1`, `>out`
    if (W == "--") {
      if (R.How == Takes::Shell && Flag) Pending = true;
      continue;
    }
    if (isOption(W)) {
      if (listed(R.FileOpt, W) || (R.How == Takes::Operand && W.starts_with("-f")))
        FromFile = true;
      if (!codeFlag(R, W).empty()) {
        Flag = true, Used = codeFlag(R, W);
        if (R.How != Takes::Shell || !Operand) Pending = true;
      } else if (listed(R.WithArg, W)) {
        ++I;
      }
      continue;
    }
    if (W == "sh" || W == "ash") continue;                            // busybox sh
    if (R.How == Takes::Operand && !Flag && !FromFile) return false;  // the code
    if (R.How == Takes::Shell && !Flag) return false;                 // a script file
    Operand = true;
  }
  if (Pending) return true;
  if (InWord) return false;
  return R.How == Takes::Operand && !Flag && !FromFile && !Operand;
}

}  // namespace

void ShellContext::endWord() {
  Frame &F = top();
  if (F.InWord) F.Words.push_back(F.Cur);
  F.Cur.clear();
  F.InWord = false;
}

void ShellContext::endCommand() {
  endWord();
  top().Words.clear();
}

void ShellContext::newline() {
  if (top().Kind != 'a') endCommand();
  Comment = false;
  for (Doc &D : Pending) Bodies.push_back(std::move(D));
  Pending.clear();
}

void ShellContext::push(char Kind) {
  top().Cur += Kind == '`' ? "`" : "$(";
  top().InWord = true;
  Frame F;
  F.Kind = Kind;
  Frames.push_back(std::move(F));
}

void ShellContext::pop() {
  char Kind = top().Kind;
  if (Frames.size() > 1) Frames.pop_back();
  top().Cur += Kind == '`' ? "...`" : "...)";
  top().InWord = true;
}

size_t ShellContext::heredocOperator(llvm::StringRef Text, size_t I) {
  // At `<<` (not `<<<`): the delimiter word follows, maybe after `-` and
  // blanks. It is any word; none at all leaves every later line a body.
  size_t J = I + 2;
  Doc D{"", false, false};
  if (J < Text.size() && Text[J] == '-') D.StripTabs = true, ++J;
  while (J < Text.size() && (Text[J] == ' ' || Text[J] == '\t')) ++J;
  char Q = 0;
  for (; J < Text.size(); ++J) {
    char C = Text[J];
    if (Q) {
      if (C == Q)
        Q = 0;
      else
        D.Delim += C;
    } else if (C == '\'' || C == '"') {
      Q = C, D.Quoted = true;
    } else if (C == '\\') {
      D.Quoted = true;
      if (J + 1 < Text.size()) D.Delim += Text[++J];
    } else if (llvm::StringRef(" \t\n;&|()<>").contains(C)) {
      break;
    } else {
      D.Delim += C;
    }
  }
  if (D.Delim.empty() || Q) D.Delim = std::string("\n");  // unsure: never ends
  Pending.push_back(std::move(D));
  return J;
}

void ShellContext::text(llvm::StringRef Text) {
  auto At = [&](size_t I) { return I < Text.size() ? Text[I] : '\0'; };
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (!Bodies.empty()) {  // a here-document's body, line by line
      if (C != '\n') {
        Line += C;
        continue;
      }
      llvm::StringRef L = Line;
      if (Bodies.front().StripTabs) L = L.ltrim('\t');
      if (L == Bodies.front().Delim) Bodies.erase(Bodies.begin());
      Line.clear();
      continue;
    }
    if (Comment) {
      if (C == '\n') newline();
      continue;
    }
    Frame &F = top();
    if (Escape) {
      Escape = false;
      if (C != '\n') F.Cur += C, F.InWord = true;  // \newline continues the line
      continue;
    }
    if (F.Quote == '\'') {
      if (C == '\'')
        F.Quote = 0;
      else
        F.Cur += C;
      continue;
    }
    if (C == '\\') {
      Escape = true;
      continue;
    }
    if (F.Kind == 'a') {  // $((...)): only its parentheses matter
      if (C == '(') ++F.Depth;
      if (C == ')' && F.Depth > 0)
        --F.Depth;
      else if (C == ')') {
        if (At(I + 1) == ')') ++I;
        pop();
      } else if (C == '\n')
        newline();
      continue;
    }
    if (C == '$' && At(I + 1) == '(') {  // $(...) or $((...)), also in "..."
      bool Arith = At(I + 2) == '(';
      push(Arith ? 'a' : '(');
      I += Arith ? 2 : 1;
      continue;
    }
    if (C == '`') {
      if (F.Kind == '`')
        pop();
      else
        push('`');
      continue;
    }
    if (F.Quote == '"') {
      if (C == '"')
        F.Quote = 0;
      else
        F.Cur += C;
      continue;
    }
    switch (C) {
      case '\'':
      case '"':
        F.Quote = C, F.InWord = true;
        break;
      case ' ':
      case '\t':
        endWord();
        break;
      case '\n':
        newline();
        break;
      case '(':
        endCommand();
        ++top().Depth;
        break;
      case ')':
        if (F.Kind == '(' && F.Depth == 0) {
          endWord();
          pop();
          break;
        }
        if (F.Depth > 0) --F.Depth;
        endCommand();
        break;
      case '&':
      case '|':
        if (llvm::StringRef(F.Cur).ends_with(">") ||
            llvm::StringRef(F.Cur).ends_with("<")) {
          F.Cur += C;  // 2>&1, >|
          break;
        }
        [[fallthrough]];
      case ';':
        endCommand();
        break;
      case '#':
        if (!F.InWord)
          Comment = true;
        else
          F.Cur += C;
        break;
      case '<':
        if (At(I + 1) == '<' && At(I + 2) == '<') {  // a here-string
          endWord();
          F.Cur = "<<<";
          F.InWord = true;
          endWord();
          I += 2;
          break;
        }
        if (At(I + 1) == '<') {
          endWord();
          I = heredocOperator(Text, I) - 1;
          break;
        }
        [[fallthrough]];
      default:
        F.Cur += C, F.InWord = true;
    }
  }
}

ShellSpot ShellContext::argument() {
  ShellSpot S;
  const Frame &F = top();
  llvm::ArrayRef<std::string> Words = F.Words;
  size_t First = 0;
  while (First < Words.size() && (assignment(Words[First]) || prefixWord(Words[First])))
    ++First;
  if (First == Words.size()) {
    // The value names the program (or is glued to its name).
    if (!(F.InWord && assignment(F.Cur))) {
      S.K = ShellSpot::Unsure, S.Runner = "as the name of the command to run";
      return S;
    }
    return S;
  }
  llvm::StringRef Cmd = Words[First];
  if (Cmd == "eval" || Cmd == "trap") {
    S.K = ShellSpot::Code, S.Runner = Cmd.str();
    return S;
  }
  // A command named at run time (`$SHELL -c`, `$(command -v sh) -c`): any
  // code option of any runner after it counts.
  if (Cmd.contains('$')) {
    for (size_t I = First + 1; I < Words.size(); ++I)
      for (const CodeRunner &R : Runners)
        if (!codeFlag(R, Words[I]).empty()) {
          S.K = ShellSpot::Code, S.Runner = (Cmd + " " + Words[I]).str();
          return S;
        }
  }
  // A runner anywhere in the command (`sudo -u x sh -c`, `find -exec sh -c`,
  // `timeout 5 python3 -c`).
  for (size_t R0 = First; R0 < Words.size(); ++R0) {
    const CodeRunner *R = runnerOf(Words[R0]);
    if (!R) continue;
    llvm::StringRef Name = llvm::sys::path::filename(Words[R0]);
    if (!Words.empty() && Words.back() == "<<<" && R->How != Takes::Operand) {
      S.K = ShellSpot::Code, S.Runner = (Name + " <<<").str();
      return S;
    }
    llvm::StringRef Used;
    if (runsCode(*R, Words, R0 + 1, F.InWord, F.Cur, Used)) {
      llvm::SmallVector<llvm::StringRef, 4> Flags;
      R->Flags.split(Flags, ' ');
      if (Used.empty() && R->How != Takes::Operand) Used = Flags.front();
      S.K = ShellSpot::Code;
      S.Runner = Used.empty() ? Name.str() : (Name + " " + Used).str();
      return S;
    }
  }
  return S;
}

ShellSpot ShellContext::value() {
  ShellSpot S;
  Frame &F = top();
  if (!Bodies.empty()) {
    S.K = Bodies.front().Quoted ? ShellSpot::QuotedHeredoc : ShellSpot::Heredoc;
    Line += '\x01';
    return S;
  }
  if (Escape)
    S.K = ShellSpot::Unsure, S.Runner = "after a backslash";
  else if (Comment)
    S.K = ShellSpot::Unsure,
    S.Runner = "in a comment (a newline in it would start a command)";
  else if (F.Kind == 'a')
    S.K = ShellSpot::Unsure, S.Runner = "in `$((...))`, which evaluates it";
  else if (llvm::any_of(Frames, [](const Frame &Fr) { return Fr.Kind == '`'; }))
    S.K = ShellSpot::Unsure, S.Runner = "inside backquotes";
  else if (F.Quote)
    S.K = F.Quote == '\'' ? ShellSpot::SingleQuoted : ShellSpot::DoubleQuoted;
  else
    S = argument();
  Escape = false;
  F.Cur += '\x01';
  F.InWord = true;
  return S;
}

}  // namespace orch::passes
