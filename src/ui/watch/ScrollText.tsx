import { Box, Text } from "ink";
import type { ReactNode } from "react";
import type { DetailLine } from "./detail.js";

export interface ScrollTextProps {
  /** The title line's own part; " · lines 1-17 of 59" follows it. */
  heading: ReactNode;
  /** Dim text after the line range. */
  note?: string;
  lines: readonly DetailLine[];
  scroll: number;
  rows: number;
}

/** Lines of text under a title, from `scroll` on (the detail and help views). */
export function ScrollText({ heading, note, lines, scroll, rows }: ScrollTextProps) {
  const shown = lines.slice(scroll, scroll + rows);
  const end = Math.min(lines.length, scroll + rows);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {heading}
        <Text dimColor>
          {" "}
          · lines {lines.length === 0 ? 0 : scroll + 1}-{end} of {lines.length}
          {note ? ` · ${note}` : ""}
        </Text>
      </Text>
      {shown.map((line, i) => (
        <Text
          // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional.
          key={scroll + i}
          wrap="truncate"
          color={line.color}
          bold={line.bold}
          dimColor={line.dim}
        >
          {line.text || " "}
        </Text>
      ))}
    </Box>
  );
}
