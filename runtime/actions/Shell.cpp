//===- Shell.cpp ----------------------------------------------------------===//
#include "runtime/actions/Shell.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/JsonLimits.h"
#include "ir/PythonModules.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "runtime/sandbox/Cgroup.h"
#include "runtime/sandbox/Spawner.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

constexpr size_t MaxCapture = 64u << 20;

class ShellTask : public ActionTask {
 public:
  /// \p Command: a `shell` step's command as run (its `command`, or `argv`
  /// quoted for a shell), answered as `command`; null for code steps.
  ShellTask(Executor &Exec, ActionDone Done, bool ParseJson,
            std::optional<std::string> Command)
      : Exec(Exec),
        Done(std::move(Done)),
        ParseJson(ParseJson),
        Command(std::move(Command)) {}
  ~ShellTask() override { cleanup(true); }

  /// Spawns the command; on failure returns the reason.
  std::string spawn(const sandbox::Launch &L, const std::string *Stdin,
                    sandbox::Spawner &Spawn, std::unique_ptr<sandbox::StepCgroup> Cg);
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
  bool ParseJson;  ///< Code steps: stdout that is JSON is also `json`.
  std::optional<std::string> Command;
  pid_t Pid = -1;
  int PidFd = -1, Out = -1, Err = -1;
  std::string OutText, ErrText;
  bool OutTrunc = false, ErrTrunc = false, Finished = false;
  Executor::TimerId Poll = 0;
  /// The step's own cgroup, where there is one: ending the step kills
  /// every process left in it.
  std::unique_ptr<sandbox::StepCgroup> Cgroup;
};

void closeFd(int &Fd) {
  if (Fd >= 0) close(Fd);
  Fd = -1;
}

std::string ShellTask::spawn(const sandbox::Launch &L, const std::string *Stdin,
                             sandbox::Spawner &Spawn,
                             std::unique_ptr<sandbox::StepCgroup> Cg) {
  Cgroup = std::move(Cg);
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
  sandbox::Stdio Io;
  Io.In = InFd;
  Io.Out = OutP[1];
  Io.Err = ErrP[1];
  if (Cgroup) {
    std::vector<int> Fds = Cgroup->procsFds();
    for (size_t I = 0; I < Fds.size() && I < std::size(Io.CgroupProcs); ++I)
      Io.CgroupProcs[I] = Fds[I];
  }
  llvm::Expected<pid_t> Started = Spawn.spawn(L, Io);
  close(OutP[1]);
  close(ErrP[1]);
  if (InFd >= 0) close(InFd);
  if (!Started) {
    close(OutP[0]);
    close(ErrP[0]);
    Pid = -1;
    return llvm::toString(Started.takeError());
  }
  Pid = *Started;
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
    if (ParseJson) {
      json Parsed = ir::parseJsonBounded(OutText);  // too deep: not JSON
      Res.Fields["json"] = Parsed.is_discarded() ? json(nullptr) : std::move(Parsed);
    }
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
  // The command, not how long it took: a result is the same each run.
  if (R >= 0 && Command) Res.Fields["command"] = *Command;
  ActionDone D = std::move(Done);
  D(std::move(Res));
}

void ShellTask::cleanup(bool Kill) {
  if (Poll) Exec.cancelTimer(Poll);
  Poll = 0;
  if (Pid > 0 && Kill) {
    ::kill(-Pid, SIGKILL);
    if (Cgroup) Cgroup->killAll();
    waitpid(Pid, nullptr, 0);
    Pid = -1;
  }
  // Whatever the step left running (`cmd &`, `setsid`) ends with it.
  Cgroup.reset();
  for (int *Fd : {&PidFd, &Out, &Err})
    if (*Fd >= 0) {
      Exec.unwatchFd(*Fd);
      closeFd(*Fd);
    }
}

}  // namespace

