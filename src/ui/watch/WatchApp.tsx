import { Box, useApp, useInput, useStdin } from "ink";
import { useEffect, useMemo, useRef, useState } from "react";
import type { TaskResultData } from "../../core/result.js";
import { shortId } from "../text/format.js";
import { DetailView } from "./DetailView.js";
import { detailLines } from "./detail.js";
import { Footer } from "./Footer.js";
import { Header } from "./Header.js";
import {
  type Effect,
  initialView,
  type KeyContext,
  type Message,
  reconcile,
  reduceKey,
  type ViewState,
} from "./keys.js";
import { computeLayout } from "./layout.js";
import { QueuesPanel } from "./QueuesPanel.js";
import { ResultsList } from "./ResultsList.js";
import {
  type ActOnTask,
  type BackendInfo,
  type FetchSnapshot,
  NO_FILTERS,
  registeredMatches,
  type WatchFilters,
} from "./snapshot.js";
import { useSnapshot } from "./useSnapshot.js";
import { useTerminalSize } from "./useTerminalSize.js";

export interface WatchAppProps {
  backend: BackendInfo;
  /** Data access lives in the command; the app only calls these. */
  fetchSnapshot: FetchSnapshot;
  retry: ActOnTask;
  cancel: ActOnTask;
  intervalMs: number;
  initialFilters?: WatchFilters;
  /** Registered task names, to show what a `/` filter matches while typing. */
  taskNames?: readonly string[];
  /** The backend's configured queues (Tab also cycles through queues seen in the data). */
  queueNames?: readonly string[];
}

/** The `tasks watch` dashboard: keeps the view state, handles keys, and lays out the panels. */
export function WatchApp(props: WatchAppProps) {
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const [view, setView] = useState<ViewState>(() => initialView(props.initialFilters ?? NO_FILTERS));
  // Keys may arrive faster than renders: reduce against the latest state, not the last rendered one.
  const viewRef = useRef(view);
  const update = (next: ViewState) => {
    viewRef.current = next;
    setView(next);
  };
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const { snapshot, error, refresh } = useSnapshot(props.fetchSnapshot, {
    intervalMs: props.intervalMs,
    paused: view.paused,
    filters: view.filters,
  });
  const results = snapshot?.results ?? [];
  const now = snapshot?.takenAt.getTime() ?? Date.now();
  const layout = computeLayout(rows, snapshot?.queues.length ?? 0);

  // New data or a new page size: re-anchor the selection before this frame is shown (React's
  // "adjust state while rendering" pattern, so no frame shows the cursor on the wrong row).
  const [anchored, setAnchored] = useState({ snapshot, rows: layout.resultRows });
  if (snapshot && (anchored.snapshot !== snapshot || anchored.rows !== layout.resultRows)) {
    setAnchored({ snapshot, rows: layout.resultRows });
    update(reconcile(viewRef.current, snapshot.results, layout.resultRows));
  }

  // The detail view follows its result across refreshes, and keeps the last copy if it leaves the list.
  const lastDetail = useRef<TaskResultData | null>(null);
  const fresh = view.detailId ? results.find((r) => r.id === view.detailId) : undefined;
  if (fresh) lastDetail.current = fresh;
  const detail = view.detailId && lastDetail.current?.id === view.detailId ? lastDetail.current : null;
  const lines = useMemo(() => (detail ? detailLines(detail, columns, now) : []), [detail, columns, now]);

  const queueNames = useMemo(
    () => [...new Set([...(props.queueNames ?? []), ...(snapshot?.queues.map((q) => q.queueName) ?? [])])],
    [props.queueNames, snapshot],
  );
  const ctx: KeyContext = {
    results,
    pageSize: layout.resultRows,
    detail,
    detailLines: lines.length,
    detailPage: layout.detailRows,
    queueNames,
  };

  const say = (message: Message) => {
    if (alive.current) update({ ...viewRef.current, message });
  };
  const run = (effect: Effect) => {
    if (effect.type === "quit") return exit();
    const retrying = effect.type === "retry";
    const label = `${effect.taskName} ${shortId(effect.id)}`;
    (retrying ? props.retry : props.cancel)(effect.id)
      .then(
        (outcome) =>
          say(
            outcome.ok
              ? { text: retrying ? `Retried ${label}: READY again` : `Cancelled ${label}`, tone: "ok" }
              : { text: `Could not ${effect.type} ${label}: ${outcome.reason ?? "refused"}`, tone: "error" },
          ),
        (caught: unknown) =>
          say({ text: `Could not ${effect.type} ${label}: ${(caught as Error)?.message ?? caught}`, tone: "error" }),
      )
      .finally(() => {
        if (alive.current) refresh();
      });
  };

  // Ink re-subscribes the handler in an effect: a key arriving before that must still see this render's data.
  const latest = useRef({ ctx, run });
  latest.current = { ctx, run };
  useInput(
    (input, key) => {
      const { ctx, run } = latest.current;
      // Keys typed faster than Ink reads arrive as one string ("jjj"): one reduction per key.
      const presses = input.length > 1 && !key.ctrl && !key.meta ? [...input] : [input];
      for (const press of presses) {
        const { state, effect } = reduceKey(viewRef.current, press, key, ctx);
        update(state);
        if (effect) run(effect);
      }
    },
    { isActive: isRawModeSupported },
  );

  const showDetail = detail !== null && (view.mode === "detail" || view.confirm?.from === "detail");
  return (
    <Box flexDirection="column" width={columns}>
      <Header backend={props.backend} snapshot={snapshot} error={error} paused={view.paused} />
      {showDetail ? (
        <DetailView
          result={detail}
          lines={lines}
          scroll={Math.min(view.detailScroll, Math.max(0, lines.length - layout.detailRows))}
          rows={layout.detailRows}
          stale={fresh === undefined}
        />
      ) : (
        <>
          <QueuesPanel queues={snapshot?.queues ?? []} maxRows={layout.queueRows} now={now} />
          <ResultsList
            results={results}
            hasMore={snapshot?.hasMore ?? false}
            cursor={view.cursor}
            top={view.top}
            rows={layout.resultRows}
            columns={columns}
            filters={view.filters}
            now={now}
            loading={snapshot === null}
          />
        </>
      )}
      <Footer
        mode={view.mode}
        columns={columns}
        draft={view.draft}
        matches={view.mode === "filter" ? registeredMatches(view.draft, props.taskNames ?? []) : []}
        confirm={view.confirm}
        message={view.message}
      />
    </Box>
  );
}
