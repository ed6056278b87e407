//===- ClientStdio.cpp - An MCP server as a child process -----------------===//
#include "runtime/mcp/ClientStdio.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Program.h"
#include "runtime/sandbox/Launch.h"

namespace orch::runtime::mcp {

namespace {

constexpr size_t MaxErrTail = 4096;

void closeFd(int &Fd) {
  if (Fd >= 0) ::close(Fd);
  Fd = -1;
}

}  // namespace

llvm::Expected<std::vector<std::string>> resolveServerEnv(
    const std::vector<std::pair<std::string, std::string>> &Env) {
  std::vector<std::string> Out;
  for (const auto &[K, V] : Env) {
    llvm::StringRef Val = V;
    if (Val.starts_with("${") && Val.ends_with("}")) {
      std::string Var = Val.drop_front(2).drop_back().str();
      const char *From = std::getenv(Var.c_str());
      if (!From)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            fmt::format("`env: {}` names `${{{}}}`, which is not set in orchrt's "
                        "environment",
                        K, Var));
      Out.push_back(K + "=" + From);
    } else {
      Out.push_back(K + "=" + V);
    }
  }
  return Out;
}

std::string StdioTransport::start(std::function<void(llvm::StringRef)> Bytes,
                                  ClosedFn OnEnd) {
  OnBytes = std::move(Bytes);
  OnClosed = std::move(OnEnd);
  std::string Path = Srv.Command;
  if (Path.find('/') == std::string::npos) {
    llvm::ErrorOr<std::string> Found = llvm::sys::findProgramByName(Path);
    if (!Found) return fmt::format("`{}` is not on orchrt's PATH", Srv.Command);
    Path = *Found;
  }
  llvm::Expected<std::vector<std::string>> Env = resolveServerEnv(Srv.Env);
  if (!Env) return llvm::toString(Env.takeError());
  sandbox::Launch L;
  L.Path = Path;
  L.Argv.push_back(Srv.Command);
  L.Argv.insert(L.Argv.end(), Srv.Args.begin(), Srv.Args.end());
  L.Env = std::move(*Env);
  L.Cwd = Srv.Cwd;
  const sandbox::HostLayout &Host = sandbox::hostLayout();
  L.NewPidNamespace = Host.CanUnsharePid || Host.CanUnshareUser;
  L.NewUserNamespace = !Host.CanUnsharePid && Host.CanUnshareUser;
  int InP[2], OutP[2], ErrP[2];
  if (pipe2(InP, O_CLOEXEC) != 0) return std::strerror(errno);
  if (pipe2(OutP, O_CLOEXEC) != 0) {
    ::close(InP[0]);
    ::close(InP[1]);
    return std::strerror(errno);
  }
  if (pipe2(ErrP, O_CLOEXEC) != 0) {
    for (int Fd : {InP[0], InP[1], OutP[0], OutP[1]}) ::close(Fd);
    return std::strerror(errno);
  }
  sandbox::Stdio Io;
  Io.In = InP[0];
  Io.Out = OutP[1];
  Io.Err = ErrP[1];
  llvm::Expected<pid_t> Started = Spawn.spawn(L, Io);
  for (int Fd : {InP[0], OutP[1], ErrP[1]}) ::close(Fd);
  In = InP[1];
  Out = OutP[0];
  Err = ErrP[0];
  if (!Started) {
    closeFds();
    Closed = true;
    return llvm::toString(Started.takeError());
  }
  Pid = *Started;
  for (int Fd : {In, Out, Err}) fcntl(Fd, F_SETFL, O_NONBLOCK);
  Exec.watchFd(Out, [this] { onOut(); });
  Exec.watchFd(Err, [this] { onErr(); });
  PidFd = static_cast<int>(syscall(SYS_pidfd_open, Pid, 0));
  if (PidFd >= 0 && Exec.watchFd(PidFd, [this] { onExit(); })) return "";
  closeFd(PidFd);
  struct Poller {  // no pidfd (old kernel): look every 5 ms
    static void arm(StdioTransport *T) {
      T->Poll = T->Exec.addTimer(T->Exec.now() + std::chrono::milliseconds(5), [T] {
        T->Poll = 0;
        T->onExit();
        if (!T->Closed) arm(T);
      });
    }
  };
  Poller::arm(this);
  return "";
}

