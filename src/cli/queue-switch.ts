import type { ActiveConfig } from "../config/registry.js";
import { UsageError } from "../core/errors.js";
import { green } from "../ui/text/style.js";
import { meant } from "./filter-hints.js";
import { openManagement } from "./management.js";

/**
 * `tasks pause` / `tasks resume`: checks the queue names against the backend (a typo is an
 * error, not a silent no-op), switches them, and says what that means: a queue that already was
 * that way is named as unchanged, not as switched.
 */
export async function switchQueues(
  config: ActiveConfig,
  flags: { backend: string; json: boolean },
  given: string[],
  action: "pause" | "resume",
): Promise<void> {
  const { backend, manage } = await openManagement(config, flags.backend);
  if (!manage.pause || !manage.resume) {
    throw new UsageError(`backend "${backend.alias}" (${backend.kind}) cannot pause queues`);
  }
  const queues = [...new Set(given)];
  for (const queue of queues) {
    if (queue.trim() === "") throw new UsageError("a queue name cannot be empty");
    if (backend.queues.length > 0 && !backend.queues.includes(queue)) {
      throw new UsageError(`"${queue}" is not a queue of backend "${backend.alias}" (${backend.queues.join(", ")})`);
    }
  }
  const states = (await manage.queueStates?.()) ?? [];
  const pausedBefore = new Set(states.filter((s) => s.paused).map((s) => s.queueName));
  const unchanged = queues.filter((q) => pausedBefore.has(q) === (action === "pause"));
  const switched = queues.filter((q) => !unchanged.includes(q));
  if (switched.length > 0) {
    if (action === "pause") await manage.pause(switched);
    else await manage.resume(switched);
  }
  const done = action === "pause" ? "paused" : "resumed";
  if (flags.json) {
    const out = unchanged.length > 0 ? { [done]: switched, unchanged } : { [done]: switched };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    for (const queue of switched) {
      process.stdout.write(
        action === "pause"
          ? `${green("paused")} ${queue}: no worker starts its tasks until \`tasks resume ${queue}\`; running ones finish, enqueues still work\n`
          : `${green("resumed")} ${queue}: workers take its tasks again\n`,
      );
    }
    for (const queue of unchanged) {
      process.stdout.write(
        action === "pause" ? `${queue} was paused already\n` : `${queue} was not paused: nothing to resume\n`,
      );
    }
  }
  // Any name is a queue of a backend with \`queues: []\`: say so when no task of the config uses it.
  if (action === "pause" && backend.queues.length === 0) {
    const used = [
      ...new Set([...config.tasks.values()].filter((t) => t.backend === backend.alias).map((t) => t.queueName)),
    ];
    for (const queue of switched.filter((q) => !used.includes(q))) {
      process.stderr.write(`Warning: no task of the config uses queue "${queue}"${meant(queue, used)}\n`);
    }
  }
}
