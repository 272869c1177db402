import { v7 } from "uuid";

/** Result ids are UUIDv7: time-ordered, so they index well and sort by creation. */
export function newResultId(): string {
  return v7();
}
