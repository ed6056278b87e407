//===- Shell.cpp ----------------------------------------------------------===//
#include "runtime/actions/Shell.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "ir/Eval.h"

extern char **environ;

namespace orch::runtime {

using nlohmann::json;

namespace {

constexpr size_t MaxCapture = 64u << 20;

class ShellTask : public ActionTask {
 public:
  ShellTask(Executor &Exec, ActionDone Done) : Exec(Exec), Done(std::move(Done)) {}
  ~ShellTask() override { cleanup(true); }

  /// Spawns the command; on failure returns the reason.
  std::string spawn(const std::string &RunDir, const std::string &Command,
                    const std::string *Stdin, const json &Env);
  void cancel() override {
    Finished = true;
    cleanup(true);
  }

 private:
  void onReadable(int Fd, std::string &Into, bool &Truncated);
  void onExit();
  void drain();
  void cleanup(bool Kill);

  Executor &Exec;
  ActionDone Done;
  pid_t Pid = -1;
  int PidFd = -1, Out = -1, Err = -1;
  std::string OutText, ErrText;
  bool OutTrunc = false, ErrTrunc = false, Finished = false;
  Executor::TimerId Poll = 0;
};

void closeFd(int &Fd) {
  if (Fd >= 0) close(Fd);
  Fd = -1;
}

std::string ShellTask::spawn(const std::string &RunDir, const std::string &Command,
                             const std::string *Stdin, const json &Env) {
  int OutP[2], ErrP[2];
  if (pipe2(OutP, O_CLOEXEC) != 0) return std::strerror(errno);
  if (pipe2(ErrP, O_CLOEXEC) != 0) {
    close(OutP[0]);
    close(OutP[1]);
    return std::strerror(errno);
  }
  int InFd = -1;
  if (Stdin) {
    InFd = memfd_create("orch-stdin", MFD_CLOEXEC);
    if (InFd >= 0) {
      size_t Off = 0;
      while (Off < Stdin->size()) {
        ssize_t N = write(InFd, Stdin->data() + Off, Stdin->size() - Off);
        if (N <= 0) break;
        Off += static_cast<size_t>(N);
      }
      lseek(InFd, 0, SEEK_SET);
    }
  }
  posix_spawn_file_actions_t FA;
  posix_spawn_file_actions_init(&FA);
  if (InFd >= 0)
    posix_spawn_file_actions_adddup2(&FA, InFd, 0);
  else
    posix_spawn_file_actions_addopen(&FA, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&FA, OutP[1], 1);
  posix_spawn_file_actions_adddup2(&FA, ErrP[1], 2);
  posix_spawn_file_actions_addchdir_np(&FA, RunDir.c_str());
  posix_spawnattr_t Attr;
  posix_spawnattr_init(&Attr);
  // Its own process group, so a timeout kills what it started too; default
  // signal handling, whatever orchrt set for itself.
  sigset_t Def;
  sigemptyset(&Def);
  sigaddset(&Def, SIGINT);
  sigaddset(&Def, SIGTERM);
  sigaddset(&Def, SIGPIPE);
  sigset_t None;
  sigemptyset(&None);
  posix_spawnattr_setsigdefault(&Attr, &Def);
  posix_spawnattr_setsigmask(&Attr, &None);
  posix_spawnattr_setpgroup(&Attr, 0);
  posix_spawnattr_setflags(
      &Attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> EnvStore;
  std::vector<char *> EnvP;
  for (char **E = environ; *E; ++E) {
    llvm::StringRef Name = llvm::StringRef(*E).split('=').first;
    if (Env.is_object() && Env.contains(Name.str())) continue;
    EnvP.push_back(*E);
  }
  if (Env.is_object())
    for (auto &[K, V] : Env.items()) EnvStore.push_back(K + "=" + ir::displayString(V));
  for (std::string &S : EnvStore) EnvP.push_back(S.data());
  EnvP.push_back(nullptr);
  std::string Sh = "/bin/sh", Dash = "-c";
  char *Argv[] = {Sh.data(), Dash.data(), const_cast<char *>(Command.c_str()), nullptr};
  int Rc = posix_spawn(&Pid, "/bin/sh", &FA, &Attr, Argv, EnvP.data());
  posix_spawn_file_actions_destroy(&FA);
  posix_spawnattr_destroy(&Attr);
  close(OutP[1]);
  close(ErrP[1]);
  if (InFd >= 0) close(InFd);
  if (Rc != 0) {
    close(OutP[0]);
    close(ErrP[0]);
    Pid = -1;
    return fmt::format("cannot start /bin/sh: {}", std::strerror(Rc));
  }
  Out = OutP[0];
  Err = ErrP[0];
  fcntl(Out, F_SETFL, O_NONBLOCK);
  fcntl(Err, F_SETFL, O_NONBLOCK);
  Exec.watchFd(Out, [this] { onReadable(Out, OutText, OutTrunc); });
  Exec.watchFd(Err, [this] { onReadable(Err, ErrText, ErrTrunc); });
  PidFd = static_cast<int>(syscall(SYS_pidfd_open, Pid, 0));
  if (PidFd >= 0 && Exec.watchFd(PidFd, [this] { onExit(); })) return "";
  closeFd(PidFd);
  // No pidfd (old kernel): look every 5 ms.
  struct Poller {
    static void arm(ShellTask *T) {
      T->Poll = T->Exec.addTimer(T->Exec.now() + std::chrono::milliseconds(5), [T] {
        T->Poll = 0;
        T->onExit();
        if (!T->Finished) arm(T);
      });
    }
  };
  Poller::arm(this);
  return "";
}

void ShellTask::onReadable(int Fd, std::string &Into, bool &Truncated) {
  char Buf[65536];
  while (true) {
    ssize_t N = read(Fd, Buf, sizeof Buf);
    if (N > 0) {
      size_t Keep = std::min<size_t>(static_cast<size_t>(N), MaxCapture - Into.size());
      Into.append(Buf, Keep);
      Truncated |= Keep < static_cast<size_t>(N);
      continue;
    }
    if (N < 0 && (errno == EAGAIN || errno == EINTR)) return;  // wait for more
    // End of file, or an error: stop watching, or the loop would spin.
    Exec.unwatchFd(Fd);
    if (Fd == Out) closeFd(Out);
    if (Fd == Err) closeFd(Err);
    return;
  }
}

void ShellTask::drain() {
  if (Out >= 0) onReadable(Out, OutText, OutTrunc);
  if (Err >= 0) onReadable(Err, ErrText, ErrTrunc);
}

void ShellTask::onExit() {
  if (Finished) return;
  int Status = 0;
  pid_t R = waitpid(Pid, &Status, WNOHANG);
  if (R == 0) return;  // not yet
  Pid = -1;
  drain();
  Finished = true;
  cleanup(false);
  ActionResult Res;
  if (OutTrunc) OutText += "\n[output truncated at 64 MiB]";
  if (ErrTrunc) ErrText += "\n[error output truncated at 64 MiB]";
  if (R < 0) {
    Res = ActionResult::failure(
        fmt::format("waiting for the command: {}", std::strerror(errno)));
  } else if (WIFEXITED(Status) && WEXITSTATUS(Status) == 0) {
    std::string Text = OutText;
    if (!Text.empty() && Text.back() == '\n') Text.pop_back();
    Res = ActionResult::success(json{{"output", std::move(Text)},
                                     {"stdout", OutText},
                                     {"stderr", ErrText},
                                     {"exit_code", 0}});
  } else {
    llvm::StringRef Tail = llvm::StringRef(ErrText).rtrim();
    Tail =
        Tail.substr(Tail.rfind('\n') == llvm::StringRef::npos ? 0 : Tail.rfind('\n') + 1);
    std::string Why =
        WIFEXITED(Status)
            ? fmt::format("command exited with status {}", WEXITSTATUS(Status))
            : fmt::format("command was killed by signal {}", WTERMSIG(Status));
    if (!Tail.empty()) Why += ": " + Tail.str();
    Res = ActionResult::failure(std::move(Why));
    // Readable by `on_failure: continue` dependents (not `output`).
    Res.Fields = json{
        {"stdout", OutText},
        {"stderr", ErrText},
        {"exit_code", WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status)}};
  }
  ActionDone D = std::move(Done);
  D(std::move(Res));
}

void ShellTask::cleanup(bool Kill) {
  if (Poll) Exec.cancelTimer(Poll);
  Poll = 0;
  if (Pid > 0 && Kill) {
    ::kill(-Pid, SIGKILL);
    waitpid(Pid, nullptr, 0);
    Pid = -1;
  }
  for (int *Fd : {&PidFd, &Out, &Err})
    if (*Fd >= 0) {
      Exec.unwatchFd(*Fd);
      closeFd(*Fd);
    }
}

}  // namespace

std::unique_ptr<ActionTask> startShell(Executor &Exec, const std::string &RunDir,
                                       const json &Params, ActionDone Done) {
  auto C = Params.find("command");
  std::string Command;
  if (C != Params.end() && !C->is_array() && !C->is_object())
    Command = ir::displayString(*C);  // scalars print, as the compiler allows
  if (Command.empty()) {
    Done(ActionResult::failure("parameter `command` must be a non-empty string", false));
    return nullptr;
  }
  std::string StdinText;
  const std::string *Stdin = nullptr;
  if (auto S = Params.find("stdin"); S != Params.end() && !S->is_null()) {
    StdinText = ir::displayString(*S);
    Stdin = &StdinText;
  }
  json Env = Params.value("env", json::object());
  auto T = std::make_unique<ShellTask>(Exec, Done);
  std::string Err = T->spawn(RunDir, Command, Stdin, Env);
  if (!Err.empty()) {
    Done(ActionResult::failure(Err));
    return nullptr;
  }
  return T;
}

}  // namespace orch::runtime
