//===- Bindings.cpp -------------------------------------------------------===//
#include "frontend/Bindings.h"

#include "frontend/Ast.h"
#include "llvm/ADT/SmallVector.h"
#include "yaml-cpp/yaml.h"

namespace orch::frontend {

namespace {
llvm::Error error(const std::string &Msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Msg);
}

/// Converts a yaml-cpp node, with a budget against alias bombs.
ir::Value *convert(const YAML::Node &N, ir::Arena &A, unsigned &Budget, unsigned Depth) {
  if (Budget == 0 || Depth > 64) return nullptr;
  --Budget;
  switch (N.Type()) {
    case YAML::NodeType::Scalar: {
      ast::ScalarNode S(SourceLoc(), 0, A.save(N.Scalar()), N.Tag() == "?");
      return A.create<ir::ScalarValue>(SourceLoc(), 0, S.typedValue());
    }
    case YAML::NodeType::Sequence: {
      llvm::SmallVector<ir::Value *, 8> Items;
      for (const YAML::Node &I : N) {
        ir::Value *V = convert(I, A, Budget, Depth + 1);
        if (!V) return nullptr;
        Items.push_back(V);
      }
      return A.create<ir::ListValue>(SourceLoc(), 0, A.copyArray<ir::Value *>(Items));
    }
    case YAML::NodeType::Map: {
      llvm::SmallVector<ir::MapEntry, 8> Entries;
      for (const auto &KV : N) {
        ir::Value *V = convert(KV.second, A, Budget, Depth + 1);
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
  ir::InputBinding B;
  B.Name = Name.trim().str();
  B.V = A.create<ir::ScalarValue>(SourceLoc(), 0, S.typedValue());
  B.Origin = "--set " + Arg.str();
  return B;
}

llvm::Expected<std::vector<ir::InputBinding>> readBindingsFile(llvm::StringRef Path,
                                                               ir::Arena &A) {
  YAML::Node Root;
  try {
    Root = YAML::LoadFile(Path.str());
  } catch (const YAML::BadFile &) {
    return error("cannot read inputs file `" + Path.str() + "`");
  } catch (const YAML::Exception &E) {
    return error(Path.str() + ":" + std::to_string(E.mark.line + 1) + ":" +
                 std::to_string(E.mark.column + 1) + ": " + E.msg);
  }
  if (!Root.IsMap())
    return error("inputs file `" + Path.str() + "` must hold a mapping of input values");
  std::vector<ir::InputBinding> Out;
  unsigned Budget = 1000000;
  try {
    for (const auto &KV : Root) {
      ir::InputBinding B;
      B.Name = KV.first.as<std::string>();
      B.V = convert(KV.second, A, Budget, 0);
      if (!B.V) return error("inputs file `" + Path.str() + "` is too large or too deep");
      B.Origin = "--inputs " + Path.str();
      Out.push_back(std::move(B));
    }
  } catch (const YAML::Exception &E) {
    return error("inputs file `" + Path.str() + "`: " + E.msg);
  }
  return Out;
}

}  // namespace orch::frontend
