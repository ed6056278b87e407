//===- ModelRegistryYaml.h - The registry reader over a loaded document -*- C++ -*-===//
//
// For a caller that loads the registry itself because it reads more fields
// than the shared ones (passes/ModelCatalog): the shared reader over that
// same document, so the file is read and parsed once. Only callers that
// already link yaml-cpp include this header; ir/ModelRegistry.h shows no YAML.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

#include "ir/ModelRegistry.h"
#include "yaml-cpp/yaml.h"

namespace orch::ir {

/// The registry entries of the already loaded document \p Root, read from
/// \p Path (the name kept for messages). Throws YAML::Exception as
/// YAML::Node does; readModelRegistry turns that into an llvm::Error.
ModelRegistry readModelRegistry(const YAML::Node &Root, const std::string &Path);

}  // namespace orch::ir
