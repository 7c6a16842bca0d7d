#!/usr/bin/env bash
# scripts/test.sh — the project's test command (the README's second command).
# Runs set-up first, starts the services the tests need, then the race tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${MASX_SKIP_SETUP:-}" = 1 ] || scripts/setup.sh
go test -race -shuffle=on -count=1 -timeout 45m ./... "$@"
