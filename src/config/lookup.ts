import { ensureConfig } from "./registry.js";
import type { Backend } from "../contract/backend.js";

/** The backend configured under `alias` (loading the config on first use). */
export async function getBackend(alias: string): Promise<Backend> {
  return (await ensureConfig()).getBackend(alias);
}

/** The backend named "default". */
export function defaultBackend(): Promise<Backend> {
  return getBackend("default");
}
