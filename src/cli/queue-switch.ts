import type { ActiveConfig } from "../config/registry.js";
import { UsageError } from "../core/errors.js";
import { green } from "../ui/text/style.js";
import { openManagement } from "./management.js";

/**
 * `tasks pause` / `tasks resume`: checks the queue names against the backend (a typo is an
 * error, not a silent no-op), switches them, and says what that means.
 */
export async function switchQueues(
  config: ActiveConfig,
  flags: { backend: string; json: boolean },
  queues: string[],
  action: "pause" | "resume",
): Promise<void> {
  const { backend, manage } = await openManagement(config, flags.backend);
  if (!manage.pause || !manage.resume) {
    throw new UsageError(`backend "${backend.alias}" (${backend.kind}) cannot pause queues`);
  }
  for (const queue of queues) {
    if (queue.trim() === "") throw new UsageError("a queue name cannot be empty");
    if (backend.queues.length > 0 && !backend.queues.includes(queue)) {
      throw new UsageError(`"${queue}" is not a queue of backend "${backend.alias}" (${backend.queues.join(", ")})`);
    }
  }
  if (action === "pause") await manage.pause(queues);
  else await manage.resume(queues);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ [action === "pause" ? "paused" : "resumed"]: queues }, null, 2)}\n`);
    return;
  }
  for (const queue of queues) {
    process.stdout.write(
      action === "pause"
        ? `${green("paused")} ${queue}: no worker starts its tasks until \`tasks resume ${queue}\`; running ones finish, enqueues still work\n`
        : `${green("resumed")} ${queue}: workers take its tasks again\n`,
    );
  }
}