namespace {

/// When this orchrt started, in nanoseconds of CLOCK_REALTIME_COARSE, the
/// clock the kernel stamps a file's ctime with: a module whose ctime is not
/// older was written (or moved, linked or chmod-ed) by a step of this run,
/// an earlier step's included (issue 14: a `run_dir: write` step writes
/// `m.py`, a later `run_dir: read` step imports it). Set when the program
/// starts, before any step.
const int64_t ProcessStartNs = [] {
  timespec T{};
  clock_gettime(CLOCK_REALTIME_COARSE, &T);
  return static_cast<int64_t>(T.tv_sec) * 1000000000 + T.tv_nsec;
}();

/// Runs `python` code under security.forbidden_modules: argv[1] is the
/// comma-separated list, argv[2] the modules it blocks (ir/PythonModules.h),
/// argv[3] when orchrt started (ProcessStartNs), argv[4] `code` or `file`,
/// argv[5] the code or the script, then the step's args. An audit hook (sys.addaudithook:
/// no Python code can remove it) refuses imports of the blocked modules (already loaded
/// ones are dropped from sys.modules, so importing them again is seen), starting
/// processes and signals when `os` or `subprocess` is listed, any `socket.*`
/// event when `socket` is, eval/exec/compile called from the step's own code
/// when `eval`/`exec` are, another Python (it would run unhooked), and
/// changes to itself, foreign calls (`ctypes.*`) when `os` or `subprocess`
/// is listed. A meta_path finder (no closure: its defaults are guarded by
/// the hook) also refuses the blocked modules for importlib.import_module,
/// which raises no `import` event. The loaded modules' references to a
/// blocked module (`site.os`) are dropped.
constexpr const char *ImportHook = R"(import sys
_F = frozenset(sys.argv[1].split(','))
_k, _s = sys.argv[4], sys.argv[5]
def _install(blocked=frozenset(sys.argv[2].split(',')), start=int(sys.argv[3]),
             procs='os' in _F or 'subprocess' in _F, net='socket' in _F,
             code=sorted(_F & {'eval', 'exec'}), frame=sys._getframe, Perm=PermissionError,
             real=__import__('os').path.realpath, me=sys.executable, top=sys._getframe().f_code,
             boot=(sys.modules['_frozen_importlib'], sys.modules['_frozen_importlib_external']),
             import_module=__import__('importlib').import_module,
             namedtuple=__import__('collections').namedtuple, osm=__import__('os')):
    pythons = frozenset((real(me), real('/proc/self/exe')))
    # With eval/exec forbidden, a module the step could have written (a .py
    # or .pyc in /work, /tmp, any place it can write or owns on a writable
    # file system) is source text the step made: importing it is refused.
    # Only the import system's own file loaders are trusted to read the path
    # they hold; a loader of another class, or an importlib loader class
    # changed, is refused.
    ext = boot[1]
    file_loaders = (ext.SourceFileLoader, ext.SourcelessFileLoader)
    loader_classes = frozenset((ext._LoaderBasics, ext.SourceLoader, ext.FileLoader,
                                ext.SourceFileLoader, ext.SourcelessFileLoader,
                                ext.FileFinder, ext.PathFinder))
    exec_module = ext._LoaderBasics.exec_module.__code__
    # Changing a class or the module (no audit event says so) or a loader's
    # own attributes (`ld.get_data = ...`), or `sys.pycache_prefix` (a .pyc
    # of the step's for a standard library source), would let a trusted path
    # read the step's text: each import's exec checks that none happened.
    snap = tuple((d, tuple(d.items())) for d in [vars(ext)] + [vars(c) for c in loader_classes])
    prefix = sys.pycache_prefix
    # ... nor what the loaders call at run time: `_io.open_code` (a trusted
    # path read as the step's text), `marshal.loads`, the `posix` functions
    # and `sys.implementation.cache_tag`.
    reached = tuple((o, a, getattr(o, a, None)) for o, a in (
        (ext._io, 'open_code'), (ext._io, 'FileIO'), (ext.marshal, 'loads'),
        (ext._os, 'stat'), (ext._os, 'getcwd'), (ext._os, 'listdir'), (ext._os, 'fspath'),
        (sys, 'implementation'), (sys.implementation, 'cache_tag')))
    def import_system_changed():
        if sys.pycache_prefix != prefix:
            return True
        for o, a, v in reached:
            if getattr(o, a, None) is not v:
                return True
        for d, items in snap:
            if d is not vars(ext) and len(d) != len(items):
                return True
            for k, v in items:
                if d.get(k) is not v:
                    return True
        return False
    euid, access, lstat, statvfs = osm.geteuid(), osm.access, osm.lstat, osm.statvfs
    readlink, getcwd = osm.readlink, osm.getcwd
    def resolve(p):  # realpath of posix calls alone (posixpath's `os` may be gone)
        parts, out, hops = [x for x in (p if p.startswith('/') else getcwd() + '/' + p).split('/')
                            if x not in ('', '.')], '', 0
        while parts:
            x = parts.pop(0)
            if x == '..':
                out = out.rsplit('/', 1)[0]
                continue
            c = out + '/' + x
            try:
                link = lstat(c).st_mode & 0o170000 == 0o120000
            except OSError:
                link = False
            if not link:
                out = c
                continue
            hops += 1
            if hops > 40:
                return ''
            t = readlink(c)
            parts = [y for y in t.split('/') if y not in ('', '.')] + parts
            if t.startswith('/'):
                out = ''
        return out or '/'
    temp = tuple(resolve(d) for d in ('/tmp', '/var/tmp', '/dev/shm', '/run', '/proc', '/dev'))
    def step_writable(p):
        if type(p) is not str:
            return True
        r = resolve(p)
        if not r.startswith('/') or any(r == t or r.startswith(t + '/') for t in temp):
            return True
        try:  # written (or moved, linked, chmod-ed) since orchrt started: by a step
            if lstat(r).st_ctime_ns >= start:
                return True
        except OSError:
            return True
        while True:
            try:
                if euid != 0 and (access(r, 2) or (lstat(r).st_uid == euid and
                                                    not statvfs(r).f_flag & 1)):
                    return True
            except OSError:
                return True
            r = r.rsplit('/', 1)[0]
            if not r:  # `/` (bwrap's own root) is no way to replace a file below it
                return False
    def module_loader():  # the loader object of the import being run, or None
        f = frame(2)
        while f is not None and f.f_code in trusted:
            if f.f_code is exec_module:
                return f.f_locals.get('self')
            f = f.f_back
        return None
    # Where the standard library may run source text it made itself, entered
    # from the step: imports and namedtuple (not dataclass, which pastes field
    # names into its source; not typing's string annotations, doctest,
    # cProfile.run, importlib.reload, ...). Frames are known by the identity
    # of their code objects, taken now: a name or a file name can be forged
    # (`__code__.replace(co_filename=...)`), the objects cannot.
    def codes(o, out):
        for c in o.co_consts:
            if type(c) is type(o):
                codes(c, out)
        out.add(o)
    trusted = set()
    for m in boot + (import_module, namedtuple):
        for v in (vars(m).values() if type(m) is type(sys) else (m,)):
            for f in ((v,) if type(v) is not type else
                      [getattr(a, '__func__', a) for a in vars(v).values()] +
                      [getattr(a, 'fget', None) for a in vars(v).values()]):
                if type(getattr(f, '__code__', None)) is type(top):
                    codes(f.__code__, trusted)
    trusted = frozenset(trusted)
    entries = frozenset(f.__code__ for f in (boot[0]._find_and_load, boot[0]._handle_fromlist,
                                              boot[0]._gcd_import, import_module, namedtuple))
    wrapper = [top]  # this wrapper's one exec of the step, then nothing
    def source_text_allowed():  # the caller of exec/compile, and who entered it
        f, entry = frame(2), None
        while f is not None and f.f_code in trusted:
            entry, f = f, f.f_back
        if entry is not None:
            return entry.f_code in entries
        if f is not None and f.f_back is None and wrapper and f.f_code is wrapper[0]:
            wrapper.pop()
            return True
        return False
    starts = frozenset(('os.system', 'os.exec', 'os.spawn', 'os.posix_spawn', 'os.fork',
                        'os.forkpty', 'subprocess.Popen'))
    signals = frozenset(('os.kill', 'os.killpg'))
    gc_walks = frozenset(('gc.get_objects', 'gc.get_referrers', 'gc.get_referents'))
    what = ' and '.join(f'`{n}`' for n in code) + (' is' if len(code) == 1 else ' are')
    def text(a):
        return a.decode(errors='replace') if isinstance(a, bytes) else str(a)
    def words(ev, args):  # the program and its arguments (a shell's `-c` too)
        if ev == 'os.system':
            return [text(args[0])]
        if ev == 'subprocess.Popen':
            a = args[1]
            return [text(args[0] or '')] + ([text(a)] if isinstance(a, (str, bytes)) else [text(x) for x in (a or ())])
        if ev == 'os.spawn':
            return [text(args[1])] + [text(x) for x in (args[2] or ())]
        if ev in ('os.exec', 'os.posix_spawn'):
            return [text(args[0])] + [text(x) for x in (args[1] or ())]
        return []
    def python(ev, args):  # another Python, by name, by /proc/*/exe or by real path
        for w in words(ev, args):
            if 'python' in w or '/proc/' in w:
                return True
        try:
            return any(real(w) in pythons for w in words(ev, args)[:1] if w)
        except (OSError, ValueError):
            return True
    class Finder:  # import_module() raises no `import` event; no closure here
        __slots__ = ()
        def find_spec(self, mod, path=None, target=None, blocked=blocked):
            if mod.partition('.')[0] in blocked:
                raise ImportError(f'module `{mod}` is forbidden by security.forbidden_modules')
    def hook(ev, args):
        if ev == 'import':
            if args[0].partition('.')[0] in blocked:
                raise ImportError(f'module `{args[0]}` is forbidden by security.forbidden_modules')
        elif ev in starts:
            if procs:
                raise Perm(f'`{ev}` (starting a process) is forbidden by security.forbidden_modules')
            if python(ev, args):
                raise Perm('starting another Python is refused under security.forbidden_modules: it would run without the import hook')
        elif ev in signals:
            if procs:
                raise Perm(f'`{ev}` is forbidden by security.forbidden_modules')
        elif ev.startswith('socket.'):
            if net:
                raise Perm(f'`{ev}` is forbidden by security.forbidden_modules')
        elif ev in ('exec', 'compile'):
            if code and not source_text_allowed():
                raise Perm(f'{what} forbidden by security.forbidden_modules')
            if code and ev == 'exec':
                ld = module_loader()
                if ld is not None and (type(ld) not in file_loaders or
                                       not set(vars(ld)) <= {'name', 'path'} or
                                       type(ld.name) is not str or
                                       import_system_changed() or
                                       step_writable(getattr(ld, 'path', None))):
                    raise Perm(f'importing `{getattr(ld, "name", "?")}` from `{getattr(ld, "path", "?")}` '
                               f'(a file the step can write, or through a loader it changed) would run '
                               f'source text it made while {what} forbidden by security.forbidden_modules')
        elif ev.startswith('ctypes.'):
            if procs:
                raise Perm(f'`{ev}` (foreign calls) is refused under security.forbidden_modules')
        elif ev in gc_walks:
            raise Perm(f'`{ev}` is refused under security.forbidden_modules')
        elif ev in ('object.__setattr__', 'object.__delattr__'):
            if getattr(args[0], '__code__', None) in own or args[0] is Finder:
                raise Perm('the import hook cannot be changed')
    own = frozenset(f.__code__ for f in (hook, Finder.find_spec, codes, source_text_allowed,
                                         python, words, text, step_writable, module_loader, resolve,
                                         import_system_changed))
    sys.addaudithook(hook)
    sys.meta_path.insert(0, Finder())
    for m in list(sys.modules):
        if m.partition('.')[0] in blocked:
            del sys.modules[m]
    # No plain way to a blocked module already loaded (`site.os`).
    for n, mod in list(sys.modules.items()):
        if n in ('importlib._bootstrap_external', '_frozen_importlib_external', 'zipimport'):
            continue  # the import system's own `_os`
        for k, v in list(getattr(mod, '__dict__', {}).items()):
            if type(v) is type(sys) and v.__name__.partition('.')[0] in blocked:
                try:
                    delattr(mod, k)
                except (AttributeError, TypeError):
                    pass
_src = open(_s).read() if _k == 'file' else _s
_c = compile(_src, _s if _k == 'file' else '<code>', 'exec')
sys.argv = [_s if _k == 'file' else '-c'] + sys.argv[6:]
_install()
del _install, _src, _k, _s, _F
exec(_c, {'__name__': '__main__', '__builtins__': __builtins__.__dict__})
)";

