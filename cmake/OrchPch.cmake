# Precompiled headers for the GoogleTest executables (test/unit).
#
# Every test translation unit parses GoogleTest/GoogleMock, nlohmann/json and
# LLVM's ADT/Support headers before a line of its own: 12-19 s a file without
# a PCH. Only third-party and standard headers go in (project headers change
# too often to be worth a PCH rebuild).
#
# ccache caches these compilations only with the sloppiness below (and, for
# clang, PCH files without a timestamp); a target built through ccache gets
# both, on that target alone.

set(ORCH_TEST_PCH_HEADERS
    <gtest/gtest.h> <gmock/gmock.h> <nlohmann/json.hpp>
    <llvm/ADT/ArrayRef.h> <llvm/ADT/SmallVector.h> <llvm/ADT/StringMap.h>
    <llvm/ADT/StringRef.h> <llvm/Support/Error.h> <llvm/Support/raw_ostream.h>
    <algorithm> <atomic> <chrono> <filesystem> <fstream> <functional> <map>
    <memory> <mutex> <optional> <sstream> <string> <thread> <vector>)

## orch_test_pch(TARGET): TARGET compiles with ORCH_TEST_PCH_HEADERS
## precompiled, with -DORCH_TEST_PCH=ON. Off by default: measured with GCC 12
## -O3 (2026-12-01), test/unit/SchedulerTest.cpp took 15.8 s CPU without and
## 15.4 s with the PCH (the time is code generation, not header parsing), less
## than the PCH's own compilation costs per target.
option(ORCH_TEST_PCH "Precompiled headers for the GoogleTest executables" OFF)
function(orch_test_pch target)
  if(NOT ORCH_TEST_PCH)
    return()
  endif()
  target_precompile_headers(${target} PRIVATE ${ORCH_TEST_PCH_HEADERS})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports `"literal" + std::string` inlined from a precompiled
    # libstdc++ as a memcpy past the maximum object size or bounds (the false
    # positive of -Wno-restrict in CMakeLists.txt, GCC PRs 105329, 105651);
    # without the PCH the same code is quiet. Test targets only; clang keeps
    # both checks (it has no such false positive).
    target_compile_options(${target} PRIVATE -Wno-stringop-overflow -Wno-array-bounds)
  endif()
  get_target_property(launcher ${target} CXX_COMPILER_LAUNCHER)
  if(launcher MATCHES "ccache")
    set_property(TARGET ${target} PROPERTY CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${launcher})
    if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      target_compile_options(${target} PRIVATE "SHELL:-Xclang -fno-pch-timestamp")
    endif()
  endif()
endfunction()
