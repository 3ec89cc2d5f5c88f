#!/usr/bin/env bash
# Worked example: check a filter the way the kernel would, then run it over records.
# Run from the repository root after `pnpm install`: bash examples/check-and-eval.sh
set -euo pipefail
ev=sock/inet_sock_set_state

# Accepted: prints the filter as the kernel's filter file would show it, exit 0.
pnpm --silent tfc check 'family == 2 && protocol == 6' --event "$ev"

# Rejected: prints the kernel's own three-line rendering, exit 1.
pnpm --silent tfc check 'family = 2' --event "$ev" || echo "(exit $?)"

# Verdicts per record (1 = the kernel would record the event, 0 = it would drop it).
pnpm --silent tfc eval 'family == 2 && (protocol == 6 || dport >= 5000)' --event "$ev" \
  --records examples/sock-records.jsonl
