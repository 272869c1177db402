import type { Redis } from "ioredis";

/** A Lua script to define as a command: how many of its arguments are keys, and its source. */
export interface Script {
  keys: number;
  lua: string;
}

/**
 * The client with these scripts defined as commands, each once per client (ioredis then sends
 * them by EVALSHA and loads them again after a Redis restart). `C` types the commands.
 */
export function withScripts<C>(client: Redis, scripts: Readonly<Record<string, Script>>): Redis & C {
  const defined = client as unknown as Record<string, unknown>;
  for (const [name, { keys, lua }] of Object.entries(scripts)) {
    if (defined[name] === undefined) client.defineCommand(name, { numberOfKeys: keys, lua });
  }
  return client as Redis & C;
}
