import { render } from "ink-testing-library";
import { describe, expect, it } from "vitest";
import type { WorkerInfo } from "../../src/contract/management.js";
import { renderPlainSnapshot } from "../../src/ui/watch/plain.js";
import { NO_FILTERS } from "../../src/ui/watch/snapshot.js";
import { WorkersLine } from "../../src/ui/watch/WorkersLine.js";
import { record, snapshotOf, T0 } from "./watch-helpers.js";

// With READY tasks and no live worker, the workers line says none will run them, and how to start one.
const BACKEND = { alias: "default", kind: "sqlite", location: "/srv/tasks.sqlite3", heartbeatMs: 1000 };
const live: WorkerInfo = {
  id: "web-1",
  hostname: "web",
  pid: 7,
  queues: "*",
  startedAt: new Date(T0.getTime() - 60_000),
  lastHeartbeatAt: T0,
  state: "running",
};
const ready = (n: number) => Array.from({ length: n }, (_, i) => record(`00000000000${i}`, { status: "READY" }));
const workersLine = (text: string) => text.split("\n").find((l) => l.startsWith("Workers"));

describe("the workers line when nothing will run the READY tasks", () => {
  it("plain (watch --once): the hint after the count, only with READY tasks and no live worker", () => {
    const plain = (results: ReturnType<typeof ready>, workers: WorkerInfo[] = []) =>
      workersLine(renderPlainSnapshot(snapshotOf(results, { workers }), BACKEND, NO_FILTERS));
    expect(plain(ready(3))).toBe(
      "Workers     0 live (no worker runs the 3 READY tasks: start one with `tasks worker`)",
    );
    expect(plain(ready(1))).toBe("Workers     0 live (no worker runs the 1 READY task: start one with `tasks worker`)");
    expect(plain(ready(3), [live])).toBe("Workers     1 live");
    expect(plain([record("000000000009", { status: "SUCCEEDED" })])).toBe("Workers     0 live");
  });

  it("on the terminal: the same hint on the header's workers line", () => {
    const frame = (ready: number, workers: WorkerInfo[] = []) => {
      const app = render(<WorkersLine workers={workers} heartbeatMs={1000} now={T0.getTime()} ready={ready} />);
      const text = app.lastFrame() ?? "";
      app.unmount();
      return text;
    };
    expect(frame(2)).toBe("workers 0 live · no worker runs the 2 READY tasks: start one with `tasks worker`");
    expect(frame(2, [live])).toMatch(/^workers 1 live: web-1 ♥ /);
    expect(frame(0)).toBe("workers 0 live");
  });

  it("on the terminal, a stale worker follows the hint after a separator, not a colon the command would seem to take", () => {
    const stale: WorkerInfo = { ...live, id: "old-3", lastHeartbeatAt: new Date(T0.getTime() - 40_000) };
    const app = render(<WorkersLine workers={[stale]} heartbeatMs={1000} now={T0.getTime()} ready={2} />);
    const text = app.lastFrame() ?? "";
    app.unmount();
    expect(text).toMatch(
      /^workers 0 live · no worker runs the 2 READY tasks: start one with `tasks worker` · old-3 STALE/,
    );
  });
});
