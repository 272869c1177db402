import { Text } from "ink";
import { count, sparkline } from "./format.js";

/** "throughput ▁▁▂▅█▃ 30m · last min 12 · total 240": finished results per minute, oldest first. */
export function Sparkline({ values }: { values: readonly number[] }) {
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <Text wrap="truncate">
      <Text dimColor>throughput </Text>
      <Text color="cyan">{values.length > 0 ? sparkline(values) : "-"}</Text>
      <Text dimColor> {values.length}m · last min </Text>
      <Text bold>{count(values.at(-1) ?? 0)}</Text>
      <Text dimColor> · total </Text>
      <Text bold>{count(total)}</Text>
    </Text>
  );
}
