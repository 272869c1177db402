import { afterEach, describe, expect, it } from "vitest";
import { setActiveConfig } from "../../src/config/registry.js";
import { type DummyBackend, defineConfig, signals, TaskResultDoesNotExist, task } from "../../src/index.js";

afterEach(() => setActiveConfig(null));

async function setup() {
  const add = task((a: number, b: number) => a + b);
  const config = defineConfig({ backends: { default: { backend: "dummy" } }, tasks: { add } });
  return { add, backend: (await config.getBackend("default")) as DummyBackend };
}

describe("dummy backend", () => {
  it("stores a READY result and never runs it", async () => {
    const { add, backend } = await setup();
    const result = await add.enqueue(1, 2);
    expect(result.status).toBe("READY");
    expect(result.attempts).toBe(0);
    expect(result.args).toEqual([1, 2]);
    expect(result.isFinished).toBe(false);
    expect(() => result.returnValue).toThrow("Task has not finished yet");
    expect(backend.results.map((r) => r.id)).toEqual([result.id]);
  });

  it("getResult works in-process and returns a copy; unknown ids throw", async () => {
    const { add, backend } = await setup();
    const result = await add.enqueue(1, 2);
    const fetched = await backend.getResult(result.id);
    expect(fetched.id).toBe(result.id);
    fetched.args.push(99);
    expect((await backend.getResult(result.id)).args).toEqual([1, 2]);
    await expect(backend.getResult("nope")).rejects.toThrow(TaskResultDoesNotExist);
  });

  it("clear() forgets every result", async () => {
    const { add, backend } = await setup();
    await add.enqueueMany([
      [1, 1],
      [2, 2],
    ]);
    expect(backend.results).toHaveLength(2);
    backend.clear();
    expect(backend.results).toHaveLength(0);
  });

  it("sends taskEnqueued with the backend as sender", async () => {
    const { add, backend } = await setup();
    const seen: string[] = [];
    const handler = ({ sender, taskResult }: { sender: { alias: string }; taskResult: { id: string } }) => {
      expect(sender).toBe(backend);
      seen.push(taskResult.id);
    };
    signals.taskEnqueued.connect(handler);
    try {
      const result = await add.enqueue(1, 2);
      expect(seen).toEqual([result.id]);
    } finally {
      signals.taskEnqueued.disconnect(handler);
    }
  });

  it("a handler that is not a function is refused when connected, not at every task", () => {
    expect(() => signals.taskFinished.connect("onFinished" as never)).toThrow(
      /^signals\.taskFinished\.connect\(handler\): handler must be a function, got string$/,
    );
    expect(signals.taskFinished.hasReceivers).toBe(false);
  });
});
