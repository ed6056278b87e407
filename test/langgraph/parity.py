#!/usr/bin/env python3
"""orchrt and the LangGraph export run the same pipelines; their results
and model requests must agree.

For each pipeline: `orchc build` and `orchc export --target=langgraph` (both
--offline, from the pipeline's .auto.lock when there is one); then `orchrt`
and the exported graph's run.mjs under Node (the pinned @langchain/langgraph
of test/langgraph/node), each against its own fake_llm_server.py (loopback,
deterministic) and in its own copy of the run directory. Compared: the run's
status and error, each step's status, output, fields, attempts and error,
the outputs, and the chat messages of every model request (as a multiset:
parallel steps may ask in any order).

Usage: parity.py ORCHC ORCHRT [--random COUNT SEED] PIPELINE... ; with
--random, also COUNT randomized failure and skip pipelines of random_dags.py
(generated from SEED at test time). A pipeline's arguments for both
runs (`--input k=v`, `--model m`, orchrt's `-j N`, `--state none`,
`--checkpoint S`) and for the export
(`--allow-unsandboxed-shell`) come from its `# parity:` comment line, or
from EXAMPLE_ARGS for the bundled examples. Runs ORCH_PARITY_JOBS (4)
pipelines at a time. Prints one line a pipeline, in order;
exits 1 on any difference. Without node or the packages: "not run".
"""
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
NODE_MODULES = os.path.join(HERE, "node", "node_modules")
HTTP_URL = ""
# ORCH_PARITY_ORCHRT_ONLY=1 (the sanitized build's ctest): every pipeline
# through orchc build, orchc export and orchrt, without the exported graph's
# Node run or the comparison; the release build's run compares.
ORCHRT_ONLY = os.environ.get("ORCH_PARITY_ORCHRT_ONLY") == "1"

# Inputs the bundled examples need (as test/run/llm_seed_examples.test).
EXAMPLE_ARGS = {
    "code-review.yaml": "--model gpt-4o-mini --input github_pr_url=https://example.invalid/pr/1 --allow-unsandboxed-shell",
    "data-analysis.yaml": "--model gpt-4o-mini --input data_source=sales.csv",
    "ensemble-prediction.yaml": "--model gpt-4o-mini --input raw_data=x --input prediction_task=y",
    "release-notes.yaml": "--model gpt-4o-mini --allow-unsandboxed-shell",
    "research-report.yaml": "--model gpt-4o-mini --input topic=quantum-computing",
}


