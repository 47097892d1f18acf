#!/usr/bin/env bash
# Run the benchmarks on one database and write its section of bench/RESULTS.md.
#   bench/run.sh sqlite   [--scales 10000,100000,1000000] [--duration 10]
#   bench/run.sh postgres [...]   (starts a throwaway PostgreSQL cluster, durable settings)
set -euo pipefail
cd "$(dirname "$0")/.."
db=${1:-sqlite}; shift || true
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
if [ "$db" = postgres ]; then
  # The test cluster script turns fsync off; for benchmarks we want Debian's durable defaults.
  export PORTAL_BENCH_DURABLE=1
  exec .ci/with-postgres.sh bash -c 'DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/python -m bench.bench --db postgres --output bench/RESULTS.md "$@"' _ "$@"
fi
exec .venv/bin/python -m bench.bench --db sqlite --output bench/RESULTS.md "$@"
