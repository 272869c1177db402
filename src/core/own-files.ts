import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Where tasklane's own files are, wherever this code runs from: src/ (tests, `tasks` in dev mode)
// or the built bundle in dist/, whose modules sit in dist/, its subfolders and dist/chunks/
// (scripts/build.mjs). No fixed number of `..` from a module reaches the package from all of them.

const HERE = fileURLToPath(import.meta.url);
const FROM_SOURCES = HERE.endsWith(".ts");

/** The nearest folder above `dir` that holds a package.json: tasklane's own, installed or not. */
function packageRoot(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, "package.json"))) return at;
    if (dirname(at) === at) return dirname(dir);
  }
}

/** The package's folder (bin/, dist/, src/, package.json). */
export const PACKAGE_ROOT = packageRoot(dirname(HERE));

/** The folder of the code running now: src/ from sources, dist/ when built. */
export const OWN_CODE = join(PACKAGE_ROOT, FROM_SOURCES ? "src" : "dist");

/**
 * One of tasklane's modules by its path under src/, without extension ("index"), as the code
 * running now has it: src/index.ts from sources, dist/index.js when built.
 */
export function ownModule(path: string): string {
  return join(OWN_CODE, `${path}${FROM_SOURCES ? ".ts" : ".js"}`);
}
