import { resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, it, type TestContext } from "vitest";
import type { TaskResult } from "../core/result.js";
import { signals } from "../core/signals.js";
import { BIN, CHILD_ENV, write } from "./cli.js";
import { BLOCK, type Suite } from "./context.js";
import { runBatchWorker, startWorker } from "./project.js";

/** Held for a minute whatever happens to the task: the same on every backend, however it runs tasks. */
const PERIOD = { unique: { scope: { periodMs: 60_000 } } };

/**
 * A process that loads the project's config, says "ready", waits for a line on stdin, then
 * enqueues the same unique call 25 times and prints what each enqueue returned.
 */
const RACER = `
const { ensureConfig } = await import(process.env.TASKLANE_LOOKUP);
const config = await ensureConfig();
const record = config.tasks.get("record").using({ unique: true });
process.stdout.write("ready\\n");
await new Promise((go) => process.stdin.once("data", go));
const out = [];
for (let i = 0; i < 25; i++) {
  const result = await record.enqueue("same");
  out.push({ id: result.id, deduplicated: result.deduplicated });
}
process.stdout.write(JSON.stringify(out) + "\\n");
await config.close();
process.exit(0);
`;

async function skipUnlessUnique(s: Suite, context: TestContext): Promise<void> {
  if (!(await s.backend()).supportsUnique) context.skip("the backend does not set supportsUnique");
}

