/**
 * The layers of src/ (see README "How it is built"), bottom up; each imports only the ones below
 * it, and nothing anywhere forms an import cycle (type-only imports included):
 *   core → contract → backends → config → worker → ui → cli → commands
 * src/index.ts (the public API) sits above the worker and never loads ui, cli or commands;
 * src/testing/ (the conformance suite users run) may use everything but the commands.
 */
const layer = (name, path, forbidden) => ({
  name: `layer-${name}`,
  comment: `${path} may not import ${forbidden}: imports point down the layers only`,
  severity: "error",
  from: { path: `^src/${path}` },
  to: { path: `^src/(${forbidden})` },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycle anywhere in src/",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    layer("core", "core/", "contract|backends|config|worker|ui|cli|commands|testing|index\\.ts"),
    layer("contract", "contract/", "backends|config|worker|ui|cli|commands|testing|index\\.ts"),
    layer("backends", "backends/", "config|worker|ui|cli|commands|testing|index\\.ts"),
    layer("config", "config/", "worker|ui|cli|commands|testing|index\\.ts"),
    layer("worker", "worker/", "backends|ui|cli|commands|testing|index\\.ts"),
    layer("ui", "ui/", "backends|config|worker|cli|commands|testing|index\\.ts"),
    layer("cli", "cli/", "backends|commands|testing|index\\.ts"),
    layer("commands", "commands/", "backends|testing|index\\.ts"),
    layer("index", "index\\.ts$", "ui|cli|commands|testing"),
    layer("testing", "testing/", "commands"),
    {
      name: "backends-apart",
      comment: "A backend never imports another backend's code (each stands on the contract alone)",
      severity: "error",
      from: { path: "^src/backends/(sqlite|redis)/" },
      to: { path: "^src/backends/", pathNot: ["^src/backends/$1/"] },
    },
    {
      name: "backends-apart-simple",
      comment: "dummy and immediate stand on the contract alone",
      severity: "error",
      from: { path: "^src/backends/(dummy|immediate)\\.ts$" },
      to: { path: "^src/backends/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: "^src/",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
