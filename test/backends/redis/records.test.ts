import { describe, expect, it } from "vitest";
import { parseMember } from "../../../src/backends/redis/own-keys.js";
import { type BullState, type JobSnapshot, STALLED_REASON, toRecord } from "../../../src/backends/redis/records.js";
import { idBoundFor } from "../../../src/backends/redis/scan.js";

const T = Date.UTC(2030, 0, 1);

/** A snapshot of a job as BullMQ's getters return it; `hash` uses BullMQ's hash field names. */
function snap(state: BullState, hash: Record<string, string> = {}, dueAt: number | null = null): JobSnapshot {
  const num = (text: string | undefined) => (text === undefined ? undefined : Number(text));
  return {
    id: "01234567-89ab-7def-8123-456789abcdef",
    queueName: "emails",
    state,
    dueAt,
    tombstone: null,
    job: {
      name: "send",
      timestamp: T,
      priority: 91,
      data: JSON.parse(hash.data ?? JSON.stringify({ args: [1] })),
      processedOn: num(hash.processedOn),
      finishedOn: num(hash.finishedOn),
      processedBy: hash.pb,
      returnvalue: hash.returnvalue === undefined ? undefined : JSON.parse(hash.returnvalue),
      failedReason: hash.failedReason,
    },
  };
}

describe("redis records: BullMQ job → TaskResult", () => {
  it("maps states to statuses (waiting/delayed → READY, active → RUNNING, completed, failed)", () => {
    expect(toRecord("default", snap("waiting")).status).toBe("READY");
    const delayed = toRecord("default", snap("delayed", {}, T + 5000));
    expect(delayed.status).toBe("READY");
    expect(delayed.runAfter?.getTime()).toBe(T + 5000);
    const running = toRecord("default", snap("active", { processedOn: String(T + 10), pb: "w1" }));
    expect(running).toMatchObject({ status: "RUNNING", workerIds: ["w1"], priority: 10, queueName: "emails" });
    expect(running.startedAt?.getTime()).toBe(T + 10);
    const done = toRecord(
      "default",
      snap("completed", {
        processedOn: String(T + 10),
        finishedOn: String(T + 20),
        pb: "w1",
        returnvalue: '{"ok":true}',
      }),
    );
    expect(done).toMatchObject({ status: "SUCCEEDED", returnValue: { ok: true }, workerIds: ["w1"] });
    expect(done.finishedAt?.getTime()).toBe(T + 20);
  });

  it("a job BullMQ failed after it stalled too often is FAILED with a WorkerLost error", () => {
    const lost = toRecord(
      "default",
      snap("failed", { failedReason: STALLED_REASON, finishedOn: String(T + 30), pb: "gone-worker" }),
    );
    expect(lost.status).toBe("FAILED");
    expect(lost.workerIds).toEqual(["gone-worker"]);
    expect(lost.errors.map((e) => e.exceptionClass)).toEqual(["WorkerLost"]);
  });

  it("keeps the errors the worker wrote, one per failed attempt", () => {
    const errors = [1, 2].map((n) => ({
      exceptionClass: "RangeError",
      message: `no ${n}`,
      traceback: `RangeError: no ${n}`,
    }));
    const data = JSON.stringify({ args: [], maxAttempts: 2, errors, workerIds: ["a", "b"], startedAt: T });
    const failed = toRecord(
      "default",
      snap("failed", { data, failedReason: "RangeError: no 2", finishedOn: String(T + 9) }),
    );
    expect(failed).toMatchObject({ status: "FAILED", maxAttempts: 2, workerIds: ["a", "b"] });
    expect(failed.errors).toEqual(errors);
  });

  it("worker names: a code BullMQ recorded reads as its worker id; a worker id recorded before codes reads as it is", () => {
    const names = (name: string) => (name === "~1" ? "host-a-1" : name);
    const hash = { processedOn: String(T + 10), finishedOn: String(T + 20), returnvalue: "1" };
    const coded = toRecord("default", snap("completed", { ...hash, pb: "~1", data: '{"args":[1],"s":1}' }), names);
    expect(coded.workerIds).toEqual(["host-a-1"]);
    const old = toRecord("default", snap("completed", { ...hash, pb: "w1", data: '{"args":[1],"starts":1}' }), names);
    expect(old.workerIds).toEqual(["w1"]);
    expect(old.startedAt?.getTime()).toBe(T + 10);
  });

  it("index members and UUIDv7 time bounds", () => {
    expect(parseMember("01234567-89ab-7def-8123-456789abcdef my queue")).toEqual({
      id: "01234567-89ab-7def-8123-456789abcdef",
      queueName: "my queue",
    });
    // A UUIDv7 made at T starts with T's 48-bit hex timestamp.
    const hex = T.toString(16).padStart(12, "0");
    expect(idBoundFor(T)).toBe(`${hex.slice(0, 8)}-${hex.slice(8)}`);
  });
});
