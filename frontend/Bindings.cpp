//===- Bindings.cpp -------------------------------------------------------===//
#include "frontend/Bindings.h"

#include <fmt/format.h>

#include "frontend/Ast.h"
#include "ir/JsonLimits.h"
#include "ir/PyText.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MemoryBuffer.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/yaml.h"

namespace orch::frontend {

namespace {
/// Values an inputs file may expand to (aliases share nodes).
constexpr unsigned MaxBindingNodes = 1000000;

llvm::Error error(const std::string &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg);
}

/// Converts a yaml-cpp node that \p Depth lists and maps enclose (the
/// file's own mapping counts, as in a JSON file), with a budget against
/// alias bombs. Null when it cannot: \p TooLarge then holds an integer too
/// large for 64 bits, if that is why.
ir::Value *convert(const YAML::Node &N, ir::Arena &A, unsigned &Budget, unsigned Depth,
                   std::string &TooLarge) {
  if (Budget == 0 || ((N.IsSequence() || N.IsMap()) && Depth + 1 > ir::MaxValueDepth))
    return nullptr;
  --Budget;
  switch (N.Type()) {
    case YAML::NodeType::Scalar: {
      ast::ScalarNode S(SourceLoc(), 0, A.save(N.Scalar()), N.Tag() == "?");
      if (S.isOversizedInteger()) {
        TooLarge = N.Scalar();
        return nullptr;
      }
      return A.create<ir::ScalarValue>(SourceLoc(), 0, S.typedValue());
    }
    case YAML::NodeType::Sequence: {
      llvm::SmallVector<ir::Value *, 8> Items;
      for (const YAML::Node &I : N) {
        ir::Value *V = convert(I, A, Budget, Depth + 1, TooLarge);
        if (!V) return nullptr;
        Items.push_back(V);
      }
      return A.create<ir::ListValue>(SourceLoc(), 0, A.copyArray<ir::Value *>(Items));
    }
    case YAML::NodeType::Map: {
      llvm::SmallVector<ir::MapEntry, 8> Entries;
      for (const auto &KV : N) {
        ir::Value *V = convert(KV.second, A, Budget, Depth + 1, TooLarge);
        if (!V) return nullptr;
        Entries.push_back({A.save(KV.first.as<std::string>()), SourceLoc(), V});
      }
      return A.create<ir::MapValue>(SourceLoc(), 0, A.copyArray<ir::MapEntry>(Entries));
    }
    default:
      return A.create<ir::ScalarValue>(SourceLoc(), 0, ir::Scalar::null());
  }
}
}  // namespace

llvm::Expected<ir::InputBinding> parseSetBinding(llvm::StringRef Arg, ir::Arena &A) {
  auto [Name, Val] = Arg.split('=');
  if (!Arg.contains('=') || Name.trim().empty())
    return error("`--set " + Arg.str() + "`: expected `name=value`");
  ast::ScalarNode S(SourceLoc(), 0, A.save(Val), /*Plain=*/true);
  if (S.isOversizedInteger())
    return error("`--set " + Arg.str() + "`: " + ir::describeHugeInt(Val));
  ir::InputBinding B;
  B.Name = Name.trim().str();
  B.V = A.create<ir::ScalarValue>(SourceLoc(), 0, S.typedValue());
  B.Origin = "--set " + Arg.str();
  return B;
}

llvm::Expected<std::vector<ir::InputBinding>> readBindingsFile(llvm::StringRef Path,
                                                               ir::Arena &A) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buf =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/true);
  if (!Buf) return error("cannot read inputs file `" + Path.str() + "`");
  // yaml-cpp recurses on flow collections: check their nesting first.
  if (std::string Deep = ir::yamlDepthProblem((*Buf)->getBuffer()); !Deep.empty())
    return error(fmt::format("inputs file `{}`: {}", Path.str(), Deep));
  YAML::Node Root;
  try {
    Root = YAML::Load((*Buf)->getBuffer().str());
  } catch (const YAML::DeepRecursion &E) {
    return error(fmt::format("{}:{}:{}: inputs file nests deeper than {} levels",
                             Path.str(), E.mark.line + 1, E.mark.column + 1,
                             ir::MaxValueDepth));
  } catch (const YAML::Exception &E) {
    return error(Path.str() + ":" + std::to_string(E.mark.line + 1) + ":" +
                 std::to_string(E.mark.column + 1) + ": " + E.msg);
  }
  if (!Root.IsMap())
    return error("inputs file `" + Path.str() + "` must hold a mapping of input values");
  std::vector<ir::InputBinding> Out;
  unsigned Budget = MaxBindingNodes;
  try {
    for (const auto &KV : Root) {
      ir::InputBinding B;
      B.Name = KV.first.as<std::string>();
      std::string TooLarge;
      B.V = convert(KV.second, A, Budget, /*Depth=*/1, TooLarge);
      if (!B.V && !TooLarge.empty())
        return error(fmt::format("inputs file `{}`, input `{}`: {}", Path.str(), B.Name,
                                 ir::describeHugeInt(TooLarge)));
      if (!B.V)
        return error(fmt::format(
            "inputs file `{}` nests deeper than {} levels or expands to more than "
            "{} values",
            Path.str(), ir::MaxValueDepth, MaxBindingNodes));
      B.Origin = "--inputs " + Path.str();
      Out.push_back(std::move(B));
    }
  } catch (const YAML::Exception &E) {
    return error("inputs file `" + Path.str() + "`: " + E.msg);
  }
  return Out;
}

}  // namespace orch::frontend
