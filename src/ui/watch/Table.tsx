import { Box, Text } from "ink";
import { contentWidths, fitColumns, MARKER_WIDTH, type TableModel } from "./columns.js";
import { cell } from "./format.js";

/** "› ✓ " before a row: the cursor, then the mark of a row marked with space. */
export function marker(isCursor: boolean, isMarked: boolean): string {
  return `${isCursor ? "›" : " "}${isMarked ? "✓" : " "} `;
}

export interface ListTitleProps {
  title: string;
  /** "due soonest first", dim. */
  note?: string;
  /** The `/` filter, in cyan ("no filter" when empty). */
  filter: string;
  top: number;
  shown: number;
  total: number;
  hasMore?: boolean;
  marked: number;
}

/** "SCHEDULED due soonest first · task:mail · 1-10 of 25+ · 3 marked" */
export function ListTitle(props: ListTitleProps) {
  const range = props.total === 0 ? "0" : `${props.top + 1}-${props.top + props.shown} of ${props.total}`;
  return (
    <Text wrap="truncate">
      <Text bold>{props.title}</Text>
      <Text dimColor> {props.note ? `${props.note} · ` : "· "}</Text>
      <Text color={props.filter ? "cyan" : undefined}>{props.filter || "no filter"}</Text>
      <Text dimColor>
        {" "}
        · {range}
        {props.hasMore ? "+" : ""}
      </Text>
      {props.marked > 0 ? <Text color="magenta"> · {props.marked} marked</Text> : null}
    </Text>
  );
}

export interface TableProps {
  model: TableModel;
  title: Omit<ListTitleProps, "top" | "shown" | "total" | "marked">;
  cursor: number;
  top: number;
  /** Rows on screen. */
  rows: number;
  columns: number;
  selected: readonly string[];
  /** Shown instead of rows: "loading…" before the data arrives, else what an empty list means. */
  empty: string;
}

/** Text after right-aligned numbers gets one more space, so "CANCELLED OLDEST DUE" reads as two headings. */
function gaps(model: TableModel): number {
  return model.columns.filter((c, i) => i > 0 && model.columns[i - 1]?.align === "right" && c.align !== "right").length;
}

function withGaps<C extends { align?: "left" | "right" }>(fitted: C[]): (C & { lead: string })[] {
  return fitted.map((c, i) => ({
    ...c,
    lead: i > 0 && fitted[i - 1]?.align === "right" && c.align !== "right" ? " " : "",
  }));
}

/** A tab's list: title, column headings, rows from `top` with the cursor's row highlighted. */
export function Table({ model, title, cursor, top, rows, columns, selected, empty }: TableProps) {
  const room = Math.max(10, columns - MARKER_WIDTH - gaps(model));
  const fitted = withGaps(fitColumns(model.columns, room, contentWidths(model)));
  const shown = model.rows.slice(top, top + rows);
  return (
    <Box flexDirection="column">
      <ListTitle {...title} top={top} shown={shown.length} total={model.rows.length} marked={selected.length} />
      <Text wrap="truncate" dimColor>
        {" ".repeat(MARKER_WIDTH)}
        {fitted.map((c) => c.lead + cell(c.label, c.width, c.align)).join("")}
      </Text>
      {model.rows.length === 0 ? <Text dimColor>{`   ${empty}`}</Text> : null}
      {shown.map((row, i) => {
        const isCursor = top + i === cursor;
        return (
          <Text key={row.id} wrap="truncate" inverse={isCursor}>
            {marker(isCursor, selected.includes(row.id))}
            {fitted.map((c) => {
              const value = row.cells[c.index] ?? { text: "" };
              return (
                <Text key={c.label} color={value.color} dimColor={value.dim && !isCursor}>
                  {c.lead}
                  {cell(value.text, c.width, c.align)}
                </Text>
              );
            })}
          </Text>
        );
      })}
    </Box>
  );
}
