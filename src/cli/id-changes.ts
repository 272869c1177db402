import type { ActiveConfig } from "../config/registry.js";
import type { IdOutcome, ManagementStore } from "../contract/management.js";
import { TasklaneError } from "../core/errors.js";
import { green, red } from "../ui/text/style.js";
import { openManagement, otherBackends, resolveId } from "./management.js";

type Outcome = IdOutcome & { input: string };

/**
 * Shared by retry and cancel: resolve each typed id on its own (a bad one does not stop the
 * others), apply the change, print one line per id and a summary, exit 1 if any failed.
 */
export async function changeByIds(
  config: ActiveConfig,
  flags: { backend: string; json: boolean },
  typed: string[],
  change: { verb: string; apply(manage: ManagementStore, ids: string[]): Promise<IdOutcome[]> },
): Promise<void> {
  const { manage } = await openManagement(config, flags.backend);
  // Each input's line of the report, in the order given: its own failure, or the id it names.
  const lines: (Outcome | string)[] = [];
  const resolved: { input: string; id: string }[] = [];
  for (const input of typed) {
    try {
      const id = await resolveId(manage, input, otherBackends(config, flags.backend));
      // The same task named twice (in full and by a short id, say) is changed and counted once.
      if (lines.includes(id)) continue;
      lines.push(id);
      resolved.push({ input, id });
    } catch (error) {
      if (!(error instanceof TasklaneError)) throw error;
      lines.push({ input, id: input, ok: false, reason: error.message });
    }
  }
  await applyAndReport(manage, flags, resolved, change, (applied) => {
    const byId = new Map(applied.map((outcome) => [outcome.id, outcome]));
    return lines.flatMap((line) => (typeof line === "string" ? (byId.get(line) ?? []) : [line]));
  });
}

/**
 * Applies the change to ids already known to exist (from a group, say, or resolved above),
 * prints one line per id and a summary, and exits 1 if any failed. `report` orders the outcomes
 * (with the failures found before) as the ids were given.
 */
export async function applyAndReport(
  manage: ManagementStore,
  flags: { json: boolean },
  resolved: { input: string; id: string }[],
  change: { verb: string; apply(manage: ManagementStore, ids: string[]): Promise<IdOutcome[]> },
  report: (applied: Outcome[]) => Outcome[] = (applied) => applied,
): Promise<void> {
  const applied = await change.apply(
    manage,
    resolved.map((r) => r.id),
  );
  const outcomes = report(applied.map((outcome, i) => ({ ...outcome, input: resolved[i]?.input ?? outcome.id })));
  const failed = outcomes.filter((o) => !o.ok);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(outcomes, null, 2)}\n`);
  } else {
    for (const o of outcomes) {
      process.stdout.write(o.ok ? `${green(change.verb)} ${o.id}\n` : `${red("failed")} ${o.input}: ${o.reason}\n`);
    }
    const ok = outcomes.length - failed.length;
    process.stdout.write(`${ok} ${change.verb}, ${failed.length} failed\n`);
  }
  if (failed.length > 0) process.exitCode = 1;
}
