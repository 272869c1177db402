import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Backend, type BackendInit, type EnqueueRequest } from "../../contract/backend.js";
import type { ManagementStore } from "../../contract/management.js";
import { readyRecord } from "../../contract/records.js";
import type { WorkerRunner, WorkerRunnerInput } from "../../contract/runner.js";
import { InvalidTaskError, TaskResultDoesNotExist } from "../../core/errors.js";
import type { TaskResultData } from "../../core/result.js";
import type { AnyTask } from "../../core/task.js";
import { type RedisSettings, readSettings, safeUrl } from "./connection.js";
import type { RedisHost } from "./host.js";
import { recordsById } from "./jobs.js";
import { redisKind } from "./kind.js";
import { ProducerLink } from "./link.js";
import { RedisManagement } from "./manage.js";
import { indexMember, type OwnKeys, ownKeys } from "./own-keys.js";
import { jobData, jobOptions } from "./records.js";
import { RedisWorkerRunner } from "./runner.js";

/**
 * Tasks in Redis through BullMQ: one BullMQ Queue per queue name, jobs whose id is the
 * TaskResult id (UUIDv7), run by `tasks worker` (BullMQ Workers, see runner.ts) on any number
 * of machines. Statuses map from BullMQ's states (see records.ts); tasklane keeps three small
 * structures of its own beside the queues (own-keys.ts): an id → queue index, cancelled
 * tombstones and the worker registry. The config opens it with open(), which proves the
 * connection (`tasks check` reports an unreachable Redis). The connection never keeps a script
 * alive once its last command has answered (link.ts); after close() the next use reconnects.
 */
export class RedisBackend extends Backend implements RedisHost {
  readonly kind = "redis";
  readonly supportsDefer = redisKind.capabilities.supportsDefer;
  readonly supportsAsyncTask = redisKind.capabilities.supportsAsyncTask;
  readonly supportsGetResult = redisKind.capabilities.supportsGetResult;
  readonly supportsPriority = redisKind.capabilities.supportsPriority;

  readonly settings: RedisSettings;
  readonly keys: OwnKeys;
  readonly #link: ProducerLink;
  readonly #queues = new Map<string, Queue>();
  /** Queues this process has already added to the `queues` set. */
  readonly #knownQueues = new Set<string>();
  #management: RedisManagement | null = null;

  constructor(init: BackendInit) {
    super(init);
    this.settings = readSettings(init.options);
    this.keys = ownKeys(this.settings.prefix);
    // Queues are bound to the connection they were made on: a new connection needs new ones.
    this.#link = new ProducerLink(this.settings, () => this.#dropQueues());
  }

  /** A backend whose connection is already proven (RedisUnavailableError otherwise). */
  static async open(init: BackendInit): Promise<RedisBackend> {
    const backend = new RedisBackend(init);
    await backend.use(() => backend.client());
    return backend;
  }

  client(): Promise<Redis> {
    return this.#link.client();
  }

  use<T>(fn: () => Promise<T>): Promise<T> {
    return this.#link.use(fn);
  }

  /** The BullMQ Queue of a queue name, on the shared connection (created once per connection). */
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
    // Checked here as well as at config load: with `queues: []` any queue name reaches this point.
    for (const request of requests) {
      const problem = redisKind.queueNameProblem?.(request.queueName);
      if (problem) throw new InvalidTaskError(`Task "${request.taskName}": queue "${request.queueName}" ${problem}`);
    }
    return this.use(() => this.#store(requests));
  }

  async #store(requests: EnqueueRequest[]): Promise<TaskResultData[]> {
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

  getResultData(id: string): Promise<TaskResultData> {
    return this.use(async () => {
      const record = (await recordsById(this, [id])).get(id);
      if (!record) throw new TaskResultDoesNotExist(`No task result with id ${id} in backend "${this.alias}"`);
      return record;
    });
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
    await this.#link.close();
  }

  #dropQueues(): void {
    const queues = [...this.#queues.values()];
    this.#queues.clear();
    // A Queue on a shared connection never closes the connection itself.
    for (const queue of queues) void queue.close().catch(() => {});
  }
}
