import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { SHARED_TASK_NAMES, SHARED_TASKS } from "../../../src/testing/task-source.js";
import { redisUrl, uniquePrefix } from "../../conformance/redis-server.js";
import { tasks } from "../../helpers/cli.js";
import { makeProject, type Project } from "../../helpers/project.js";

/** Tasks the redis control, why and failure tests add to the shared ones. */
const TASKS = `
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
export const backsOff = task({ maxAttempts: 3, backoff: { type: "fixed", delayMs: 3_600_000 } }, () => {
  throw new Error("upstream down");
});
export const slowSleep = task({ queueName: "slow" }, async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
export const ratedNoop = task({ queueName: "rated" }, () => null);
`;
const NAMES = "chargeCard, refund, parse, backsOff, slowSleep, ratedNoop";

/** Limits of the project's config: slow runs one at a time, rated starts once a minute. */
export const LIMITS = "{ slow: { concurrency: 1 }, rated: { rate: { limit: 1, periodMs: 60000 } } }";

export interface RedisProject {
  p: Project;
  prefix: string;
  /** `tasks …` against the project (the built binary). */
  cli(args: string[]): ReturnType<typeof tasks>;
  /** A BullMQ Queue of the project's prefix on its own connection (closed by cleanup). */
  queue(name: string): Queue;
  cleanup(): Promise<void>;
}

/** The redis backend's entry of a config (its options and limits), on the tests' Redis. */
export function backendEntry(prefix: string, limits: string | null = LIMITS, options = ""): string {
  const url = JSON.stringify(redisUrl());
  return `{ backend: "redis", queues: ["default", "emails", "slow", "rated"],${limits ? ` limits: ${limits},` : ""}
      options: { url: ${url}, prefix: "${prefix}", heartbeatMs: 200${options} } }`;
}

export function configText(entry: string): string {
  return `${SHARED_TASKS}
${TASKS}
export default defineConfig({
  backends: { default: ${entry} },
  tasks: { ${SHARED_TASK_NAMES}, ${NAMES} },
});
`;
}

/** A throwaway project on the tests' Redis with a key prefix of its own. */
export async function redisProject(limits: string | null = LIMITS, options = ""): Promise<RedisProject> {
  const prefix = uniquePrefix("ctl");
  const p = await makeProject(configText(backendEntry(prefix, limits, options)));
  const queues: Queue[] = [];
  let client: Redis | undefined;
  return {
    p,
    prefix,
    cli: (args) => tasks([...args, "--config", p.configPath], { cwd: p.dir }),
    queue(name) {
      client ??= new Redis(redisUrl(), { maxRetriesPerRequest: null });
      const queue = new Queue(name, { connection: client, prefix });
      queues.push(queue);
      return queue;
    },
    async cleanup() {
      for (const queue of queues.splice(0)) await queue.close();
      client?.disconnect();
      await p.cleanup();
    },
  };
}
