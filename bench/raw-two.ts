// (c)'s raw bound for two processes: plain better-sqlite3 draining one file from two processes
// at once (raw-drain-child.ts), each retrying the write lock at once when the other holds it.
// It shows what SQLite's one writer at a time leaves two processes on this machine, with none
// of tasklane's work around the transactions.
import { writeFileSync } from "node:fs";
import { forkReady } from "./fork-ready.js";
import { project } from "./setup.js";

/** From "go" (both connections open) to both processes done, on a fresh copy of `template`. */
export async function rawDrainTwo(template: Buffer, n: number, batch: number): Promise<{ ms: number }> {
  const path = project("drain-raw-two").dbPath;
  writeFileSync(path, template);
  const helpers = await Promise.all([0, 1].map(() => forkReady("raw-drain-child.ts", [path, String(batch)])));
  const children = helpers.map((h) => h.child);
  const start = performance.now();
  const done = await Promise.all(
    children.map((child) => {
      const finished = new Promise<number>((resolve) =>
        child.once("message", (m: { done: number }) => resolve(m.done)),
      );
      child.send("go");
      return finished;
    }),
  );
  const ms = performance.now() - start;
  await Promise.all(helpers.map((h) => h.exited));
  const total = done.reduce((a, b) => a + b, 0);
  if (total !== n) throw new Error(`raw drain, 2 processes: ${total} of ${n} rows`);
  return { ms };
}