/// The program of a `python` or `node` step: the interpreter with `code` or
/// `file` (in the run directory), then `args`.
llvm::Expected<std::vector<std::string>> codeArgv(
    const std::string &Action, const json &Params, sandbox::Policy &Pol,
    const std::vector<std::string> &Forbidden, int64_t RunStartNs) {
  bool Py = Action == "python";
  std::vector<std::string> Argv = {Py ? "python3" : "node"};
  if (Py) {
    Argv.push_back("-I");  // no user site, no PYTHON* variables
    // Bytecode is neither read from nor written to `__pycache__`: a step
    // could write a `.pyc` whose header matches an old `.py` it cannot
    // write, and Python would run it (review 5 finding 2). No process can
    // make a directory under /proc, so no cache exists there.
    for (const char *A : {"-B", "-X", "pycache_prefix=/proc/orch-no-pycache"})
      Argv.push_back(A);
  }
  bool Hook = Py && !Forbidden.empty();
  if (Hook) {
    Argv.push_back("-c");
    Argv.push_back(ImportHook);
    Argv.push_back(llvm::join(Forbidden, ","));
    Argv.push_back(llvm::join(ir::blockedPythonModules(Forbidden), ","));
    // A resumed run's first start, if earlier (review 5 finding 3).
    Argv.push_back(std::to_string(RunStartNs > 0 ? std::min(RunStartNs, ProcessStartNs)
                                                 : ProcessStartNs));
  }
  auto Code = Params.find("code"), File = Params.find("file");
  if (Code != Params.end() && Code->is_string() && !Code->get<std::string>().empty()) {
    Argv.push_back(Hook ? "code" : Py ? "-c" : "-e");
    Argv.push_back(Code->get<std::string>());
  } else if (File != Params.end() && File->is_string() &&
             !File->get<std::string>().empty()) {
    llvm::StringRef F = File->get_ref<const std::string &>();
    if (F.starts_with("/") || F == ".." || F.starts_with("../") || F.contains("/../") ||
        F.ends_with("/.."))
      return llvm::createStringError(fmt::format(
          "parameter `file` must be a path inside the run directory, found `{}`",
          F.str()));
    // The script is read from the run directory.
    if (Pol.RunDir == sandbox::RunDirAccess::None)
      Pol.RunDir = sandbox::RunDirAccess::Read;
    if (Hook) Argv.push_back("file");
    Argv.push_back(F.str());
  } else {
    return llvm::createStringError(
        "parameter `code` or `file` must be a non-empty string");
  }
  if (auto A = Params.find("args"); A != Params.end() && !A->is_null()) {
    if (!A->is_array()) return llvm::createStringError("parameter `args` must be a list");
    for (const json &V : *A) Argv.push_back(ir::displayString(V));
  }
  return Argv;
}

