import type { KeyInfo } from "./view.js";

/** One key press: the text Ink would give for it alone, and its flags. */
export interface Press {
  input: string;
  key: KeyInfo;
}

/**
 * Ink hands keys typed (or sent by tmux send-keys) faster than it reads as one string, and
 * only parses a string that is a whole key by itself: "jj\r" arrives as input "jj\r" with no
 * `return` flag, so the Enter was lost. This splits such a chunk into one press per character,
 * giving each control character the flags Ink gives it when it arrives alone. Escape sequences
 * (arrows, PgUp…) never reach here merged: Ink splits chunks at each ESC.
 */
export function splitPresses(input: string, key: KeyInfo): Press[] {
  if (input.length <= 1 || key.ctrl || key.meta) return [{ input, key }];
  return [...input].map(pressOf);
}

function pressOf(char: string): Press {
  switch (char) {
    case "\r":
    case "\n":
      return { input: "", key: { return: true } };
    case "\t":
      return { input: "", key: { tab: true } };
    case "\b":
      return { input: "", key: { backspace: true } };
    case "\u007f":
      return { input: "", key: { delete: true } };
  }
  const code = char.charCodeAt(0);
  // Ctrl+letter: 0x01 is Ctrl+A … 0x1a Ctrl+Z (Ctrl+C is 0x03).
  if (code >= 1 && code <= 26) return { input: String.fromCharCode(code + 96), key: { ctrl: true } };
  if (code < 32) return { input: "", key: {} };
  return { input: char, key: /^[A-Z]$/.test(char) ? { shift: true } : {} };
}
