type Ink = typeof import("ink");
type React = typeof import("react");

let core: Promise<[Ink, React]> | undefined;

/**
 * Ink and React for a terminal screen, always React's production build: react, react/jsx-runtime
 * and react-reconciler pick their build by NODE_ENV when they load, and the development one
 * (the default when NODE_ENV is unset) keeps every render's debug data, so `tasks watch` grew by
 * about a megabyte a second. NODE_ENV reads "production" only while they load (once per process;
 * Node caches them, so the screens' own imports of react get the same build) and is restored
 * after, unset again if it was: task code in the worker process keeps its own NODE_ENV.
 */
export async function loadInk<T>(component: () => Promise<T>): Promise<[Ink, React, T]> {
  core ??= inProduction(async () => {
    const [ink, React] = await Promise.all([import("ink"), import("react"), import("react/jsx-runtime")]);
    return [ink, React];
  });
  const [ink, React] = await core;
  return [ink, React, await component()];
}

async function inProduction<T>(load: () => Promise<T>): Promise<T> {
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    return await load();
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
  }
}
