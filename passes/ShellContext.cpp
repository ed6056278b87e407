//===- ShellContext.cpp ---------------------------------------------------===//
#include "passes/ShellContext.h"

#include <algorithm>
#include <utility>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

namespace orch::passes {

namespace {

/// Shell words that come before the command they run (`if eval`, `! sh`).
bool keyword(llvm::StringRef W) {
  return llvm::is_contained(
      {"!", "{", "then", "do", "else", "if", "elif", "while", "until"}, W);
}

/// Programs that run their operands as a command (`timeout 5 CMD ...`), one
/// row per kind: the options that take an argument of their own, and how
/// many operands come before the command.
struct Wrapper {
  llvm::StringLiteral Names;    ///< Space-separated.
  llvm::StringLiteral WithArg;  ///< Space-separated.
  unsigned Operands;            ///< Before the command: `timeout 5`, `chroot DIR`.
};
constexpr Wrapper Wrappers[] = {
    {"exec", "-a", 0},
    {"command builtin time nohup setsid", "", 0},
    {"env", "-u --unset -C --chdir", 0},
    {"nice", "-n --adjustment", 0},
    {"ionice", "-c -n -p -t --class --classdata", 0},
    {"stdbuf", "-i -o -e", 0},
    {"sudo doas", "-u -g -C -D -h -p -r -t -U --user --group", 0},
    {"timeout", "-s -k --signal --kill-after", 1},
    {"flock", "-w -E --timeout --conflict-exit-code", 1},
    {"chroot", "--userspec --groups", 1},
    {"xargs", "-I -n -L -P -d -E -s -a --max-args --max-procs --delimiter --arg-file", 0},
};

bool listed(llvm::StringRef List, llvm::StringRef W) {
  llvm::SmallVector<llvm::StringRef, 8> Items;
  List.split(Items, ' ', -1, false);
  return llvm::is_contained(Items, W);
}

const Wrapper *wrapperOf(llvm::StringRef W) {
  for (const Wrapper &R : Wrappers)
    if (listed(R.Names, W)) return &R;
  return nullptr;
}

/// Whether \p W is a shell variable's name.
bool variableName(llvm::StringRef W) {
  return !W.empty() && !llvm::isDigit(W[0]) &&
         llvm::all_of(W, [](char C) { return llvm::isAlnum(C) || C == '_'; });
}

/// The variable that \p W assigns (`NAME=value`, `NAME+=value`,
/// `NAME[i]=value`, `NAME=(...)`), "" if it is no assignment.
llvm::StringRef assignedName(llvm::StringRef W) {
  size_t Eq = W.find('=');
  if (Eq == llvm::StringRef::npos) return "";
  llvm::StringRef Left = W.take_front(Eq);
  if (Left.ends_with("+")) Left = Left.drop_back();
  if (Left.ends_with("]")) Left = Left.take_front(Left.find('['));
  return variableName(Left) ? Left : "";
}

/// `NAME=value` (or `NAME+=`, `NAME[i]=`) before a command.
bool assignment(llvm::StringRef W) { return !assignedName(W).empty(); }

/// Whether the value about to be read is inside an array subscript that
/// bash evaluates as arithmetic: `a[v]=1` where a command is named, or an
/// element `[v]=x` of `a=( ... )` (\p InArray).
bool openSubscript(llvm::StringRef Cur, bool InArray) {
  llvm::StringRef Elem = Cur;
  if (InArray) {
    size_t Start = Cur.find_last_of(" (");
    Elem = Start == llvm::StringRef::npos ? Cur : Cur.drop_front(Start + 1);
    return Elem.starts_with("[") && !Elem.contains(']');
  }
  size_t Open = Elem.find('[');
  return Open != llvm::StringRef::npos && variableName(Elem.take_front(Open)) &&
         !Elem.drop_front(Open).contains(']');
}

/// Builtins that read an operand as a variable name, where bash evaluates
/// an array subscript as arithmetic (`unset "a[$x]"`, `test -v a[$x]`,
/// `printf -v "a[$x]"`, `read "a[$x]"`, `declare "a[$x]=1"`).
constexpr llvm::StringLiteral NamesVariables =
    "unset test [ [[ printf read getopts mapfile readarray declare typeset local export "
    "readonly wait let";

/// Whether \p Words read one of their words as a variable name.
bool namesVariables(llvm::ArrayRef<std::string> Words) {
  return llvm::any_of(Words,
                      [](const std::string &W) { return listed(NamesVariables, W); });
}

/// Whether \p W, an assignment or an operand read as a variable name, has
/// an array subscript that is not a literal (`a[$x]=1`, `a=([$x]=1)`,
/// `a[i]`, `-va[$x]`): bash evaluates its text as arithmetic.
bool evaluatedSubscript(llvm::StringRef W) {
  static const llvm::Regex Name(
      "^(-v)?[A-Za-z_][A-Za-z0-9_]*\\[[^]]*[A-Za-z_$`\x01][^]]*\\]");
  static const llvm::Regex Elem("[( \t\n]\\[[^]]*[A-Za-z_$`\x01][^]]*\\]\\+?=");
  return Name.match(W) || (assignment(W) && Elem.match(W));
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
  /// Without code in an argument, runs its standard input as code (`| sh`,
  /// `| python3 -`, `| su`); the options that say so even with operands.
  bool Stdin = false;
  llvm::StringLiteral StdinOpt = "";
};
constexpr CodeRunner Runners[] = {
    {"sh bash dash zsh ksh mksh ash busybox", "-c", "c", Takes::Shell, "-o +o -O +O", "",
     true, "-s"},
    {"python python2 python3 pypy pypy3", "-c", "c", Takes::Flag, "-W -X", "-m", true},
    {"node nodejs deno bun", "-e --eval -p --print", "ep", Takes::Flag, "-r --require",
     "", true},
    {"perl", "-e -E", "eE", Takes::Flag, "-I -M -m", "", true},
    {"ruby", "-e", "e", Takes::Flag, "-I -r", "", true},
    {"php", "-r", "r", Takes::Flag, "-c -d", "-f", true},
    {"su runuser", "-c --command", "", Takes::Flag, "-s -g -G -u --shell --group", "",
     true},
    {"script flock", "-c --command", "", Takes::Flag},
    {"awk gawk mawk nawk", "-e --source", "", Takes::Operand, "-F -v", "-f --file"},
    {"sed", "-e --expression", "", Takes::Operand, "-l", "-f --file"},
    {"env", "-S --split-string", "S", Takes::Flag},
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

/// The coarse rule's table: words that, anywhere in a command (also inside
/// the quoted code of `bash -c '...'` or a here-document), mean that some text
/// may be run as code at run time, one row per kind. A templated value that
/// may reach one through a variable, a function, a pipe, a file or a group
/// is refused (finish()).
struct CodeReader {
  llvm::StringLiteral Names;  ///< Space-separated; version suffixes dropped.
  llvm::StringLiteral Why;
  /// Also a part of a word (`bash -c 'eval "$1"'`, `/bin/sh`), not only a
  /// whole word: names too distinctive to be ordinary text.
  bool Anywhere;
};
constexpr CodeReader Readers[] = {
    {"eval source alias trap hash let declare typeset", "a shell builtin", true},
    {"[[", "a shell builtin", false},
    {"sh bash dash zsh ksh mksh ash busybox rbash csh tcsh fish", "a shell", true},
    {"awk gawk mawk nawk sed perl python python2 python3 pypy pypy3 node nodejs deno "
     "bun ruby php lua tclsh Rscript",
     "an interpreter", true},
    {"xargs parallel -exec -execdir -ok -okdir ssh su runuser sudo doas unshare nsenter "
     "crontab",
     "a program that runs commands", true},
    {"watch script make m4 dc bc ed ex vi vim at batch expect gdb",
     "a program that runs commands or its input", false},
};

/// The reader row that \p Token names, or null; \p Whole: a whole word.
const CodeReader *readerRow(llvm::StringRef Token, bool Whole) {
  llvm::StringRef Bare = Token.rtrim("0123456789.");
  for (const CodeReader &R : Readers)
    if ((Whole || R.Anywhere) &&
        (listed(R.Names, Token) || (!Bare.empty() && listed(R.Names, Bare))))
      return &R;
  return nullptr;
}

/// A reader of code in \p Text ("" if none): a whole word (its file name),
/// a distinctive name inside it, or a bash expansion that runs code
/// (`${!c}`, `${c@P}`).
std::string readerIn(llvm::StringRef Text) {
  if (Text.contains("${!")) return "`${!...}` (indirection)";
  if (Text.contains("@P}")) return "`${...@P}` (prompt expansion runs `$(...)`)";
  // `${a[i]}`, `${x:n}`: a subscript or an offset naming a variable is
  // arithmetic, in which bash evaluates the variable's text as an
  // expression (and runs `$(...)` in an array subscript there).
  static const llvm::Regex Arith(
      "\\$\\{#?[A-Za-z_][A-Za-z0-9_]*(\\[[^]]*[A-Za-z_$`\x01][^]]*\\]|(\\[[^]]*\\])?:"
      "([A-Za-z_$`\x01]|[^-=?+}][^}]*[A-Za-z_$`\x01]))");
  if (Arith.match(Text)) return "`${a[i]}` or `${x:n}` (arithmetic on a variable's text)";
  if (const CodeReader *R = readerRow(llvm::sys::path::filename(Text), true))
    return ("`" + llvm::sys::path::filename(Text) + "` (" + R->Why + ")").str();
  llvm::SmallVector<llvm::StringRef, 8> Tokens;
  llvm::SplitString(Text, Tokens, " \t\n;&|(){}'\"`$<>=,:/\\!*?#~@\x01\x02\x03");
  for (llvm::StringRef T : Tokens)
    if (const CodeReader *R = readerRow(T, false))
      return ("`" + T + "` (" + R->Why + ")").str();
  return "";
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

/// Whether \p W names the standard input as a file (`-`, `/dev/stdin`,
/// `/dev/fd/0`, `/proc/self/fd/0`, `/proc/$$/fd/0`, also with `./` or `//`).
bool stdinPath(llvm::StringRef W) {
  if (W == "-") return true;
  llvm::SmallString<32> P;
  for (char C : W)
    if (C != '/' || P.empty() || P.back() != '/') P.push_back(C);
  llvm::sys::path::remove_dots(P);
  static const llvm::Regex Fd0("^/(dev/stdin|dev/fd/0|proc/[^/]+/fd/0)$");
  return Fd0.match(P);
}

/// Whether \p W is a redirection: `2>&1`, `>out`, or an operator whose
/// target is the next word (\p TakesNext: `2>`, `>`); \p Input: it
/// redirects the standard input (`<file`, `0< file`).
bool redirection(llvm::StringRef W, bool &TakesNext, bool &Input) {
  static const llvm::Regex Op("^[0-9]*(<|>|>>|<>|>&|<&|>\\|)$");
  static const llvm::Regex Glued("^[0-9]*[<>]");
  if (!Glued.match(W)) return false;
  TakesNext = Op.match(W);
  llvm::StringRef Fd = W.take_while([](char C) { return llvm::isDigit(C); });
  Input = W.drop_front(Fd.size()).starts_with("<") && (Fd.empty() || Fd == "0");
  return true;
}

/// Whether a value after \p Words[From..] (glued to \p Glued when \p InWord)
/// is the code of runner \p R named at \p Words[From - 1].
bool runsCode(const CodeRunner &R, llvm::ArrayRef<std::string> Words, size_t From,
              bool InWord, llvm::StringRef Glued, llvm::StringRef &Used) {
  if (InWord && gluedCode(R, Glued)) return true;
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
    bool TakesNext = false, Input = false;
    if (redirection(W, TakesNext, Input)) {  // `2> file`, `2>&1`: not arguments
      if (TakesNext) ++I;
      continue;
    }
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

/// The options of `ssh` that take an argument of their own.
constexpr llvm::StringLiteral SshWithArg =
    "-B -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w";

/// The operands of `ssh` in \p Args so far (the destination, then the
/// remote command's words); \p DashDash: whether `--` ended its options.
unsigned sshOperands(llvm::ArrayRef<std::string> Args, bool &DashDash) {
  unsigned N = 0;
  DashDash = false;
  for (size_t I = 0; I < Args.size(); ++I) {
    if (DashDash || !isOption(Args[I]))
      ++N;
    else if (Args[I] == "--")
      DashDash = true;
    else if (listed(SshWithArg, Args[I]))
      ++I;
  }
  return N;
}

/// Where the command that \p Words run is named, past assignments, shell
/// keywords and wrappers (`sudo -u x timeout 5 CMD`).
struct CommandAt {
  size_t Index = 0;      ///< Words.size() if not named yet.
  unsigned Owed = 0;     ///< Operands a wrapper still takes (`timeout` _).
  bool Xargs = false;    ///< `xargs` runs it, with arguments from its input.
  bool Replace = false;  ///< ... and puts its input into them (`-I {}`).
};

/// Whether \p W is a redirection word, also `&> f` and the here-string
/// `<<< w`; \p TakesNext: its target is the next word.
bool redirectionWord(llvm::StringRef W, bool &TakesNext) {
  bool Input = false;
  TakesNext = W == "<<<" || W == "&>" || W == "&>>";
  return TakesNext || W.starts_with("&>") || redirection(W, TakesNext, Input);
}

CommandAt commandOf(llvm::ArrayRef<std::string> Words) {
  CommandAt C;
  size_t &I = C.Index;
  while (I < Words.size()) {
    llvm::StringRef W = Words[I];
    // `2>/dev/null read P`, `< f {{ x }}`: a redirection may come first.
    bool TakesNext = false;
    if (redirectionWord(W, TakesNext)) {
      I += TakesNext ? 2 : 1;
      if (I > Words.size()) {  // the value is the redirection's target
        I = Words.size();
        C.Owed = 1;
        return C;
      }
      continue;
    }
    if (assignment(W) || keyword(W)) {
      ++I;
      continue;
    }
    const Wrapper *R = wrapperOf(llvm::sys::path::filename(W));
    if (!R) break;
    if (R->Names.starts_with("xargs")) C.Xargs = true;
    for (++I; I < Words.size() && isOption(Words[I]); ++I) {
      llvm::StringRef O = Words[I];
      if (C.Xargs &&
          (O.starts_with("-I") || O.starts_with("-i") || O.starts_with("--replace")))
        C.Replace = true;
      if (O == "--") {
        ++I;
        break;
      }
      if (listed(R->WithArg, O) && ++I == Words.size()) {
        C.Owed = 1;  // the value is that option's argument
        return C;
      }
    }
    C.Owed = R->Operands;
    for (; C.Owed > 0 && I < Words.size(); --C.Owed) ++I;
  }
  if (I > Words.size()) I = Words.size();
  return C;
}

/// \p C as read inside quotes or after a backslash: a `<` or `>` there is
/// text, never a redirection (`echo v '>' out | sh` pipes `> out`), so it is
/// kept as a stand-in byte that redirection() and stdoutToFile() never match.
char quotedChar(char C) { return C == '>' ? '\x02' : C == '<' ? '\x03' : C; }

/// Whether \p W is a name a shell function may have.
bool functionName(llvm::StringRef W) {
  return !W.empty() && !keyword(W) && W != "function" && llvm::all_of(W, [](char C) {
    return llvm::isAlnum(C) || C == '_' || C == '-' || C == '.' || C == ':';
  });
}

/// Whether \p Words send their standard output into a file (`> out`,
/// `>>log`, `&> f`), so that nothing of theirs reaches a pipe. Targets that
/// are the output again (`/dev/stdout`, `/dev/fd/1`, `>&3`) or named at run
/// time (`$f`) do not count.
bool stdoutToFile(llvm::ArrayRef<std::string> Words) {
  static const llvm::Regex Out("^(1|&)?(>|>>|>\\|)(.*)$");
  bool ToFile = false;
  for (size_t I = 0; I < Words.size(); ++I) {
    llvm::SmallVector<llvm::StringRef, 4> M;
    if (!Out.match(Words[I], &M)) continue;
    llvm::StringRef Target = M[3];
    if (Target.empty()) {
      if (I + 1 == Words.size()) return false;
      Target = Words[++I];
    }
    bool Same = Target.starts_with("&") || Target.contains('$') ||
                Target.starts_with(">(") || Target.contains('\x01') ||
                Target.starts_with("/dev/") || Target.starts_with("/proc/") ||
                Target.starts_with("//");
    ToFile = !Same;
  }
  return ToFile;
}

/// Whether \p W names its command at run time: a parameter (`$c`, `${c}`,
/// `"$@"`) or a command substitution (`$(...)`, backquotes).
bool runTimeName(llvm::StringRef W) { return W.contains('$') || W.contains('`'); }

/// The shell variables that \p W expands (`$c`, `${c}`, `${c:-x}`, `${!c}`),
/// into \p Names; whether it expands a positional parameter (`$1`, `$@`,
/// `$*`, `${10}`).
bool expands(llvm::StringRef W, llvm::SmallVectorImpl<llvm::StringRef> &Names) {
  bool Positional = false;
  for (size_t I = W.find('$'); I != llvm::StringRef::npos; I = W.find('$', I + 1)) {
    size_t J = I + 1;
    if (J < W.size() && W[J] == '{') {
      ++J;
      if (J < W.size() && (W[J] == '!' || W[J] == '#')) ++J;
    }
    if (J >= W.size()) break;
    if (llvm::isDigit(W[J]) || W[J] == '@' || W[J] == '*') {
      Positional = true;
      continue;
    }
    size_t K = J;
    while (K < W.size() && (llvm::isAlnum(W[K]) || W[K] == '_')) ++K;
    if (K > J) Names.push_back(W.slice(J, K));
  }
  return Positional;
}

/// Adds \p Values to the set \p To (kept sorted, each value once), so that
/// `c=$c$c` repeated never grows it past the number of values.
void addValues(std::vector<unsigned> &To, llvm::ArrayRef<unsigned> Values) {
  To.insert(To.end(), Values.begin(), Values.end());
  llvm::sort(To);
  To.erase(std::unique(To.begin(), To.end()), To.end());
}

/// Whether runner \p R, given \p Args, runs its standard input as code.
bool runsStdin(const CodeRunner &R, llvm::ArrayRef<std::string> Args) {
  for (size_t I = 0; I < Args.size(); ++I) {
    llvm::StringRef W = Args[I];
    bool TakesNext = false, Input = false;
    if (redirection(W, TakesNext, Input)) {  // `2>&1`, `> out`: not arguments
      if (Input) return false;               // its input is a file, not the pipe
      if (TakesNext) ++I;
      continue;
    }
    // `awk -f -`, `sed -f /dev/stdin`, `php -f /dev/fd/0`: the program file.
    if (listed(R.FileOpt, W) && I + 1 < Args.size() && stdinPath(Args[I + 1]))
      return true;
    for (llvm::StringRef F : {"-f", "--file="})
      if (listed(R.FileOpt, F.rtrim('=')) && W.starts_with(F) && W.size() > F.size() &&
          stdinPath(W.drop_front(F.size())))
        return true;
    if (!R.Stdin) continue;
    if (stdinPath(W)) return true;
    if (!isOption(W)) {
      if (W == "sh" || W == "ash") continue;  // busybox sh
      return false;                           // a script file
    }
    if (listed(R.StdinOpt, W)) return true;
    if (!codeFlag(R, W).empty() || listed(R.FileOpt, W)) return false;
    if (listed(R.WithArg, W)) ++I;
  }
  return R.Stdin;
}

/// What runs the input of the command \p Words as code, for the message
/// ("" if it reads its input as data: `grep foo`).
std::string stdinRunner(llvm::ArrayRef<std::string> Words) {
  CommandAt C = commandOf(Words);
  if (C.Index >= Words.size()) return "";
  llvm::StringRef Cmd = llvm::sys::path::filename(Words[C.Index]);
  llvm::ArrayRef<std::string> Args = Words.drop_front(C.Index + 1);
  if (Cmd == "ssh") {
    // Without a remote command, the remote login shell reads the input.
    bool DashDash;
    if (C.Xargs || sshOperands(Args, DashDash) != 1) return "";
    return "the input of `ssh` (the remote shell runs it)";
  }
  if ((Cmd == "source" || Cmd == ".") && !Args.empty() && stdinPath(Args[0]))
    return "the input of `" + Cmd.str() + " /dev/stdin`";
  if (Cmd == "script") {
    // `script [file]` runs a shell on its input, unless `-c` gives a command.
    bool Command = llvm::any_of(Args, [](const std::string &A) {
      llvm::StringRef W = A;
      return W.starts_with("--command") ||
             (W.size() > 1 && W[0] == '-' && W[1] != '-' && W.contains('c'));
    });
    return Command ? "" : "the input of `script` (it runs a shell)";
  }
  const CodeRunner *R = runnerOf(Cmd);
  if (!R) return "";
  if (C.Xargs) {
    // `xargs sh -c`: its input supplies the code; `-I {}` puts it there.
    llvm::StringRef Used;
    bool Flagged = llvm::any_of(
        Args, [&](const std::string &A) { return !codeFlag(*R, A).empty(); });
    if ((C.Replace && Flagged) ||
        (R->How != Takes::Operand && runsCode(*R, Words, C.Index + 1, false, "", Used)))
      return "the input of `xargs " + Cmd.str() + " " +
             (Used.empty() ? std::string("-c") : Used.str()) + "`";
    return "";
  }
  if (runsStdin(*R, Args)) return "the input of `" + Cmd.str() + "`";
  return "";
}

}  // namespace

void ShellContext::noteReaders(llvm::StringRef Text, bool CommandWord) {
  if (!AnyReader.empty()) return;
  AnyReader = readerIn(Text);
  if (!AnyReader.empty() || !CommandWord) return;
  // `. f`, `$c`, `./s` (`ln -s /bin/sh s` made it): it may run anything.
  if (Text == "." || runTimeName(Text) ||
      (Text.contains('/') && !Text.starts_with("/usr/") && !Text.starts_with("/bin/") &&
       !Text.starts_with("/sbin/")))
    AnyReader = "`" + Text.str() + "` (a command named at run time or by a path)";
}

/// Programs that read their input as data and write it only to their
/// standard output: with a reader of code in the command, a value piped into
/// anything else may reach it (`| tee f`, `| sort -o f`, `| awk '...'`).
constexpr llvm::StringLiteral PipeData =
    "grep egrep fgrep rg wc sort head tail cut tr uniq cat base64 sha1sum sha256sum "
    "sha512sum md5sum cksum od xxd hexdump fold fmt nl rev tac column jq less more";

/// Whether the code \p Code of `sh -c CODE ARGS` (quotes removed) keeps
/// its arguments and input data: no reader of code in it, no wrapper that
/// runs a command (`env "$@"`), and no parameter where a command is named
/// (`"$1"`, `x=1 $1`, `do $a`, `. "$1"`).
bool safeShellCode(llvm::StringRef Code) {
  if (!readerIn(Code).empty()) return false;
  llvm::SmallVector<llvm::StringRef, 8> Tokens;
  llvm::SplitString(Code, Tokens, " \t\n;&|(){}\"'`");
  for (llvm::StringRef T : Tokens)
    if (wrapperOf(llvm::sys::path::filename(T)) || T == "[[") return false;
  static const llvm::Regex Named(
      "(^|[;&|(){}`\n]|(then|do|else|if|elif|while|until|!)[ \t]|=[^ \t;&|]*[ \t])"
      "[ \t]*[\"']*(\\$|\\.[ \t])");
  return !Named.match(Code);
}

void ShellContext::coarseCommand(bool Pipe) {
  Frame &F = top();
  std::vector<unsigned> Values = std::exchange(F.CmdValues, {});
  std::vector<unsigned> Waiting = std::exchange(F.PipeWait, {});
  if (Values.empty() && Waiting.empty()) return;
  llvm::ArrayRef<std::string> Words = F.Words;
  CommandAt At = commandOf(Words);
  bool Named = At.Index < Words.size();
  llvm::StringRef Cmd = Named ? llvm::StringRef(Words[At.Index]) : "";
  llvm::StringRef Name = llvm::sys::path::filename(Cmd);
  const CodeRunner *R = Named ? runnerOf(Cmd) : nullptr;
  bool Path = Cmd.contains('/');
  // A program that runs code keeps its arguments and input data only when
  // it runs a script file (`python3 script.py v`), not code in its
  // arguments or its input (`sh -c '...' x v`, `sh -s v`, `awk '...' v`).
  size_t Name0 = Words.size();  // `sh -c CODE NAME`: NAME is `$0`
  bool Runs = Named && readerRow(Name, true) && !R;
  if (R && R->How == Takes::Operand)  // `awk -f p.awk` runs a file
    Runs = llvm::none_of(Words.drop_front(At.Index + 1), [&](const std::string &W) {
      return listed(R->FileOpt, W) || llvm::StringRef(W).starts_with("-f");
    });
  for (size_t I = At.Index + 1; R && I < Words.size() && !Runs; ++I) {
    Runs = !codeFlag(*R, Words[I]).empty() || listed(R->StdinOpt, Words[I]) ||
           stdinPath(Words[I]);
    // `sh -c 'printf "%s\n" "$1"' sh v`: code that only uses its arguments
    // as data.
    if (Runs && R->How == Takes::Shell && !codeFlag(*R, Words[I]).empty() &&
        I + 1 < Words.size() && safeShellCode(Words[I + 1]))
      Runs = false, Name0 = ++I + 1;
  }
  // Output into a file, a here-string, or a reader among its other words
  // (`find . -exec sh -c '...' x v \;`, `xargs sh -c`); in the code of a
  // runner or a path (`./s -c 'eval "$1"' x v`), a reader's name anywhere.
  bool Others = !Named || runTimeName(Cmd) || Functions.count(Cmd) || Aliases.count(Cmd);
  for (size_t I = 0; I < Words.size() && !Others; ++I) {
    bool TakesNext = false, Input = false;
    // `2>&1`, `>&2`, `2>/dev/null` write no file.
    static const llvm::Regex Harmless("^[0-9]*>&[0-9-]$");
    if (redirection(Words[I], TakesNext, Input) && !Input && !Harmless.match(Words[I]) &&
        !(TakesNext && I + 1 < Words.size() && Words[I + 1] == "/dev/null") &&
        !llvm::StringRef(Words[I]).ends_with(">/dev/null"))
      Others = true;
    if (Words[I] == "<<<") Others = true;
    if (I == At.Index || I == Name0) continue;
    if (readerRow(llvm::sys::path::filename(Words[I]), true) ||
        ((R || Path) && !readerIn(Words[I]).empty()))
      Others = true;
  }
  // Commands that keep their arguments for later (`set --`, `read`) or run them.
  bool Keeps =
      llvm::is_contained({"set", "read", "mapfile", "readarray", "getopts", "export",
                          "local", "readonly", "declare", "typeset", "let", "alias",
                          "trap", "eval", "exec", "source", ".", "[["},
                         Name) ||
      (Name == "printf" && llvm::any_of(Words, [](const std::string &W) {
         return llvm::StringRef(W).starts_with("-v");
       }));
  bool ArgsRisky = Others || Runs || Keeps;
  bool InputRisky = Others || Runs || !(listed(PipeData, Name) || R || Path) ||
                    llvm::any_of(Words, [](const std::string &W) {
                      return W == "-o" || llvm::StringRef(W).starts_with("--output");
                    });
  if (R && !Runs) InputRisky |= !stdinRunner(Words).empty();
  if (Path && !R) InputRisky = true;  // `./s` may be a shell
  auto Mark = [&](llvm::ArrayRef<unsigned> Vs) {
    for (unsigned V : Vs) MayReach.insert(V);
  };
  if (ArgsRisky) Mark(Values);
  if (InputRisky) Mark(Waiting);
  if (Pipe) {  // decided by what reads the pipe
    if (!ArgsRisky) F.PipeWait = std::move(Values);
    if (!InputRisky) F.PipeWait.insert(F.PipeWait.end(), Waiting.begin(), Waiting.end());
  }
}

/// Builtins that set variables named at run time or by their arguments
/// (`read P`, `printf -v`, `declare -n r=P`, `eval`, `source`): with one of
/// them in the command, no variable is taken for a constant.
constexpr llvm::StringLiteral SetsVariables =
    "read mapfile readarray getopts let unset eval source . trap alias declare typeset "
    "coproc select";

/// Variables the shell sets itself (`cd` sets PWD, `read` REPLY, ...).
constexpr llvm::StringLiteral ShellSet =
    "PWD OLDPWD REPLY OPTARG OPTIND RANDOM SRANDOM SECONDS LINENO IFS PPID UID EUID "
    "GROUPS HOSTNAME HOSTTYPE MACHTYPE OSTYPE SHLVL PIPESTATUS FUNCNAME COLUMNS LINES "
    "HISTCMD EPOCHSECONDS EPOCHREALTIME MAPFILE COPROC PATH HOME ENV SHELLOPTS _";

/// Whether \p Value, assigned literally, names a program as written: no
/// expansion, quote, blank, glob or tilde in it.
bool constantWord(llvm::StringRef Value) {
  return !Value.empty() && llvm::all_of(Value, [](char C) {
    return llvm::isAlnum(C) || llvm::StringRef("_./+:@%,-").contains(C);
  });
}

void ShellContext::constants() {
  Frame &F = top();
  char T = std::exchange(Term, 0);
  llvm::ArrayRef<std::string> Words = F.Words;
  CommandAt At = commandOf(Words);
  if (At.Index < Words.size()) {
    llvm::StringRef Cmd = Words[At.Index];
    llvm::ArrayRef<std::string> Args = Words.drop_front(At.Index + 1);
    bool Literal = llvm::none_of(Args, [](const std::string &W) {
      return llvm::StringRef(W).find_first_of("$`\x01") != llvm::StringRef::npos ||
             isOption(W);
    });
    bool Kept = llvm::is_contained({"export", "readonly", "local"}, Cmd);
    if (SetsAny.empty() &&
        (listed(SetsVariables, Cmd) || runTimeName(Cmd) || (Kept && !Literal) ||
         (Cmd == "printf" && llvm::any_of(Args,
                                          [](const std::string &W) {
                                            return llvm::StringRef(W).starts_with(
                                                "-v");  // `-v P`, `-vP`
                                          })) ||
         (Cmd == "wait" && llvm::any_of(Args, [](const std::string &W) {
            return llvm::StringRef(W).starts_with("-") &&
                   W.find('p') != std::string::npos;
          }))))
      SetsAny = "`" + Cmd.str() + "`";
    // A setter anywhere among the words counts too, wherever the command
    // turns out to be named (`2>/dev/null read P`, `exec {P}>f`): when in
    // doubt, no constant.
    static const llvm::Regex FdName("^\\{[A-Za-z_][A-Za-z0-9_]*\\}[<>]");
    bool Printf = llvm::is_contained(Words, "printf");
    for (llvm::StringRef W : Words)
      if (SetsAny.empty() && (listed(SetsVariables, W) || FdName.match(W) ||
                              (Printf && W.starts_with("-v"))))
        SetsAny = "`" + W.str() + "`";
    if (Kept)  // `export P`: counted like `P=`, which variables() counts
      for (const std::string &W : Args)
        if (variableName(W)) ++Assigned[W];
    if (Cmd == "for" && !Args.empty()) ++Assigned[Args.front()];  // `for P; do`
  }
  if (Frames.size() > 1 || !F.Groups.empty() || F.AfterPipe) return;
  // `P=python3;` at the top level, not after `&&`, `||` or a pipe, nor in
  // the background or a pipe itself: P holds that word from here on.
  bool After = PrevTerm == ';' || PrevTerm == '\n' || PrevTerm == '&';
  bool Ends = T == ';' || T == '\n' || T == 'A' || T == 'E';
  size_t First = !Words.empty() && Words.front() == "export" ? 1 : 0;
  if (After && Ends && Words.size() > First &&
      llvm::all_of(Words.drop_front(First), [](const std::string &W) {
        llvm::StringRef Name = assignedName(W);
        return !Name.empty() && W[Name.size()] == '=' &&
               constantWord(llvm::StringRef(W).drop_front(Name.size() + 1));
      }))
    for (const std::string &W : Words.drop_front(First)) {
      llvm::StringRef Name = assignedName(W);
      if (!listed(ShellSet, Name) && !Name.starts_with("BASH"))
        Constants[Name] = W.substr(Name.size() + 1);
    }
  // A blank line after `&&` or `|` continues that list.
  if (!Words.empty() || (PrevTerm != 'A' && PrevTerm != '|')) PrevTerm = T;
}

bool ShellContext::constantsHold() const {
  if (!SetsAny.empty() || Assigned.count("IFS")) return false;
  for (const auto &E : Resolved)
    if (Assigned.lookup(E.getKey()) != 1) return false;
  // Arithmetic can set any variable to a number (`(( P = 5 ))`, or a
  // variable's text evaluated there); a number names no program, but it
  // may name a function.
  for (const auto &E : Functions)
    if (llvm::all_of(E.getKey(), [](char C) { return llvm::isDigit(C) || C == '-'; }))
      return false;
  return true;
}

void ShellContext::endWord() {
  Frame &F = top();
  if (F.InWord) {
    // `P=python3; "$P" s.py v`: a constant names the command (checked in
    // finish(); outside function bodies, which may run before it is set).
    CommandAt Now = commandOf(F.Words);
    static const llvm::Regex Plain(
        "^\\$(\\{([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))$");
    llvm::SmallVector<llvm::StringRef, 4> M;
    bool WholeWord = F.Quotes == 0 ||
                     (F.Quotes == 1 && F.QuoteOpen == 0 && F.QuoteClose == F.Cur.size());
    if (!NoConstants && WholeWord && Now.Index == F.Words.size() && Now.Owed == 0 &&
        Plain.match(F.Cur, &M) && llvm::none_of(Frames, [](const Frame &Fr) {
          return llvm::any_of(Fr.Groups,
                              [](const Frame::Group &G) { return !G.Function.empty(); });
        })) {
      llvm::StringRef Name = M[2].empty() ? M[3] : M[2];
      auto C = Constants.find(Name);
      if (C != Constants.end()) {
        Resolved.insert(Name);
        F.Cur = C->second;
      }
    }
    // `alias p=eval` ... `p {{ x }}`: where a command is named, an alias
    // stands for its text. Text with more than words in it (`alias s='cat |
    // sh'`) is followed no further: the command counts as named at run time.
    CommandAt At = commandOf(F.Words);
    if (At.Index == F.Words.size() && At.Owed == 0) {
      auto A = Aliases.find(F.Cur);
      if (A != Aliases.end()) {
        llvm::SmallVector<llvm::StringRef, 4> Alias;
        llvm::StringRef(A->second).split(Alias, ' ', -1, false);
        if (Alias.empty() || llvm::StringRef(A->second).find_first_of(
                                 "|;&<>()$`\t\n\x01\x02\x03") != llvm::StringRef::npos) {
          F.Cur = "`alias " + F.Cur + "`";
        } else {
          for (llvm::StringRef W : llvm::ArrayRef(Alias).drop_back())
            F.Words.push_back(W.str());
          F.Cur = Alias.back().str();
        }
      }
    }
    {
      CommandAt Now = commandOf(F.Words);
      noteReaders(F.Cur,
                  Now.Index == F.Words.size() && Now.Owed == 0 && !assignment(F.Cur));
    }
    variables();
    // `function f {`: the body follows.
    if (F.Words.size() == 2 && F.Words[0] == "function" && functionName(F.Words[1]) &&
        F.Cur == "{") {
      F.Defining = F.Words[1];
      F.Words.clear();
    }
    // A reserved word where a command starts opens or closes a compound
    // command (`if ...; fi | sh`).
    bool Start = llvm::all_of(F.Words, keyword);
    if (Start &&
        llvm::is_contained({"{", "if", "for", "while", "until", "select", "case"},
                           llvm::StringRef(F.Cur)))
      openGroup(/*Paren=*/false, std::exchange(F.Defining, ""));
    else if (Start &&
             llvm::is_contained({"}", "fi", "done", "esac"}, llvm::StringRef(F.Cur)))
      closeGroup(/*Paren=*/false);
    else if (!(F.Words.empty() && F.Cur == "function"))
      F.Defining.clear();  // `f()` and then no compound command
    F.Words.push_back(F.Cur);
  }
  F.Cur.clear();
  F.InWord = false;
  F.WordValues.clear();
  F.Quotes = 0;
}

void ShellContext::variables() {
  Frame &F = top();
  llvm::StringRef W = F.Cur;
  llvm::SmallVector<llvm::StringRef, 4> Names;
  bool Positional = expands(W, Names);
  // The values the variables it expands may hold.
  std::vector<unsigned> Held;
  for (llvm::StringRef N : Names) {
    auto It = Tainted.find(N);
    if (It != Tainted.end()) addValues(Held, It->second);
  }
  CommandAt At = commandOf(F.Words);
  llvm::StringRef Cmd;  // not `? Words[I] : ""`: that makes a temporary string
  if (At.Index < F.Words.size()) Cmd = F.Words[At.Index];
  if (assignment(W)) {
    // `c={{ x }}`, `d=$c`, `export c=…`, `a=(x {{ x }})`, `a+=…`, `a[0]=…`: c
    // (or a) may hold the values.
    llvm::StringRef Name = assignedName(W);
    ++Assigned[Name];
    std::vector<unsigned> &T = Tainted[Name];
    addValues(T, F.WordValues);
    addValues(T, Held);
    if (Cmd == "alias") Aliases[Name] = W.drop_front(Name.size() + 1).str();
    if (!Positional) return;
  }
  // `for c in {{ x }}`, `select c in …`.
  if ((Cmd == "for" || Cmd == "select") && F.Words.size() >= At.Index + 3 &&
      F.Words[At.Index + 2] == "in") {
    std::vector<unsigned> &T = Tainted[F.Words[At.Index + 1]];
    ++Assigned[F.Words[At.Index + 1]];
    addValues(T, F.WordValues);
    addValues(T, Held);
  }
  if (Held.empty() && !Positional) return;
  ShellSpot S = argument();  // where this word lands
  if (Positional)
    // A function's body using its arguments where they run, or with a
    // reader of code in it (resolved in closeGroup): a call's values count.
    for (Frame &Fr : Frames)
      for (Frame::Group &G : Fr.Groups) {
        G.Positional = true;
        if (S.K != ShellSpot::Word || Frames.size() > 1) G.UsesArgs = true;
      }
  if (Held.empty()) return;
  std::string Via = "`$" + Names.front().str() + "`";
  if (W.contains(("${" + Names.front() + "[").str()))  // `${a[@]}`
    Via = "the array `" + Names.front().str() + "`";
  if (S.K != ShellSpot::Word) {
    lands(Held, S, Via);
    return;
  }
  // A plain word: the values go where the command's output goes (`echo $c |
  // sh`), and into the function it calls (`f $c`).
  F.Piped.insert(F.Piped.end(), Held.begin(), Held.end());
  F.Seen.insert(F.Seen.end(), Held.begin(), Held.end());
  for (Frame::Group &G : F.Groups)
    G.Extra.insert(G.Extra.end(), Held.begin(), Held.end());
  if (!Cmd.empty())
    for (unsigned V : Held) Passed.push_back({Cmd.str(), V});
}

void ShellContext::lands(llvm::ArrayRef<unsigned> Values, ShellSpot S,
                         llvm::StringRef Via) {
  if (S.K == ShellSpot::Code)
    S.K = ShellSpot::RunTime, S.Runner = "the code of `" + S.Runner + "`";
  S.Runner += (" through " + Via).str();
  for (unsigned V : Values)
    if (Spots[V].K == ShellSpot::Word) Spots[V] = S;
}

std::string ShellContext::readerOf(llvm::ArrayRef<std::string> Words) const {
  std::string Reader = stdinRunner(Words);
  if (!Reader.empty()) return Reader;
  CommandAt C = commandOf(Words);
  if (C.Index >= Words.size()) return "";
  llvm::StringRef Cmd = Words[C.Index];
  if (runTimeName(Cmd))
    return "the input of `" + Cmd.str() +
           "` (a command named at run time: it may be a shell)";
  // A function the command defines (or one it calls) with a reader in it.
  llvm::SmallVector<llvm::StringRef, 8> Work{Cmd};
  llvm::StringSet<> Visited;
  while (!Work.empty()) {
    llvm::StringRef Name = Work.pop_back_val();
    auto It = Functions.find(Name);
    if (It == Functions.end() || !Visited.insert(Name).second) continue;
    if (!It->second.Reads.empty())
      return It->second.Reads + " in the function `" + Name.str() + "`";
    for (const std::string &Callee : It->second.Calls) Work.push_back(Callee);
  }
  return "";
}

void ShellContext::openGroup(bool Paren, std::string Function) {
  Frame::Group G;
  G.First = static_cast<unsigned>(Spots.size());
  G.Paren = Paren;
  G.Function = std::move(Function);
  top().Groups.push_back(std::move(G));
}

void ShellContext::closeGroup(bool Paren) {
  Frame &F = top();
  if (F.Groups.empty() || F.Groups.back().Paren != Paren) return;
  Frame::Group G = std::move(F.Groups.back());
  F.Groups.pop_back();
  // All the group printed feeds what reads its output (`( a; b ) | sh`),
  // what the functions it calls print included; a function's body prints
  // only when the function is called.
  std::vector<unsigned> Printed;
  for (unsigned V = G.First; V < Spots.size(); ++V)
    if (!Diverted.contains(V)) Printed.push_back(V);
  Printed.insert(Printed.end(), G.Extra.begin(), G.Extra.end());  // `$c` in it
  if (!F.Groups.empty()) {  // what the outer group holds
    Frame::Group &Outer = F.Groups.back();
    Outer.Positional |= G.Positional;
    Outer.UsesArgs |= G.UsesArgs;
    if (Outer.Reads.empty()) Outer.Reads = G.Reads;
  }
  if (!G.Function.empty()) {
    bool UsesArgs = G.UsesArgs || (G.Positional && !G.Reads.empty());
    Functions[G.Function] = {std::move(Printed), std::move(G.Called), G.Reads, UsesArgs};
    F.Defined = G.Function;  // `f() { ... } > out`: its calls' output goes there
    return;
  }
  llvm::StringSet<> Visited;
  for (const std::string &Name : G.Called) printedBy(Name, Visited, Printed);
  F.Piped.insert(F.Piped.end(), Printed.begin(), Printed.end());
}

bool ShellContext::functionHeader(llvm::StringRef Text, size_t &I) {
  // At the `(` of `f ()` or `function f ()`: the words so far name it and
  // `)` follows (blanks between).
  Frame &F = top();
  llvm::ArrayRef<std::string> W = F.Words;
  if (F.AfterPipe || F.InWord) return false;
  if (!((W.size() == 1 && functionName(W[0])) ||
        (W.size() == 2 && W[0] == "function" && functionName(W[1]))))
    return false;
  size_t J = I + 1;
  while (J < Text.size() && (Text[J] == ' ' || Text[J] == '\t')) ++J;
  if (J >= Text.size() || Text[J] != ')') return false;
  F.Defining = W.back();
  F.Words.clear();
  I = J;
  return true;
}

void ShellContext::printedBy(llvm::StringRef Name, llvm::StringSet<> &Visited,
                             std::vector<unsigned> &Out) const {
  if (Name == "*") {  // a command named at run time: any function
    if (!Visited.insert(Name).second) return;
    for (const auto &E : Functions) printedBy(E.first(), Visited, Out);
    return;
  }
  auto It = Functions.find(Name);
  if (It == Functions.end() || !Visited.insert(Name).second) return;
  Out.insert(Out.end(), It->second.Values.begin(), It->second.Values.end());
  for (const std::string &Callee : It->second.Calls) printedBy(Callee, Visited, Out);
}

void ShellContext::callsFunction() {
  // A function called here: what it prints is this command's output
  // (`f | sh`). So is a function that the command runs as code
  // (`trap f EXIT`, `eval f`, `bash -c f` after `export -f f`).
  Frame &F = top();
  CommandAt At = commandOf(F.Words);
  if (At.Index >= F.Words.size()) return;
  llvm::StringRef Cmd = F.Words[At.Index];
  std::vector<std::string> Names{Cmd.str()};
  if (runTimeName(Cmd)) Names.push_back("*");  // `c=f; $c | sh`: any of them
  if (Cmd == "eval" || Cmd == "trap" || runnerOf(Cmd))
    for (size_t I = At.Index + 1; I < F.Words.size(); ++I) {
      llvm::SmallVector<llvm::StringRef, 4> Tokens;
      llvm::SplitString(F.Words[I], Tokens, " \t\n;&|(){}'\"`$<>=\x01\x02\x03");
      for (llvm::StringRef T : Tokens)
        if (functionName(T)) Names.push_back(T.str());
    }
  std::vector<unsigned> Values;
  for (const std::string &Name : Names) {
    llvm::StringSet<> Visited;
    printedBy(Name, Visited, Values);
    // Inside a group or a body, resolved when that runs: a function
    // defined later in the command counts (`g() { f; }; f() {...}; g`).
    for (Frame::Group &G : F.Groups) G.Called.push_back(Name);
  }
  F.Piped.insert(F.Piped.end(), Values.begin(), Values.end());
  F.Seen.insert(F.Seen.end(), Values.begin(), Values.end());
}

void ShellContext::runsOutput(const std::string &Reader) {
  Frame &F = top();
  for (size_t I = F.CmdStart; I < F.Piped.size(); ++I)
    if (Spots[F.Piped[I]].K == ShellSpot::Word)
      Spots[F.Piped[I]] = {ShellSpot::RunTime, Reader + " through `>(...)`"};
}

void ShellContext::endCommand(bool Pipe) {
  endWord();
  Frame &F = top();
  constants();
  if (F.AfterPipe && F.Words.empty() && !Pipe) return;  // `a |` newline `sh`
  coarseCommand(Pipe);
  // `function f` newline `{ ... }`: the body follows.
  if (!Pipe && F.Words.size() == 2 && F.Words[0] == "function" &&
      functionName(F.Words[1]))
    F.Defining = F.Words[1];
  callsFunction();
  // A reader of code in a group or a function's body: what the group's
  // input carries may reach it (`s() { sh; }; printf %s v | s`).
  std::string Reads = readerOf(F.Words);
  for (Frame::Group &G : F.Groups)
    if (G.Reads.empty()) G.Reads = Reads;
  // `hash -p /bin/sh cat`, `BASH_CMDS[cat]=/bin/sh`: bash then runs another
  // program for that name.
  if (Renames.empty()) {
    bool Hash = llvm::is_contained(F.Words, "hash");
    for (llvm::StringRef W : F.Words) {
      llvm::StringRef Name = assignedName(W);
      if (W == "enable" || Name == "BASH_CMDS" || Name == "BASH_ALIASES" ||
          W.starts_with("BASH_CMDS") || W.starts_with("BASH_ALIASES") ||
          (Hash && W.size() > 1 && W[0] == '-' && W.contains('p')))
        Renames = "`" + (Hash && W[0] == '-' ? "hash " + W.str() : W.str()) + "`";
    }
  }
  // `a[$x]=1`, `unset "a[$x]"`, `test -v "a[$x]"`: arithmetic on a
  // variable's text, a reader of code for the coarse rule.
  if (AnyReader.empty()) {
    bool Names = namesVariables(F.Words);
    for (llvm::StringRef W : F.Words)
      if ((Names || assignment(W)) && evaluatedSubscript(W)) {
        AnyReader =
            "`a[...]` (an array subscript: bash evaluates a variable's text there as "
            "arithmetic)";
        break;
      }
  }
  // `read c`, `mapfile c`, `printf -v c`: c may hold any value so far
  // (read from a here-string, a pipe into the loop around it, a file).
  CommandAt At = commandOf(F.Words);
  if (At.Index < F.Words.size()) {
    llvm::StringRef Cmd = F.Words[At.Index];
    bool Reading = llvm::is_contained({"read", "mapfile", "readarray", "getopts"}, Cmd);
    for (size_t I = At.Index + 1; I < F.Words.size(); ++I) {
      llvm::StringRef W = F.Words[I];
      if (Cmd == "printf" && W.starts_with("-v") && W.size() > 2)
        W = W.drop_front(2);  // `printf -vP`
      else if (!Reading && !(Cmd == "printf" && F.Words[I - 1] == "-v"))
        continue;
      if (variableName(W))
        for (unsigned V = 0; V < Spots.size(); ++V) addValues(Tainted[W], V);
    }
  }
  // `f() { ...; } > out`: every call of f writes the file; `> >(sh)`: runs
  // it as code (resolved in finish(), when its callees are known).
  if (!F.Defined.empty()) {
    auto It = Functions.find(F.Defined);
    if (It != Functions.end() && !F.OutReader.empty()) {
      CodeSinks.push_back({It->second, F.OutReader});
    } else if (It != Functions.end() && stdoutToFile(F.Words)) {
      for (unsigned V : It->second.Values) Diverted.insert(V);
      It->second.Values.clear();
      It->second.Calls.clear();
    }
    F.Defined.clear();
  }
  // `>(sh)`: what a command writes into it is run as code.
  if (F.Output && !F.AfterPipe && F.Reader.empty()) F.Reader = stdinRunner(F.Words);
  if (!F.OutReader.empty()) {
    // `exec > >(sh)` alone: for every later command too.
    bool ExecOnly =
        !F.Words.empty() && F.Words[0] == "exec" &&
        llvm::all_of(llvm::ArrayRef(F.Words).drop_front(), [](const std::string &W) {
          bool TakesNext = false, Input = false;
          return redirection(W, TakesNext, Input);
        });
    if (ExecOnly) F.ExecReader = F.OutReader;
    runsOutput(std::exchange(F.OutReader, ""));
  }
  if (!F.ExecReader.empty()) runsOutput(F.ExecReader);
  if (stdoutToFile(F.Words)) {
    // `printf %s v > out | sh`, `f > out`: its output is in the file.
    for (size_t I = F.CmdStart; I < F.Piped.size(); ++I) Diverted.insert(F.Piped[I]);
    F.Piped.resize(std::min(F.CmdStart, F.Piped.size()));
  }
  if (F.AfterPipe) {
    std::string Reader = readerOf(F.Words);
    if (!Reader.empty())
      for (unsigned V : F.Piped)
        if (Spots[V].K == ShellSpot::Word) Spots[V] = {ShellSpot::RunTime, Reader};
  }
  // `bash <(printf %s {{ x }})`: a program that runs the file as code.
  for (auto &[At, Values] : F.Substs) {
    std::vector<std::string> Words = F.Words;
    if (At >= Words.size() || commandOf(Words).Index >= At) continue;
    Words[At] = "/dev/stdin";
    std::string Reader = stdinRunner(Words);
    if (Reader.empty()) continue;
    for (unsigned V : Values)
      if (Spots[V].K == ShellSpot::Word)
        Spots[V] = {ShellSpot::RunTime,
                    "a file `<(...)` that `" +
                        llvm::sys::path::filename(Words[commandOf(Words).Index]).str() +
                        "` runs as code"};
  }
  F.Substs.clear();
  F.AfterPipe = Pipe;
  if (!Pipe) F.Piped.clear();
  F.CmdStart = F.Piped.size();
  F.Words.clear();
}

void ShellContext::newline() {
  if (top().Kind != 'a') {
    Term = '\n';
    endCommand();
  }
  Comment = false;
  for (Doc &D : Pending) Bodies.push_back(std::move(D));
  Pending.clear();
}

void ShellContext::push(char Kind) {
  top().Cur += Kind == '`' ? "`" : Kind == 'p' ? "(" : "$(";
  top().InWord = true;
  Frame F;
  F.Kind = Kind;
  Frames.push_back(std::move(F));
}

void ShellContext::pop() {
  char Kind = top().Kind;
  // `$((c + 1))`: bash evaluates c's text as an expression there, running
  // `$(...)` in an array subscript in it (`c='a[$(id)]'`).
  if (Kind == 'a' && AnyReader.empty() && llvm::any_of(top().Arith, [](char C) {
        return llvm::isAlpha(C) || C == '_' || C == '$' || C == '\x01';
      }))
    AnyReader =
        "`$((...))` (arithmetic: bash evaluates a variable's text there as an "
        "expression)";
  if (Frames.size() > 1) {
    endCommand();
    // What `$(...)` prints, its values included, joins the outer command.
    std::vector<unsigned> Inner = std::move(top().Seen);
    std::string Reader = top().Output ? std::move(top().Reader) : "";
    Frames.pop_back();
    if (!Reader.empty()) top().OutReader = std::move(Reader);
    top().Piped.insert(top().Piped.end(), Inner.begin(), Inner.end());
    top().Seen.insert(top().Seen.end(), Inner.begin(), Inner.end());
    top().WordValues.insert(top().WordValues.end(), Inner.begin(), Inner.end());
    // ... and lands where the `$(...)` stands: `eval "$(printf %s {{ x }})"`
    // runs the value as code. Inside "..." that is the word's spot too.
    ShellSpot Outer = argument();  // the outer word ends in `$(` (push())
    if (Outer.K == ShellSpot::Code)
      Outer.K = ShellSpot::RunTime, Outer.Runner = "the code of `" + Outer.Runner + "`";
    Outer.Runner += Kind == '`'   ? " through backquotes"
                    : Kind == 'p' ? " through `<(...)`"
                                  : " through `$(...)`";
    if (Outer.K != ShellSpot::Word)
      for (unsigned V : Inner)
        if (Spots[V].K == ShellSpot::Word) Spots[V] = Outer;
    if (Kind == 'p') top().Substs.push_back({top().Words.size(), std::move(Inner)});
  }
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
  Input.push_back({false, Text.str()});
  auto At = [&](size_t I) { return I < Text.size() ? Text[I] : '\0'; };
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (!Bodies.empty()) {  // a here-document's body, line by line
      if (C != '\n') {
        Line += C;
        continue;
      }
      llvm::StringRef L = Line;
      noteReaders(L, false);
      if (Bodies.front().StripTabs) L = L.ltrim('\t');
      if (L == Bodies.front().Delim) Bodies.erase(Bodies.begin());
      Line.clear();
      continue;
    }
    if (Comment) {
      if (C == '\n' && top().Array)  // a comment between an array's elements
        Comment = false, top().Cur += ' ';
      else if (C == '\n')
        newline();
      continue;
    }
    Frame &F = top();
    if (Escape) {
      Escape = false;
      if (C != '\n')
        F.Cur += quotedChar(C), F.InWord = true;  // \newline continues the line
      continue;
    }
    if (F.Quote == '\'') {
      if (C == '\'')
        F.Quote = 0, F.Quotes += 2;  // '$c' is no expansion
      else
        F.Cur += quotedChar(C);
      continue;
    }
    if (C == '\\') {
      Escape = true;
      F.Quotes += 2;
      continue;
    }
    if (F.Kind == 'a') {  // $((...)): only its parentheses matter
      if (C != '(' && C != ')') F.Arith += C;
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
        F.Quote = 0, F.QuoteClose = F.Cur.size();
      else
        F.Cur += quotedChar(C);
      continue;
    }
    // `a=( x v )`: the elements are words of the assignment, not a command.
    if (F.Array && C != '\'' && C != '"') {
      if (C == '(' && (F.Cur.back() == '<' || F.Cur.back() == '>')) {
        bool Output = F.Cur.back() == '>';
        push('p');
        top().Output = Output;
      } else if (C == '#' && (F.Cur.back() == ' ' || F.Cur.back() == '(')) {
        Comment = true;
      } else {
        F.Cur += C == '\t' || C == '\n' ? ' ' : C;
        if (C == ')') F.Array = false;
      }
      continue;
    }
    switch (C) {
      case '\'':
      case '"':
        F.Quote = C, F.InWord = true, ++F.Quotes;
        F.QuoteOpen = F.Cur.size();
        break;
      case ' ':
      case '\t':
        endWord();
        break;
      case '\n':
        newline();
        break;
      case '(':
        if (F.InWord && llvm::StringRef(F.Cur).ends_with("=") && assignment(F.Cur) &&
            !llvm::StringRef(F.Cur).contains(
                '[')) {  // `a=(`, `a+=(`: an array's elements follow
          F.Cur += C;
          F.Array = true;
          break;
        }
        if (!F.InWord && At(I + 1) == '(' && AnyReader.empty())
          AnyReader =
              "`((...))` (arithmetic: bash evaluates a variable's text there as "
              "an expression)";
        if (F.InWord && (F.Cur == "<" || F.Cur == ">")) {  // `<(...)`, `>(...)`
          bool Output = F.Cur == ">";
          push('p');
          top().Output = Output;
          break;
        }
        endWord();
        if (functionHeader(Text, I)) break;  // `f()`: its body follows
        {
          std::string Function = std::exchange(top().Defining, "");  // `f() ( ... )`
          endCommand();
          ++top().Depth;
          openGroup(/*Paren=*/true, std::move(Function));
        }
        break;
      case ')':
        if ((F.Kind == '(' || F.Kind == 'p') && F.Depth == 0) {
          endWord();
          pop();
          break;
        }
        endCommand();
        if (F.Depth > 0) {  // not a `case` pattern's `)`
          --F.Depth;
          closeGroup(/*Paren=*/true);
        }
        break;
      case '&':
      case '|':
        if (C == '&' && At(I + 1) == '>') {  // `&> file`, `&>> file`
          endWord();
          F.Cur += C, F.InWord = true;
          break;
        }
        if (llvm::StringRef(F.Cur).ends_with(">") ||
            llvm::StringRef(F.Cur).ends_with("<")) {
          F.Cur += C;  // 2>&1, >|
          break;
        }
        if (C == '|' && At(I + 1) != '|') {  // a pipe (`|&` too)
          if (At(I + 1) == '&') ++I;
          Term = '|';
          endCommand(/*Pipe=*/true);
          break;
        }
        Term = At(I + 1) == C ? 'A' : '&';
        if (At(I + 1) == C) ++I;  // && ||
        endCommand();
        break;
      case ';':
        Term = ';';
        endCommand();
        break;
      case '#':
        if (!F.InWord)
          Comment = true;
        else
          F.Cur += C;
        break;
      case '<':
        // `3<<EOF read P`: the digits name a descriptor, not a command.
        if (At(I + 1) == '<' && F.InWord && !F.Cur.empty() &&
            llvm::all_of(F.Cur, [](char D) { return llvm::isDigit(D); }))
          F.Cur.clear(), F.InWord = false;
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
  CommandAt At = commandOf(Words);
  size_t First = At.Index;
  if (First == Words.size()) {
    // The value names the program (or is glued to its name), unless it is
    // an assignment's or a wrapper's operand (`X={{ x }}`, `timeout {{ x }}`).
    if (!(F.InWord && assignment(F.Cur)) && At.Owed == 0) {
      S.K = ShellSpot::Unsure, S.Runner = "as the name of the command to run";
      return S;
    }
    return S;
  }
  llvm::StringRef Cmd = Words[First];
  llvm::ArrayRef<std::string> Args = Words.drop_front(First + 1);
  if (Cmd == "eval" || Cmd == "trap" || Cmd == "alias") {  // `alias f={{ x }}`: f's code
    S.K = ShellSpot::Code, S.Runner = Cmd.str();
    return S;
  }
  if ((Cmd == "source" || Cmd == ".") && Args.empty()) {
    S.K = ShellSpot::RunTime, S.Runner = "the file name of `" + Cmd.str() + "`";
    return S;
  }
  if (llvm::sys::path::filename(Cmd) == "watch") {
    S.K = ShellSpot::RunTime, S.Runner = "`watch` (it joins its arguments into `sh -c`)";
    return S;
  }
  if (llvm::sys::path::filename(Cmd) == "ssh") {
    bool DashDash;
    unsigned N = sshOperands(Args, DashDash);
    if (N == 0 && !DashDash && !At.Xargs)
      S.K = ShellSpot::Unsure,
      S.Runner =
          "as `ssh`'s destination, where a value starting with `-` is an option "
          "(`-oProxyCommand=` runs a command; put `--` before it)";
    else if (N > 0)
      S.K = ShellSpot::RunTime,
      S.Runner = "the remote command of `ssh` (the remote shell parses it)";
    if (S.K != ShellSpot::Word) return S;
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
  // `c=eval; $c {{ x }}`: what a command named at run time does with its
  // arguments is not known here; it may be `eval` or a shell.
  if (runTimeName(Cmd)) {
    S.K = ShellSpot::Unsure;
    S.Runner = "as an argument of `" + Cmd.str() +
               "`, a command named at run time (it may be `eval` or a shell; name the "
               "program in the text)";
    return S;
  }
  // A runner anywhere in the command (`sudo -u x sh -c`, `find -exec sh -c`,
  // `timeout 5 python3 -c`).
  for (size_t R0 = 0; R0 < Words.size(); ++R0) {
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
  // `python3 {{ x }}`, `sh -u {{ x }}`, `su {{ x }}`: where an interpreter
  // still reads its options and its script, a value chooses the code it
  // runs (`-cprint(1)`, `-`, `/dev/stdin`, a file the run wrote).
  // (`<(...)` and `$(...)` there are the rules above and the coarse rule's.)
  const CodeRunner *Interp = runnerOf(Cmd);
  if (Interp && Interp->Stdin && !llvm::StringRef(F.Cur).ends_with("(")) {
    const CodeRunner *R = Interp;
    bool Busybox = llvm::sys::path::filename(Cmd) == "busybox";
    bool Script = false;
    for (size_t I = First + 1; I < Words.size() && !Script; ++I) {
      llvm::StringRef W = Words[I];
      bool TakesNext = false, Input = false;
      if (redirection(W, TakesNext, Input)) {
        if (TakesNext) ++I;
      } else if (Busybox && (W == "sh" || W == "ash")) {
        continue;
      } else if (!isOption(W) || !codeFlag(*R, W).empty()) {
        Script = true;  // the script, or the code: later words are arguments
      } else if (listed(R->FileOpt, W)) {
        Script = I + 1 < Words.size();  // `python3 -m {{ x }}`: the module
        break;
      } else if (listed(R->WithArg, W)) {
        ++I;
      }
    }
    if (!Script) {
      S.K = ShellSpot::Unsure;
      S.Runner = ("where `" + llvm::sys::path::filename(Cmd) +
                  "` still reads its options and its script (a value there may be "
                  "`-c CODE`, `-` or a file to run)")
                     .str();
    }
  }
  return S;
}

ShellSpot ShellContext::value() {
  Input.push_back({true, ""});
  ShellSpot S;
  Frame &F = top();
  unsigned Index = Spots.size();
  if (!Bodies.empty()) {
    S.K = Bodies.front().Quoted ? ShellSpot::QuotedHeredoc : ShellSpot::Heredoc;
    Line += '\x01';
    Spots.push_back(S);
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
  else if (F.InWord && openSubscript(F.Cur, F.Array) &&
           (F.Array || commandOf(F.Words).Index == F.Words.size() ||
            namesVariables(F.Words)))
    S.K = ShellSpot::Unsure,
    S.Runner = "in an array subscript (`a[...]`), which bash evaluates as arithmetic";
  else
    S = argument();
  if (S.K == ShellSpot::Word) {
    // `f {{ x }}`: resolved in finish() against what f does with `$1`.
    CommandAt At = commandOf(F.Words);
    if (At.Index < F.Words.size()) Passed.push_back({F.Words[At.Index], Index});
    // The coarse rule: inside `$(...)`, a group, a loop or a body, or in
    // an assignment (`c=v`, `--opt=v`), it may reach a reader of code.
    F.CmdValues.push_back(Index);
    if (Frames.size() > 1 || llvm::StringRef(F.Cur).contains('=') ||
        llvm::any_of(Frames, [](const Frame &Fr) { return !Fr.Groups.empty(); }))
      MayReach.insert(Index);
  }
  F.WordValues.push_back(Index);
  Escape = false;
  F.Cur += '\x01';
  F.InWord = true;
  F.Piped.push_back(Index);
  F.Seen.push_back(Index);
  Spots.push_back(S);
  return S;
}

const std::vector<ShellSpot> &ShellContext::finish() {
  while (Frames.size() > 1) pop();
  Term = 'E';
  endCommand();
  // A constant that named a command turned out not to be one (assigned
  // again, or something sets variables at run time): read the command again
  // with every variable unknown.
  if (!Resolved.empty() && !constantsHold()) {
    ShellContext Again;
    Again.NoConstants = true;
    for (const auto &[IsValue, Text] : Input)
      IsValue ? (void)Again.value() : Again.text(Text);
    Spots = Again.finish();
    return Spots;
  }
  // `f() { ...; } > >(sh)`: what f prints, its callees' output included.
  for (auto &[Fn, Reader] : CodeSinks) {
    std::vector<unsigned> Printed = Fn.Values;
    llvm::StringSet<> Visited;
    for (const std::string &Callee : Fn.Calls) printedBy(Callee, Visited, Printed);
    for (unsigned V : Printed)
      if (Spots[V].K == ShellSpot::Word)
        Spots[V] = {ShellSpot::RunTime, Reader + " through `>(...)`"};
  }
  // `f() { eval "$1"; }; f {{ x }}`: a function (or one it calls) that runs
  // its arguments, or has a reader of code its arguments may reach.
  for (auto &[Name, V] : Passed) {
    llvm::SmallVector<llvm::StringRef, 8> Work{Name};
    llvm::StringSet<> Visited;
    while (!Work.empty() && Spots[V].K == ShellSpot::Word) {
      llvm::StringRef N = Work.pop_back_val();
      auto It = Functions.find(N);
      if (It == Functions.end() || !Visited.insert(N).second) continue;
      if (It->second.UsesArgs)
        Spots[V] = {ShellSpot::Unsure,
                    "as an argument of the function `" + Name +
                        "`, which uses its arguments (`$1`, `$@`) where "
                        "they may run as code"};
      for (const std::string &Callee : It->second.Calls) Work.push_back(Callee);
    }
  }
  // The coarse rule: with a reader of code anywhere in the command, a value
  // that may reach it through a variable, a function or alias, a pipe, a
  // file, a group or `$(...)` is refused: following each of those
  // precisely is not sound (functions run after the text that assigns,
  // `eval x=$c`, here-documents, `sh -c CODE ARG`).
  if (!AnyReader.empty()) {
    for (const auto &E : Tainted)
      for (unsigned V : E.second) MayReach.insert(V);
    for (auto &[Name, V] : Passed)
      if (Functions.count(Name) || Aliases.count(Name)) MayReach.insert(V);
    for (unsigned V : MayReach)
      if (Spots[V].K == ShellSpot::Word)
        Spots[V] = {ShellSpot::RunTime,
                    AnyReader +
                        " elsewhere in this command, through a variable, a function, "
                        "a pipe, a file, a loop or `$(...)` (with a reader of code in "
                        "the command, only a plain argument of a plain command is "
                        "followed)"};
  }
  if (!Renames.empty())
    for (ShellSpot &S : Spots)
      if (S.K == ShellSpot::Word)
        S = {ShellSpot::Unsure,
             "where " + Renames + " makes a command's name run another program (bash)"};
  return Spots;
}

}  // namespace orch::passes
