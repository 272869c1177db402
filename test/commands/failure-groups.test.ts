import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../helpers/cli.js";
import { enqueue, makeProject, type Project, runBatchWorker } from "../helpers/project.js";

// Two tasks that fail in one shared helper are one cause; one task failing two ways is two.
const CONFIG = `import { defineConfig, task } from "tasklane";

class PaymentDeclined extends Error {
  override name = "PaymentDeclined";
}
function charge(cents: number) {
  throw new PaymentDeclined("card declined for " + cents);
}

export const chargeCard = task((cents: number) => charge(cents));
export const refund = task((cents: number) => charge(-cents));
export const parse = task((text: string) => {
  if (text === "null") return (null as unknown as { x: number }).x;
  throw new SyntaxError("bad input " + text);
});
export const flaky = task({ maxAttempts: 3, backoff: { type: "fixed", delayMs: 3_600_000 } }, () => {
  throw new RangeError("try again later");
});

export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "db/tasks.sqlite3" } } },
  tasks: { chargeCard, refund, parse, flaky },
});
`;

let project: Project;
beforeAll(async () => {
  project = await makeProject(CONFIG);
  await enqueue(project, "chargeCard", [100]);
  await enqueue(project, "chargeCard", [200]);
  await enqueue(project, "refund", [50]);
  await enqueue(project, "parse", ["x"]);
  await enqueue(project, "parse", ["null"]);
  await enqueue(project, "flaky");
  expect((await runBatchWorker(project)).exitCode).toBe(0);
});
afterAll(async () => {
  await project.cleanup();
});
const cli = (args: string[]) => tasks([...args, "--config", project.configPath], { cwd: project.dir });
const json = (out: unknown) => JSON.parse(String(out));

interface Group {
  group: number;
  exceptionClass: string;
  frame: string | null;
  taskNames: string[];
  count: number;
  retrying: number;
}

describe("failures grouped by cause", () => {
  it("groups by error class and the first frame of the user's code, across tasks", async () => {
    const groups = json((await cli(["errors", "--json"])).stdout) as Group[];
    const byClass = new Map(groups.map((g) => [g.exceptionClass, g]));
    expect(byClass.get("PaymentDeclined")).toMatchObject({
      taskNames: ["chargeCard", "refund"],
      count: 3,
      retrying: 0,
      frame: `${project.dir}/tasks.config.ts:7 charge`,
    });
    expect(byClass.get("SyntaxError")).toMatchObject({ taskNames: ["parse"], count: 1 });
    expect(byClass.get("TypeError")).toMatchObject({ taskNames: ["parse"], count: 1 });
    expect(byClass.get("SyntaxError")?.frame).not.toBe(byClass.get("TypeError")?.frame);
    // An anonymous task function has no name to show (not "fn", the property tasklane keeps it in).
    expect(byClass.get("SyntaxError")?.frame).toBe(`${project.dir}/tasks.config.ts:14`);
    expect(byClass.get("RangeError")).toMatchObject({ taskNames: ["flaky"], count: 0, retrying: 1 });
    const table = await cli(["errors"]);
    expect(table.stdout).toMatch(/^#\s+TASKS\s+ERROR\s+FAILED\s+RETRYING\s+WHERE/m);
    expect(table.stdout).toMatch(/chargeCard,refund\s+PaymentDeclined\s+3\s+0\s+tasks\.config\.ts:7 charge/);
  });

  it("retry --group retries a group's FAILED results (each granted its task's attempts again); cancel --group its pending retries", async () => {
    const groups = json((await cli(["errors", "--json"])).stdout) as Group[];
    const payment = groups.find((g) => g.exceptionClass === "PaymentDeclined");
    const retried = await cli(["retry", "--group", String(payment?.group), "--json"]);
    expect(retried.exitCode).toBe(0);
    const outcomes = json(retried.stdout) as { id: string; ok: boolean }[];
    expect(outcomes).toHaveLength(3);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const shown = json((await cli(["show", outcomes[0]?.id ?? "", "--json"])).stdout);
    expect(shown).toMatchObject({ status: "READY", attempts: 1, maxAttempts: 2 });
    expect((await cli(["show", outcomes[0]?.id ?? ""])).stdout).toMatch(/^attempts\s+1 of 2 allowed$/m);

    const flaky = (json((await cli(["errors", "--json"])).stdout) as Group[]).find(
      (g) => g.exceptionClass === "RangeError",
    );
    const cancelled = await cli(["cancel", "--group", String(flaky?.group)]);
    expect(cancelled.exitCode).toBe(0);
    expect(String(cancelled.stdout).split("\n")).toEqual([
      expect.stringMatching(/^cancelled \S+$/),
      "1 cancelled, 0 failed",
    ]);

    const none = await cli(["retry", "--group", "99"]);
    expect(none.exitCode).toBe(2);
    expect(String(none.stderr)).toMatch(/^Error: --group: no group #99; `tasks errors` lists \d+ group\(s\)/);
  });

  it("retry --failed says which results it retried", async () => {
    const run = await cli(["retry", "--failed", "--json"]);
    expect(run.exitCode).toBe(0);
    const out = json(run.stdout) as { retried: number; ids: string[] };
    expect(out.retried).toBe(2); // the two parse failures (the payment group went back to READY above)
    expect(out.ids).toHaveLength(2);
    const plain = await cli(["retry", "--failed"]);
    expect(plain.stdout).toBe("Retried 0 failed task results");
  });
});
