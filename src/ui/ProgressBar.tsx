import { Box, Text } from "ink";

export interface ProgressBarProps {
  label: string;
  done: number;
  total: number;
  width?: number;
}

/** "Deleting  [██████░░░░░░]  52%  5,200 / 10,000" */
export function ProgressBar({ label, done, total, width = 30 }: ProgressBarProps) {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  return (
    <Box gap={1}>
      <Text>{label}</Text>
      <Text color="green">{"█".repeat(filled)}</Text>
      <Text dimColor>{"░".repeat(width - filled)}</Text>
      <Text>{`${Math.round(fraction * 100)}%`.padStart(4)}</Text>
      <Text dimColor>
        {done.toLocaleString("en-US")} / {total.toLocaleString("en-US")}
      </Text>
    </Box>
  );
}
