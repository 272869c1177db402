/** How a config that threw as it ran is described (load.ts), and recognised (the CLI's --dotenv hint). */
export const CONFIG_THREW = "the config threw while loading";
