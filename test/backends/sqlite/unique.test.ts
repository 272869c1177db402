import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SqliteStore } from "../../../src/backends/sqlite/store.js";
import type { EnqueueRequest } from "../../../src/contract/backend.js";
import { readyRecord } from "../../../src/contract/records.js";
import type { UniqueHold } from "../../../src/core/task-controls.js";
import { ALL, openStore, tempDir } from "./helpers.js";

let cleanup: () => void;
let store: SqliteStore;

beforeEach(() => {
  const made = tempDir();
  cleanup = made.cleanup;
  store = openStore(join(made.dir, "tasks.sqlite3"));
});

afterEach(() => {
  store.close();
  cleanup();
});

const T0 = Date.parse("2026-01-01T00:00:00Z");

function request(unique: UniqueHold | undefined, taskName = "t"): EnqueueRequest {
  return { taskName, args: ["x"], queueName: "default", priority: 0, runAfter: null, maxAttempts: 1, unique };
}

/** One enqueue at `at` (ms): what the store returns for it. */
function enqueue(unique: UniqueHold | undefined, at: number, taskName = "t") {
  const r = request(unique, taskName);
  const [stored] = store.insert([readyRecord("default", r, new Date(at))], [r]);
  return stored;
}

const rows = () => store.db.prepare("SELECT id, unique_hold FROM tasklane_results ORDER BY seq").all();

describe("SQLite unique holds", () => {
  it("a held key returns the holder marked deduplicated; keys are per task name", () => {
    const hold: UniqueHold = { key: "k", scope: "active", until: null };
    const first = enqueue(hold, T0);
    const again = enqueue(hold, T0 + 1);
    const otherTask = enqueue(hold, T0 + 2, "u");
    expect(first?.deduplicated).toBeUndefined();
    expect(again?.deduplicated).toBe(true);
    expect(again?.id).toBe(first?.id);
    expect(again?.uniqueKey).toBe("k");
    expect(otherTask?.id).not.toBe(first?.id);
    expect(rows()).toHaveLength(2);
  });

  it("a period hold is given up once its end has passed, whatever the holder's status", () => {
    const first = enqueue({ key: "p", scope: "period", until: T0 + 1000 }, T0);
    const within = enqueue({ key: "p", scope: "period", until: T0 + 1999 }, T0 + 999);
    const after = enqueue({ key: "p", scope: "period", until: T0 + 2000 }, T0 + 1000);
    expect(within?.id).toBe(first?.id);
    expect(after?.id).not.toBe(first?.id);
    expect(after?.deduplicated).toBeUndefined();
    // The expired holder kept its row and key for display, not its hold.
    expect(rows()).toEqual([
      { id: first?.id, unique_hold: null },
      { id: after?.id, unique_hold: "t\u0000p" },
    ]);
  });

  it("scope ready is given up by the claim; active by the end of the run", () => {
    const ready = enqueue({ key: "r", scope: "ready", until: null }, T0);
    const active = enqueue({ key: "a", scope: "active", until: null }, T0);
    const claimed = store.claim("w1", ALL, 10, T0 + 10);
    expect(claimed.map((c) => c.id).sort()).toEqual([ready?.id, active?.id].sort());
    expect(enqueue({ key: "r", scope: "ready", until: null }, T0 + 20)?.deduplicated).toBeUndefined();
    expect(enqueue({ key: "a", scope: "active", until: null }, T0 + 20)?.id).toBe(active?.id);
    store.complete([
      { id: active?.id as string, workerId: "w1", attempt: 1, finishedAt: new Date(T0 + 30), status: "SUCCEEDED" },
    ]);
    expect(enqueue({ key: "a", scope: "active", until: null }, T0 + 40)?.deduplicated).toBeUndefined();
  });

  it("one batch: a later call is held by an earlier one, plain calls are stored as they are", () => {
    const hold: UniqueHold = { key: "b", scope: "active", until: null };
    const requests = [request(hold), request(undefined), request(hold)];
    const records = requests.map((r) => readyRecord("default", r, new Date(T0)));
    const out = store.insert(records, requests);
    expect(out.map((r) => r.deduplicated ?? false)).toEqual([false, false, true]);
    expect(out[2]?.id).toBe(out[0]?.id);
    expect(rows()).toHaveLength(2);
  });
});
