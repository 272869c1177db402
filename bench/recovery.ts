// Instant recovery on one host: how long after `kill -9` of a worker holding a task does another
// worker on the same host put that task back in line (its lease is 30 s; the same-host check
// runs every 100 ms). Standalone: `node --import tsx bench/recovery.ts` prints Markdown.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BIN, cleanupAll, loadProject, scratch } from "./setup.js";
import { fmtMs, percentile, sleep } from "./stats.js";

const TRIALS = Number(process.env.BENCH_RECOVERY_TRIALS ?? 10);

const CONFIG = `import { defineConfig, task } from "tasklane";

export const hold = task({ maxAttempts: 2 }, async (ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return null;
});

export const noop = task((_i: number) => null);

export default defineConfig({
  backends: { default: { backend: "sqlite", queues: ["default", "other"], options: { path: "tasks.sqlite3" } } },
  tasks: { hold, noop },
});
`;

interface Worker {
  child: ChildProcess;
  /** Resolves with the first --json event `match` accepts, stamped with when it arrived. */
  next(match: (event: Record<string, unknown>) => boolean): Promise<{ event: Record<string, unknown>; at: number }>;
}

function startWorker(configPath: string, args: string[]): Worker {
  const child = spawn(
    process.execPath,
    [BIN, "worker", "--config", configPath, "--json", "--no-startup-delay", ...args],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, NO_COLOR: "1", TASKS_CONFIG: "" },
    },
  );
  const waiting: {
    match: (e: Record<string, unknown>) => boolean;
    resolve: (v: { event: Record<string, unknown>; at: number }) => void;
  }[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    const at = Date.now();
    const event = JSON.parse(line) as Record<string, unknown>;
    for (const w of [...waiting]) {
      if (w.match(event)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve({ event, at });
      }
    }
  });
  return {
    child,
    next: (match) => new Promise((resolve) => waiting.push({ match, resolve })),
  };
}

async function trial(configPath: string, i: number): Promise<number> {
  const { config } = await loadProject(configPath);
  const hold = config.tasks.get("hold");
  const victim = startWorker(configPath, ["--queue", "default", "--worker-id", `victim-${i}`]);
  // The survivor serves another queue: it only recovers, so the figure is recovery alone.
  const survivor = startWorker(configPath, ["--queue", "other", "--worker-id", `survivor-${i}`]);
  await Promise.all([victim, survivor].map((w) => w.next((e) => e.event === "started")));
  const result = await hold?.enqueue(60_000);
  await victim.next((e) => e.event === "taskStarted" && e.id === result?.id);
  await sleep(2_500); // the survivor re-reads its host's workers every 2 s
  const recovered = survivor.next((e) => e.event === "recovered");
  const killedAt = Date.now();
  victim.child.kill("SIGKILL");
  const { at } = await recovered;
  survivor.child.kill("SIGTERM");
  await new Promise((resolve) => survivor.child.once("exit", resolve));
  await config.close();
  return at - killedAt;
}

try {
  const times: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    process.stderr.write(`recovery bench: trial ${i + 1}/${TRIALS}\n`);
    // A fresh file each time: the last trial's recovered task would keep the next victim busy.
    const configPath = join(scratch("recovery"), "tasks.config.ts");
    writeFileSync(configPath, CONFIG);
    times.push(await trial(configPath, i));
  }
  const p50 = percentile(times, 50);
  process.stdout.write(
    [
      "## Instant recovery on one host",
      "",
      `A worker holding a task is killed with SIGKILL; another worker on the same host (serving another queue, so it only`,
      `recovers) reports the task back in line. Time from the kill to its "recovered" event, ${TRIALS} trials, default`,
      `lease 30 s (what a worker on another host would wait).`,
      "",
      "| p50 | max | target |",
      "|---:|---:|---|",
      `| ${fmtMs(p50)} | ${fmtMs(Math.max(...times))} | p50 ≤ 200 ms: **${p50 <= 200 ? "PASS" : "MISS"}** |`,
      "",
    ].join("\n"),
  );
} finally {
  cleanupAll();
}
