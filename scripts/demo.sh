#!/usr/bin/env bash
# The README's demo: enqueue the sample tasks of ./tasks.config.ts into the embedded SQLite
# file, run a worker until nothing is ready, then show what happened.
set -euo pipefail
cd "$(dirname "$0")/.."
tasks() { node bin/run.js "$@"; }

npm run --silent build
echo "── enqueue four sample tasks into .tasks/tasks.sqlite3"
tasks enqueue calculateMeaning
tasks enqueue sendEmail ada@example.com "Welcome aboard"
tasks enqueue report 2026-11-29
tasks enqueue flaky "to show a failure"
echo "── run a worker until the queue is empty"
tasks worker --batch --no-startup-delay
echo "── the results"
tasks results --limit 4
echo "── failures, grouped"
tasks errors
