import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { PACKAGE_ROOT } from "../core/own-files.js";

/**
 * The `tasks` binary of this very package (its bin/run.js), so the suite runs the CLI and
 * workers users run, wherever tasklane is installed.
 */
export const BIN = join(PACKAGE_ROOT, "bin", "run.js");

/**
 * The environment of every CLI child. NODE_ENV=production: under vitest NODE_ENV is "test",
 * and oclif would then run src/ through tsx instead of the built dist/ that users run.
 */
export const CHILD_ENV = { NO_COLOR: "1", CI: "true", TASKS_CONFIG: "", NODE_ENV: "production" };

/** Where and how a `tasks …` child runs. */
export interface CliOptions {
  cwd: string;
  /** Added to CHILD_ENV (and the inherited environment). */
  env?: Record<string, string | undefined>;
  /** Kills the child after this many milliseconds. */
  timeout?: number;
}

/** A `tasks …` child process: output as strings, a non-zero exit resolves instead of throwing. */
export type CliRun = ResultPromise<{ reject: false; stdin: "ignore"; cwd: string; env: Record<string, string> }>;

/** Runs `tasks …` as a child process; never throws on a non-zero exit. */
export function tasks(args: string[], options: CliOptions): CliRun {
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
