import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WorkerEvent } from "../../src/contract/events.js";
import { UsageError } from "../../src/core/errors.js";
import { runWorker } from "../../src/worker/run-worker.js";
import { makeProject, type Project } from "../helpers/project.js";

// runWorker(): `tasks worker` inside the caller's process (an Electron app, a single-process
// server, a test), on the project's real SQLite file.
let project: Project;
beforeEach(async () => {
  project = await makeProject();
});
afterEach(async () => {
  await project.cleanup();
});

describe("runWorker()", () => {
  it("with batch: runs what is ready, reports each event, and resolves with the summary", async () => {
    const add = project.config.tasks.get("add");
    const fail = project.config.tasks.get("fail");
    const results = await add!.enqueueMany([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const failed = await fail!.enqueue("boom");
    const events: WorkerEvent[] = [];
    const summary = await runWorker({ batch: true, startupDelay: false, onEvent: (e) => events.push(e) });
    expect(summary).toMatchObject({ succeeded: 3, failed: 1, retried: 0, dropped: 0, forced: false });
    for (const r of results) await r.refresh();
    expect(results.map((r) => r.returnValue)).toEqual([3, 7, 11]);
    await failed.refresh();
    expect(failed.status).toBe("FAILED");
    const kinds = events.map((e) => e.type);
    expect(kinds[0]).toBe("started");
    expect(kinds.filter((k) => k === "taskStarted")).toHaveLength(4);
    expect(kinds.filter((k) => k === "taskFinished")).toHaveLength(4);
  });

  it("an aborted signal stops it gracefully: the running task finishes and is stored", async () => {
    const sleep = project.config.tasks.get("sleep");
    const result = await sleep!.enqueue(300);
    const controller = new AbortController();
    const worker = runWorker({
      startupDelay: false,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "taskStarted") controller.abort();
      },
    });
    const summary = await worker;
    expect(summary).toMatchObject({ succeeded: 1, forced: false });
    await result.refresh();
    expect(result.status).toBe("SUCCEEDED");
  });

  it("a bad option is one clear error naming the option, before anything runs", async () => {
    await expect(runWorker({ concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(runWorker({ backend: "nope" })).rejects.toThrow(UsageError);
    await expect(runWorker({ backend: "nope" })).rejects.toThrow(/no backend "nope"/);
  });

  it("a misspelt option, a queue list that is not an array or a bad interval is refused, not run with defaults", async () => {
    // Without the check, { concurency: 2 } ran one task at a time and { bacth: true } never stopped.
    await expect(runWorker({ concurency: 2 } as never)).rejects.toThrow(
      /^runWorker\(\): unknown option "concurency"; known options: backend, queues, excludeQueues, concurrency, intervalMs, batch, maxTasks, startupDelay, workerId, signal, onEvent, ownsProcess$/,
    );
    await expect(runWorker({ bacth: true } as never)).rejects.toThrow(UsageError);
    await expect(runWorker({ queues: "default" as never, batch: true })).rejects.toThrow(
      /^queues must be an array of queue names, e.g. \["emails"\], got "default"$/,
    );
    await expect(runWorker({ queues: ["*"], excludeQueues: [1] as never, batch: true })).rejects.toThrow(
      /^excludeQueues must be an array of queue names/,
    );
    await expect(runWorker({ intervalMs: -1, batch: true })).rejects.toThrow(
      /^intervalMs must be a number of milliseconds > 0, got -1$/,
    );
    await expect(runWorker({ intervalMs: "1s" as never, batch: true })).rejects.toThrow(/^intervalMs must be/);
  });
});
