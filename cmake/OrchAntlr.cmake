# orch_antlr_generate(<target> GRAMMAR <file.g4> NAMESPACE <ns>)
# Generates a C++ lexer, parser and visitor from a combined grammar at build
# time with the Debian `antlr4` tool and compiles them into a static library.
function(orch_antlr_generate target)
  cmake_parse_arguments(ARG "" "GRAMMAR;NAMESPACE" "" ${ARGN})
  get_filename_component(_name ${ARG_GRAMMAR} NAME_WE)
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/antlr_${_name})
  set(_srcs ${_out}/${_name}Lexer.cpp ${_out}/${_name}Parser.cpp
            ${_out}/${_name}Visitor.cpp ${_out}/${_name}BaseVisitor.cpp)
  add_custom_command(
    OUTPUT ${_srcs}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_out}
    COMMAND ${ANTLR4_TOOL} -Dlanguage=Cpp -visitor -no-listener
            -package ${ARG_NAMESPACE} -Werror -Xexact-output-dir -o ${_out}
            ${ARG_GRAMMAR}
    DEPENDS ${ARG_GRAMMAR}
    COMMENT "ANTLR: generating ${_name}"
    VERBATIM)
  add_library(${target} STATIC ${_srcs})
  target_include_directories(${target} SYSTEM PUBLIC ${_out})
  target_link_libraries(${target} PUBLIC orch_antlr4)
  target_compile_options(${target} PRIVATE -fno-char8_t -Wno-deprecated
                         -Wno-overloaded-virtual -w)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
