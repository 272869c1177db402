import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tasks } from "../helpers/cli.js";
import { makeProject, PROJECT_CONFIG, type Project } from "../helpers/project.js";

const CONFIG = PROJECT_CONFIG.replace(
  'queues: ["default", "emails", "slow"],',
  'queues: ["default", "emails", "slow"], limits: { emails: { concurrency: 5, rate: { limit: 100, periodMs: 60000 } } },',
);

let project: Project;
beforeAll(async () => {
  project = await makeProject(CONFIG);
});
afterAll(async () => {
  await project.cleanup();
});
const cli = (args: string[]) => tasks([...args, "--config", project.configPath], { cwd: project.dir });

describe("tasks pause / resume", () => {
  it("pauses, shows it in results and info, and resumes", async () => {
    const paused = await cli(["pause", "emails", "slow"]);
    expect(paused.exitCode).toBe(0);
    expect(String(paused.stdout).split("\n")).toEqual([
      "paused emails: no worker starts its tasks until `tasks resume emails`; running ones finish, enqueues still work",
      "paused slow: no worker starts its tasks until `tasks resume slow`; running ones finish, enqueues still work",
    ]);
    const results = await cli(["results"]);
    expect(results.stdout).toMatch(
      /^paused: emails \(since (just now|\d+s ago)\), slow \(since (just now|\d+s ago)\); their tasks wait until `tasks resume`$/m,
    );
    const info = await cli(["info"]);
    expect(info.stdout).toMatch(/^ {4}limits: emails=\{"concurrency":5,"rate":\{"limit":100,"periodMs":60000\}\}$/m);
    expect(info.stdout).toMatch(/^ {4}paused: emails, slow \(tasks resume QUEUE\)$/m);
    const infoJson = JSON.parse(String((await cli(["info", "--json"])).stdout));
    expect(infoJson.backends[0].pausedQueues).toEqual(["emails", "slow"]);
    const resumed = await cli(["resume", "slow", "--json"]);
    expect(JSON.parse(String(resumed.stdout))).toEqual({ resumed: ["slow"] });
    expect((await cli(["results"])).stdout).toMatch(/^paused: emails \(since (just now|\d+s ago)\); their tasks wait/m);
  });

  it("a queue named twice is switched once; one already that way is named as unchanged", async () => {
    expect(JSON.parse(String((await cli(["pause", "default", "default", "--json"])).stdout))).toEqual({
      paused: ["default"],
    });
    const again = await cli(["pause", "default"]);
    expect({ code: again.exitCode, stdout: again.stdout }).toEqual({ code: 0, stdout: "default was paused already" });
    expect(JSON.parse(String((await cli(["resume", "default", "slow", "--json"])).stdout))).toEqual({
      resumed: ["default"],
      unchanged: ["slow"],
    });
    const idle = await cli(["resume", "slow"]);
    expect({ code: idle.exitCode, stdout: idle.stdout }).toEqual({
      code: 0,
      stdout: "slow was not paused: nothing to resume",
    });
  });

  it("with queues: [] any name can be paused, and one no task uses gets a warning with the likely one", async () => {
    const open = await makeProject(PROJECT_CONFIG.replace('queues: ["default", "emails", "slow"],', "queues: [],"));
    try {
      const run = await tasks(["pause", "emials", "--config", open.configPath], { cwd: open.dir });
      expect({ code: run.exitCode, stderr: run.stderr }).toEqual({
        code: 0,
        stderr: 'Warning: no task of the config uses queue "emials" (did you mean "emails"?)',
      });
      expect(String(run.stdout)).toMatch(/^paused emials: /);
    } finally {
      await open.cleanup();
    }
  });

  it("a queue the backend does not have is a one-line error, exit 2, nothing paused", async () => {
    const run = await cli(["pause", "emials"]);
    expect({ code: run.exitCode, stdout: run.stdout, stderr: run.stderr }).toEqual({
      code: 2,
      stdout: "",
      stderr: 'Error: "emials" is not a queue of backend "default" (default, emails, slow)',
    });
  });
});
