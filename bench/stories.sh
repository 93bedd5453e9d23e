#!/usr/bin/env bash
# Story lookup and ingest cost at 1k, 10k and 100k stored items
# (BENCHMARKS.md). Builds one synthetic store through Ingest; a minute or
# two on a quiet 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -v -run '^$' -bench '^BenchmarkStories$' -benchtime 3000x -benchmem -timeout 20m ./bench/ "$@"
