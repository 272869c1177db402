import { relative, sep } from "node:path";
import { type FSWatcher, watch } from "chokidar";

/** Folders never worth a restart (and often huge): chokidar does not even descend into them. */
const IGNORED_DIRS = new Set(["node_modules", ".git", "dist", "build", "coverage", ".tasks", ".cache", ".turbo"]);
/**
 * Only code and its settings trigger a reload. Everything else in the folder (the SQLite file
 * and its journals, log files the worker itself may be writing, editor swap and temp files)
 * is ignored: otherwise `tasks worker --reload > worker.log` would restart itself forever.
 */
const CODE_FILE = /\.(?:[cm]?[jt]sx?|json)$/;

export function isIgnored(root: string, path: string): boolean {
  const parts = relative(root, path).split(sep);
  return parts.some((p) => IGNORED_DIRS.has(p));
}

/** A change to this file should reload the worker. */
export function isCodeFile(path: string): boolean {
  return CODE_FILE.test(path);
}

/**
 * Watches a folder tree for changes to code files (chokidar: new folders are followed, ignored
 * ones are never walked, so a huge node_modules costs nothing).
 */
export class TreeWatcher {
  readonly #watcher: FSWatcher;

  constructor(
    readonly root: string,
    readonly onChange: (path: string) => void,
  ) {
    this.#watcher = watch(root, {
      ignoreInitial: true,
      ignored: (path, stats) => isIgnored(root, path) || (stats?.isFile() === true && !isCodeFile(path)),
    });
    this.#watcher.on("all", (_event, path) => {
      if (isCodeFile(path)) this.onChange(path);
    });
    // A folder that vanishes or cannot be read is not worth a crash: the next change still counts.
    this.#watcher.on("error", () => {});
  }

  /** Resolves once chokidar has walked the tree (changes before then may be missed). */
  ready(): Promise<void> {
    return new Promise((resolve) => this.#watcher.once("ready", () => resolve()));
  }

  close(): void {
    void this.#watcher.close();
  }
}
