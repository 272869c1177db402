// Queue controls' cost on the claim: one `tasks worker` process draining no-op tasks with no
// limits, with limits configured but not binding, and with 1,000 keys each limited to 1.
// Runs interleaved (ABC ABC ABC) so machine noise hits each alike; prints Markdown.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { BIN, cleanupAll, loadProject, project } from "./setup.js";
import { fmtInt, perSecond } from "./stats.js";

const N = Number(process.env.BENCH_LIMITS_N ?? 20_000);
const ROUNDS = 3;

const CONFIGS = {
  plain: `import { defineConfig, task } from "tasklane";
export const noop = task((_i: number) => null);
export default defineConfig({ backends: { default: { backend: "sqlite", options: { path: "tasks.sqlite3" } } }, tasks: { noop } });
`,
  "limits, not binding": `import { defineConfig, task } from "tasklane";
export const noop = task((_i: number) => null);
export default defineConfig({
  backends: { default: { backend: "sqlite", options: { path: "tasks.sqlite3" },
    limits: { default: { concurrency: 1000, rate: { limit: 100000000, periodMs: 1000 } } } } },
  tasks: { noop },
});
`,
  "1,000 keys, each limited to 1": `import { defineConfig, task } from "tasklane";
export const noop = task({ concurrency: { key: (i: number) => "k" + (i % 1000), limit: 1 } }, (_i: number) => null);
export default defineConfig({ backends: { default: { backend: "sqlite", options: { path: "tasks.sqlite3" } } }, tasks: { noop } });
`,
} as const;
type Variant = keyof typeof CONFIGS;

/** Fills a fresh project of this variant with N tasks, then times one worker draining it. */
async function drainOnce(variant: Variant): Promise<number> {
  const p = project(`limits-${variant.replace(/\W+/g, "-")}`);
  writeFileSync(p.configPath, CONFIGS[variant]);
  const { config, noop } = await loadProject(p.configPath);
  for (let i = 0; i < N; i += 5000) {
    await noop.enqueueMany(Array.from({ length: Math.min(5000, N - i) }, (_, j) => [i + j]));
  }
  await config.close();
  const start = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, "worker", "--config", p.configPath, "--batch", "--no-startup-delay", "--concurrency", "50", "--json"],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1", TASKS_CONFIG: "" } },
  );
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${variant}: worker exited ${code}: ${err}`);
  return performance.now() - start;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

try {
  const times: Record<Variant, number[]> = {
    plain: [],
    "limits, not binding": [],
    "1,000 keys, each limited to 1": [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of Object.keys(CONFIGS) as Variant[]) {
      process.stderr.write(`limits bench: ${variant}, round ${round + 1}/${ROUNDS}\n`);
      times[variant].push(await drainOnce(variant));
    }
  }
  const plain = perSecond(N, median(times.plain));
  const rows = (Object.keys(CONFIGS) as Variant[]).map((variant) => {
    const rate = perSecond(N, median(times[variant]));
    const target = variant === "plain" ? null : variant.startsWith("limits") ? 0.9 : 0.5;
    const ratio = rate / plain;
    const verdict = target === null ? "—" : `${ratio >= target ? "PASS" : "MISS"} (≥ ${Math.round(target * 100)}%)`;
    return `| ${variant} | ${fmtInt(rate)}/s | ${Math.round(ratio * 100)}% | ${verdict} |`;
  });
  process.stdout.write(
    [
      "## Queue controls: the claim's cost",
      "",
      `One \`tasks worker --concurrency 50 --batch\` process draining ${fmtInt(N)} no-op tasks, spawn to exit,`,
      `median of ${ROUNDS} interleaved rounds; ratios against "plain" from the same run.`,
      "",
      "| variant | drain | vs plain | target |",
      "|---|---|---|---|",
      ...rows,
      "",
    ].join("\n"),
  );
} finally {
  cleanupAll();
}
