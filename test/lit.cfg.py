# lit configuration: every *.yaml under test/ (but Inputs/) is a test file
# with its own RUN: and CHECK: lines.
import os
import shutil
import lit.formats

config.name = "orch"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".yaml", ".test"]
config.excludes = ["Inputs", "unit", "fuzz", "fixtures", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.orch_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.orch_tools_dir, config.orchrt_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
# Diagnostics must not depend on the terminal or the locale.
config.environment["LC_ALL"] = "C"
# A sanitized build (scripts/build-asan.sh): its tools are the ones above;
# a finding aborts the tool, so even a `not` RUN line fails on it.
if config.orch_sanitize:
    config.available_features.add("sanitizer")
    config.environment["ORCH_SANITIZER"] = config.orch_sanitize
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if var in os.environ:
            config.environment[var] = os.environ[var]
config.substitutions.append(("%orchc", os.path.join(config.orch_tools_dir, "orchc")))
config.substitutions.append(("%orchrt", os.path.join(config.orchrt_dir, "orchrt")))
config.substitutions.append(("%show_result", config.python_executable + " " + os.path.join(config.test_source_root, "fixtures", "show_result.py")))
config.substitutions.append(("%bench", os.path.join(config.orch_src_root, "bench")))
config.substitutions.append(("%build", config.orch_obj_root))
config.substitutions.append(("%examples", os.path.join(config.orch_src_root, "examples")))
config.substitutions.append(("%python", config.python_executable))
# Tests that drop to another user (setpriv) to run orchrt as non-root.
if os.geteuid() == 0 and shutil.which("setpriv"):
    config.available_features.add("root")
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
config.substitutions.append(("%with_llm", config.python_executable + " " + os.path.join(config.test_source_root, "fixtures", "with_llm_server.py")))
if config.orch_fuzz_dir and os.path.isdir(config.orch_fuzz_dir):
    config.available_features.add("fuzzer")
    config.substitutions.append(("%fuzzdir", config.orch_fuzz_dir))
# The MCP SDK interop test needs node and the pinned packages (install-deps.sh).
if shutil.which("node") and os.path.isdir(os.path.join(config.test_source_root, "fixtures", "mcp_client", "node_modules", "@modelcontextprotocol", "sdk")):
    config.available_features.add("mcp-sdk")
config.substitutions.append(("%mcp_client", "node " + os.path.join(config.test_source_root, "fixtures", "mcp_client", "call_tools.mjs")))
