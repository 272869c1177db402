import type { ShownStatus } from "./status.js";

// Plain ANSI, no dependency: colour only on a TTY and when NO_COLOR is unset.
const enabled = () => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (enabled() ? `\u001b[${code}m${text}\u001b[0m` : text);

export const bold = paint("1");
export const dim = paint("2");
export const red = paint("31");
export const green = paint("32");
export const yellow = paint("33");
export const blue = paint("34");
export const cyan = paint("36");

const STATUS_COLOURS: Record<ShownStatus, (t: string) => string> = {
  READY: blue,
  SCHEDULED: cyan,
  RUNNING: yellow,
  SUCCEEDED: green,
  FAILED: red,
  CANCELLED: dim,
};

export function colourStatus(status: ShownStatus, text: string = status): string {
  return STATUS_COLOURS[status](text);
}
