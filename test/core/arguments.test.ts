import type { StandardSchemaV1 } from "@standard-schema/spec";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { DummyBackend } from "../../src/backends/dummy.js";
import { setActiveConfig } from "../../src/config/registry.js";
import {
  defaultBackend,
  defineConfig,
  InvalidTaskError,
  type JsonArgs,
  type JsonValue,
  type Task,
  type TaskContext,
  type TaskResult,
  task,
} from "../../src/index.js";

afterEach(() => setActiveConfig(null));

const dummy = { backends: { default: { backend: "dummy", queues: [] as string[] } } };

describe("argument count (tasks without a schema)", () => {
  it("an enqueue with too few or too many arguments is refused before anything is stored", async () => {
    const sendEmail = task(async (to: string, subject: string) => ({ to, subject }));
    const greet = task((name: string, greeting = "hello") => `${greeting} ${name}`);
    const log = task((...lines: string[]) => lines.length);
    const report = task({ takesContext: true }, (_context: TaskContext, day: string) => day);
    defineConfig({ ...dummy, tasks: { sendEmail, greet, log, report } });
    const enqueueLoose = (t: { enqueue(...args: unknown[]): Promise<TaskResult> }, ...args: unknown[]) =>
      t.enqueue(...args);
    await expect(enqueueLoose(sendEmail, "onlyone")).rejects.toThrow(/^Task "sendEmail": takes 2 arguments, got 1$/);
    await expect(enqueueLoose(sendEmail, "a", "b", "c")).rejects.toThrow(/takes 2 arguments, got 3/);
    await expect(enqueueLoose(report)).rejects.toThrow(/^Task "report": takes 1 argument, got 0$/);
    await expect(sendEmail.enqueueMany([["a", "b"], ["c"] as never])).rejects.toThrow(
      /^Task "sendEmail" \(call 1\): takes 2 arguments, got 1$/,
    );
    await expect(enqueueLoose(greet)).rejects.toThrow(/takes at least 1 argument/);
    expect((await greet.enqueue("ada")).args).toEqual(["ada"]);
    expect((await greet.enqueue("ada", "hi")).args).toEqual(["ada", "hi"]);
    expect((await log.enqueue()).args).toEqual([]);
    expect((await log.enqueue("a", "b", "c")).args).toEqual(["a", "b", "c"]);
    const backend = (await defaultBackend()) as DummyBackend;
    expect(backend.results).toHaveLength(4); // only the valid ones were stored
  });

  it("enqueueMany given something other than an array of argument lists says what it takes", async () => {
    const sendEmail = task((to: string) => to);
    defineConfig({ ...dummy, tasks: { sendEmail } });
    const enqueueManyLoose = (t: { enqueueMany(list: unknown): Promise<TaskResult[]> }, list: unknown) =>
      t.enqueueMany(list);
    await expect(enqueueManyLoose(sendEmail, "a@example.com")).rejects.toThrow(
      /^Task "sendEmail": enqueueMany takes an array of argument lists, e\.g\. \[\["a@example\.com"\], \["b@example\.com"\]\], got "a@example\.com"$/,
    );
    await expect(enqueueManyLoose(sendEmail, 5)).rejects.toThrow(/enqueueMany takes an array .*, got the number 5$/);
    await expect(enqueueManyLoose(sendEmail, ["a@example.com"])).rejects.toThrow(
      /^Task "sendEmail": the arguments must be an array, got string$/,
    );
  });
});

