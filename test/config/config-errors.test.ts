import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks, tempDir, write } from "../helpers/cli.js";

// Each broken config goes through the real binary: one line on stderr, exit code 2.
const broken: [string, string, RegExp][] = [
  [
    "a syntax error (file:line)",
    `import { defineConfig } from "tasklane";\nexport default defineConfig({\n  backends: { default: { backend: "immediate" } }\n  const x = ;\n`,
    /^Error: tasks\.config\.ts:4:\d+: syntax error: /,
  ],
  [
    "a module that throws",
    `import { defineConfig } from "tasklane";\nthrow new Error("DATABASE_URL is not set");\nexport default defineConfig({});\n`,
    /^Error: tasks\.config\.ts:2: the config threw while loading: DATABASE_URL is not set$/,
  ],
  [
    "an invalid shape (path of the bad key)",
    `import { defineConfig } from "tasklane";\nexport default defineConfig({ backends: { default: { backend: "immediate", queues: [1] } } } as any);\n`,
    /^Error: tasks\.config\.ts: backends\.default\.queues\[0\]: .*expected string/,
  ],
  [
    "an unknown top-level key",
    `import { defineConfig } from "tasklane";\nexport default defineConfig({ backend: {} } as any);\n`,
    /^Error: tasks\.config\.ts: unknown key\(s\) "backend"$/,
  ],
  [
    "an unknown backend kind",
    `import { defineConfig } from "tasklane";\nexport default defineConfig({ backends: { default: { backend: "postgres" } } });\n`,
    /^Error: tasks\.config\.ts: backends\.default\.backend: unknown backend kind "postgres"; expected one of dummy, immediate, sqlite/,
  ],
  [
    "an invalid backend option",
    `import { defineConfig } from "tasklane";\nexport default defineConfig({ backends: { default: { backend: "sqlite", options: { leaseMs: -5 } } } });\n`,
    /^Error: tasks\.config\.ts: backends\.default\.options\.leaseMs: /,
  ],
  [
    "duplicate task names",
    `import { defineConfig, task } from "tasklane";\nconst a = task({ name: "x" }, () => 1);\nconst b = task({ name: "x" }, () => 2);\nexport default defineConfig({ tasks: { a, b } });\n`,
    /^Error: tasks\.config\.ts: tasks\.b: duplicate task name "x"/,
  ],
  [
    "an exported task that is not registered",
    `import { defineConfig, task } from "tasklane";\nexport const a = task(() => 1);\nexport const b = task(() => 2);\nexport default defineConfig({ tasks: { a } });\n`,
    /^Error: tasks\.config\.ts: exported task "b" is not registered in tasks/,
  ],
  [
    "a task on a queue its backend does not have",
    `import { defineConfig, task } from "tasklane";\nconst a = task({ queueName: "emails" }, () => 1);\nexport default defineConfig({ backends: { default: { backend: "dummy" } }, tasks: { a } });\n`,
    /^Error: tasks\.config\.ts: Task "a": queue "emails" is not in backend "default" queues/,
  ],
  [
    "a task name with a newline (it would break every table)",
    `import { defineConfig, task } from "tasklane";\nexport default defineConfig({ tasks: { "new\\nline": task(() => 1) } });\n`,
    /^Error: tasks\.config\.ts: tasks\["new\\nline"\]: task name "new\\nline" contains a control character/,
  ],
  [
    "an unknown task option (a typo is not silently ignored)",
    `import { defineConfig, task } from "tasklane";\nconst a = task({ queueName: "default", maxAttempt: 3 } as any, () => 1);\nexport default defineConfig({ tasks: { a } });\n`,
    /^Error: tasks\.config\.ts: Task "anonymous": unknown option "maxAttempt"; known options: name, priority, queueName, backend, takesContext, maxAttempts, backoff, args, timeoutMs/,
  ],
  [
    "an async task on a backend that does not support async tasks",
    `import { Backend, defineConfig, task } from "tasklane";\nclass SyncOnly extends Backend {\n  kind = "sync-only"; supportsDefer = false; supportsAsyncTask = false; supportsGetResult = false; supportsPriority = false;\n  async storeTasks() { return []; }\n  async getResultData(): Promise<never> { throw new Error("none"); }\n}\nconst a = task(async () => 1);\nexport default defineConfig({ backends: { default: { backend: SyncOnly } }, tasks: { a } });\n`,
    /^Error: tasks\.config\.ts: Task "a": backend "default" \(sync-only\) does not support async tasks \(supportsAsyncTask is false\)/,
  ],
  [
    "retention on a custom backend without management() (its workers could not prune)",
    `import { Backend, defineConfig } from "tasklane";\nclass NoManage extends Backend {\n  kind = "no-manage"; supportsDefer = true; supportsAsyncTask = true; supportsGetResult = false; supportsPriority = false;\n  async storeTasks() { return []; }\n  async getResultData(): Promise<never> { throw new Error("none"); }\n  override workerStore() { return {} as any; }\n}\nexport default defineConfig({ backends: { default: { backend: NoManage, retention: { olderThan: "1d" } } } });\n`,
    /^Error: tasks\.config\.ts: backends\.default\.retention: backend "default" \(no-manage\) has no management\(\), which its workers would prune through; drop retention here, or implement management\(\)$/,
  ],
  [
    "a schedule on a custom backend whose workers cannot run schedules (schedules() is null)",
    `import { Backend, defineConfig, task } from "tasklane";\nclass NoSchedules extends Backend {\n  kind = "no-schedules"; supportsDefer = true; supportsAsyncTask = true; supportsGetResult = false; supportsPriority = false;\n  async storeTasks() { return []; }\n  async getResultData(): Promise<never> { throw new Error("none"); }\n  override workerStore() { return {} as any; }\n}\nconst ping = task(() => 1);\nexport default defineConfig({ backends: { default: { backend: NoSchedules } }, tasks: { ping }, schedules: { often: { task: ping, cron: "* * * * *" } } });\n`,
    /^Error: tasks\.config\.ts: schedules\["often"\]\.task: task "ping" runs on backend "default" \(no-schedules\), whose schedules\(\) is null, so its workers cannot run schedules; implement schedules\(\), or put the task on a sqlite backend$/,
  ],
  [
    "a limit on a queue the backend does not have",
    `import { defineConfig } from "tasklane";\nexport default defineConfig({ backends: { default: { backend: "sqlite", queues: ["default"], limits: { emails: { concurrency: 2 } } } } });\n`,
    /^Error: tasks\.config\.ts: backends\.default\.limits\.emails: "emails" is not one of the backend's queues \(default\)$/,
  ],
  [
    "a limit the backend cannot hold",
    `import { defineConfig } from "tasklane";\nexport default defineConfig({ backends: { default: { backend: "dummy", limits: { default: { rate: { limit: 1, periodMs: 1000 } } } } } });\n`,
    /^Error: tasks\.config\.ts: backends\.default\.limits\.default\.rate: backend "default" \(dummy\) cannot rate-limit a queue$/,
  ],
  [
    "a per-key concurrency limit on a backend that cannot hold it",
    `import { defineConfig, task } from "tasklane";\nconst a = task({ concurrency: { key: (t: string) => t, limit: 1 } }, (t: string) => t);\nexport default defineConfig({ backends: { default: { backend: "immediate" } }, tasks: { a } });\n`,
    /^Error: tasks\.config\.ts: Task "a": backend "default" \(immediate\) cannot limit concurrency per key/,
  ],
  [
    "a default export that is not a config",
    `export default { hello: 1 };\n`,
    /^Error: tasks\.config\.ts: the default export must be defineConfig/,
  ],
];

