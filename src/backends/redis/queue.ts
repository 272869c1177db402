import { Job, type JobsOptions, type MinimalQueue, Queue, type QueueOptions } from "bullmq";

/**
 * Entries BullMQ keeps in each queue's event stream (its default is 10,000). tasklane reads none
 * of them (workers report through their own events, results are read from the jobs), so a short
 * stream is enough for anyone tailing it with QueueEvents.
 */
export const EVENTS_KEPT = 1000;

/**
 * A job stored without the two options BullMQ would copy into its `opts` field though they are
 * the job's own fields already (`jobId` is the key, `timestamp` a field of its own). Those two
 * make `opts` longer than the 64 bytes up to which Redis keeps a hash in its compact encoding
 * (hash-max-listpack-value), and a plain hash costs about three times the memory.
 */
class LeanJob extends Job {
  // biome-ignore lint/suspicious/noExplicitAny: BullMQ's own signature.
  constructor(queue: MinimalQueue, name: string, data: any, opts?: JobsOptions, id?: string) {
    super(queue, name, data, opts, id);
    // Set to undefined, which BullMQ leaves out when it encodes the options, rather than
    // deleted: a delete turns the object into a slow dictionary for everything BullMQ does with
    // it next (single enqueues 3–7% faster in interleaved A/B runs against a local Redis).
    this.opts.jobId = undefined;
    this.opts.timestamp = undefined;
  }
}

/** A BullMQ Queue that stores its jobs lean (see LeanJob); everything else is BullMQ's. */
export class LeanQueue extends Queue {
  constructor(name: string, options: QueueOptions) {
    super(name, { ...options, streams: { events: { maxLen: EVENTS_KEPT } } });
  }

  protected override get Job(): typeof Job {
    // LeanJob's constructor is BullMQ's, without its generic parameters.
    return LeanJob as unknown as typeof Job;
  }
}
