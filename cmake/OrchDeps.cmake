# Finds every third-party package from Debian's system locations.

find_package(LLVM REQUIRED CONFIG PATHS /usr/lib/llvm-19/lib/cmake/llvm
             NO_DEFAULT_PATH)
message(STATUS "LLVM ${LLVM_PACKAGE_VERSION} from ${LLVM_DIR}")
llvm_map_components_to_libnames(ORCH_LLVM_LIBS support)

# LLVM's headers as SYSTEM and its definitions only: its cxxflags would force
# -fno-exceptions and C++17.
add_library(orch_llvm INTERFACE)
target_include_directories(orch_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
separate_arguments(_llvm_defs NATIVE_COMMAND "${LLVM_DEFINITIONS}")
target_compile_definitions(orch_llvm INTERFACE ${_llvm_defs})
target_link_libraries(orch_llvm INTERFACE ${ORCH_LLVM_LIBS})
set(ORCH_LLVM_TOOLS_DIR ${LLVM_TOOLS_BINARY_DIR})

find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CURL REQUIRED)
find_package(FlatBuffers REQUIRED CONFIG)

# The ANTLR runtime's CMake config forces -luuid; find it by hand instead.
find_path(ANTLR4_RUNTIME_INCLUDE antlr4-runtime.h PATH_SUFFIXES antlr4-runtime
          REQUIRED)
find_library(ANTLR4_RUNTIME_LIB antlr4-runtime REQUIRED)
add_library(orch_antlr4 INTERFACE)
target_include_directories(orch_antlr4 SYSTEM INTERFACE ${ANTLR4_RUNTIME_INCLUDE})
target_link_libraries(orch_antlr4 INTERFACE ${ANTLR4_RUNTIME_LIB})

find_program(ANTLR4_TOOL antlr4 REQUIRED)