/// \p Word as one word of a POSIX shell: itself when it holds only
/// characters no shell treats specially, else single-quoted. \p First: the
/// command's name, where `A=b` would be an assignment and `if` a reserved
/// word, so those are quoted too.
std::string shellWord(llvm::StringRef Word, bool First) {
  // POSIX's reserved words and bash's and zsh's (`!`, `{`, `[[` and the
  // like are quoted anyway: they are not plain characters).
  static constexpr llvm::StringLiteral Reserved[] = {
      "case",     "coproc", "do", "done",   "elif", "else", "esac",  "fi",   "for",
      "function", "if",     "in", "select", "then", "time", "until", "while"};
  auto Plain = [&](char C) {
    return llvm::isAlnum(C) ||
           llvm::StringRef(First ? "_@%+:,./-" : "_@%+=:,./-").contains(C);
  };
  if (!Word.empty() && llvm::all_of(Word, Plain) &&
      !(First && llvm::is_contained(Reserved, Word)))
    return Word.str();
  std::string Out = "'";
  for (char C : Word) Out += C == '\'' ? std::string("'\\''") : std::string(1, C);
  return Out + "'";
}

/// The program of a `shell` step: `argv` as given, or `command` through
/// /bin/sh -c. Errors are the step's (bad parameters).
llvm::Expected<std::vector<std::string>> programArgv(const json &Params) {
  if (auto A = Params.find("argv"); A != Params.end() && !A->is_null()) {
    if (!A->is_array() || A->empty())
      return llvm::createStringError("parameter `argv` must be a non-empty list");
    std::vector<std::string> Argv;
    for (const json &V : *A) {
      if (V.is_array() || V.is_object())
        return llvm::createStringError("the items of `argv` must be strings or numbers");
      Argv.push_back(ir::displayString(V));
    }
    if (Argv[0].empty())
      return llvm::createStringError("the program `argv[0]` must not be empty");
    return Argv;
  }
  auto C = Params.find("command");
  std::string Command;
  if (C != Params.end() && !C->is_array() && !C->is_object())
    Command = ir::displayString(*C);  // scalars print, as the compiler allows
  if (Command.empty())
    return llvm::createStringError("parameter `command` must be a non-empty string");
  return std::vector<std::string>{"/bin/sh", "-c", std::move(Command)};
}

