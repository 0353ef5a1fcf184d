#!/usr/bin/env bash
# The full reliability run behind RELIABILITY.md: the same tests as CI, at full strength.
#   25 crash/restart cycles, 1000 fuzz cases per command body, 200 schemathesis examples per
#   operation, everything else as in CI. Release build; about 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export YINLING_CRASH_CYCLES="${YINLING_CRASH_CYCLES:-25}"
export YINLING_FUZZ_CASES="${YINLING_FUZZ_CASES:-1000}"
export YINLING_SCHEMATHESIS_EXAMPLES="${YINLING_SCHEMATHESIS_EXAMPLES:-200}"
echo "reliability run $(date -u +%FT%TZ) on $(nproc) cores, commit $(git rev-parse --short HEAD)"
for t in crash races damage fuzz_bodies schemathesis security api_durability; do
  echo "== $t"
  cargo test --release -q --test "$t" -- --nocapture 2>&1 | grep -E "crash test|cycle|fuzzed|schemathesis|generated|test result|panicked|SKIPPED" || true
done
echo "== faults (in process)"
cargo test --release -q -p yinling-api --test faults 2>&1 | grep -E "test result|panicked"
echo "== codec fuzz (property tests of the ledger)"
PROPTEST_CASES=5000 cargo test --release -q -p yinling-ledger --test properties 2>&1 | grep -E "test result|panicked"
