// plainjob's drain in a process of its own, so its peak memory can be read like a tasklane
// worker's: `node bench/plainjob-drain.mjs DB_PATH COUNT` fills DB_PATH with COUNT no-op jobs,
// runs one in-process worker (plainjob runs one job at a time) until all are done and prints
// {"ms": start() → last completion, "peakRss": VmHWM in bytes} as JSON.
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { better, defineQueue, defineWorker } from "plainjob";

const [path, countText] = process.argv.slice(2);
const count = Number(countText);
const silent = { error() {}, warn() {}, info() {}, debug() {} };
const queue = defineQueue({ connection: better(new Database(path)), logger: silent });
for (let i = 0; i < count; i += 1000) {
  queue.addMany(
    "noop",
    Array.from({ length: Math.min(1000, count - i) }, (_, k) => [i + k]),
  );
}
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
