//===- EnvOr.h - A flag, else its environment variable ---------*- C++ -*-===//
//
// orchc and orchrt read a model, a registry or a configuration from a flag
// first and from ORCH_* variables second; both use this one lookup.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdlib>
#include <string>

namespace orch::tools {

/// \p Flag if given, else the environment variable \p Var, else "".
inline std::string envOr(const std::string &Flag, const char *Var) {
  if (!Flag.empty()) return Flag;
  const char *V = std::getenv(Var);
  return V ? V : "";
}

}  // namespace orch::tools
