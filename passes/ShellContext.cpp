//===- ShellContext.cpp ---------------------------------------------------===//
#include "passes/ShellContext.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

namespace orch::passes {

namespace {

/// Words that come before the command they run (`exec sh -c`, `if eval`).
bool prefixWord(llvm::StringRef W) {
  return llvm::is_contained({"exec", "command", "builtin", "nohup", "env", "sudo", "nice",
                             "time", "xargs", "setsid", "!", "{", "then", "do", "else",
                             "if", "elif", "while", "until"},
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

/// Programs that run an argument as code: the words that name them
/// (version suffixes such as `python3.11` dropped), the options after which
/// the next argument is code, and a letter that does it inside a cluster of
/// short options (`sh -ec`).
struct CodeRunner {
  llvm::StringLiteral Names;  ///< Space-separated.
  llvm::StringLiteral Flags;  ///< Space-separated.
  char Cluster;               ///< 0: none.
};
constexpr CodeRunner Runners[] = {
    {"sh bash dash zsh ksh mksh ash busybox", "-c", 'c'},
    {"python python2 python3 pypy pypy3", "-c", 0},
    {"node nodejs", "-e --eval -p --print", 0},
    {"perl", "-e -E", 0},
    {"ruby", "-e", 0},
    {"php", "-r", 0},
    {"su", "-c --command", 0},
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

/// The code option of \p R that \p W is ("" if none).
llvm::StringRef codeFlag(const CodeRunner &R, llvm::StringRef W) {
  llvm::SmallVector<llvm::StringRef, 4> Flags;
  R.Flags.split(Flags, ' ');
  if (llvm::is_contained(Flags, W)) return W;
  if (R.Cluster && W.size() > 2 && W[0] == '-' && W[1] != '-' &&
      W.drop_front().contains(R.Cluster))
    return Flags.front();
  return "";
}

}  // namespace

void ShellContext::endWord() {
  if (InWord) Words.push_back(Cur);
  Cur.clear();
  InWord = false;
}

void ShellContext::endCommand() {
  endWord();
  Words.clear();
}

void ShellContext::newline() {
  endCommand();
  Comment = false;
  for (Doc &D : Pending) Bodies.push_back(std::move(D));
  Pending.clear();
}

size_t ShellContext::heredocOperator(llvm::StringRef Text, size_t I) {
  // At `<<` (not `<<<`): the delimiter word follows, maybe after `-` and blanks.
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
    } else if (llvm::isAlnum(C) || C == '_' || C == '-' || C == '.') {
      D.Delim += C;
    } else {
      break;
    }
  }
  if (!D.Delim.empty()) Pending.push_back(std::move(D));
  return J;
}

void ShellContext::text(llvm::StringRef Text) {
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
    if (Escape) {
      Escape = false;
      if (C != '\n') Cur += C, InWord = true;  // \newline continues the line
      continue;
    }
    if (Quote == '\'') {
      if (C == '\'')
        Quote = 0;
      else
        Cur += C;
      continue;
    }
    if (C == '\\') {
      Escape = true;
      continue;
    }
    if (Quote == '"') {
      if (C == '"')
        Quote = 0;
      else
        Cur += C;
      continue;
    }
    switch (C) {
      case '\'':
      case '"':
        Quote = C, InWord = true;
        break;
      case ' ':
      case '\t':
        endWord();
        break;
      case '\n':
        newline();
        break;
      case ';':
      case '&':
      case '|':
      case '(':
      case ')':
      case '`':
        endCommand();
        break;
      case '#':
        if (!InWord)
          Comment = true;
        else
          Cur += C;
        break;
      case '<':
        if (I + 1 < Text.size() && Text[I + 1] == '<' &&
            !(I + 2 < Text.size() && Text[I + 2] == '<')) {
          endWord();
          I = heredocOperator(Text, I) - 1;
          break;
        }
        [[fallthrough]];
      default:
        Cur += C, InWord = true;
    }
  }
}

ShellSpot ShellContext::value() {
  ShellSpot S;
  if (!Bodies.empty())
    S.K = Bodies.front().Quoted ? ShellSpot::QuotedHeredoc : ShellSpot::Heredoc;
  else if (Quote)
    S.K = Quote == '\'' ? ShellSpot::SingleQuoted : ShellSpot::DoubleQuoted;
  if (S.K != ShellSpot::Word) {
    (Bodies.empty() ? Cur : Line) += '\x01';
    return S;
  }
  // The command the value is an argument of, past assignments and prefixes.
  size_t First = 0;
  while (First < Words.size() && (assignment(Words[First]) || prefixWord(Words[First])))
    ++First;
  if (First < Words.size() && !InWord) {
    llvm::StringRef Cmd = Words[First];
    if (Cmd == "eval") {
      S.K = ShellSpot::Code, S.Runner = "eval";
    } else if (const CodeRunner *R = runnerOf(Cmd)) {
      // `sh -c CODE`, `bash -ec CODE`, `python3 -c CODE`: only options
      // between the program and the value, with its code option.
      llvm::StringRef Flag;
      bool OnlyOptions = true;
      for (size_t I = First + 1; I < Words.size(); ++I) {
        llvm::StringRef W = Words[I];
        if (W.size() > 1 && (W[0] == '-' || W[0] == '+') && W != "--") {
          // A shell's -c holds across later options; for the others the
          // code is the word right after the flag.
          llvm::StringRef F = codeFlag(*R, W);
          if (!F.empty() || !R->Cluster) Flag = F;
        } else if (!(W == "sh" && llvm::sys::path::filename(Cmd) == "busybox"))
          OnlyOptions = false;
      }
      if (!Flag.empty() && OnlyOptions)
        S.K = ShellSpot::Code,
        S.Runner = (llvm::sys::path::filename(Cmd) + " " + Flag).str();
    }
  }
  Cur += '\x01';
  InWord = true;
  return S;
}

}  // namespace orch::passes
