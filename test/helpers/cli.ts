import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa, type Options } from "execa";

/** The built binary: CLI tests run exactly what users run (`npm test` builds first). */
export const BIN = resolve(import.meta.dirname, "../../bin/run.js");

/**
 * The environment of every CLI child. NODE_ENV=production: under vitest NODE_ENV is "test",
 * and oclif would then run src/ through tsx instead of the built dist/ that users run.
 */
export const CHILD_ENV = { NO_COLOR: "1", CI: "true", TASKS_CONFIG: "", NODE_ENV: "production" };

/** Runs `tasks …` as a child process; never throws on a non-zero exit. */
export function tasks(args: string[], options: Options & { cwd: string }) {
  return execa("node", [BIN, ...args], {
    reject: false,
    stdin: "ignore",
    ...options,
    env: { ...CHILD_ENV, ...options.env },
  });
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempDir(prefix = "tasklane-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a file into `dir` and returns its path. */
export function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
