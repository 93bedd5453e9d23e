#!/usr/bin/env bash
# Poll cycle benchmark: 200 sources on loopback, half good and half hostile
# (hang, slow drip, 2 GiB body, gzip bomb, redirect loop, 429, 500, 410,
# HTML page, truncated feed, billion laughs, XXE), polled as the daemon
# does. Prints a Markdown table per configuration; BENCHMARKS.md holds the
# last results. Bounded: each configuration takes well under a minute.
#
#   bench/pollcycle.sh            # both configurations below
#   bench/pollcycle.sh -concurrency 8 -timeout 10s   # one of your own
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o /tmp/pressfeed-pollcycle ./bench/pollcycle
if [ "$#" -gt 0 ]; then
  exec /tmp/pressfeed-pollcycle "$@"
fi
for c in 4 16; do
  /tmp/pressfeed-pollcycle -sources 200 -concurrency "$c" -timeout 5s
  echo
done