class EchoHandler(BaseHTTPRequestHandler):
    """For http.request steps (`@HTTP@` in a `# parity:` line is its URL):
    answers JSON describing the request; /status/N answers status N,
    /redirect 302 to /hello."""

    def reply(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        status = int(self.path.split("/")[2]) if self.path.startswith("/status/") else 200
        if self.path.startswith("/redirect"):
            status = 302  # neither client follows it
        out = json.dumps({"method": self.command, "path": self.path, "body": body,
                          "type": self.headers.get("Content-Type"),
                          "x": self.headers.get("X-Orch")}, sort_keys=True).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Reply", "yes")
        if status == 302:
            self.send_header("Location", "/hello")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = reply

    def log_message(self, *args):
        pass


def pipeline_args(path):
    name = os.path.basename(path)
    if name in EXAMPLE_ARGS:
        return EXAMPLE_ARGS[name].split()
    with open(path) as f:
        for line in f:
            if line.startswith("# parity:"):
                return line[len("# parity:"):].split()
    return []


def known_differences(path):
    """The steps a `# parity-differs:` line names: a known difference
    (docs/backends/langgraph.md, Known differences). They must differ, and
    everything else must agree, so the difference can neither widen nor
    vanish unseen."""
    with open(path) as f:
        for line in f:
            if line.startswith("# parity-differs:"):
                return line[len("# parity-differs:"):].split()
    return []


def normalize(report):
    steps = {}
    for sid, s in report["steps"].items():
        steps[sid] = {k: s.get(k) for k in ("status", "output", "fields", "attempts", "error")}
        # An HTTP response's Date header is the one thing that differs.
        if isinstance(s.get("fields"), dict) and isinstance(s["fields"].get("headers"), dict):
            s["fields"]["headers"].pop("date", None)
    return {"status": report["status"], "error": report.get("error"), "steps": steps,
            "outputs": report.get("outputs"), "output_errors": report.get("output_errors")}


def text_of(content):
    """A message's text: a string, or the text of its content blocks."""
    if isinstance(content, list):
        return "".join(c.get("text", "") for c in content if isinstance(c, dict))
    return content


def messages(path):
    """Each request's path (the API), model, max_tokens and (role, text) pairs,
    Anthropic's `system` field first."""
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    body = json.loads(line)
                    msgs = [("system", text_of(body["system"]))] if body.get("system") else []
                    msgs += [(m.get("role"), text_of(m.get("content"))) for m in body.get("messages") or []]
                    out.append(json.dumps([body.get("path"), body.get("model"), body.get("max_tokens"), msgs]))
    return sorted(out)


def check(orchc, orchrt, src, tmp, log):
    """Runs one pipeline both ways; returns why they differ, or None.
    Appends what it reports to \p log (printed in the pipelines' order)."""
    args = [a.replace("@HTTP@", HTTP_URL) for a in pipeline_args(src)]
    allow = [a for a in args if a == "--allow-unsandboxed-shell"]
    run_args = [a for a in args if a != "--allow-unsandboxed-shell"]
    name = os.path.basename(src)
    work = os.path.join(tmp, name)
    os.makedirs(work)
    shutil.copy(src, work)
    lock = src[:-5] + ".auto.lock"
    if os.path.exists(lock):
        shutil.copy(lock, work)
    # The registry and configuration orchc reads beside a pipeline (the
    # bundled examples' models.yaml, whose `ucb` policy gives their steps
    # fallback models, and config.yaml): in place, as a user runs them.
    for beside in ("models.yaml", "config.yaml"):
        if os.path.exists(os.path.join(os.path.dirname(src), beside)):
            shutil.copy(os.path.join(os.path.dirname(src), beside), work)
    pipe = os.path.join(work, name)
    # The sub-pipelines a pipeline calls (`action: pipeline`) lie beside it.
    calls = os.path.join(os.path.dirname(src), "subpipelines")
    if os.path.isdir(calls):
        shutil.copytree(calls, os.path.join(work, "subpipelines"))
    inputs_dir = os.path.join(os.path.dirname(src), "Inputs", name[:-5])
    dirs = []
    for side in ("orchrt", "langgraph"):
        d = os.path.join(work, "run-" + side)
        if os.path.isdir(inputs_dir):
            shutil.copytree(inputs_dir, d, symlinks=True)
        else:
            os.makedirs(d)
        dirs.append(d)
    out = os.path.join(work, "export")
    # `NAME.models.yaml` beside a pipeline is its model registry (ORCH_MODELS)
    # for orchc (the export embeds it) and orchrt.
    env = dict(os.environ)
    # orchrt's default run mode, pinned: it records the run in runs.db of a
    # state directory of its own (new for each pipeline, never the user's
    # shared ~/.local/state/orch), whose acknowledgements decide which steps
    # are ready first (docs/backends/langgraph.md, Readiness order). run.mjs
    # mirrors `-j N`, `--state none` (no store) and `--checkpoint S`; another
    # `--state`, a `--state-dir` or `--no-cache` in a `# parity:` line would
    # change the pinned store: refused.
    for i, a in enumerate(run_args):
        flag = a.split("=")[0]
        value = a.split("=", 1)[1] if "=" in a else (run_args[i + 1] if i + 1 < len(run_args) else "")
        if flag in ("--state-dir", "--no-cache") or (flag == "--state" and value != "none"):
            return f"{name}: `# parity:` may not set {a} (parity.py pins orchrt's run mode)"
    # Nothing of the developer's: a model, registry or configuration named by
    # the environment, or a database that examples/config.yaml's
    # `connection_string: ${DATABASE_URL}` would record into.
    for var in ("XDG_STATE_HOME", "ORCH_STATE_DIR", "ORCH_MODEL", "ORCH_MODELS",
                "ORCH_CONFIG", "DATABASE_URL"):
        env.pop(var, None)
    env["ORCH_STATE_DIR"] = os.path.join(work, "state")
    registry = src[:-5] + ".models.yaml"
    if os.path.exists(registry):
        env["ORCH_MODELS"] = os.path.abspath(registry)
    for cmd in ([orchc, "build", pipe, "--offline", "-o", os.path.join(work, "p.bin")],
                [orchc, "export", pipe, "--offline", "--target=langgraph", "-o", out, *allow]):
        c = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if c.returncode != 0:
            return f"{name}: `orchc {cmd[1]}` failed:\n{c.stderr}"
    os.symlink(NODE_MODULES, os.path.join(out, "node_modules"))
    with_llm = [sys.executable, os.path.join(FIXTURES, "with_llm_server.py"), "--messages"]
    r1, r2 = os.path.join(work, "orchrt.json"), os.path.join(work, "langgraph.json")
    q1, q2 = os.path.join(work, "orchrt.req"), os.path.join(work, "langgraph.req")
    o = subprocess.run([*with_llm, "--requests", q1, "--", orchrt, os.path.join(work, "p.bin"),
                        "-q", "--run-dir", dirs[0], "--retry-base-ms", "250", "--out", r1,
                        *run_args], capture_output=True, text=True, env=env)
    if ORCHRT_ONLY:
        # orchc and orchrt under a sanitizer, whose report aborts the tool
        # (a signal: with_llm_server.py's exit status >= 128) before --out.
        if (o.returncode >= 128 or not os.path.exists(r1) or "Sanitizer" in o.stderr
                or "runtime error:" in o.stderr):
            return f"{name}: orchrt failed (exit {o.returncode}):\n{o.stderr[-4000:]}"
        log.append(f"  {name}: orchc build, export and orchrt ran (exit {o.returncode})")
        return None
    p = subprocess.run([*with_llm, "--requests", q2, "--", "node", os.path.join(out, "run.mjs"),
                        "--run-dir", dirs[1], "--out", r2, *run_args], capture_output=True, text=True,
                       env=env)
    if not os.path.exists(r2):
        return f"{name}: the exported graph did not finish:\n{p.stdout}{p.stderr}"
    with open(r1) as f:
        a = normalize(json.loads(f.read().replace(dirs[0], "<run-dir>")))
    with open(r2) as f:
        b = normalize(json.loads(f.read().replace(dirs[1], "<run-dir>")))
    problems = []
    differs = known_differences(src)
    for sid in differs:
        sa, sb = a["steps"].pop(sid, None), b["steps"].pop(sid, None)
        if sa == sb:
            problems.append(f"step `{sid}` now agrees ({json.dumps(sa, sort_keys=True)}): "
                            "drop it from `# parity-differs:` and from Known differences")
    if a != b:
        problems.append("results differ:\n  orchrt:    " + json.dumps(a, sort_keys=True) +
                        "\n  langgraph: " + json.dumps(b, sort_keys=True))
    ma, mb = messages(q1), messages(q2)
    if ma != mb:
        problems.append(f"model messages differ: orchrt {ma}, langgraph {mb}")
    steps = len(a["steps"])
    with open(os.path.join(out, "graph.mjs")) as f:
        wiring = "edges" if 'wiring: "edges"' in f.read() else "readiness"
    if problems:
        return f"{name}: " + "\n".join(problems)
    if differs:
        log.append(f"  {name}: the known difference in {', '.join(differs)} only")
    log.append(f"  {name}: same results ({steps} steps, {wiring}, status {a['status']}), "
          f"{len(ma)} model requests with the same messages")
    return None


def not_run(name, why):
    """Missing node or packages: ctest's SKIP (77), or a failure where they
    must be there (CI, or ORCH_REQUIRE_LANGGRAPH=1)."""
    print(f"{name}: not run ({why})")
    sys.exit(1 if os.environ.get("CI") or os.environ.get("ORCH_REQUIRE_LANGGRAPH") == "1" else 77)


def main():
    orchc, orchrt, pipelines = sys.argv[1], sys.argv[2], sys.argv[3:]
    random_set = None
    if pipelines[:1] == ["--random"]:
        random_set, pipelines = (int(pipelines[1]), int(pipelines[2])), pipelines[3:]
    if not ORCHRT_ONLY and (not shutil.which("node") or not os.path.isdir(
            os.path.join(NODE_MODULES, "@langchain", "langgraph"))):
        not_run("langgraph-parity", "node or test/langgraph/node's packages missing; "
                "run scripts/install-deps.sh")
    global HTTP_URL
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    HTTP_URL = f"http://127.0.0.1:{server.server_address[1]}"
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        if random_set:
            sys.path.insert(0, HERE)
            import random_dags
            folder = os.path.join(tmp, "random")
            os.makedirs(folder)
            for name, text in random_dags.generate(*random_set):
                pipelines.append(os.path.join(folder, name + ".yaml"))
                with open(pipelines[-1], "w") as f:
                    f.write(text)
                random_dags.write_registry(folder, name, text)  # its resource group, if any
            random_dags.write_subpipelines(folder)  # what their `action: pipeline` steps call
        # Pipelines run JOBS at a time: a run mostly waits (retry delays,
        # sleeps, timeouts, Node's start), about a quarter of its wall time
        # is CPU. Each has its own directories, LLM server and state.
        jobs = max(1, int(os.environ.get("ORCH_PARITY_JOBS", "4")))

        def one(src):
            log = []
            try:
                return check(orchc, orchrt, src, tmp, log), log
            except Exception:  # a failure of its own, reported with the rest
                return f"{os.path.basename(src)}: {traceback.format_exc()}", log

        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for why, log in pool.map(one, pipelines):
                for line in log:
                    print(line)
                if why:
                    failures.append(why)
    print(f"langgraph-parity: {len(pipelines)} pipelines, {len(failures)} different")
    for f in failures:
        print(f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
