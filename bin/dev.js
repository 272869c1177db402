#!/usr/bin/env node
// Runs the CLI from src/ (oclif registers tsx itself in development mode). tsx reads the
// tsconfig of the current folder; point it at ours so .tsx files get the react-jsx runtime
// when the CLI is run from a project in another folder. The command list and help text come
// from oclif.manifest.json, written by `npm run build`: build again after adding a command or
// changing its flags, or delete that file to have oclif read every command module instead.
import { fileURLToPath } from "node:url";
import { execute } from "@oclif/core";

process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL("../tsconfig.json", import.meta.url));
await execute({ development: true, dir: import.meta.url });