describe("argument schemas (Standard Schema)", () => {
  it("validates at enqueue with the path of the bad value; stores the parsed arguments", async () => {
    const sendEmail = task(
      {
        args: z.tuple([
          z.string().email(),
          z.object({ subject: z.string().trim(), cc: z.array(z.string()).default([]) }),
        ]),
      },
      (to, message) => ({ to, subject: message.subject, cc: message.cc }),
    );
    defineConfig({ ...dummy, tasks: { sendEmail } });
    await expect(sendEmail.enqueue("not-an-email", { subject: "hi" })).rejects.toThrow(
      /^Task "sendEmail": args\[0\]: Invalid email address/,
    );
    await expect(sendEmail.enqueue("ada@example.com", { subject: 3 } as never)).rejects.toThrow(
      /^Task "sendEmail": args\[1\]\.subject: Invalid input: expected string, received number/,
    );
    await expect(sendEmail.enqueue("ada@example.com", { subject: "hi" }).catch((e) => e)).resolves.not.toBeInstanceOf(
      Error,
    );
    const stored = await sendEmail.enqueue("ada@example.com", { subject: "  trimmed  " });
    expect(stored.args).toEqual(["ada@example.com", { subject: "trimmed", cc: [] }]);
    const failed = await sendEmail.enqueue("x", { subject: 1 } as never).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(InvalidTaskError);
  });

  it("call() runs the function with what the schema parsed, and refuses what it refuses", () => {
    // call() used to hand the raw arguments to a function typed for the schema's output.
    const sendEmail = task(
      {
        name: "sendEmail",
        args: z.tuple([
          z.string().email(),
          z.object({ subject: z.string().trim(), cc: z.array(z.string()).default([]) }),
        ]),
      },
      (to, message) => ({ to, subject: message.subject, cc: message.cc }),
    );
    expect(sendEmail.call("ada@example.com", { subject: "  hi  " })).toEqual({
      to: "ada@example.com",
      subject: "hi",
      cc: [],
    });
    expect(() => sendEmail.call("not-an-email", { subject: "hi" })).toThrow(
      /^Task "sendEmail" \(call\): args\[0\]: Invalid email address/,
    );
    const slow = task({ args: z.tuple([z.string().refine(async (s) => s.length > 0)]) }, (s) => s);
    expect(() => slow.call("x")).toThrow(/its args schema validates asynchronously, which call\(\) cannot wait for/);
  });

  it("works with any Standard Schema library, not only zod (here: a hand-written one)", async () => {
    const positivePair: StandardSchemaV1<[number, number]> = {
      "~standard": {
        version: 1,
        vendor: "hand-written",
        validate: (value) => {
          const v = value as unknown[];
          if (!Array.isArray(v) || v.length !== 2) return { issues: [{ message: "expected two numbers", path: [] }] };
          const bad = v.findIndex((n) => typeof n !== "number" || n <= 0);
          return bad >= 0
            ? { issues: [{ message: "must be a positive number", path: [{ key: bad }] }] }
            : { value: v as [number, number] };
        },
      },
    };
    const multiply = task({ args: positivePair }, (a, b) => a * b);
    defineConfig({ ...dummy, tasks: { multiply } });
    await expect(multiply.enqueue(2, -1)).rejects.toThrow(/^Task "multiply": args\[1\]: must be a positive number$/);
    expect((await multiply.enqueue(2, 3)).args).toEqual([2, 3]);
  });

  it("types: enqueue takes the schema's input, the function gets its output", () => {
    const schema = z.tuple([z.string(), z.number().int().default(1)]);
    const t = task({ args: schema }, (name, times) => name.repeat(times));
    const withContext = task({ args: z.tuple([z.string()]), takesContext: true }, (context, day) => ({
      day,
      attempt: context.attempt,
    }));
    expectTypeOf(t.enqueue).parameters.toEqualTypeOf<[string, (number | undefined)?]>();
    expectTypeOf(t.enqueue).returns.resolves.toEqualTypeOf<TaskResult<string>>();
    expectTypeOf(withContext.enqueue).parameters.toEqualTypeOf<[string]>();
    const typeErrors = () => {
      // @ts-expect-error a number where the schema wants a string
      void t.enqueue(3, 1);
      // @ts-expect-error the function's parameters come from the schema's output
      task({ args: z.tuple([z.string()]) }, (n: number) => n);
    };
    expect(typeErrors).toBeTypeOf("function");
  });

  it("a non-schema args option is refused when the task is built", () => {
    expect(() => task({ args: [1, 2] as never }, () => 1)).toThrow(/args must be a Standard Schema/);
  });
});

describe("options", () => {
  it("unknown keys in task() and using() options are errors naming the key and the known ones", () => {
    expect(() => task({ queueName: "emails", maxAttempt: 3 } as never, () => 1)).toThrow(
      /unknown option "maxAttempt"; known options: name, priority, queueName, backend, takesContext, maxAttempts, backoff, args, timeoutMs/,
    );
    const t = task(() => 1);
    defineConfig({ ...dummy, tasks: { t } });
    expect(() => t.using({ priorty: 5 } as never)).toThrow(
      /^Task "t": using\(\): unknown option "priorty"; known options: priority, queueName, runAfter, backend, timeoutMs, unique$/,
    );
  });

  it("options given after the function are refused, not dropped", () => {
    const send = (to: string) => to;
    // @ts-expect-error: the overloads take the options first
    expect(() => task(send, { timeoutMs: 1000 })).toThrow(
      /^Task "send": task\(fn, object\): the options go first, as in task\(\{ maxAttempts: 3 \}, fn\)$/,
    );
    // @ts-expect-error: as above
    expect(() => task((to: string) => to, 3)).toThrow(/^task\(fn, number\): the options go first/);
    expect(() => task({ maxAttempts: 2 }, "send" as never)).toThrow(
      /^task\(options, fn\): fn must be a function, got string$/,
    );
    expect(task({ maxAttempts: 2 }, send).maxAttempts).toBe(2);
  });
});

