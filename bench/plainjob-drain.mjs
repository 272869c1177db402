// plainjob's drain in a process of its own, timed and measured like a tasklane worker:
// - `node bench/plainjob-drain.mjs fill DB_PATH COUNT` adds COUNT no-op jobs (1,000 per
//   addMany) and exits;
// - `node bench/plainjob-drain.mjs drain DB_PATH COUNT` runs one in-process worker (plainjob runs
//   one job at a time) until COUNT jobs are done, and prints {"ms": start() → last completion,
//   "peakRss": VmHWM in bytes} as JSON. The bench times this process from spawn to exit, as it
//   times `tasks worker --batch`: start-up (node, plainjob, better-sqlite3) is in both.
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker } from "plainjob";

const [mode, path, countText] = process.argv.slice(2);
const count = Number(countText);
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const queue = defineQueue({ connection: better(new Database(path)), logger: silent });
if (mode === "fill") {
  for (let i = 0; i < count; i += 1000) {
    queue.addMany(
      "noop",
      Array.from({ length: Math.min(1000, count - i) }, (_, k) => [i + k]),
    );
  }
  queue.close();
} else {
  let done = 0;
  let finished = () => {};
  const all = new Promise((resolve) => {
    finished = resolve;
  });
  const worker = defineWorker("noop", () => {}, {
    queue,
    logger: silent,
    onCompleted: () => {
      if (++done === count) finished();
    },
  });
  const start = performance.now();
  const running = worker.start();
  await all;
  const ms = performance.now() - start;
  await worker.stop();
  await running;
  queue.close();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  process.stdout.write(JSON.stringify({ ms, peakRss: hwm ? Number(hwm[1]) * 1024 : 0 }));
}
