#!/usr/bin/env bash
# Runs fuzz targets one after another for a fixed time each, from corpora seeded by the vectors,
# and prints one line per target: runs, coverage, corpus, seconds. Any crash fails the script and
# leaves the reproducer in fuzz/artifacts/<target>/.
#
#   fuzz/campaign.sh SECONDS [TARGET...]      (default: every target in fuzz/Cargo.toml)
#
# CI runs it for a short time per target; the campaign recorded in fuzz/README.md ran it for
# 600 s or more per target.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
seconds=${1:?usage: campaign.sh SECONDS [TARGET...]}
shift
if [ $# -eq 0 ]; then
  set -- $(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^bedrock-fuzz$')
fi
python3 seed_corpus.py >/dev/null
cargo +nightly fuzz build -O "$@" 2>/dev/null || cargo +nightly fuzz build -O
mkdir -p logs
for target in "$@"; do
  log="logs/$target.log"
  mkdir -p "corpus/$target"
  if ! cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
      -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 >"$log" 2>&1; then
    tail -40 "$log"
    echo "FAIL $target: see fuzz/$log and fuzz/artifacts/$target/"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(ls "corpus/$target" | wc -l)
  echo "ok   $target: ${runs:-?} runs in ${seconds} s, coverage ${cov:-?}, corpus $corpus"
done