void StdioTransport::send(const std::string &Line) {
  if (Closed || In < 0) return;
  WriteBuf += Line;
  WriteBuf += '\n';
  flush();
}

void StdioTransport::flush() {
  while (!WriteBuf.empty() && In >= 0) {
    ssize_t N = ::write(In, WriteBuf.data(), WriteBuf.size());
    if (N > 0) {
      WriteBuf.erase(0, static_cast<size_t>(N));
      continue;
    }
    if (N < 0 && errno == EINTR) continue;
    if (N < 0 && errno == EAGAIN) {
      // The server reads slowly: try again soon, never block the loop.
      if (!Retry)
        Retry = Exec.addTimer(Exec.now() + std::chrono::milliseconds(1), [this] {
          Retry = 0;
          flush();
        });
      return;
    }
    // EPIPE: the server closed its input; its exit tells the rest.
    WriteBuf.clear();
    closeFd(In);
  }
}

void StdioTransport::onOut() {
  char Buf[65536];
  while (Out >= 0) {
    ssize_t N = ::read(Out, Buf, sizeof Buf);
    if (N > 0) {
      OnBytes(llvm::StringRef(Buf, static_cast<size_t>(N)));
      if (Closed) return;  // the client gave up on a bad line
      continue;
    }
    if (N < 0 && (errno == EAGAIN || errno == EINTR)) return;
    Exec.unwatchFd(Out);
    closeFd(Out);
  }
}

void StdioTransport::onErr() {
  char Buf[8192];
  while (Err >= 0) {
    ssize_t N = ::read(Err, Buf, sizeof Buf);
    if (N > 0) {
      ErrTail.append(Buf, static_cast<size_t>(N));
      if (ErrTail.size() > MaxErrTail) ErrTail.erase(0, ErrTail.size() - MaxErrTail);
      continue;
    }
    if (N < 0 && (errno == EAGAIN || errno == EINTR)) return;
    Exec.unwatchFd(Err);
    closeFd(Err);
  }
}

void StdioTransport::onExit() {
  if (Closed || Pid < 0) return;
  int Status = 0;
  pid_t R = waitpid(Pid, &Status, WNOHANG);
  if (R == 0) return;
  Pid = -1;
  onOut();  // what it wrote before it ended still counts
  if (Closed) return;
  onErr();
  std::string Why = R < 0 ? std::string("ended")
                    : WIFEXITED(Status)
                        ? fmt::format("exited with status {}", WEXITSTATUS(Status))
                        : fmt::format("was killed by signal {}", WTERMSIG(Status));
  llvm::StringRef Tail = llvm::StringRef(ErrTail).rtrim();
  Tail =
      Tail.substr(Tail.rfind('\n') == llvm::StringRef::npos ? 0 : Tail.rfind('\n') + 1);
  if (!Tail.empty()) Why += ": " + Tail.str();
  ClosedFn Fn = std::move(OnClosed);
  close();
  if (Fn) Fn(Why);
}

void StdioTransport::closeFds() {
  for (int *Fd : {&Out, &Err, &PidFd})
    if (*Fd >= 0) {
      Exec.unwatchFd(*Fd);
      closeFd(*Fd);
    }
  closeFd(In);
}

void StdioTransport::close() {
  if (Closed) return;
  Closed = true;
  if (Retry) Exec.cancelTimer(Retry);
  if (Poll) Exec.cancelTimer(Poll);
  Retry = Poll = 0;
  closeFds();  // end of input: a polite server exits on its own
  if (Pid < 0) return;
  // Then SIGTERM to its process group, SIGKILL after 500 ms.
  kill(-Pid, SIGTERM);
  for (int I = 0; I < 50; ++I) {
    if (waitpid(Pid, nullptr, WNOHANG) != 0) {
      Pid = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (Pid >= 0) {
    kill(-Pid, SIGKILL);
    waitpid(Pid, nullptr, 0);
    Pid = -1;
  }
}

}  // namespace orch::runtime::mcp
