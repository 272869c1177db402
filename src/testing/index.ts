// tasklane/testing: the conformance suite every backend runs, for authors of custom backends.
// The only part of tasklane that loads vitest (a peer dependency); `import "tasklane"` never does.

export { type ConformanceTarget, configText, type Suite } from "./context.js";
export type { Project, WorkerProcess } from "./project.js";
export { conformanceSuite } from "./suite.js";
