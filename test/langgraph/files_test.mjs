// Unit tests of orch_files.mjs: a directory component swapped for a
// symbolic link between confinePath's check and the open (the race of
// review finding 8) makes the open fail, for reading and for writing,
// where opening the checked path by name would escape the run directory.
// Run by ctest `langgraph-files`; exits 1 on the first failure.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { confinePath, openBeneath } from "../../backends/langgraph/runtime/orch_files.mjs";

const C = fs.constants;
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "orch-files-")));
const root = path.join(tmp, "run"), outside = path.join(tmp, "outside");
let failures = 0;
function test(name, fn) {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, "sub"), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, "sub", "note.txt"), "inside");
  fs.writeFileSync(path.join(outside, "note.txt"), "secret");
  try {
    fn();
    console.log(`ok ${name}`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack}`);
  }
}
/** The check passes; then `sub` becomes a link to the outside directory. */
function checkThenSwap(p) {
  const [r, rel] = confinePath(root, p);
  fs.rmSync(path.join(root, "sub"), { recursive: true });
  fs.symlinkSync(outside, path.join(root, "sub"));
  return [r, rel];
}

test("a checked path opens and reads", () => {
  const [r, rel] = confinePath(root, "sub/note.txt");
  assert.equal(rel, "sub/note.txt");
  const fd = openBeneath(r, rel, C.O_RDONLY);
  assert.equal(fs.readFileSync(fd, "utf8"), "inside");
  fs.closeSync(fd);
});

test("a link inside the run directory is resolved by the check, then opened", () => {
  fs.symlinkSync("sub", path.join(root, "alias"));
  const [r, rel] = confinePath(root, "alias/note.txt");
  assert.equal(rel, "sub/note.txt");
  const fd = openBeneath(r, rel, C.O_RDONLY);
  assert.equal(fs.readFileSync(fd, "utf8"), "inside");
  fs.closeSync(fd);
});

test("the swap would escape when opened by name (the old open)", () => {
  const [r, rel] = checkThenSwap("sub/note.txt");
  const fd = fs.openSync(path.join(r, rel), C.O_RDONLY | C.O_NOFOLLOW);
  assert.equal(fs.readFileSync(fd, "utf8"), "secret");
  fs.closeSync(fd);
});

test("reading after the swap fails instead of reading outside", () => {
  const [r, rel] = checkThenSwap("sub/note.txt");
  assert.throws(() => openBeneath(r, rel, C.O_RDONLY), (e) => e.code === "ELOOP" || e.code === "ENOTDIR");
});

test("writing after the swap fails and leaves the outside file alone", () => {
  const [r, rel] = checkThenSwap("sub/note.txt");
  assert.throws(() => openBeneath(r, rel, C.O_WRONLY | C.O_CREAT | C.O_TRUNC, 0o644, true),
    (e) => e.code === "ELOOP" || e.code === "ENOTDIR");
  assert.equal(fs.readFileSync(path.join(outside, "note.txt"), "utf8"), "secret");
});

test("creating directories after the swap creates nothing outside", () => {
  const [r, rel] = checkThenSwap("sub/new/deep.txt");
  assert.throws(() => openBeneath(r, rel, C.O_WRONLY | C.O_CREAT, 0o644, true));
  assert.equal(fs.existsSync(path.join(outside, "new")), false);
});

test("missing directories are created inside", () => {
  const [r, rel] = confinePath(root, "a/b/c.txt");
  fs.closeSync(openBeneath(r, rel, C.O_WRONLY | C.O_CREAT, 0o644, true));
  assert.ok(fs.statSync(path.join(root, "a", "b", "c.txt")).isFile());
});

test("a path outside is refused by the check", () => {
  assert.throws(() => confinePath(root, "../outside/note.txt"), /is outside the run directory/);
});

fs.rmSync(tmp, { recursive: true, force: true });
process.exitCode = failures ? 1 : 0;