describe("the JSON rule in the types", () => {
  it("types: an argument JSON cannot carry is flagged where the call is written", async () => {
    const at = task((when: Date) => when.getTime());
    const tagged = task((post: { tags: Set<string> }) => post.tags.size);
    const sized = task((sizes: Map<string, number>) => sizes.size);
    const big = task((n: bigint) => String(n));
    const withHook = task((job: { onDone: () => void }) => typeof job.onDone);
    const plain = task((o: { a?: string; b: readonly number[]; c: string | null }, x: unknown, y: number = 0) => [
      o,
      x,
      y,
    ]);
    // The message TypeScript shows says what to pass instead.
    expectTypeOf(at.enqueue).parameters.toEqualTypeOf<
      ["a Date is not JSON: pass date.toISOString() or date.getTime()"]
    >();
    // What JSON carries keeps its own type: optional keys and parameters, readonly arrays, unknown.
    expectTypeOf(plain.enqueue).parameters.toEqualTypeOf<
      [{ a?: string; b: readonly number[]; c: string | null }, unknown, (number | undefined)?]
    >();
    const typeErrors = () => {
      // @ts-expect-error a Date
      void at.enqueue(new Date());
      // @ts-expect-error a Date, in enqueueMany
      void at.enqueueMany([[new Date()]]);
      // @ts-expect-error a Set inside an object
      void tagged.enqueue({ tags: new Set(["a"]) });
      // @ts-expect-error a Map
      void sized.enqueue(new Map([["a", 1]]));
      // @ts-expect-error a bigint
      void big.enqueue(10n);
      // @ts-expect-error a function inside an object
      void withHook.enqueue({ onDone: () => {} });
      // @ts-expect-error a schedule's args are typed the same way
      defineConfig({ ...dummy, tasks: { at }, schedules: { s: { task: at, cron: "0 3 * * *", args: [new Date()] } } });
    };
    expect(typeErrors).toBeTypeOf("function");
    defineConfig({ ...dummy, tasks: { plain } });
    const stored = await plain.enqueue({ b: [1, 2], c: null }, { any: ["json"] });
    expect(stored.args).toEqual([{ b: [1, 2], c: null }, { any: ["json"] }]);
  });

  it("types: a task whose return value JSON cannot carry is flagged where it is defined", () => {
    const typeErrors = () => {
      // @ts-expect-error returns a Date (it would end FAILED, InvalidReturnValue, every time)
      task(() => new Date());
      // @ts-expect-error resolves to a Map
      task(async () => new Map<string, number>());
      // @ts-expect-error a Date inside an object, with options and a context
      task({ takesContext: true }, (_context: TaskContext, n: number) => ({ at: new Date(n) }));
      // @ts-expect-error a Set, from a task with a schema
      task({ args: z.tuple([z.string()]) }, (s) => new Set([s]));
    };
    expect(typeErrors).toBeTypeOf("function");
    // What JSON carries keeps its type, and so does returning nothing (stored as null).
    const json = task(async (n: number) => ({ n, list: [n], none: null }));
    const nothing = task((_n: number) => {});
    expectTypeOf(json.call).returns.resolves.toEqualTypeOf<{ n: number; list: number[]; none: null }>();
    expectTypeOf(nothing.call).returns.toEqualTypeOf<void>();
    expect(nothing.call(1)).toBeUndefined();
  });

  it("types: recursive types (JsonValue, a tree) type-check, and a Date deep inside one is still flagged", async () => {
    interface Tree {
      name: string;
      children: Tree[];
      meta?: { tags: string[] };
    }
    type Loose = { when?: Date; children: Loose[] };
    const echo = task((value: JsonValue) => value);
    const walk = task(async (tree: Tree): Promise<Tree> => tree);
    const loose = task((value: Loose) => value.children.length);
    const typeErrors = () => {
      // @ts-expect-error a Date three levels down a recursive interface
      void walk.enqueue({ name: "a", children: [{ name: "b", children: [], meta: { tags: [new Date()] } }] });
      // @ts-expect-error a Date inside a recursive type alias
      void loose.enqueue({ children: [{ when: new Date(), children: [] }] });
    };
    expect(typeErrors).toBeTypeOf("function");
    defineConfig({ ...dummy, tasks: { echo, walk, loose } });
    const tree = { name: "a", children: [{ name: "b", children: [], meta: { tags: ["x"] } }] };
    expect((await echo.enqueue({ list: [1, "two", null, { deep: [true] }] })).args).toEqual([
      { list: [1, "two", null, { deep: [true] }] },
    ]);
    expect((await walk.enqueue(tree)).args).toEqual([tree]);
    expect((await loose.enqueue({ children: [{ children: [] }] })).args).toEqual([{ children: [{ children: [] }] }]);
  });

  it("types: a helper generic over a task's arguments takes them as JsonArgs, as enqueue does", async () => {
    const enqueueTwice = async <A extends unknown[], R>(t: Task<A, R>, ...args: JsonArgs<A>) => [
      await t.enqueue(...args),
      await t.enqueue(...args),
    ];
    const repeat = task((text: string, times: number) => text.repeat(times));
    defineConfig({ ...dummy, tasks: { repeat } });
    const typeErrors = () => {
      // @ts-expect-error the task's own parameter types still apply through the helper
      void enqueueTwice(repeat, "a", "b");
    };
    expect(typeErrors).toBeTypeOf("function");
    const results = await enqueueTwice(repeat, "ab", 2);
    expect(results.map((r) => r.args)).toEqual([
      ["ab", 2],
      ["ab", 2],
    ]);
  });
});