/// The step's policy: the run's, with the step's `run_dir` and `limits`
/// (which may only tighten the run's).
llvm::Error stepPolicy(const json &Params, const ProcessConfig &Config,
                       sandbox::Policy &Pol) {
  if (auto R = Params.find("run_dir"); R != Params.end() && !R->is_null()) {
    if (!R->is_string())
      return llvm::createStringError("parameter `run_dir` must be none, read or write");
    llvm::Expected<sandbox::RunDirAccess> A =
        sandbox::parseRunDirAccess(R->get<std::string>());
    if (!A) return A.takeError();
    Pol.RunDir = *A;
    if (Pol.RunDir == sandbox::RunDirAccess::Write && Config.DefaultRunDir)
      return llvm::createStringError(
          "`run_dir: write` would let the step write the project directory (the "
          "default run directory `.`: config.yaml, lock files, .git): give orchrt a "
          "run directory of its own with --run-dir");
  }
  if (auto L = Params.find("limits"); L != Params.end() && !L->is_null())
    if (llvm::Error E = sandbox::applyStepLimitsJson(nlohmann::json(*L), Pol))
      return llvm::createStringError("parameter `limits`: " +
                                     llvm::toString(std::move(E)));
  return llvm::Error::success();
}

}  // namespace

std::unique_ptr<ActionTask> startProcessStep(Executor &Exec, const ProcessConfig &Config,
                                             const std::string &Action,
                                             const json &Params, ActionDone Done) {
  sandbox::Program Prog;
  sandbox::Policy Pol = Config.Sandbox;
  if (llvm::Error E = stepPolicy(Params, Config, Pol)) {
    Done(ActionResult::failure(llvm::toString(std::move(E)), false));
    return nullptr;
  }
  bool IsCode = Action != "shell";
  llvm::Expected<std::vector<std::string>> Argv =
      IsCode ? codeArgv(Action, Params, Pol, Config.ForbiddenModules, Config.RunStartNs)
             : programArgv(Params);
  if (!Argv) {
    Done(ActionResult::failure(llvm::toString(Argv.takeError()), false));
    return nullptr;
  }
  Prog.Argv = std::move(*Argv);
  std::string StdinText;
  const std::string *Stdin = nullptr;
  if (auto S = Params.find(IsCode ? "input" : "stdin");
      S != Params.end() && !S->is_null()) {
    // Code steps get `input` as JSON text; shell steps `stdin` as text.
    StdinText = IsCode ? ir::toJsonText(*S) : ir::displayString(*S);
    Stdin = &StdinText;
  }
  if (auto Env = Params.find("env"); Env != Params.end() && Env->is_object())
    for (auto &[K, V] : Env->items()) {
      // Rendered names too: `env: "{{ steps.x.json }}"` is data.
      if (std::string Why = ir::envNameProblem(K); !Why.empty()) {
        Done(ActionResult::failure("env: cannot set " + Why, false));
        return nullptr;
      }
      Prog.Env.push_back({K, ir::displayString(V)});
    }
  llvm::SmallString<256> Dir(Config.RunDir);
  llvm::sys::fs::make_absolute(Dir);
  Prog.RunDir = Dir.str().str();
  const sandbox::HostLayout &Host = Config.Host ? *Config.Host : sandbox::hostLayout();
  sandbox::Launch L = sandbox::buildLaunch(Pol, Prog, Host);
  std::optional<std::string> Command;
  if (!IsCode) {
    // `/bin/sh -c TEXT` answers TEXT; argv its words as a shell reads them.
    auto A = Params.find("argv");
    if (A == Params.end() || A->is_null()) {
      Command = Prog.Argv[2];
    } else {
      std::vector<std::string> Words;
      for (const std::string &W : Prog.Argv) Words.push_back(shellWord(W, Words.empty()));
      Command = llvm::join(Words, " ");
    }
  }
  auto T = std::make_unique<ShellTask>(Exec, Done, IsCode, std::move(Command));
  // A cgroup only where a limit needs one (pids.max: RLIMIT_NPROC does not
  // bound processes in bwrap's user namespace, see docs/sandbox.md; the
  // step's memory as a whole; a CPU share) or no pid namespace ends the
  // tree (unsandboxed, no user namespaces): joining one costs ~6 ms on
  // cgroup v1. bwrap adds two processes.
  bool NeedCgroup = Pol.Enabled || Pol.Lim.CpuShare > 0 || !L.NewPidNamespace;
  sandbox::CgroupLimits CgLim;
  CgLim.MaxPids = Pol.Lim.Processes + 2;
  CgLim.CpuShare = Pol.Lim.CpuShare;
  CgLim.MemoryBytes = Pol.Enabled ? Pol.Lim.MemoryBytes : 0;
  std::unique_ptr<sandbox::StepCgroup> Cg =
      Config.Spawn || !NeedCgroup ? nullptr : sandbox::StepCgroup::create(CgLim);
  if (!Cg && !Config.Spawn && Pol.Lim.CpuShare > 0) {
    Done(ActionResult::failure(
        fmt::format("`cpu: {}` (a share of one CPU) needs a cpu cgroup orchrt can write, "
                    "and this machine has none for it: remove `cpu`, or bound CPU "
                    "time with `cpu_time` (seconds)",
                    Pol.Lim.CpuShare),
        false));
    return nullptr;
  }
  std::string Err = T->spawn(
      L, Stdin, Config.Spawn ? *Config.Spawn : sandbox::defaultSpawner(), std::move(Cg));
  if (!Err.empty()) {
    Done(ActionResult::failure(Err));
    return nullptr;
  }
  return T;
}

}  // namespace orch::runtime
