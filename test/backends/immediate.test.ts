import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setActiveConfig } from "../../src/config/registry.js";
import {
  defineConfig,
  InvalidTaskBackendError,
  InvalidTaskError,
  type SignalEvent,
  signals,
  type TaskContext,
  task,
} from "../../src/index.js";

afterEach(() => setActiveConfig(null));

describe("immediate backend", () => {
  it("runs at once: SUCCEEDED with returnValue, timestamps and a worker id", async () => {
    const add = task((a: number, b: number) => a + b);
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { add } });
    const before = Date.now();
    const result = await add.enqueue(2, 3);
    expect(result.status).toBe("SUCCEEDED");
    expect(result.returnValue).toBe(5);
    expect(result.isFinished).toBe(true);
    expect(result.attempts).toBe(1);
    expect(result.workerIds).toHaveLength(1);
    for (const date of [result.startedAt, result.finishedAt, result.lastAttemptedAt]) {
      expect(date?.getTime()).toBeGreaterThanOrEqual(before);
    }
  });

  it("a thrown error ends FAILED with exceptionClass, message and traceback", async () => {
    const boom = task(() => {
      throw new TypeError("bad input");
    });
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { boom } });
    const result = await boom.enqueue();
    expect(result.status).toBe("FAILED");
    expect(() => result.returnValue).toThrow("Task failed");
    const [error] = result.errors;
    expect(error?.exceptionClass).toBe("TypeError");
    expect(error?.message).toBe("bad input");
    expect(error?.traceback).toContain("TypeError: bad input");
    expect(error?.traceback).toContain("immediate.test.ts");
  });

  it("names what a task threw that is not an Error of this realm: a null, a string, another realm's Error", async () => {
    const throwsNull = task(() => {
      throw null;
    });
    const throwsText = task(() => {
      throw "out of stock";
    });
    // vm: an Error made in another realm (a vm context) is not `instanceof Error` here.
    const otherRealm = task(() => runInNewContext("null.quantity") as number);
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { throwsNull, throwsText, otherRealm } });
    const [nulled, text, foreign] = [
      await throwsNull.enqueue(),
      await throwsText.enqueue(),
      await otherRealm.enqueue(),
    ];
    expect(nulled.errors[0]).toMatchObject({ exceptionClass: "null", message: "null" });
    expect(text.errors[0]).toMatchObject({ exceptionClass: "string", message: "out of stock" });
    expect(foreign.errors[0]).toMatchObject({
      exceptionClass: "TypeError",
      message: "Cannot read properties of null (reading 'quantity')",
    });
    expect(foreign.errors[0]?.traceback).toContain("TypeError: Cannot read properties of null");
  });

  it("sends enqueued → started → finished with { sender, taskResult }", async () => {
    const t = task(() => "ok");
    const config = defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { t } });
    const backend = await config.getBackend("default");
    const seen: [string, string, string][] = [];
    const on = (name: string) => (event: SignalEvent) => {
      expect(event.sender).toBe(backend);
      seen.push([name, event.taskResult.status, event.taskResult.id]);
    };
    const handlers = { taskEnqueued: on("enqueued"), taskStarted: on("started"), taskFinished: on("finished") };
    for (const [name, handler] of Object.entries(handlers)) signals[name as keyof typeof handlers].connect(handler);
    try {
      const result = await t.enqueue();
      expect(seen).toEqual([
        ["enqueued", "READY", result.id],
        ["started", "RUNNING", result.id],
        ["finished", "SUCCEEDED", result.id],
      ]);
    } finally {
      for (const [name, handler] of Object.entries(handlers))
        signals[name as keyof typeof handlers].disconnect(handler);
    }
  });

  it("a throwing signal handler is logged and breaks nothing", async () => {
    const t = task(() => 7);
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { t } });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const bad = () => {
      throw new Error("handler bug");
    };
    signals.taskStarted.connect(bad);
    try {
      const result = await t.enqueue();
      expect(result.returnValue).toBe(7);
      expect(logged.mock.calls.flat().join(" ")).toContain("handler bug");
    } finally {
      signals.taskStarted.disconnect(bad);
      logged.mockRestore();
    }
  });

  it("a signal handler that throws a value whose reads throw is logged with what could be read", async () => {
    const t = task(() => 7);
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { t } });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const bad = () => {
      const error = new Error("never read");
      Object.defineProperty(error, "message", {
        get() {
          throw new Error("message getter");
        },
      });
      throw error;
    };
    signals.taskFinished.connect(bad);
    try {
      const result = await t.enqueue();
      expect(result.returnValue).toBe(7);
      expect(logged.mock.calls.flat().join(" ")).toBe(
        "tasklane: a taskFinished handler threw: Error: its message could not be read (Error: message getter)",
      );
    } finally {
      signals.taskFinished.disconnect(bad);
      logged.mockRestore();
    }
  });

  it("takesContext tasks get attempt 1 and their own result id", async () => {
    const whoAmI = task({ takesContext: true }, (context: TaskContext) => ({
      attempt: context.attempt,
      id: context.taskResult.id,
      aborted: context.signal.aborted,
    }));
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { whoAmI } });
    const result = await whoAmI.enqueue();
    expect(result.returnValue).toEqual({ attempt: 1, id: result.id, aborted: false });
  });

  it("retries in place up to maxAttempts, keeping one error per failed attempt", async () => {
    let calls = 0;
    const flaky = task({ maxAttempts: 3, backoff: { type: "fixed", delayMs: 60_000 } }, () => {
      calls++;
      if (calls < 3) throw new Error(`failure ${calls}`);
      return "third time lucky";
    });
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { flaky } });
    const result = await flaky.enqueue();
    expect(result.status).toBe("SUCCEEDED");
    expect(result.attempts).toBe(3);
    expect(result.errors.map((e) => e.message)).toEqual(["failure 1", "failure 2"]);
  });

  it("with no config, one implicit immediate backend runs any task", async () => {
    const { implicitConfig } = await import("../../src/config/define.js");
    setActiveConfig(implicitConfig());
    const anywhere = task((x: number) => x * 2);
    expect((await anywhere.enqueue(21)).returnValue).toBe(42);
  });

  it("with no config, a task that breaks a rule of the implicit backend says no config file was found, and where", async () => {
    // Typically an app started from a folder above its project: its tasks expect their config.
    const { implicitConfig } = await import("../../src/config/define.js");
    setActiveConfig(implicitConfig());
    const note = `(no tasks.config.* was found from ${process.cwd()} upward, so tasks run on the implicit immediate backend; start the app from its project folder, or set TASKS_CONFIG)`;
    const email = task({ queueName: "emails" }, (to: string) => to);
    const refused = email.enqueue("ada@example.com");
    await expect(refused).rejects.toThrow(InvalidTaskError);
    await expect(refused).rejects.toThrow(
      `Task "anonymous": queue "emails" is not in backend "default" queues (default); add it to queues, or set queues: [] to allow any ${note}`,
    );
    expect(() => task(() => 1).using({ backend: "jobs" })).toThrow(InvalidTaskBackendError);
    expect(() => task(() => 1).using({ backend: "jobs" })).toThrow(note);
  });
});
