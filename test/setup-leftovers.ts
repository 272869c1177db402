import { afterEach } from "vitest";
import { liveWorkers } from "./helpers/project.js";

// A test that fails half-way never stops the workers it started; they would outlive the run
// (idle workers wait for work forever). Each test's leftovers are killed after it.
afterEach(async () => {
  const left = [...liveWorkers];
  for (const proc of left) proc.kill("SIGKILL");
  await Promise.all(left);
});
