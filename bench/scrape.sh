#!/usr/bin/env bash
# Benchmarks of the html-source path: extracting a listing page with goquery
# (20 and 200 cards), filtering 1,000 items through include/exclude/max_age
# rules, and one robots.txt decision. Results go in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./fetch -run '^$' -bench 'ExtractListing|RulesFilter|RobotsAllowed' -benchmem -count "${COUNT:-3}"