describe("config errors through the CLI", () => {
  const temp = tempDir();
  afterAll(temp.cleanup);

  for (const [what, source, message] of broken) {
    it(`reports ${what} on one line with exit 2`, async () => {
      const dir = join(temp.dir, what.replace(/\W+/g, "-"));
      mkdirSync(dir);
      write(dir, "tasks.config.ts", source);
      const run = await tasks(["info"], { cwd: dir });
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe("");
      expect(String(run.stderr).trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    });
  }

  it("says where it looked when --config or TASKS_CONFIG names a missing file", async () => {
    const byFlag = await tasks(["info", "--config", "nope.ts"], { cwd: temp.dir });
    expect(byFlag.exitCode).toBe(2);
    expect(byFlag.stderr).toBe(`Error: Config file not found: ${join(temp.dir, "nope.ts")} (from --config)`);
    const byEnv = await tasks(["check"], { cwd: temp.dir, env: { TASKS_CONFIG: "/nowhere/tasks.config.ts" } });
    expect(byEnv.exitCode).toBe(2);
    expect(byEnv.stderr).toBe("Error: Config file not found: /nowhere/tasks.config.ts (from TASKS_CONFIG)");
  });
});

describe("config discovery", () => {
  const temp = tempDir();
  beforeAll(() => {
    write(
      temp.dir,
      "tasks.config.mts",
      `import { defineConfig, task } from "tasklane";\nexport const double = task((x: number) => x * 2);\nexport default defineConfig({ tasks: { double } });\n`,
    );
    mkdirSync(join(temp.dir, "deep", "er"), { recursive: true });
    write(temp.dir, "other.config.ts", `import { defineConfig } from "tasklane";\nexport default defineConfig({});\n`);
  });
  afterAll(temp.cleanup);

  it("finds the nearest tasks.config.* upward from the current folder", async () => {
    const run = await tasks(["enqueue", "double", "21", "--json"], { cwd: join(temp.dir, "deep", "er") });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(String(run.stdout))).toMatchObject({ taskName: "double", status: "SUCCEEDED", returnValue: 42 });
  });

  it("prefers --config, then TASKS_CONFIG, over the nearest file", async () => {
    const viaEnv = await tasks(["info", "--json"], { cwd: temp.dir, env: { TASKS_CONFIG: "other.config.ts" } });
    expect(JSON.parse(String(viaEnv.stdout)).config).toBe(join(temp.dir, "other.config.ts"));
    const viaFlag = await tasks(["info", "--json", "--config", join(temp.dir, "tasks.config.mts")], {
      cwd: temp.dir,
      env: { TASKS_CONFIG: "other.config.ts" },
    });
    expect(JSON.parse(String(viaFlag.stdout)).config).toBe(join(temp.dir, "tasks.config.mts"));
  });

  it("with no config anywhere uses one implicit immediate backend", async () => {
    const empty = tempDir();
    try {
      const run = await tasks(["info", "--json"], { cwd: empty.dir });
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(String(run.stdout))).toMatchObject({
        config: null,
        backends: [{ alias: "default", kind: "immediate" }],
        tasks: [],
      });
    } finally {
      empty.cleanup();
    }
  });
});
