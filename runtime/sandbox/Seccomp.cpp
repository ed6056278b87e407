//===- Seccomp.cpp --------------------------------------------------------===//
#include "runtime/sandbox/Seccomp.h"

#include <fmt/format.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

namespace orch::runtime::sandbox {

namespace {
constexpr llvm::StringRef Denied[] = {"ptrace",
                                      "process_vm_readv",
                                      "process_vm_writev",
                                      "mount",
                                      "umount2",
                                      "pivot_root",
                                      "move_mount",
                                      "open_tree",
                                      "fsopen",
                                      "fsmount",
                                      "fsconfig",
                                      "mount_setattr",
                                      "init_module",
                                      "finit_module",
                                      "delete_module",
                                      "add_key",
                                      "request_key",
                                      "keyctl",
                                      "kexec_load",
                                      "kexec_file_load",
                                      "bpf",
                                      "perf_event_open",
                                      "unshare",
                                      "setns",
                                      "open_by_handle_at",
                                      "userfaultfd",
                                      "swapon",
                                      "swapoff",
                                      "reboot",
                                      "acct",
                                      "quotactl",
                                      "syslog",
                                      "io_uring_setup",
                                      "io_uring_enter",
                                      "io_uring_register",
                                      "personality",
                                      "pidfd_getfd",
                                      "kcmp",
                                      "name_to_handle_at",
                                      "fanotify_init",
                                      "move_pages",
                                      "migrate_pages"};
/// Denied with ENOSYS, so the C library falls back to an older call.
constexpr llvm::StringRef Unimplemented[] = {"clone3"};

llvm::Expected<std::string> compile() {
  scmp_filter_ctx Ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!Ctx) return llvm::createStringError("seccomp_init failed");
  std::vector<std::pair<llvm::StringRef, int>> Rules;
  for (llvm::StringRef Name : Denied) Rules.push_back({Name, EPERM});
  for (llvm::StringRef Name : Unimplemented) Rules.push_back({Name, ENOSYS});
  for (auto [Name, Err] : Rules) {
    int Nr = seccomp_syscall_resolve_name(Name.str().c_str());
    if (Nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (int Rc = seccomp_rule_add(Ctx, SCMP_ACT_ERRNO(Err), Nr, 0); Rc < 0) {
      seccomp_release(Ctx);
      return llvm::createStringError(
          fmt::format("seccomp rule for `{}`: {}", Name.str(), std::strerror(-Rc)));
    }
  }
  int Fd = memfd_create("orch-seccomp", MFD_CLOEXEC);
  if (Fd < 0) {
    seccomp_release(Ctx);
    return llvm::createStringError(fmt::format("memfd: {}", std::strerror(errno)));
  }
  int Rc = seccomp_export_bpf(Ctx, Fd);
  seccomp_release(Ctx);
  std::string Out;
  if (Rc == 0) {
    lseek(Fd, 0, SEEK_SET);
    char Buf[4096];
    ssize_t N;
    while ((N = read(Fd, Buf, sizeof Buf)) > 0) Out.append(Buf, static_cast<size_t>(N));
  }
  close(Fd);
  if (Rc != 0 || Out.empty())
    return llvm::createStringError("cannot export the seccomp filter");
  return Out;
}
}  // namespace

llvm::ArrayRef<llvm::StringRef> deniedSyscalls() { return Denied; }

llvm::Expected<std::string> seccompProgram() {
  static std::once_flag Once;
  static std::string Program, Error;
  std::call_once(Once, [] {
    llvm::Expected<std::string> P = compile();
    if (P)
      Program = std::move(*P);
    else
      Error = llvm::toString(P.takeError());
  });
  if (!Error.empty()) return llvm::createStringError(Error);
  return Program;
}

}  // namespace orch::runtime::sandbox
