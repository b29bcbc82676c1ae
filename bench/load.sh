#!/bin/sh
# The load test at full size: 100 concurrent clients × 100 ConverseStream calls against the
# emulator with 1% injected faults, for the async client (every client a task on one thread)
# and the blocking client (one thread per client). It asserts what `cargo test --workspace`
# asserts at 20 × 10 (see conformance/tests/load.rs) and prints a summary per client: calls,
# faults injected by kind, retries, errors by kind, the retry quota left, wall time, and the
# resident set after the warm-up and after the run.
#
#     bench/load.sh            # release build
#     bench/load.sh --debug    # the test profile cargo test uses
set -eu
cd "$(dirname "$0")/.."
profile=--release
if [ "${1:-}" = "--debug" ]; then
    profile=
fi
BEDROCK_LOAD_FULL=1 exec cargo test $profile -p bedrock-conformance --test load
