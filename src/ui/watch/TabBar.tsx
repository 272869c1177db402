import { Text } from "ink";
import { type TabId, tabBarItems } from "./tabs.js";

export interface TabBarProps {
  tabs: readonly TabId[];
  active: TabId;
  columns: number;
}

/** "1 Overview  2 Queues  3 Scheduled …", the active tab highlighted. */
export function TabBar({ tabs, active, columns }: TabBarProps) {
  const items = tabBarItems(tabs, active, columns);
  return (
    <Text wrap="truncate">
      {items.map((item, i) => (
        <Text key={item.tab}>
          {i > 0 ? "  " : ""}
          {item.active ? (
            <Text inverse bold>
              {item.text}
            </Text>
          ) : (
            <Text dimColor>{item.text}</Text>
          )}
        </Text>
      ))}
    </Text>
  );
}
