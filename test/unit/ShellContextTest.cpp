//===- ShellContextTest.cpp - Where a value lands in a shell command -------===//
#include <gtest/gtest.h>

#include "passes/ShellContext.h"

using orch::passes::ShellContext;
using orch::passes::ShellSpot;

namespace {

/// Where a value lands after \p Before (literal text).
ShellSpot spot(llvm::StringRef Before) {
  ShellContext C;
  C.text(Before);
  return C.value();
}

/// Where a value between \p Before and \p After lands, once the whole
/// command is known.
ShellSpot whole(llvm::StringRef Before, llvm::StringRef After) {
  ShellContext C;
  C.text(Before);
  C.value();
  C.text(After);
  return C.finish().front();
}

TEST(ShellContext, WordsAndQuotes) {
  EXPECT_EQ(spot("echo ").K, ShellSpot::Word);
  EXPECT_EQ(spot("echo \"a ").K, ShellSpot::DoubleQuoted);
  EXPECT_EQ(spot("echo 'a ").K, ShellSpot::SingleQuoted);
  EXPECT_EQ(spot("echo 'a' \\\" ").K, ShellSpot::Word);
  EXPECT_EQ(spot("echo \"$(cat ").K, ShellSpot::Word);    // a word of $(...)
  EXPECT_EQ(spot("echo # '").K, ShellSpot::Unsure);       // in a comment
  EXPECT_EQ(spot("echo # '\necho ").K, ShellSpot::Word);  // its quote opens nothing
}

TEST(ShellContext, EvalAndShDashC) {
  EXPECT_EQ(spot("eval ").K, ShellSpot::Code);
  EXPECT_EQ(spot("eval ").Runner, "eval");
  EXPECT_EQ(spot("x=1; eval echo ").K, ShellSpot::Code);
  EXPECT_EQ(spot("sh -c ").Runner, "sh -c");
  EXPECT_EQ(spot("/bin/bash -e -c ").Runner, "bash -c");
  EXPECT_EQ(spot("bash -ec ").Runner, "bash -c");
  EXPECT_EQ(spot("A=b exec env -i nohup dash -c ").Runner, "dash -c");
  EXPECT_EQ(spot("true && sh -c ").K, ShellSpot::Code);
  EXPECT_EQ(spot("if true; then eval ").K, ShellSpot::Code);
  EXPECT_EQ(spot("echo $(sh -c ").K, ShellSpot::Code);
  EXPECT_EQ(spot("bash -c -e ").Runner, "bash -c");
  EXPECT_EQ(spot("busybox sh -c ").Runner, "busybox -c");
  // Other programs that run an argument as code.
  EXPECT_EQ(spot("python3 -c ").Runner, "python3 -c");
  EXPECT_EQ(spot("/usr/bin/python3.11 -u -c ").Runner, "python3.11 -c");
  EXPECT_EQ(spot("node -e ").Runner, "node -e");
  EXPECT_EQ(spot("perl -E ").Runner, "perl -E");
  EXPECT_EQ(spot("su -c ").Runner, "su -c");
  EXPECT_EQ(spot("python3 -c -u ").K, ShellSpot::Word);  // -u is the code there
  EXPECT_EQ(spot("python3 -c 'import sys; print(sys.argv[1])' ").K, ShellSpot::Word);
  EXPECT_EQ(spot("python3 script.py ").K, ShellSpot::Word);
  // The value as a positional argument, or not an argument of them: data.
  EXPECT_EQ(spot("sh -c 'echo \"$1\"' sh ").K, ShellSpot::Word);
  EXPECT_EQ(spot("sh script.sh ").K, ShellSpot::Word);
  EXPECT_EQ(spot("evaluate ").K, ShellSpot::Word);
  EXPECT_EQ(spot("echo eval ").K, ShellSpot::Word);
  EXPECT_EQ(spot("eval; echo ").K, ShellSpot::Word);
  EXPECT_EQ(spot("sh -c").K, ShellSpot::Code);  // `-c{{ x }}`: glued to -c
}

// Security review 2, finding 1: each bypass is refused.
TEST(ShellContext, ReviewBypasses) {
  EXPECT_EQ(spot("eval :").Runner, "eval");  // glued
  EXPECT_EQ(spot("python3 -c").Runner, "python3 -c");
  EXPECT_EQ(spot("node --eval=").Runner, "node -e");
  EXPECT_EQ(spot("sh -c -- ").Runner, "sh -c");
  EXPECT_EQ(spot("sh -o errexit -c ").Runner, "sh -c");
  EXPECT_EQ(spot("$(command -v sh) -c ").K, ShellSpot::Code);
  EXPECT_EQ(spot("$SHELL -c ").K, ShellSpot::Code);
  EXPECT_EQ(spot("timeout 5 sh -c ").Runner, "sh -c");
  EXPECT_EQ(spot("find /tmp -maxdepth 0 -exec sh -c ").Runner, "sh -c");
  EXPECT_EQ(spot("sudo -u nobody sh -c ").Runner, "sh -c");
  EXPECT_EQ(spot("exec -a name sh -c ").Runner, "sh -c");
  EXPECT_EQ(spot("trap ").Runner, "trap");
  EXPECT_EQ(spot("bash <<< ").Runner, "bash <<<");
  EXPECT_EQ(spot("awk ").Runner, "awk");
  EXPECT_EQ(spot("perl -lne ").Runner, "perl -e");
  EXPECT_EQ(spot("sh 2>&1 -c ").Runner, "sh -c");
  EXPECT_EQ(spot("echo \\").K, ShellSpot::Unsure);  // after a backslash
  EXPECT_EQ(spot("# note: ").K, ShellSpot::Unsure);
  EXPECT_EQ(spot("echo \"$(echo \"").K, ShellSpot::DoubleQuoted);
  EXPECT_EQ(spot("cat <<@\n").K, ShellSpot::Heredoc);
  EXPECT_EQ(spot("cat <<E+F\nE\n").K, ShellSpot::Heredoc);
  EXPECT_EQ(spot("cat <<\n").K, ShellSpot::Heredoc);  // no delimiter: unsure
  EXPECT_EQ(spot("echo `").K, ShellSpot::Unsure);
  EXPECT_EQ(spot("echo $((1 + ").K, ShellSpot::Unsure);
  EXPECT_EQ(spot("").K, ShellSpot::Unsure);  // the command's name
  EXPECT_EQ(spot("echo a | ").K, ShellSpot::Unsure);
  EXPECT_EQ(spot("./bin/").K, ShellSpot::Unsure);
}

// Finding 6: `$(...)` in "..." holds plain words; `$((1<<2))` is no
// here-document; the positional forms stay data.
TEST(ShellContext, ReviewFalsePositives) {
  EXPECT_EQ(spot("echo \"got: $(printf %s ").K, ShellSpot::Word);
  EXPECT_EQ(spot("echo $((1<<2))\nprintf %s ").K, ShellSpot::Word);
  EXPECT_EQ(spot("echo \"$(date)\" ").K, ShellSpot::Word);
  EXPECT_EQ(spot("X=").K, ShellSpot::Word);
  EXPECT_EQ(spot("echo B-").K, ShellSpot::Word);
  EXPECT_EQ(spot("bash -c 'echo \"$1\"' -- ").K, ShellSpot::Word);
  EXPECT_EQ(spot("awk '{print}' ").K, ShellSpot::Word);
  EXPECT_EQ(spot("awk -f prog.awk ").K, ShellSpot::Word);
  EXPECT_EQ(spot("sed -e p ").K, ShellSpot::Word);
  EXPECT_EQ(spot("cat <<< ").K, ShellSpot::Word);
  EXPECT_EQ(spot("echo a 2>&1 ").K, ShellSpot::Word);
}

TEST(ShellContext, HereDocuments) {
  EXPECT_EQ(spot("cat <<EOF\n").K, ShellSpot::Heredoc);
  EXPECT_EQ(spot("cat <<EOF\nline\n").K, ShellSpot::Heredoc);
  EXPECT_EQ(spot("cat <<EOF\nx\nEOF\necho ").K, ShellSpot::Word);
  EXPECT_EQ(spot("cat <<'EOF'\n").K, ShellSpot::QuotedHeredoc);
  EXPECT_EQ(spot("cat <<\\EOF\n").K, ShellSpot::QuotedHeredoc);
  EXPECT_EQ(spot("cat <<-END\n\tx\n\tEND\necho ").K, ShellSpot::Word);
  EXPECT_EQ(spot("cat <<A <<B\na\nA\n").K, ShellSpot::Heredoc);  // B's body
  EXPECT_EQ(spot("cat <<A <<B\na\nA\nb\nB\necho ").K, ShellSpot::Word);
  EXPECT_EQ(spot("cat <<EOF; echo ").K, ShellSpot::Word);  // the body starts next line
  EXPECT_EQ(spot("cat <<< ").K, ShellSpot::Word);          // a here-string is a word
}

TEST(ShellContext, ValuesFollowOneAnother) {
  ShellContext C;
  C.text("cat <<EOF\n");
  EXPECT_EQ(C.value().K, ShellSpot::Heredoc);
  C.text("\nEOF\neval ");
  EXPECT_EQ(C.value().K, ShellSpot::Code);
  C.text("; echo ");
  EXPECT_EQ(C.value().K, ShellSpot::Word);
}

// Commands built at run time: a program that re-parses the value.
TEST(ShellContext, PipedIntoAnInterpreter) {
  EXPECT_EQ(whole("printf %s ", " | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("printf %s ", " | sh").Runner, "the input of `sh`");
  for (const char *Reader : {" | bash",
                             " | /bin/dash -s x",
                             " | zsh -e",
                             " | ksh",
                             " | busybox sh",
                             " | python3 -",
                             " | python3",
                             " | perl",
                             " | node",
                             " | ruby -w",
                             " | php",
                             " |& sh",
                             " | tee log | sh",
                             " |\n  sh",
                             " | sudo -u nobody bash",
                             " | timeout 5 sh",
                             " | env -i sh",
                             " | su",
                             " | ssh host",
                             " | xargs sh -c",
                             " | xargs -0 -n 1 bash -e -c",
                             " | xargs -I{} sh -c 'echo {}'",
                             " | (sh)",
                             " | source /dev/stdin"})
    EXPECT_EQ(whole("echo ", Reader).K, ShellSpot::RunTime) << Reader;
  EXPECT_EQ(whole("echo $(printf %s ", ") | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("x=$(echo ", " | sh)").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("(echo a; echo ", ") | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("(echo ", "); echo b | sh").K, ShellSpot::RunTime);
}

TEST(ShellContext, PipedIntoDataReaders) {
  for (const char *Reader : {" | grep foo", " | python3 script.py",

                             " | sh script.sh", " | bash < script.sh", "; sh", " && sh",
                             " || sh", " & sh", "\nsh"})
    EXPECT_EQ(whole("echo ", Reader).K, ShellSpot::Word) << Reader;
  // Only the values of the pipeline that feeds it.
  EXPECT_EQ(whole("echo ", "; echo b | sh").K, ShellSpot::Word);
}

TEST(ShellContext, ProgramsThatRunTheirArguments) {
  EXPECT_EQ(spot("ssh host ").K, ShellSpot::RunTime);
  EXPECT_EQ(spot("ssh -p 22 -o BatchMode=yes host uptime ").K, ShellSpot::RunTime);
  EXPECT_EQ(spot("ssh ").K, ShellSpot::Unsure);  // -oProxyCommand=...
  EXPECT_EQ(spot("ssh -- ").K, ShellSpot::Word);
  EXPECT_EQ(spot("watch ").K, ShellSpot::RunTime);
  EXPECT_EQ(spot("watch -n 1 ls ").K, ShellSpot::RunTime);
  EXPECT_EQ(spot("source ").K, ShellSpot::RunTime);
  EXPECT_EQ(spot(". ./lib/").K, ShellSpot::RunTime);
  EXPECT_EQ(spot(". ./lib.sh ").K, ShellSpot::Word);  // its positional arguments
  EXPECT_NE(spot("env -S ").K, ShellSpot::Word);
  EXPECT_EQ(spot("env -S x ").K, ShellSpot::Word);
  // Wrappers: the command after them, and their own operands.
  for (const char *W :
       {"env ", "nice ", "nohup ", "timeout 5 ", "timeout -s KILL 5 ", "sudo ",
        "sudo -u nobody ", "flock /tmp/l ", "setsid ", "stdbuf -o L ", "chroot /srv ",
        "xargs -n 1 ", "env A=b nice -n 5 timeout 9 "}) {
    std::string Before = W;
    EXPECT_NE(spot(Before).K, ShellSpot::Word) << W;  // the command's name
    EXPECT_EQ(spot(Before + "sh -c ").K, ShellSpot::Code) << W;
  }
  EXPECT_EQ(spot("find . -exec sh -c ").K, ShellSpot::Code);
  EXPECT_EQ(spot("su -c ").K, ShellSpot::Code);
  EXPECT_EQ(spot("timeout ").K, ShellSpot::Word);  // its duration
  EXPECT_EQ(spot("nice -n ").K, ShellSpot::Word);
  EXPECT_EQ(spot("flock ").K, ShellSpot::Word);
  EXPECT_EQ(spot("timeout 5 ls ").K, ShellSpot::Word);
  EXPECT_EQ(spot("sudo -u nobody cat ").K, ShellSpot::Word);
}

// Review 3: redirections after the reader, `$(...)` in a code word,
// compound commands piped into a shell, the input named as a file.
TEST(ShellContext, Review3Bypasses) {
  for (const char *Reader :
       {" | sh 2>&1", " | sh > out.txt", " | bash 2> /dev/null", " | python3 2>&1",
        " | sh >>log 2>&1", " | sh /dev/fd/0", " | sh /proc/self/fd/0",
        " | bash //dev/./fd/0", " | python3 /dev/fd/0", " | source /dev/fd/0",
        " | . /proc/self/fd/0", " | awk -f -", " | awk -f /dev/stdin", " | gawk --file=-",
        " | sed -f /dev/stdin", " | script", " | script -q log"})
    EXPECT_EQ(whole("echo ", Reader).K, ShellSpot::RunTime) << Reader;
  for (const char *Before :
       {"eval \"$(printf %s ", "sh -c \"$(printf %s ", "python3 -c \"print($(echo ",
        "ssh host \"ls $(echo ", "eval $(echo $(echo ", "bash <<< \"$(echo "})
    EXPECT_NE(whole(Before, ")\"").K, ShellSpot::Word) << Before;
  EXPECT_EQ(whole("eval \"$(printf %s ", ")\"").Runner,
            "the code of `eval` through `$(...)`");
  const std::pair<const char *, const char *> Groups[] = {
      {"{ printf '%s\\n' ", "; } | sh"},
      {"if true; then printf %s ", "; fi | sh"},
      {"for i in 1; do echo ", "; done | sh"},
      {"while true; do echo ", "; done | sh"},
      {"until false; do echo ", "; done | sh"},
      {"case a in a) echo ", ";; esac | sh"},
      {"if true; then :; else echo ", "; fi |& bash"}};
  for (auto [Group, End] : Groups)
    EXPECT_EQ(whole(Group, End).K, ShellSpot::RunTime) << Group << End;
  EXPECT_EQ(whole("( if true; then echo ", "; fi ) | sh").K, ShellSpot::RunTime);
  for (const char *Before : {"bash <(printf %s ", "source <(echo ", "sh -e <(echo ",
                             "awk -f <(echo ", "python3 <(echo "})
    EXPECT_EQ(whole(Before, ")").K, ShellSpot::RunTime) << Before;
  EXPECT_EQ(whole("bash <(printf %s ", ")").Runner,
            "a file `<(...)` that `bash` runs as code");
}

// What stays data after those fixes.
TEST(ShellContext, Review3Data) {
  for (const char *Reader : {" | sh script.sh 2>&1", " | sh < script.sh",
                             " | awk -f p.awk", " | sh 0< script.sh"})
    EXPECT_EQ(whole("echo ", Reader).K, ShellSpot::Word) << Reader;
  EXPECT_EQ(whole("echo \"got: $(printf %s ", ")\"").K, ShellSpot::Word);
  EXPECT_EQ(whole("x=$(printf %s ", ")").K, ShellSpot::Word);
  EXPECT_EQ(whole("sh -c 'echo \"$1\"' sh \"$(printf %s ", ")\"").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("{ echo ", "; }; echo a | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("diff <(echo ", ") b").K, ShellSpot::Word);
  EXPECT_EQ(whole("bash script.sh <(echo ", ")").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("cat <(echo ", ") | grep a").K, ShellSpot::Word);
  EXPECT_EQ(whole("if true; then echo ", "; fi; echo a | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("case a in a) echo ", ";; esac\necho b | sh").K, ShellSpot::RunTime);
}

}  // namespace

namespace {

/// Issue 14: a value printed by a function the command defines reaches
/// whatever reads the function's output where it is called.
TEST(ShellContext, FunctionsPipedIntoAShell) {
  const std::pair<const char *, const char *> Piped[] = {
      {"f() { printf %s ", "; }; f | sh"},
      {"f () { printf %s ", "; }\nf | bash"},
      {"function f { printf %s ", "; }; f | sh"},
      {"function f() { echo ", "; }; f | python3 -"},
      {"f() ( echo ", " ); f |& sh"},
      {"f() { { if true; then echo ", "; fi; }; }; f | sh"},  // nested groups
      {"f() { echo ", "; }; g() { f; }; g | sh"},             // one calls another
      {"f() { echo ", "; }; { f; echo b; } | sh"},            // called in a group
      {"f() { echo ", "; }; eval \"$(f)\""},                  // through $(...)
      {"f()\n{\n  echo ", "\n}\nf 2>&1 | sh"},
  };
  for (auto [Before, After] : Piped)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::RunTime) << Before << After;
  EXPECT_EQ(whole("f() { printf %s ", "; }; f | sh").Runner, "the input of `sh`");
}

TEST(ShellContext, FunctionsWhoseOutputStaysData) {
  const std::pair<const char *, const char *> Data[] = {

      {"f() { printf %s ", "; }; f | grep x"},  // read as data

  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
  // Output into a file that is the pipe again still feeds it.
  EXPECT_EQ(whole("f() { printf %s ", " > /dev/stdout; }; f | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("printf %s ", " >&2 | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("printf %s ", " > out | sh").K, ShellSpot::RunTime);
  // An alias's value is the code its name runs.
  EXPECT_EQ(spot("alias f=").K, ShellSpot::Code);
}

/// Review 4: a `>` inside quotes or after a backslash is text, not a
/// redirection: it goes down the pipe with the value.
TEST(ShellContext, QuotedRedirectionIsText) {
  const std::pair<const char *, const char *> Piped[] = {
      {"echo ", " '>' out | sh"}, {"echo ", " \">out\" | sh"},
      {"echo ", " \\>out | sh"},  {"f() { echo ", " '>out'; }; f | sh"},
      {"echo ", " 1'>'out | sh"}, {"echo ", " '>>' out | sh"},
  };
  for (auto [Before, After] : Piped)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::RunTime) << Before << After;
  // Unquoted, with a quoted target, it still writes the file.
  EXPECT_EQ(whole("echo ", " >\"out\" | sh").K, ShellSpot::RunTime);
  EXPECT_EQ(whole("echo ", " > 'out' | sh").K, ShellSpot::RunTime);
}

/// Review 4: functions resolved when called, `function f` newline `{`,
/// functions run as code, and output process substitutions that run code.
TEST(ShellContext, Review4FunctionBypasses) {
  const std::pair<const char *, const char *> Piped[] = {
      {"g() { f; }; f() { printf %s ", "; }; g | sh"},  // defined after its caller
      {"g() { h; }; h() { f; }; f() { echo ", "; }; g | sh"},
      {"function f\n{\n printf %s ", "\n}\nf | sh"},
      {"f() { printf %s ", "; }; trap f EXIT | sh"},
      {"f() { printf %s ", "; }; export -f f; bash -c f | sh"},
      {"f() { printf %s ", "; }; eval f | sh"},
      {"f() { printf %s ", "; }; exec > >(sh); f"},
      {"exec 1> >(bash); printf %s ", ""},
      {"printf %s ", " > >(sh)"},
      {"f() { printf %s ", "; }; f > >(sh)"},
      {"printf %s ", " > >(cat) | sh"},  // `>(cat)` writes into the pipe
  };
  for (auto [Before, After] : Piped)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::RunTime) << Before << After;
  const std::pair<const char *, const char *> Data[] = {

      {"printf %s ", " > >(grep x)"},
      {"exec > >(tee log); printf %s ", ""},

      {"g() { f; }; f() { printf %s ", "; }; g > out.txt"},
  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
}

/// Issue 14: a redirection on a function's definition applies to every call
/// of it, as in bash: into a file, its calls feed no pipe; into a process
/// substitution that runs code, they are that code; `2>` changes nothing.
TEST(ShellContext, RedirectedDefinitions) {
  const std::pair<const char *, const char *> Data[] = {

  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
  const std::pair<const char *, const char *> Code[] = {
      {"f() { printf %s ", "; } 2>/dev/null; f | sh"},  // standard error only
      {"f() { printf %s ", "; } > /dev/stdout; f | sh"},
      {"f() { printf %s ", "; } > >(sh); f"},
      {"f() { g; } > >(bash); g() { printf %s ", "; }; f"},  // callee defined later
  };
  for (auto [Before, After] : Code)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::RunTime) << Before << After;
  EXPECT_EQ(whole("f() { printf %s ", "; } > >(sh)").Runner,
            "the input of `sh` through `>(...)`");
}

/// Issue 14: commands named through a variable or an alias, `command`,
/// `builtin`, and values carried by variables. Where the analysis cannot
/// know what a command named at run time does, a value it may reach is an
/// error.
TEST(ShellContext, Indirection) {
  const std::pair<const char *, const char *> RunTime[] = {
      {"f() { printf %s ", "; }; c=f; $c | sh"},
      {"f() { printf %s ", "; }; c=f; \"$c\" | sh"},
      {"f() { printf %s ", "; }; c=f; ${c} | sh"},
      {"f() { printf %s ", "; }; $(echo f) | sh"},
      {"f() { printf %s ", "; }; command f | sh"},
      {"builtin printf %s ", " | sh"},
      {"c=sh; printf %s ", " | $c"},  // the reader named at run time
      {"shopt -s expand_aliases; alias s=sh\nprintf %s ", " | s"},
      {"alias s='sudo sh'\nprintf %s ", " | s"},
      {"alias s='cat | sh'\nprintf %s ", " | s"},
      {"s() { sh; }; printf %s ", " | s"},  // a function that runs its input
      {"s() { cat | bash; }; t() { s; }; printf %s ", " | t"},
      {"c=", "; echo $c | sh"},  // a variable holding the value
      {"c=", "; d=\"x$c\"; echo \"$d\" | sh"},
      {"c=", "; eval \"$c\""},
      {"c=", "; sh -c \"$c\""},
      {"c=$(printf %s ", "); eval $c"},
      {"for c in ", "; do eval $c; done"},
      {"read -r c <<< ", "; eval \"$c\""},
      {"printf %s ", " | while read -r c; do echo \"$c\" | sh; done"},
      {"c=", "; f() { echo $c; }; f | sh"},
      {"export c=", "; bash -c \"$c\""},
  };
  for (auto [Before, After] : RunTime)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::RunTime) << Before << After;
  const std::pair<const char *, const char *> Unsure[] = {
      {"c=eval; $c ", ""},  // an argument of a command named at run time
      {"c=", "; $c"},       // the value names the command
      {"$(command -v printf) %s ", ""},
      {"f() { eval \"$1\"; }; f ", ""},  // a function running its argument
      {"f() { \"$@\"; }; f eval ", ""},
      {"f() { echo \"$1\" | sh; }; f ", ""},
      {"f() { g \"$@\"; }; g() { eval \"$1\"; }; f ", ""},
      {"f ", "; f() { eval \"$1\"; }"},  // defined after the call
      {"f() { eval \"$(echo $1)\"; }; f ", ""},
      {"c=", "; f() { eval \"$1\"; }; f $c"},
  };
  for (auto [Before, After] : Unsure)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Unsure) << Before << After;
  EXPECT_EQ(whole("c=", "; eval \"$c\"").Runner, "the code of `eval` through `$c`");
  EXPECT_EQ(whole("alias p=eval\np ", "").Runner, "eval");  // the alias's command
  // Still data: variables and functions that never reach code.
  const std::pair<const char *, const char *> Data[] = {
      {"c=", "; echo \"$c\" | grep x"},
      {"c=", "; printf %s \"$c\" > out"},
      {"c=grep; echo ", " | grep x; $c y"},
      {"f() { echo \"$1\"; }; f ", ""},  // printed, not run
      {"f() { echo \"$1\"; }; f ", " | grep x"},
      {"alias ll='ls -l'\nll ", ""},
      {"command printf %s ", " | grep x"},

  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
}

/// Issue 14: other ways to run a value as code found by trying.
TEST(ShellContext, OtherForms) {
  const std::pair<const char *, const char *> Bad[] = {
      {"bash <<< ", ""},
      {"printf %s ", " | xargs sh -c"},
      {"find . -exec sh -c ", " \\;"},
      {"printf %s ", " | env sh"},
      {"printf %s ", " | env -i PATH=/bin sh -s"},
      {"printf %s ", " | busybox sh"},
      {"python3 -c \"$(printf %s ", ")\""},
      {"printf %s ", " | source /dev/stdin"},
      {". <(printf %s ", ")"},
      {"source <(echo ", ")"},
      {"printf %s ", " | . /dev/fd/0"},
      {"bash -s <<< ", ""},
  };
  for (auto [Before, After] : Bad) {
    ShellSpot S = whole(Before, After);
    EXPECT_TRUE(S.K == ShellSpot::RunTime || S.K == ShellSpot::Code) << Before << After;
  }
  const std::pair<const char *, const char *> Data[] = {
      {"cat <<< ", ""},

      {"find . -name ", " -print"},
      {"printf %s ", " | env LC_ALL=C sort"},

  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
}

}  // namespace

TEST(ShellContext, RepeatedSelfAssignmentStaysSmall) {
  // `c=$c$c` forty times: each variable holds a set of values, so this
  // finishes at once (it used to triple c's list on each line).
  std::string After = "; ";
  for (int K = 0; K < 40; ++K) After += "c=$c$c$c; ";
  After += "eval \"$c\"";
  ShellContext C;
  C.text("c=");
  C.value();
  C.text(After);
  EXPECT_EQ(C.finish().front().K, ShellSpot::RunTime);
}

/// Review 5: with a reader of code anywhere in the command, a value that may
/// reach it other than as a plain argument of a plain command is refused
/// (the coarse rule), also where the old precise rules proved it data.
TEST(ShellContext, CoarseRule) {
  const std::pair<const char *, const char *> Refused[] = {
      // The reviewer's bypasses (e2e_bypass.yaml b1-b16).
      {"f() { local a=$1; eval \"$a\"; }; f ", ""},
      {"f() { for a; do eval \"$a\"; done; }; f ", ""},
      {"f() { c=$1; }; f ", "; eval \"$c\""},
      {"f() { eval \"$c\"; }; c=", "; f"},
      {"c=", "; eval x=$c"},
      {"c=", "; bash -c \"x=$c\""},
      {"c=", "; declare -n r=c; eval \"$r\""},
      {"c=", "; d=c; eval \"${!d}\""},
      {"c=", "; echo \"${c@P}\""},
      {"c=", "; cat <<EOF | sh\n$c\nEOF\n"},
      {"c=", "; alias p=\"$c\"\np"},
      {"c=", "; [[ $c -eq 1 ]]"},
      {"[[ ", " -eq 1 ]]"},
      {"hash -p /bin/sh s; printf %s ", " | s"},
      {"printf %s ", " | awk '{system($0)}'"},
      {"c=", "; sh -c 'eval \"$1\"' x \"$c\""},
      {"sh -c 'eval \"$1\"' x ", ""},
      {"sh -c '\"$1\"' x ", ""},
      {"sh -c 'x=1 $1' x ", ""},
      {"sh -c 'for a; do $a; done' x ", ""},
      {"sh -c '. \"$1\"' x ", ""},
      {"sh -c 'env \"$@\"' x ", ""},
      {"for i in 1 2; do eval \"$c\"; c=", "; done"},
      {"printf %s ", " | sed e"},
      {"printf %s ", " | parallel"},
      {"printf %s ", " | m4"},
      {"printf %s ", " | at now"},
      {"ln -s /bin/sh s; printf %s ", " | ./s"},
      {"printf %s ", " | tee f; sh f"},
      {"echo ", " > f; . ./f"},
      {"set -- ", "; eval \"$1\""},
      // Data by the old rules, refused now.
      {"echo ", " | python3 -c 'import sys; print(sys.stdin.read())'"},
      {"echo ", " | perl -ne print"},
      {"echo ", " | xargs echo"},
      {"echo ", " | awk '{print}'"},
      {"echo ", " | ssh host cat"},
      {"echo ", " | script -c 'cat'"},
      {"f() { printf %s ", " > out.txt; }; f | sh"},
      {"f() { printf %s ", "; }; echo b | sh"},
      {"f() { printf %s ", "; } > out; f | sh"},
      {"c=sh; echo ", " > out; $c out2"},
      {"printf %s ", " | xargs -0 printf '%s\\n'"},
      {"python3 -c 'import sys; print(sys.argv[1])' ", ""},
      {"source ./lib.sh ", ""},
  };
  for (auto [Before, After] : Refused)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::RunTime) << Before << After;
  const std::pair<const char *, const char *> Data[] = {
      {"echo ", " > out"},
      {"grep -- ", " file"},
      {"printf '%s\\n' ", " | wc -c"},
      {"echo ", "; sh script.sh"},           // printed, not run
      {"python3 script.py ", ""},            // a script's argument
      {"grep -- ", " f | sort; bash x.sh"},  // piped into data readers
      {"c=", "; echo \"$c\" | grep x"},      // no reader anywhere
      {"./run.sh ", ""},
      {"sh -c 'printf \"%s\\n\" \"$1\"' sh ", ""},  // the documented fix
      {"echo ", " | sh -c 'read a; echo \"$a\"'"},
  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
}

/// Issue 14: a variable assigned a literal program name once, unconditionally,
/// at the top level, stands for that name where it names the command.
TEST(ShellContext, ConstantCommandNames) {
  const std::pair<const char *, const char *> Data[] = {
      {"PYTHON=python3; \"$PYTHON\" script.py ", ""},
      {"PYTHON=python3\n$PYTHON script.py ", ""},
      {"export P=python3; ${P} s.py ", ""},
      {"P=/usr/bin/python3 Q=x; \"${P}\" s.py ", ""},
      {"CMD=grep; \"$CMD\" -- ", " file"},
      {"P=python3 && \"$P\" s.py ", ""},
      {"P=python3; timeout 5 \"$P\" s.py ", ""},
      {"P=python3; echo ok; \"$P\" s.py ", " | grep x"},
      {"CMD=grep; 2> err.txt \"$CMD\" -- ", " file"},
  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
  // Known, and a program that runs code: as if written in the text.
  EXPECT_EQ(whole("P=python3; \"$P\" -c ", "").Runner, "python3 -c");
  EXPECT_EQ(whole("C=sh; \"$C\" -c ", "").Runner, "sh -c");
  EXPECT_EQ(whole("C=sh; printf %s ", " | \"$C\"").K, ShellSpot::RunTime);
  // Unknown, or not surely that word when the command runs.
  const std::pair<const char *, const char *> Unknown[] = {
      {"\"$PYTHON\" script.py ", ""},                  // from the environment
      {"true && P=python3; \"$P\" s.py ", ""},         // conditional
      {"false || P=python3; \"$P\" s.py ", ""},        // conditional
      {"true &&\nP=python3; \"$P\" s.py ", ""},        // the list goes on
      {"P=python3 &\n\"$P\" s.py ", ""},               // in the background
      {"P=python3 | true; \"$P\" s.py ", ""},          // in a pipe
      {"if x; then P=python3; fi; \"$P\" s.py ", ""},  // in a group
      {"(P=python3); \"$P\" s.py ", ""},               // in a subshell
      {"P=python3 env; \"$P\" s.py ", ""},             // a command's variable
      {"P=python3; P=sh; \"$P\" s.py ", ""},           // assigned twice
      {"P=python3; \"$P\" s.py ", "; P=sh"},           // ... also later
      {"P=python3; f() { \"$P\" s.py ", "; }; f"},     // a body runs later
      {"P=python3; read P; \"$P\" s.py ", ""},         // set at run time
      {"P=python3; eval x; \"$P\" s.py ", ""},
      {"P=python3; declare -n r=P; r=sh; \"$P\" s.py ", ""},
      {"P=python3; c=P; printf -v \"$c\" sh; \"$P\" s.py ", ""},
      {"P=python3; $c; \"$P\" s.py ", ""},  // may be `read`
      {"P=python3; for P in sh; do :; done; \"$P\" s.py ", ""},
      {"P=python3; export P; \"$P\" s.py ", ""},
      {"P=python3; IFS=h; $P s.py ", ""},  // word splitting
      {"P=python3; 5() { eval \"$1\"; }; (( P = 5 )); \"$P\" s.py ", ""},
      {"P='python3 -c'; $P ", ""},  // not one plain word
      {"P=$(which python3); \"$P\" s.py ", ""},
      {"P=python3; Px=echo; \"$P\"x ", ""},  // `$P` glued to text
      {"P=python3; '$P' s.py ", ""},         // no expansion
      // Review 6: a setter behind a leading redirection, or with its
      // option attached, still sets the variable.
      {"P=echo; 2>/dev/null read P <<EOF\neval\nEOF\n\"$P\" ", ""},
      {"P=echo; 3<<EOF read P\neval\nEOF\n\"$P\" ", ""},
      {"P=echo; <<< eval read P; \"$P\" ", ""},
      {"P=echo; 2>/dev/null . ./f; \"$P\" ", ""},
      {"P=echo; 2>/dev/null getopts . P -.; \"$P\" ", ""},
      {"P=echo; >/dev/null getopts a P -a; \"$P\" ", ""},
      {"P=echo; 2> err getopts a P -a; \"$P\" ", ""},
      {"P=echo; printf -vP eval; \"$P\" ", ""},
      {"P=echo; &>/dev/null printf -vP eval; \"$P\" ", ""},
      {"P=echo; exec {P}>/dev/null; \"$P\" ", ""},
  };
  for (auto [Before, After] : Unknown)
    EXPECT_NE(whole(Before, After).K, ShellSpot::Word) << Before << After;
  // The value itself assigned: never a constant.
  EXPECT_NE(whole("P=", "; \"$P\" s.py").K, ShellSpot::Word);
}

/// Review 6: a redirection before the command does not name it; the word
/// after it does (`2>/dev/null {{ x }} -c '...'` lets the value choose the
/// program).
TEST(ShellContext, LeadingRedirections) {
  const std::pair<const char *, const char *> Named[] = {
      {"2>/dev/null ", ""}, {"2>/dev/null ", " arg"}, {"2> /dev/null ", " -c 'echo'"},
      {"< in.txt ", ""},    {">out 2>&1 ", ""},       {"&>/dev/null ", ""},
      {"<<< w ", ""},       {"X=1 2>/dev/null ", ""},
  };
  for (auto [Before, After] : Named)
    EXPECT_EQ(whole(Before, After).Runner, "as the name of the command to run")
        << Before << After;
  EXPECT_EQ(whole("2>/dev/null eval ", "").K, ShellSpot::Code);
  EXPECT_EQ(whole("2> /dev/null sh -c ", "").Runner, "sh -c");
  // A redirection's target, and arguments after the named command, are not it.
  EXPECT_EQ(whole("echo hi > ", "").K, ShellSpot::Word);
  EXPECT_EQ(whole("2>/dev/null echo ", "").K, ShellSpot::Word);
  EXPECT_EQ(whole("< in.txt grep -- ", "").K, ShellSpot::Word);
}

/// Issue 14: bash arrays hold their values like any variable; a value in a
/// subscript is arithmetic.
TEST(ShellContext, Arrays) {
  const std::pair<const char *, const char *> Refused[] = {
      {"a=(x ", "); \"${a[@]}\""},
      {"a=(x ", "); eval \"${a[@]}\""},
      {"a+=(", "); sh -c \"${a[0]}\""},
      {"a=(x ", "); echo \"${a[@]}\" | sh"},
      {"declare -a a=(", "); echo \"${a[@]}\""},
      {"a[0]=", "; eval \"${a[0]}\""},
      {"a+=", "; eval \"$a\""},
      {"a=(\n  x ", "\n); ${a[1]}"},
  };
  for (auto [Before, After] : Refused)
    EXPECT_NE(whole(Before, After).K, ShellSpot::Word) << Before << After;
  EXPECT_EQ(whole("a=(x ", "); eval \"${a[@]}\"").K, ShellSpot::RunTime);
  EXPECT_EQ(spot("a[").K, ShellSpot::Unsure);  // a subscript: arithmetic
  EXPECT_EQ(spot("a=([").K, ShellSpot::Unsure);
  EXPECT_EQ(spot("a=(x [1]=").K, ShellSpot::Word);
  const std::pair<const char *, const char *> Data[] = {
      {"a=(x ", "); echo \"${a[@]}\""},
      {"a=( # a comment (\n x ", " ); printf '%s\\n' \"${a[@]}\" > out"},
      {"a=(x $(echo ", ")); echo \"${a[@]}\""},
      {"a+=(", "); grep -- \"${a[0]}\" f"},
  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
}

/// Issue 14: arithmetic evaluates a variable's text as an expression, and
/// bash runs `$(...)` in an array subscript there (`c='a[$(id)]'`).
TEST(ShellContext, ArithmeticReadsCode) {
  const std::pair<const char *, const char *> Refused[] = {
      {"c=", "; echo $((c + 1))"},
      {"c=", "; (( c > 1 ))"},
      {"c=", "; x=abc; echo ${x:c}"},
      {"c=", "; echo ${arr[c]}"},
      {"c=", "; for ((i = 0; i < c; i++)); do :; done"},
      // Review 6: after a subscript, in another word, or in an operand
      // that bash reads as a variable name.
      {"x=", "; a=(1 2); : \"${a[@]:$x}\""},
      {"x=", "; a=(1 2); : \"${a[0]:$x}\""},
      {"x=", "; a=(1); : \"${a[@]: -$x}\""},
      {"x=", "; : \"${a[@]:1:$x}\""},
      {"a=(1 ", "); : \"${a[@]:${a[1]}}\""},
      {"x=", "; a=(1); [ -v \"a[$x]\" ]"},
      {"x=", "; a=(1); test -v \"a[$x]\""},
      {"x=", "; [[ -v a[$x] ]]"},
      {"x=", "; a=(1); unset \"a[$x]\""},
      {"x=", "; a=(1); printf -v \"a[$x]\" %s 1"},
      {"x=", "; a=(1); printf -va[$x] %s 1"},
      {"x=", "; a=(1); read \"a[$x]\" <<< 1"},
      {"x=", "; declare \"a[$x]=1\""},
      {"x=", "; a[$x]=1"},
      {"x=", "; a=([$x]=1)"},
      {"x=", "; a[i]=1"},
  };
  for (auto [Before, After] : Refused)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::RunTime) << Before << After;
  const std::pair<const char *, const char *> Data[] = {
      {"echo $((1 + 2)) ", ""},
      {"c=", "; echo \"${c:-none}\" ${#c}"},
      {"c=", "; echo \"${c:0:2}\" \"${a[@]}\" \"${a[1]}\""},
      {"echo $((2 * 3)); c=", "; echo \"$c\""},
      {"a=(1 2); echo \"${a[@]:1}\" \"${a[0]:0:1}\" ", ""},
      {"a=(1 2); unset 'a[0]'; a[1]=x; test -v 'a[1]'; echo ", ""},
  };
  for (auto [Before, After] : Data)
    EXPECT_EQ(whole(Before, After).K, ShellSpot::Word) << Before << After;
}

/// Review 6: a value written straight into a subscript that a builtin
/// reads as a variable name is arithmetic too.
TEST(ShellContext, SubscriptOperands) {
  for (const char *Before : {"a=(1); test -v a[", "[[ -v a[", "unset a[", "read a[",
                             "printf -v a[", "declare a["})
    EXPECT_EQ(whole(Before, "]").Runner,
              "in an array subscript (`a[...]`), which bash evaluates as arithmetic")
        << Before;
  EXPECT_EQ(whole("echo a[", "]").K, ShellSpot::Word);  // a glob
}

/// Review 6 (cases c21, c22): bash can make a name run another program;
/// then no value is a plain argument of a known command.
TEST(ShellContext, RenamedCommands) {
  EXPECT_EQ(whole("hash -p /bin/sh cat; cat -c ", "").Runner,
            "where `hash -p` makes a command's name run another program (bash)");
  for (const char *Before :
       {"BASH_CMDS[cat]=/bin/sh; cat -c ", "BASH_CMDS=([cat]=/bin/sh); cat ",
        "BASH_ALIASES[e]=eval; e ", "enable -f ./x.so cat; cat "})
    EXPECT_EQ(whole(Before, "").K, ShellSpot::Unsure) << Before;
  EXPECT_EQ(whole("hash -r; cat -- ", "").K, ShellSpot::Word);
}

/// Issue 14 (found here): a value where an interpreter still reads its
/// options and its script chooses the code (`python3 '-cprint(1)'` runs it).
TEST(ShellContext, ValueWhereAnInterpreterReadsItsScript) {
  for (const char *Before :
       {"python3 ", "sh ", "bash -e ", "node ", "perl -I lib ", "python3 -m ", "su ",
        "busybox sh ", "sudo -u x python3 ", "P=python3; \"$P\" "})
    EXPECT_EQ(whole(Before, "").K, ShellSpot::Unsure) << Before;
  for (const char *Before : {"python3 script.py ", "python3 -m mod ", "sh ./s.sh ",
                             "node app.js ", "sh -c 'echo \"$1\"' sh ", "perl -w s.pl "})
    EXPECT_EQ(whole(Before, "").K, ShellSpot::Word) << Before;
}
