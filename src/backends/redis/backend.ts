import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Backend, type BackendInit, type EnqueueRequest } from "../../contract/backend.js";
import type { ManagementStore } from "../../contract/management.js";
import { readyRecord } from "../../contract/records.js";
import type { WorkerRunner, WorkerRunnerInput } from "../../contract/runner.js";
import { TaskResultDoesNotExist } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import type { AnyTask } from "../../core/task.js";
import { connect, type OwnKeys, ownKeys, type RedisSettings, readSettings, safeUrl } from "./connection.js";
import { redisKind } from "./kind.js";
import { RedisManagement } from "./manage.js";
import { indexMember, type JobData, queuesOf, readJobs, toBullPriority, toRecord } from "./records.js";
import { RedisWorkerRunner } from "./runner.js";

/** The custom BullMQ backoff type: the delay is computed by the worker (src/retry.ts). */
export const BACKOFF_TYPE = "tasklane";

/**
 * Tasks in Redis through BullMQ: one BullMQ Queue per queue name, jobs whose id is the
 * TaskResult id (UUIDv7), run by `tasks worker` (BullMQ Workers, see runner.ts) on any number
 * of machines. Statuses map from BullMQ's states (see records.ts); tasklane keeps three small
 * structures of its own beside the queues (connection.ts): an id → queue index, cancelled
 * tombstones and the worker registry. The config opens it with open(), which proves the connection
 * (`tasks check` reports an unreachable Redis); after close() the next use reconnects.
 */
export class RedisBackend extends Backend {
  readonly kind = "redis";
  readonly supportsDefer = redisKind.capabilities.supportsDefer;
  readonly supportsAsyncTask = redisKind.capabilities.supportsAsyncTask;
  readonly supportsGetResult = redisKind.capabilities.supportsGetResult;
  readonly supportsPriority = redisKind.capabilities.supportsPriority;

  readonly settings: RedisSettings;
  readonly keys: OwnKeys;
  #client: Promise<Redis> | null = null;
  readonly #queues = new Map<string, Queue>();
  /** Queues this process has already added to the `queues` set. */
  readonly #knownQueues = new Set<string>();
  #management: RedisManagement | null = null;

  constructor(init: BackendInit) {
    super(init);
    this.settings = readSettings(init.options);
    this.keys = ownKeys(this.settings.prefix);
  }

  /** A backend whose connection is already proven (RedisUnavailableError otherwise). */
  static async open(init: BackendInit): Promise<RedisBackend> {
    const backend = new RedisBackend(init);
    await backend.client();
    return backend;
  }

  /** The shared producer connection, proven with a PING (RedisUnavailableError otherwise). */
  client(): Promise<Redis> {
    if (!this.#client) {
      this.#client = connect(this.settings);
      this.#client.catch(() => {
        this.#client = null;
      });
    }
    return this.#client;
  }

  /** The BullMQ Queue of a queue name, on the shared connection (created once). */
  async queue(name: string): Promise<Queue> {
    const client = await this.client();
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: client, prefix: this.settings.prefix });
      // Errors surface on the awaited commands; the event would only print them twice.
      queue.on("error", () => {});
      this.#queues.set(name, queue);
    }
    return queue;
  }

  protected async storeTasks(_task: AnyTask, requests: EnqueueRequest[]): Promise<TaskResultData[]> {
    const now = new Date();
    const records = requests.map((request) => readyRecord(this.alias, request, now));
    const byQueue = new Map<string, TaskResultData[]>();
    for (const record of records) {
      const list = byQueue.get(record.queueName) ?? [];
      list.push(record);
      byQueue.set(record.queueName, list);
    }
    const client = await this.client();
    const queues = new Map<string, Queue>();
    for (const name of byQueue.keys()) queues.set(name, await this.queue(name));
    // The index entries go first on the same connection, so a getResult right after the
    // enqueue (from any process) always finds the queue. Nothing waits in between: the
    // commands travel together and cost one round trip.
    const members = records.flatMap((record) => [0, indexMember(record.id, record.queueName)]);
    const writes: Promise<unknown>[] = [client.zadd(this.keys.index, ...members)];
    const newQueues = [...byQueue.keys()].filter((name) => !this.#knownQueues.has(name));
    if (newQueues.length > 0) {
      const remember = () => {
        for (const name of newQueues) this.#knownQueues.add(name);
      };
      writes.push(client.sadd(this.keys.queues, ...newQueues).then(remember));
    }
    for (const [name, list] of byQueue) {
      const queue = queues.get(name) as Queue;
      const [only] = list;
      // One job: BullMQ's add (one script call) is cheaper than addBulk's pipeline.
      if (list.length === 1 && only) writes.push(queue.add(only.taskName, jobData(only), jobOptions(only, now)));
      else {
        const jobs = list.map((record) => ({
          name: record.taskName,
          data: jobData(record),
          opts: jobOptions(record, now),
        }));
        writes.push(queue.addBulk(jobs));
      }
    }
    await Promise.all(writes);
    return records;
  }

  async getResultData(id: string): Promise<TaskResultData> {
    const client = await this.client();
    const queueName = (await queuesOf(client, this.keys, [id])).get(id);
    const [snap] = queueName ? await readJobs(client, this.settings.prefix, this.keys, [{ id, queueName }]) : [];
    if (!snap) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
    return toRecord(this.alias, snap);
  }

  override createWorkerRunner(input: WorkerRunnerInput): WorkerRunner {
    return new RedisWorkerRunner(this, input);
  }

  override management(): ManagementStore {
    this.#management ??= new RedisManagement(this);
    return this.#management;
  }

  override describeLocation(): string {
    return `${safeUrl(this.settings.url)} (prefix "${this.settings.prefix}")`;
  }

  override async close(): Promise<void> {
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    await Promise.all(queues.map((q) => q.close().catch(() => {})));
    const client = this.#client;
    this.#client = null;
    const open = await client?.catch(() => null);
    if (open) await open.quit().catch(() => open.disconnect());
  }
}

/** The job's data: kept small (it is stored, sent and parsed for every job). */
function jobData(record: TaskResultData): JobData {
  const data: JobData = { args: record.args };
  if (record.runAfter) data.runAfter = record.runAfter.getTime();
  if (record.maxAttempts !== 1) data.maxAttempts = record.maxAttempts;
  return data;
}

/** BullMQ options; results are kept until `tasks prune` (BullMQ's default keeps finished jobs). */
function jobOptions(record: TaskResultData, now: Date) {
  const delay = record.runAfter ? Math.max(0, record.runAfter.getTime() - now.getTime()) : 0;
  return {
    jobId: record.id,
    priority: toBullPriority(record.priority),
    timestamp: now.getTime(),
    ...(delay > 0 ? { delay } : {}),
    // Retries are decided by the worker (attempts used vs maxAttempts, counting lost runs);
    // BullMQ's own counter is an upper bound and the delay comes from the custom strategy.
    ...(record.maxAttempts > 1 ? { attempts: record.maxAttempts, backoff: { type: BACKOFF_TYPE } } : {}),
  };
}
