#!/usr/bin/env node
// Runs the CLI from src/ (oclif registers tsx itself in development mode). tsx reads the
// tsconfig of the current folder; point it at ours so .tsx files get the react-jsx runtime
// when the CLI is run from a project in another folder.
import { fileURLToPath } from "node:url";
import { execute } from "@oclif/core";

process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL("../tsconfig.json", import.meta.url));
await execute({ development: true, dir: import.meta.url });
