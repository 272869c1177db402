import { mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { tempDir, write } from "./cli.js";

/**
 * An app's project folder for each test of the file: a fresh temp folder holding these files
 * (paths relative to it, folders made as needed) and these symbolic links (a package in its
 * node_modules, say: path in the folder → target), removed after the test. Returns its path.
 */
export function appFolder(files: Record<string, string>, links: Record<string, string> = {}): () => string {
  let temp: ReturnType<typeof tempDir> | undefined;
  beforeEach(() => {
    const made = tempDir();
    temp = made;
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(made.dir, name)), { recursive: true });
      write(made.dir, name, text);
    }
    for (const [name, target] of Object.entries(links)) {
      mkdirSync(dirname(join(made.dir, name)), { recursive: true });
      symlinkSync(target, join(made.dir, name));
    }
  });
  afterEach(() => temp?.cleanup());
  return () => {
    if (!temp) throw new Error("appFolder(): the folder exists inside a test");
    return temp.dir;
  };
}
