import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STARTER_DATA_DIR } from "./starter-config.js";

/**
 * Keeps the starter's task database out of git: it is local state (and binary, with -wal and
 * -shm beside it), so a newcomer's first `git add .` should not pick it up. Appends
 * `.tasks/` to the folder's .gitignore (creating one only at a repository's root), unless a
 * line already names the folder. Returns what it did, for init's message.
 */
export function ignoreDataDir(dir: string): "added" | "created" | "present" | "no-gitignore" {
  const path = join(dir, ".gitignore");
  if (!existsSync(path)) {
    if (!existsSync(join(dir, ".git"))) return "no-gitignore";
    appendFileSync(path, `${STARTER_DATA_DIR}/\n`);
    return "created";
  }
  const text = readFileSync(path, "utf8");
  if (text.split(/\r?\n/).some(namesDataDir)) return "present";
  appendFileSync(path, `${text === "" || text.endsWith("\n") ? "" : "\n"}${STARTER_DATA_DIR}/\n`);
  return "added";
}

/** `.tasks`, `.tasks/`, `/.tasks/`, `.tasks/*`, `/.tasks/**`: the spellings that ignore the folder. */
function namesDataDir(line: string): boolean {
  const pattern = line
    .trim()
    .replace(/^\//, "")
    .replace(/\/(\*\*?)?$/, "");
  return pattern === STARTER_DATA_DIR;
}
