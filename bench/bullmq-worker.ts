// A plain BullMQ Worker in a process of its own, as tasklane's worker always runs (bench (d)):
// bench/redis.ts times enqueue → start across the process boundary with it.
// Usage (forked, IPC on): bench/bullmq-worker.ts URL PREFIX QUEUE. Sends "ready", then for each
// job {i, at}: `at` the processor's start on the machine's wall clock (performance.timeOrigin +
// performance.now(), as the other latency figures read it).
import { Worker } from "bullmq";
import { Redis } from "ioredis";

const [url, prefix, queue] = process.argv.slice(2);
if (!url || !prefix || !queue || !process.send) throw new Error("usage: fork bench/bullmq-worker.ts URL PREFIX QUEUE");
const send = process.send.bind(process);
const connection = new Redis(url, { maxRetriesPerRequest: null });
const worker = new Worker(
  queue,
  async (job) => {
    const at = performance.timeOrigin + performance.now();
    send({ i: (job.data as { i: number }).i, at });
    return null;
  },
  { connection, prefix, concurrency: 1 },
);
await worker.waitUntilReady();
send("ready");
process.on("disconnect", () => {
  void worker.close().finally(() => {
    connection.disconnect();
    process.exit(0);
  });
});