/** Unique tasks: a held key returns the existing result, on every backend that supports them. */
export function uniqueTests(s: Suite): void {
  const name = s.target.name;

  describe(`${name}: unique tasks`, BLOCK, () => {
    it("an enqueue of a held key returns the existing result, deduplicated: true, and stores nothing", async (context) => {
      await skipUnlessUnique(s, context);
      const first = await s.enqueue("add", [1, 2], PERIOD);
      const again = await s.enqueue("add", [1, 2], PERIOD);
      const other = await s.enqueue("add", [2, 3], PERIOD);
      expect(first.deduplicated).toBe(false);
      expect(again.id).toBe(first.id);
      expect(again.deduplicated).toBe(true);
      expect(again.toJSON().deduplicated).toBe(true);
      expect(first.toJSON().deduplicated).toBeUndefined();
      expect(again.uniqueKey).toBe("[1,2]");
      expect(other.id).not.toBe(first.id);
      if (s.target.management) {
        const page = await (await s.manage()).listResults({ taskNames: ["add"], limit: 10 });
        expect(page.results.map((r) => r.id).sort()).toEqual([first.id, other.id].sort());
      }
    });

    it("keys come from a key function when given, and are per task", async (context) => {
      await skipUnlessUnique(s, context);
      const byFirst = { unique: { key: (a: number) => `n${a}`, scope: { periodMs: 60_000 } } };
      const a = await s.enqueue("add", [1, 2], byFirst);
      const b = await s.enqueue("add", [1, 5], byFirst);
      const c = await s.enqueue("record", ["n1"], { unique: { key: () => "n1", scope: { periodMs: 60_000 } } });
      expect(b.id).toBe(a.id);
      expect(b.deduplicated).toBe(true);
      expect(a.uniqueKey).toBe("n1");
      expect(c.id).not.toBe(a.id);
      expect(c.deduplicated).toBe(false);
    });

    it("enqueueMany stores one task per key; a later call of the batch returns the earlier one", async (context) => {
      await skipUnlessUnique(s, context);
      const add = s.project().config.tasks.get("add")?.using(PERIOD);
      const results = (await add?.enqueueMany([
        [1, 1],
        [1, 1],
        [2, 2],
      ])) as TaskResult[];
      expect(results.map((r) => r.deduplicated)).toEqual([false, true, false]);
      expect(results[1]?.id).toBe(results[0]?.id);
      expect(new Set(results.map((r) => r.id)).size).toBe(2);
    });

    it("taskEnqueued is sent for the stored task only", async (context) => {
      await skipUnlessUnique(s, context);
      const seen: string[] = [];
      const handler = ({ taskResult }: { taskResult: TaskResult }) => void seen.push(taskResult.id);
      signals.taskEnqueued.connect(handler);
      try {
        const first = await s.enqueue("add", [7, 7], PERIOD);
        await s.enqueue("add", [7, 7], PERIOD);
        expect(seen).toEqual([first.id]);
      } finally {
        signals.taskEnqueued.disconnect(handler);
      }
    });

    if (s.target.runsInCaller) {
      it("unique: true holds the key only while the task waits or runs: once it ran in the caller, the next enqueue runs again", async (context) => {
        await skipUnlessUnique(s, context);
        const first = await s.enqueue("record", ["once"], { unique: true });
        const second = await s.enqueue("record", ["once"], { unique: true });
        expect(first.status).toBe("SUCCEEDED");
        expect(second.deduplicated).toBe(false);
        expect(second.id).not.toBe(first.id);
      });
    } else {
      it("unique: true and scope ready both hold the key while the task waits", async (context) => {
        await skipUnlessUnique(s, context);
        for (const [label, unique] of [
          ["active", true],
          ["ready", { scope: "ready" }],
        ] as const) {
          const first = await s.enqueue("record", [label], { unique });
          const again = await s.enqueue("record", [label], { unique });
          expect(again.id).toBe(first.id);
          expect(again.deduplicated).toBe(true);
        }
      });
    }

    if (s.target.runsWorker && s.target.management) {
      it("a period hold outlives its task and a prune (or retention) of its finished result", async (context) => {
        await skipUnlessUnique(s, context);
        const first = await s.enqueue("add", [7, 7], PERIOD);
        // Held for 1 ms: over long before the prune, which then deletes it like any other result.
        const brief = await s.enqueue("add", [8, 8], { unique: { scope: { periodMs: 1 } } });
        const batch = await runBatchWorker(s.project());
        expect(batch.exitCode, String(batch.stderr)).toBe(0);
        for (const r of [first, brief]) await r.refresh();
        expect([first.status, brief.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
        const manage = await s.manage();
        const now = new Date(Date.now() + 1000);
        const all = { finishedBefore: now, failedFinishedBefore: now };
        expect(await manage.countPrunable(all)).toBe(1);
        expect(await manage.prune(all)).toBe(1);
        const again = await s.enqueue("add", [7, 7], PERIOD);
        expect({ deduplicated: again.deduplicated, id: again.id }).toEqual({ deduplicated: true, id: first.id });
        const page = await manage.listResults({ limit: 10 });
        expect(page.results.map((r) => r.id)).toEqual([first.id]);
      });
    }

    if (s.target.runsWorker) {
      it("scope ready gives the key up as the task starts; unique: true keeps it until the task ends", async (context) => {
        await skipUnlessUnique(s, context);
        const ready = await s.enqueue("sleep", [3000], { unique: { scope: "ready" } });
        const active = await s.enqueue("sleep", [3001], { unique: true });
        const worker = startWorker(s.project(), ["--concurrency", "2"]);
        await worker.waitFor((e) => e.event === "taskStarted" && e.id === ready.id);
        await worker.waitFor((e) => e.event === "taskStarted" && e.id === active.id);
        const afterReady = await s.enqueue("sleep", [3000], { unique: { scope: "ready" } });
        const duringActive = await s.enqueue("sleep", [3001], { unique: true });
        expect(afterReady.deduplicated).toBe(false);
        expect(afterReady.id).not.toBe(ready.id);
        expect(duringActive.deduplicated).toBe(true);
        expect(duringActive.id).toBe(active.id);
        expect(duringActive.status).toBe("RUNNING");
        await worker.waitFor((e) => e.event === "taskFinished" && e.id === active.id);
        const afterActive = await s.enqueue("sleep", [3001], { unique: true });
        expect(afterActive.deduplicated).toBe(false);
        expect(afterActive.id).not.toBe(active.id);
        worker.proc.kill("SIGTERM");
        expect((await worker.proc).exitCode).toBe(0);
      });

      it("4 processes enqueueing the same unique call at once store one task", async (context) => {
        await skipUnlessUnique(s, context);
        const project = s.project();
        const script = write(project.dir, "racer.mjs", RACER);
        const env = {
          ...CHILD_ENV,
          TASKS_CONFIG: project.configPath,
          TASKLANE_TEST_DIR: project.dir,
          TASKLANE_LOOKUP: resolve(BIN, "../../dist/config/lookup.js"),
        };
        const racers = Array.from({ length: 4 }, () =>
          execa("node", [script], { cwd: project.dir, env, reject: false, stdin: "pipe" }),
        );
        // Every racer has loaded its config before any enqueues: then they start together.
        await Promise.all(
          racers.map(
            (racer) =>
              new Promise<void>((ready, failed) => {
                racer.stdout?.on("data", (chunk: Buffer) => {
                  if (chunk.toString().includes("ready")) ready();
                });
                void racer.then((r) => failed(new Error(`racer exited early: ${r.stderr}`)));
              }),
          ),
        );
        for (const racer of racers) racer.stdin?.write("go\n");
        const done = await Promise.all(racers);
        const returned = done.flatMap((run) => {
          expect(run.exitCode, String(run.stderr)).toBe(0);
          const line = String(run.stdout)
            .split("\n")
            .find((l) => l.startsWith("["));
          return JSON.parse(line ?? "[]") as { id: string; deduplicated: boolean }[];
        });
        expect(returned).toHaveLength(100);
        expect(new Set(returned.map((r) => r.id)).size).toBe(1);
        expect(returned.filter((r) => !r.deduplicated)).toHaveLength(1);
        if (s.target.management) {
          const page = await (await s.manage()).listResults({ taskNames: ["record"], limit: 10 });
          expect(page.results).toHaveLength(1);
        }
      });
    }
  });
}
