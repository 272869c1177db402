import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { setActiveConfig } from "../src/config/registry.js";
import {
  defineConfig,
  InvalidTaskBackendError,
  InvalidTaskError,
  type TaskContext,
  type TaskResult,
  TaskResultDoesNotExist,
  TaskResultMismatch,
  task,
} from "../src/index.js";

afterEach(() => setActiveConfig(null));

describe("task()", () => {
  it("accepts priorities -100, 0 and 100 and rejects -101, 101 and 3.1", () => {
    for (const priority of [-100, 0, 100]) expect(task({ priority }, () => 1).priority).toBe(priority);
    for (const priority of [-101, 101, 3.1]) {
      expect(() => task({ priority }, () => 1)).toThrow(InvalidTaskError);
      expect(() => task({ priority }, () => 1)).toThrow(/priority must be an integer from -100 to 100/);
    }
  });

  it("names a task by its key in the config, or by its explicit name", () => {
    const a = task(() => 1);
    const b = task({ name: "custom" }, () => 2);
    defineConfig({ backends: { default: { backend: "dummy" } }, tasks: { a, b } });
    expect(a.name).toBe("a");
    expect(b.name).toBe("custom");
  });

  it("using() returns a new Task, leaves the original unchanged, and chains", () => {
    const original = task(() => 1);
    defineConfig({ backends: { default: { backend: "dummy", queues: [] } }, tasks: { original } });
    const when = new Date(Date.now() + 60_000);
    const copy = original.using({ priority: 5 }).using({ queueName: "q2" }).using({ runAfter: when });
    expect(copy).not.toBe(original);
    expect([copy.priority, copy.queueName, copy.runAfter]).toEqual([5, "q2", when]);
    expect([original.priority, original.queueName, original.runAfter]).toEqual([0, "default", null]);
    expect(copy.using({}).priority).toBe(5);
    expect(copy.name).toBe("original");
  });

  it("using() validates: priority, unknown backend, queue, runAfter without defer", () => {
    const t = task(() => 1);
    defineConfig({
      backends: { default: { backend: "dummy", queues: ["default", "emails"] }, now: { backend: "immediate" } },
      tasks: { t },
    });
    expect(() => t.using({ priority: 101 })).toThrow(/Task "t": priority must be/);
    expect(() => t.using({ backend: "nope" })).toThrow(InvalidTaskBackendError);
    expect(() => t.using({ queueName: "other" })).toThrow(/queue "other" is not in backend "default" queues/);
    expect(t.using({ queueName: "emails" }).queueName).toBe("emails");
    expect(() => t.using({ backend: "now", runAfter: new Date() })).toThrow(/does not support runAfter/);
    const example = "e.g. new Date(Date.now() + 60_000)";
    expect(() => t.using({ runAfter: "5m" as never })).toThrow(`runAfter must be a Date, ${example}, got "5m"`);
    expect(() => t.using({ runAfter: 60_000 as never })).toThrow(
      `runAfter must be a Date, ${example}, got the number 60000`,
    );
    expect(() => t.using({ runAfter: new Date("soon") })).toThrow(
      `runAfter must be a Date, ${example}, got an invalid Date`,
    );
  });

  it("queues: [] turns the queue check off", async () => {
    const t = task(() => 1);
    defineConfig({ backends: { default: { backend: "dummy", queues: [] } }, tasks: { t } });
    expect((await t.using({ queueName: "anything" }).enqueue()).queueName).toBe("anything");
  });

  it("refuses a queue name with a control character (a line break would break every listing)", () => {
    const t = task(() => 1);
    defineConfig({ backends: { default: { backend: "dummy", queues: [] } }, tasks: { t } });
    expect(() => t.using({ queueName: "mail\nbox" })).toThrow(
      'Task "t": queueName must not contain control characters (a line break, a tab, an escape), got "mail\\nbox"',
    );
    expect(() => task({ queueName: "\u001b[31mred" }, () => 1)).toThrow(
      /queueName must not contain control characters/,
    );
    expect(t.using({ queueName: "mail-box.eu_1" }).queueName).toBe("mail-box.eu_1");
  });

  it("rejects enqueueing a task that is not registered in the config", async () => {
    const registered = task(() => 1);
    const stray = task(() => "not in the config");
    defineConfig({ backends: { default: { backend: "dummy" } }, tasks: { registered } });
    await expect(stray.enqueue()).rejects.toThrow(/not registered in the config's tasks/);
  });

  it("call() runs the function in place", async () => {
    const add = task((a: number, b: number) => a + b);
    const later = task(async (x: string) => `${x}!`);
    expect(add.call(2, 3)).toBe(5);
    expect(await later.call("hi")).toBe("hi!");
  });

  it("getResult of another task's id throws TaskResultMismatch; an unknown id TaskResultDoesNotExist", async () => {
    const one = task(() => 1);
    const two = task(() => 2);
    defineConfig({ backends: { default: { backend: "dummy" } }, tasks: { one, two } });
    const result = await one.enqueue();
    expect((await one.getResult(result.id)).id).toBe(result.id);
    await expect(two.getResult(result.id)).rejects.toThrow(TaskResultMismatch);
    await expect(one.getResult("missing")).rejects.toThrow(TaskResultDoesNotExist);
  });

  it("types: a unique or concurrency key function gets the task's own argument types", () => {
    // They were typed any[]: a key of the wrong arguments compiled, and its parameters were any.
    const send = task(
      {
        unique: {
          key: (to) => {
            expectTypeOf(to).toEqualTypeOf<string>();
            return to;
          },
        },
        concurrency: {
          key: (_to, tenant) => {
            expectTypeOf(tenant).toEqualTypeOf<number>();
            return String(tenant);
          },
          limit: 2,
        },
      },
      (to: string, tenant: number) => `${to}@${tenant}`,
    );
    // A key of fewer parameters than the task's is fine, and does not narrow the task's.
    const short = task({ unique: { key: (to: string) => to } }, (to: string, tenant: number) => `${to}@${tenant}`);
    expectTypeOf(send.enqueue).parameters.toEqualTypeOf<[string, number]>();
    expectTypeOf(short.enqueue).parameters.toEqualTypeOf<[string, number]>();
    const typeErrors = () => {
      // @ts-expect-error a key function of other arguments than the task's
      task({ unique: { key: (n: number) => String(n) } }, (to: string) => to);
      // @ts-expect-error a key function must return a string
      task({ concurrency: { key: (to: string) => to.length, limit: 1 } }, (to: string) => to);
    };
    expect(typeof typeErrors).toBe("function");
    expect(send.call("ada", 7)).toBe("ada@7");
  });

  it("types: enqueue takes exactly the function's parameters (context excluded) and resolves to TaskResult<Return>", () => {
    const add = task((a: number, b: number) => a + b);
    const withContext = task({ takesContext: true }, async (_context: TaskContext, day: string) => ({ day }));
    expectTypeOf(add.enqueue).parameters.toEqualTypeOf<[number, number]>();
    expectTypeOf(add.enqueue).returns.resolves.toEqualTypeOf<TaskResult<number>>();
    expectTypeOf(withContext.enqueue).parameters.toEqualTypeOf<[string]>();
    expectTypeOf(withContext.enqueue).returns.resolves.toEqualTypeOf<TaskResult<{ day: string }>>();
    // Checked by `npm run typecheck`: each line below must fail to compile.
    const typeErrors = () => {
      // @ts-expect-error a string where a number is expected
      void add.enqueue("2", 3);
      // @ts-expect-error a missing argument
      void add.enqueue(2);
      // @ts-expect-error the context is given by the worker, never by the caller
      void withContext.enqueue({} as TaskContext, "monday");
    };
    expect(typeof typeErrors).toBe("function");
  });
});

describe("the JSON rule", () => {
  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const cases: [string, unknown, RegExp][] = [
    ["a Date", { when: new Date() }, /args\[1\]\.when is a Date/],
    ["a Map", new Map(), /args\[1\] is a Map/],
    ["a Set", new Set([1]), /args\[1\] is a Set/],
    ["undefined", [undefined], /args\[1\]\[0\] is undefined/],
    ["a function", () => 1, /args\[1\] is a function/],
    ["a symbol", Symbol("s"), /args\[1\] is a symbol/],
    ["a bigint", 10n, /args\[1\] is a bigint/],
    ["NaN", Number.NaN, /args\[1\] is NaN/],
    ["Infinity", { n: Number.POSITIVE_INFINITY }, /args\[1\]\.n is Infinity/],
    ["a class instance", new Point(), /args\[1\] is a Point/],
    ["a cyclic object", cyclic, /args\[1\]\.self is a cyclic reference/],
  ];
  for (const [what, value, message] of cases) {
    it(`rejects ${what} at enqueue with its path, storing nothing`, async () => {
      const t = task((_a: unknown, _b: unknown) => null);
      const config = defineConfig({ backends: { default: { backend: "dummy" } }, tasks: { t } });
      await expect(t.enqueue("ok", value)).rejects.toThrow(message);
      await expect(t.enqueue("ok", value)).rejects.toThrow(InvalidTaskError);
      const backend = (await config.getBackend("default")) as import("../src/index.js").DummyBackend;
      expect(backend.results).toHaveLength(0);
    });
  }

  it("accepts plain objects, arrays, strings, finite numbers, booleans and null", async () => {
    const t = task((_v: unknown) => null);
    defineConfig({ backends: { default: { backend: "dummy" } }, tasks: { t } });
    const value = { a: [1, 2.5, "x", true, null, { b: [] }], "odd key": Object.create(null) };
    expect((await t.enqueue(value)).args).toEqual([value]);
  });

  it("a failure records an Error subclass by its own class, and its chain of causes in the traceback", async () => {
    // Both were lost: every `class X extends Error {}` was grouped as "Error", and causes were dropped.
    class PaymentDeclined extends Error {}
    const t = task(() => {
      throw new PaymentDeclined("card refused", { cause: new TypeError("socket closed", { cause: "ECONNRESET" }) });
    });
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { t } });
    const [error] = (await t.enqueue()).errors;
    expect(error).toMatchObject({ exceptionClass: "PaymentDeclined", message: "card refused" });
    expect(error?.traceback).toMatch(/^Error: card refused\n\s+at /);
    expect(error?.traceback).toMatch(/\nCaused by: TypeError: socket closed\n\s+at [\s\S]*\nCaused by: ECONNRESET$/);
  });

  it("an error whose class sets its name keeps that name", async () => {
    class Declined extends Error {
      override name = "PaymentDeclined";
    }
    const t = task(() => {
      throw new Declined("no");
    });
    defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { t } });
    expect((await t.enqueue()).errors[0]?.exceptionClass).toBe("PaymentDeclined");
  });

  const returned: [string, () => unknown, RegExp][] = [
    ["a Date", () => new Date(), /return value is a Date/],
    ["a Map", () => new Map(), /return value is a Map/],
    ["NaN", () => Number.NaN, /return value is NaN/],
    ["a bigint", () => 1n, /return value is a bigint/],
  ];
  for (const [what, fn, message] of returned) {
    it(`a task returning ${what} ends FAILED with a clear error`, async () => {
      const t = task(fn);
      defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { t } });
      const result = await t.enqueue();
      expect(result.status).toBe("FAILED");
      expect(result.errors[0]?.exceptionClass).toBe("InvalidReturnValue");
      expect(result.errors[0]?.message).toMatch(message);
    });
  }
});
