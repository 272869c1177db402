import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { OWN_CODE, ownModule, PACKAGE_ROOT } from "../../src/core/own-files.js";

const REPO = resolve(import.meta.dirname, "../..");

describe("tasklane's own files", () => {
  it("are found from the sources: the package's folder, src/, and a module by its path under src/", () => {
    expect(PACKAGE_ROOT).toBe(REPO);
    expect(JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).name).toBe("tasklane");
    expect(OWN_CODE).toBe(join(REPO, "src"));
    expect(ownModule("index")).toBe(join(REPO, "src", "index.ts"));
    expect(existsSync(ownModule("backends/sqlite/store"))).toBe(true);
  });

  it("are where the built bundle's modules look for them: its entries at their paths, shared code in dist/chunks/", () => {
    // What own-files.ts resolves to from dist/ (the path-based lookups: the config's "tasklane",
    // the conformance suite's child) exists in the build.
    for (const entry of ["index.js", "backends/sqlite/store.js", "config/lookup.js", "commands/worker.js"]) {
      expect(existsSync(join(REPO, "dist", entry)), entry).toBe(true);
    }
    const chunks = readdirSync(join(REPO, "dist", "chunks")).filter((file) => file.endsWith(".js"));
    expect(chunks.length).toBeGreaterThan(0);
    // A module of the old per-file build (never an entry) is not there to be imported by mistake.
    expect(existsSync(join(REPO, "dist", "core", "own-files.js"))).toBe(false);
  });
});
