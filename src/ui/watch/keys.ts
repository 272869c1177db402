import { graphemes } from "./format.js";
import { askConfirm, askGroups, askQueue, askTasks } from "./keys-ask.js";
import { reduceList, reduceScroll } from "./keys-list.js";
import type { KeyContext, KeyInfo, Reduced, ViewState } from "./view.js";

/**
 * One pure reducer from key presses to the next view state plus an effect for the container
 * to run (quit, retry, cancel, pause a queue). The state and its types live in view.ts.
 */
export * from "./view.js";

function isText(input: string, key: KeyInfo): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  return input.length > 0 && !key.ctrl && !key.meta && !/[\u0000-\u001f\u007f]/.test(input);
}

function reduceConfirm(state: ViewState, input: string): Reduced {
  const confirm = state.confirm;
  if (!confirm) return { state: { ...state, mode: "list" } };
  const back = { ...state, mode: confirm.from, confirm: null } satisfies ViewState;
  if (input === "y" || input === "Y") {
    // A bulk action empties the marks: what was marked has been acted on.
    const selected = confirm.effect.type === "retry" || confirm.effect.type === "cancel" ? back.selected : [];
    return { state: { ...back, selected, message: { text: confirm.doing, tone: "info" } }, effect: confirm.effect };
  }
  return { state: { ...back, message: { text: confirm.declined, tone: "info" } } };
}

function reduceFilter(state: ViewState, input: string, key: KeyInfo): Reduced {
  if (key.escape) return { state: { ...state, mode: "list", draft: "" } };
  if (key.return) {
    const text = state.draft.trim();
    const next = { ...state, mode: "list", draft: "", cursor: 0, cursorId: null, top: 0, message: null } as const;
    if (state.tab === "overview") return { state: { ...next, filters: { ...state.filters, taskText: text } } };
    return { state: { ...next, texts: { ...state.texts, [state.tab]: text } } };
  }
  if (key.backspace || key.delete) return { state: { ...state, draft: withoutLastCharacter(state.draft) } };
  if (key.ctrl && input === "u") return { state: { ...state, draft: "" } };
  if (isText(input, key)) return { state: { ...state, draft: state.draft + input } };
  return { state };
}

function reduceHelp(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): Reduced {
  if (key.escape || key.return || key.leftArrow || input === "?" || input === "q") {
    return { state: { ...state, mode: state.helpFrom, helpScroll: 0 } };
  }
  const scrolled = reduceScroll(state.helpScroll, input, key, ctx.helpLines ?? 0, ctx.detailPage);
  return { state: scrolled === null ? state : { ...state, helpScroll: scrolled } };
}

function reduceDetail(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): Reduced {
  if (key.escape || key.leftArrow) return { state: { ...state, mode: "list", detailScroll: 0 } };
  const scrolled = reduceScroll(state.detailScroll, input, key, ctx.detailLines, ctx.detailPage);
  if (scrolled !== null) return { state: { ...state, detailScroll: scrolled } };
  if (input === "R" || input === "C") {
    const action = input === "R" ? "retry" : "cancel";
    if (state.tab === "errors") return askGroups(state, action, ctx, state.detailId);
    return askConfirm(state, action, ctx.detail);
  }
  return { state };
}

function reduceActions(state: ViewState, input: string, ctx: KeyContext): Reduced | null {
  if (input === "R" || input === "C") {
    const action = input === "R" ? "retry" : "cancel";
    if (state.tab === "errors") return askGroups(state, action, ctx, null);
    return askTasks(state, action, ctx);
  }
  if (input === "P") return askQueue(state, ctx);
  return null;
}

export function reduceKey(state: ViewState, input: string, key: KeyInfo, ctx: KeyContext): Reduced {
  if (key.ctrl && input === "c") return { state, effect: { type: "quit" } };
  if (state.mode === "confirm") return reduceConfirm(state, input);
  if (state.mode === "filter") return reduceFilter(state, input, key);
  // Any other key dismisses the last message.
  const base = state.message ? { ...state, message: null } : state;
  if (state.mode === "help") return reduceHelp(base, input, key, ctx);
  if (input === "q") return { state: base, effect: { type: "quit" } };
  if (input === "?") {
    const from = state.mode === "detail" ? "detail" : "list";
    return { state: { ...base, mode: "help", helpFrom: from, helpScroll: 0 } };
  }
  if (input === "p") return { state: { ...base, paused: !base.paused } };
  if (state.mode === "detail") return reduceDetail(base, input, key, ctx);
  return reduceActions(base, input, ctx) ?? reduceList(base, input, key, ctx);
}

/** The draft less its last character as a person sees it: an emoji (two UTF-16 units or more) goes whole. */
function withoutLastCharacter(text: string): string {
  let last = 0;
  for (const { index } of graphemes.segment(text)) last = index;
  return text.slice(0, last);
}
