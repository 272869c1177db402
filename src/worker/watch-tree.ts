import { type FSWatcher, readdirSync, watch } from "node:fs";
import { join, relative, sep } from "node:path";

/** Folders never worth a restart (and often huge). */
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
 * Watches a folder tree for changes, skipping IGNORED_DIRS. One non-recursive fs.watch per
 * folder: Node 20's recursive mode on Linux would also walk node_modules, which can hold
 * tens of thousands of folders. New folders are picked up on the next change event.
 */
export class TreeWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  #closed = false;

  constructor(
    readonly root: string,
    readonly onChange: (path: string) => void,
  ) {
    this.#scan(root);
  }

  #scan(dir: string): void {
    if (this.#closed || this.#watchers.has(dir) || isIgnored(this.root, dir)) return;
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
      const watcher = watch(dir, { persistent: true }, (_event, name) => {
        const path = name ? join(dir, name.toString()) : dir;
        if (isIgnored(this.root, path)) return;
        this.#scan(path); // a new folder: watch it too (no-op for files and known folders)
        if (isCodeFile(path)) this.onChange(path);
      });
      watcher.on("error", () => {
        watcher.close();
        this.#watchers.delete(dir);
      });
      this.#watchers.set(dir, watcher);
    } catch {
      return; // a file, or a folder that vanished: nothing to watch
    }
    for (const entry of entries) if (entry.isDirectory()) this.#scan(join(dir, entry.name));
  }

  close(): void {
    this.#closed = true;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
  }
}
