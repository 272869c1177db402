import { describe, expect, it } from "vitest";
import { type ChangeFeed, waitUntilFinished } from "../../src/core/wait.js";

/** A result that never finishes, counting its re-reads. */
function unfinished() {
  return {
    id: "01a23e00-0000-7000-8000-000000000000",
    taskName: "report",
    status: "READY",
    isFinished: false,
    reads: 0,
    async refresh() {
      this.reads++;
    },
  };
}

describe("waitUntilFinished", () => {
  it("next to a busy store (news at every commit) re-reads at most once every 5 ms", async () => {
    const result = unfinished();
    // A feed with news at once, every time: a worker committing thousands of times a second.
    const busy: ChangeFeed = { next: async () => true, close: () => {} };
    const started = performance.now();
    const error = await waitUntilFinished(result, () => busy, { timeoutMs: 200 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect((error as Error).name).toBe("WaitTimeout");
    // About one read per 5 ms (timers fire to the millisecond; a loaded machine reads fewer).
    // Without the floor: over a million.
    expect(result.reads).toBeLessThan(elapsed / 2);
  });

  it("closes the feed it opened, whatever ends the wait", async () => {
    let closed = 0;
    const feed: ChangeFeed = { next: async () => false, close: () => void closed++ };
    const controller = new AbortController();
    const reason = new Error("client went away");
    const waiting = waitUntilFinished(unfinished(), () => feed, { signal: controller.signal });
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(waitUntilFinished(unfinished(), () => feed, { timeoutMs: 20 })).rejects.toMatchObject({
      name: "WaitTimeout",
    });
    expect(closed).toBe(2);
  });
});
