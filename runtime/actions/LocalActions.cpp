//===- LocalActions.cpp ---------------------------------------------------===//
#include "runtime/actions/LocalActions.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ir/Actions.h"
#include "ir/Eval.h"
#include "ir/FilterImpls.h"
#include "ir/JsonLimits.h"
#include "ir/StableSort.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "runtime/actions/OpenBeneath.h"

namespace orch::runtime {

using json = orch::ir::Json;

namespace {

constexpr uint64_t MaxReadBytes = 256ull << 20;

/// A parameter that must be a string (scalars print as text).
llvm::Expected<std::string> stringParam(const json &Params, const char *Name) {
  auto It = Params.find(Name);
  if (It == Params.end() || It->is_null())
    return llvm::createStringError(fmt::format("parameter `{}` is missing", Name));
  if (It->is_array() || It->is_object())
    return llvm::createStringError(
        fmt::format("parameter `{}` must be text, found {}", Name, ir::toJsonText(*It)));
  return ir::displayString(*It);
}

ActionResult bad(llvm::Error E) {
  return ActionResult::failure(llvm::toString(std::move(E)), /*Retryable=*/false);
}

json withOutput(json Value) {
  return json{{"output", ir::displayString(Value)}, {"value", std::move(Value)}};
}

/// Follows a path like `a.b.0` into \p V.
llvm::Expected<json> getPath(const json &V, llvm::StringRef Path) {
  const json *Cur = &V;
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  Path.split(Parts, '.', -1, false);
  for (llvm::StringRef Part : Parts) {
    unsigned long long N;
    if (Cur->is_array() && !Part.getAsInteger(10, N) && N < Cur->size()) {
      Cur = &(*Cur)[N];
    } else if (Cur->is_object() && Cur->contains(Part.str())) {
      Cur = &(*Cur)[Part.str()];
    } else {
      return llvm::createStringError(fmt::format("`get`: no `{}` in {}", Part.str(),
                                                 ir::toJsonText(*Cur).substr(0, 80)));
    }
  }
  return *Cur;
}

}  // namespace

ActionResult runEcho(const json &Params) {
  auto It = Params.find("message");
  if (It == Params.end())
    return ActionResult::failure("parameter `message` is missing", false);
  std::string Text = ir::displayString(*It);
  if (auto S = Params.find("strip"); S != Params.end() && !S->is_null()) {
    if (!S->is_boolean())
      return ActionResult::failure("parameter `strip` must be true or false", false);
    if (S->get<bool>()) {
      // Python's str.strip(): Unicode white space (the `trim` filter's).
      ir::filter::Result R = ir::filter::trim(json(std::move(Text)), {});
      if (!R) return ActionResult::failure(llvm::toString(R.takeError()), false);
      Text = (*R)->get<std::string>();
    }
  }
  return ActionResult::success(json{{"output", std::move(Text)}});
}

ActionResult runPipelineValues(const json &Params) {
  json Fields = json::object();
  for (const char *K : {"inputs", "outputs"}) {
    auto It = Params.find(K);
    Fields[K] = It == Params.end() || It->is_null() ? json::object() : *It;
  }
  Fields["output"] = ir::displayString(Fields["outputs"]);
  return ActionResult::success(std::move(Fields));
}

ActionResult runTransform(const json &Params) {
  auto In = Params.find("input");
  if (In == Params.end())
    return ActionResult::failure("parameter `input` is missing", false);
  // `transformation` is the seed's name for `op` (ir/Actions.cpp).
  bool Seed = !Params.contains("op") && Params.contains("transformation");
  llvm::Expected<std::string> OpOr = stringParam(Params, Seed ? "transformation" : "op");
  if (!OpOr) return bad(OpOr.takeError());
  std::string Op = ir::canonicalTransformOp(*OpOr).str();
  std::vector<json> Args;
  if (auto A = Params.find("args"); A != Params.end() && !A->is_null()) {
    if (!A->is_array())
      return ActionResult::failure("parameter `args` must be a list", false);
    Args.assign(A->begin(), A->end());
  }
  const json &V = *In;
  auto NeedList = [&]() -> llvm::Error {
    if (V.is_array()) return llvm::Error::success();
    return llvm::createStringError(fmt::format("`{}` needs a list input", Op));
  };
  auto NeedMap = [&]() -> llvm::Error {
    if (V.is_object()) return llvm::Error::success();
    return llvm::createStringError(fmt::format("`{}` needs a mapping input", Op));
  };
  if (Op == "parse_json") {
    json J = ir::parseJsonBounded(ir::displayString(V));  // too deep: not JSON
    if (J.is_discarded())
      return ActionResult::failure("`parse_json`: the input is not valid JSON", false);
    return ActionResult::success(withOutput(std::move(J)));
  }
  if (Op == "split") {
    std::string S = ir::displayString(V);
    std::string Sep = Args.empty() ? "\n" : ir::displayString(Args[0]);
    json Out = json::array();
    if (Sep.empty())
      return ActionResult::failure("`split`: the separator is empty", false);
    size_t Pos = 0;
    for (size_t Q; (Q = S.find(Sep, Pos)) != std::string::npos; Pos = Q + Sep.size())
      Out.push_back(S.substr(Pos, Q - Pos));
    Out.push_back(S.substr(Pos));
    return ActionResult::success(withOutput(std::move(Out)));
  }
  if (Op == "keys" || Op == "values") {
    if (llvm::Error E = NeedMap()) return bad(std::move(E));
    json Out = json::array();
    for (auto &[K, X] : V.items()) Out.push_back(Op == "keys" ? json(K) : X);
    return ActionResult::success(withOutput(std::move(Out)));
  }
  if (Op == "sort" || Op == "unique" || Op == "reverse") {
    if (llvm::Error E = NeedList()) return bad(std::move(E));
    std::vector<json> Items(V.begin(), V.end());
    if (Op == "reverse") {
      std::reverse(Items.begin(), Items.end());
    } else if (Op == "sort") {
      orch::stableSort(Items.begin(), Items.end());
    } else {
      std::vector<json> Seen;
      for (json &X : Items)
        if (std::find(Seen.begin(), Seen.end(), X) == Seen.end()) Seen.push_back(X);
      Items = std::move(Seen);
    }
    return ActionResult::success(withOutput(json(Items)));
  }
  if (Op == "get") {
    if (Args.empty()) return ActionResult::failure("`get` needs a path argument", false);
    llvm::Expected<json> R = getPath(V, ir::displayString(Args[0]));
    if (!R) return bad(R.takeError());
    return ActionResult::success(withOutput(std::move(*R)));
  }
  llvm::Expected<json> R = ir::applyFilter(Op, V, Args);
  if (!R) return bad(R.takeError());
  return ActionResult::success(withOutput(std::move(*R)));
}

llvm::Expected<std::string> confinePath(const std::string &RunDir,
                                        const std::string &Path) {
  namespace fs = llvm::sys::fs;
  namespace path = llvm::sys::path;
  if (Path.empty()) return llvm::createStringError("the path is empty");
  if (Path.find('\0') != std::string::npos)
    return llvm::createStringError("the path contains a NUL byte");
  llvm::SmallString<256> Root;
  if (std::error_code EC = fs::real_path(RunDir, Root))
    return llvm::createStringError(
        fmt::format("run directory `{}`: {}", RunDir, EC.message()));
  llvm::SmallString<256> Full(Path);
  if (!path::is_absolute(Full)) {
    Full = Root;
    path::append(Full, Path);
  }
  path::remove_dots(Full, /*remove_dot_dot=*/true);
  // Find the deepest part that is there at all; lstat, so that a dangling
  // link counts as there (and then fails to resolve) instead of being
  // walked past and written through.
  llvm::SmallString<256> Existing(Full), Rest;
  while (true) {
    fs::file_status St;
    if (!fs::status(Existing, St, /*follow=*/false) && fs::exists(St)) break;
    if (!path::has_parent_path(Existing)) break;
    llvm::SmallString<256> Tail(path::filename(Existing));
    if (!Rest.empty()) path::append(Tail, Rest);
    Rest = Tail;
    llvm::SmallString<256> Parent(path::parent_path(Existing));
    Existing = Parent;
  }
  llvm::SmallString<256> Real;
  if (std::error_code EC = fs::real_path(Existing, Real))
    return llvm::createStringError(fmt::format("`{}`: {}", Path, EC.message()));
  if (!Rest.empty()) path::append(Real, Rest);
  llvm::StringRef R = Real;
  bool Inside = Root == "/" || R == Root.str() || R.starts_with((Root + "/").str());
  if (!Inside)
    return llvm::createStringError(
        fmt::format("`{}` is outside the run directory `{}`", Path, Root.str()));
  return Real.str().str();
}

llvm::Expected<std::pair<std::string, std::string>> splitRoot(const std::string &RunDir,
                                                              const std::string &Full) {
  llvm::SmallString<256> Root;
  if (std::error_code EC = llvm::sys::fs::real_path(RunDir, Root))
    return llvm::createStringError(
        fmt::format("run directory `{}`: {}", RunDir, EC.message()));
  llvm::StringRef Rel = Full;
  if (Root != "/" && !Rel.consume_front(Root.str()))
    return llvm::createStringError(
        fmt::format("`{}` is outside the run directory", Full));
  return std::make_pair(Root.str().str(), Rel.ltrim('/').str());
}

ActionResult runFileRead(const std::string &RunDir, const json &Params) {
  llvm::Expected<std::string> Path = stringParam(Params, "path");
  if (!Path) return bad(Path.takeError());
  llvm::Expected<std::string> Full = confinePath(RunDir, *Path);
  if (!Full) return bad(Full.takeError());
  auto Parts = splitRoot(RunDir, *Full);
  if (!Parts) return bad(Parts.takeError());
  // Non-blocking, so that a FIFO put there after the check cannot block the
  // loop thread at open.
  llvm::Expected<int> Fd =
      openBeneath(Parts->first, Parts->second, O_RDONLY | O_NONBLOCK, false, *Path);
  if (!Fd)
    return ActionResult::failure(
        fmt::format("cannot read {}", llvm::toString(Fd.takeError())), false);
  struct stat St;
  if (fstat(*Fd, &St) != 0 || !S_ISREG(St.st_mode)) {
    close(*Fd);
    // A FIFO or a device could block the loop thread: regular files only.
    return ActionResult::failure(fmt::format("`{}` is not a regular file", *Path), false);
  }
  uint64_t Size = static_cast<uint64_t>(St.st_size);
  if (Size > MaxReadBytes) {
    close(*Fd);
    return ActionResult::failure(
        fmt::format("`{}` is {} bytes; the limit is {}", *Path, Size, MaxReadBytes),
        false);
  }
  std::string Text;
  char Buf[65536];
  ssize_t N;
  while (Text.size() <= MaxReadBytes && (N = read(*Fd, Buf, sizeof Buf)) > 0)
    Text.append(Buf, static_cast<size_t>(N));
  int E = errno;
  close(*Fd);
  if (N < 0)
    return ActionResult::failure(
        fmt::format("cannot read `{}`: {}", *Path, std::strerror(E)), false);
  size_t Bytes = Text.size();
  return ActionResult::success(json{{"output", std::move(Text)}, {"bytes", Bytes}});
}

ActionResult runFileWrite(const std::string &RunDir, const json &Params) {
  llvm::Expected<std::string> Path = stringParam(Params, "path");
  if (!Path) return bad(Path.takeError());
  auto C = Params.find("content");
  if (C == Params.end())
    return ActionResult::failure("parameter `content` is missing", false);
  bool Append = false;
  if (auto A = Params.find("append"); A != Params.end()) Append = ir::truthy(*A);
  llvm::Expected<std::string> Full = confinePath(RunDir, *Path);
  if (!Full) return bad(Full.takeError());
  std::string Text = ir::displayString(*C);
  auto Parts = splitRoot(RunDir, *Full);
  if (!Parts) return bad(Parts.takeError());
  // Non-blocking, so that a FIFO there (no reader: open blocks; a reader
  // that never reads: write blocks) cannot stop the loop thread.
  llvm::Expected<int> Fd = openBeneath(
      Parts->first, Parts->second,
      O_WRONLY | O_CREAT | O_NONBLOCK | O_NOCTTY | (Append ? O_APPEND : O_TRUNC), true,
      *Path);
  if (!Fd)
    return ActionResult::failure(
        fmt::format("cannot write {}", llvm::toString(Fd.takeError())), false);
  struct stat St;
  if (fstat(*Fd, &St) != 0 || !S_ISREG(St.st_mode) ||
      fcntl(*Fd, F_SETFL, fcntl(*Fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    close(*Fd);
    return ActionResult::failure(fmt::format("`{}` is not a regular file", *Path), false);
  }
  size_t Off = 0;
  int E = 0;
  while (Off < Text.size()) {
    ssize_t N = write(*Fd, Text.data() + Off, Text.size() - Off);
    if (N < 0 && errno == EINTR) continue;
    if (N <= 0) {
      E = N < 0 ? errno : EIO;
      break;
    }
    Off += static_cast<size_t>(N);
  }
  if (close(*Fd) != 0 && !E) E = errno;
  if (E)
    return ActionResult::failure(
        fmt::format("cannot write `{}`: {}", *Path, std::strerror(E)), false);
  return ActionResult::success(json{{"output", *Path}, {"bytes", Text.size()}});
}

ActionResult runFileCopy(const std::string &RunDir, const json &Params) {
  llvm::Expected<std::string> To = stringParam(Params, "destination");
  if (!To) return bad(To.takeError());
  ActionResult Read = runFileRead(RunDir, json{{"path", Params.value("path", json())}});
  if (!Read.Ok) return Read;
  ActionResult Wrote = runFileWrite(
      RunDir, json{{"path", *To}, {"content", std::move(Read.Fields["output"])}});
  if (!Wrote.Ok) return Wrote;
  return ActionResult::success(json{{"source", Params["path"]},
                                    {"destination", *To},
                                    {"bytes", Read.Fields["bytes"]},
                                    {"success", true},
                                    {"output", *To}});
}

}  // namespace orch::runtime
