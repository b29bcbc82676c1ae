#!/usr/bin/env bash
# The load test at full size: 100 concurrent clients × 100 ConverseStream calls against the
# emulator with 1% injected faults, for the async client (every client a task on one thread)
# and the blocking client (one thread per client). It asserts what `cargo test --workspace`
# asserts at 20 × 10 (see conformance/tests/load.rs) and prints a summary per client: calls,
# faults injected by kind, retries, errors by kind, the retry quota left, wall time, the
# longest call, and the resident set after the warm-up and after the run. The summary also
# goes to bench/results/load.txt, headed by the date, the machine and the profile.
#
#     bench/load.sh            # release build
#     bench/load.sh --debug    # the test profile `cargo test` uses
set -euo pipefail
cd "$(dirname "$0")/.."
profile=(--release)
name=release
if [ "${1:-}" = "--debug" ]; then
    profile=()
    name=debug
fi
cargo test "${profile[@]}" -p bedrock-conformance --test load --no-run
mkdir -p bench/results
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
{
    echo "# bench/load.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($cpu), $name profile"
    BEDROCK_LOAD_FULL=1 cargo test -q "${profile[@]}" -p bedrock-conformance --test load
} | tee bench/results/load.txt
