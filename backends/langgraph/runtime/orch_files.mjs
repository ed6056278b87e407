// ---------------------------------------------------------------------------
// Paths of `file.read` / `file.write` confined to the run directory, as
// orchrt's confinePath and its openat2(RESOLVE_BENEATH) open: the path is
// resolved (symbolic links too) and must stay inside the run directory; it
// is then opened one component at a time from a descriptor of the run
// directory, each component with O_NOFOLLOW (through /proc/self/fd/N/NAME,
// Node having no openat), so a component swapped for a symbolic link
// between the check and the open is an error, never an escape.
// ---------------------------------------------------------------------------
import * as fs from "node:fs";
import * as path from "node:path";

const C = fs.constants;

/**
 * orchrt's confinePath: `p` resolved (symbolic links too) inside the real
 * run directory; returns [root, the resolved path relative to root].
 */
export function confinePath(runDir, p) {
  if (p === "") throw new Error("the path is empty");
  if (p.includes("\0")) throw new Error("the path contains a NUL byte");
  const root = fs.realpathSync(runDir);
  const full = path.resolve(root, p);
  let existing = full, rest = "";
  for (;;) {
    try {
      fs.lstatSync(existing);
      break;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) break;
      rest = rest ? path.join(path.basename(existing), rest) : path.basename(existing);
      existing = parent;
    }
  }
  let real;
  try {
    real = fs.realpathSync(existing);
  } catch (e) {
    throw new Error(`\`${p}\`: ${systemMessage(e)}`);
  }
  if (rest) real = path.join(real, rest);
  if (!(root === "/" || real === root || real.startsWith(root + "/")))
    throw new Error(`\`${p}\` is outside the run directory \`${root}\``);
  return [root, path.relative(root, real)];
}

/** glibc's strerror texts of the errors a file action's open can meet (orchrt prints strerror). */
const STRERROR = new Map([
  ["ENOENT", "No such file or directory"], ["ENOTDIR", "Not a directory"], ["EISDIR", "Is a directory"],
  ["EACCES", "Permission denied"], ["EPERM", "Operation not permitted"], ["EEXIST", "File exists"],
  ["ENXIO", "No such device or address"], ["ENOSPC", "No space left on device"], ["EROFS", "Read-only file system"],
  ["ENAMETOOLONG", "File name too long"], ["EMFILE", "Too many open files"], ["ETXTBSY", "Text file busy"],
  ["EIO", "Input/output error"], ["EDQUOT", "Disk quota exceeded"], ["EFBIG", "File too large"],
]);

/** The system's text for error \p e, as orchrt's strerror words it (Node's own message otherwise). */
export const systemMessage = (e) => STRERROR.get(e?.code) ?? e?.message ?? String(e);

/**
 * Why opening \p shown failed, as orchrt's openBeneath says it
 * (runtime/actions/OpenBeneath.cpp): a symbolic link met during the open
 * (ELOOP, EXDEV) left the run directory; anything else is the system's
 * text.
 */
export function openProblem(shown, e) {
  if (e?.code === "ELOOP" || e?.code === "EXDEV")
    return `\`${shown}\` left the run directory while it was opened (a symbolic link)`;
  return `\`${shown}\`: ${systemMessage(e)}`;
}

const beneath = (dirFd, name) => `/proc/self/fd/${dirFd}/${name}`;

/**
 * Opens \p rel (a path without symbolic links, relative to \p root) with
 * \p flags, every component opened with O_NOFOLLOW below the previous one's
 * descriptor; `mkdirs` creates missing directories the same way. Throws
 * the system's error (ELOOP, ENOTDIR) when a component is, or became, a
 * symbolic link.
 */
export function openBeneath(root, rel, flags, mode = 0o644, mkdirs = false) {
  const parts = rel.split("/").filter((x) => x !== "");
  if (!parts.length) return fs.openSync(root, flags | C.O_NOFOLLOW, mode);
  let dir = fs.openSync(root, C.O_RDONLY | C.O_DIRECTORY);
  try {
    for (const name of parts.slice(0, -1)) {
      if (mkdirs) {
        try {
          fs.mkdirSync(beneath(dir, name), 0o755);
        } catch (e) {
          if (e.code !== "EEXIST") throw e;
        }
      }
      const next = fs.openSync(beneath(dir, name), C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
      fs.closeSync(dir);
      dir = next;
    }
    return fs.openSync(beneath(dir, parts[parts.length - 1]), flags | C.O_NOFOLLOW, mode);
  } finally {
    fs.closeSync(dir);
  }
}
