// Writes oclif.manifest.json after each build. Without it oclif imports every command module
// (and through them the worker, the TUI's helpers, every backend) on each run just to list
// them; with it a run imports only its own command. Measured: see bench/BENCHMARKS.md.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Plugin } from "@oclif/core";

const root = fileURLToPath(new URL("..", import.meta.url));
const plugin = new Plugin({
  root,
  type: "core",
  isRoot: true,
  ignoreManifest: true,
  errorOnManifestCreate: true,
  respectNoCacheDefault: true,
});
await plugin.load();
writeFileSync(new URL("../oclif.manifest.json", import.meta.url), `${JSON.stringify(plugin.manifest)}\n`);
