#!/usr/bin/env bash
# A/B of the SigV4 signer between a core revision and the working tree:
#   bench/sigv4-ab/ab.sh BASE_REV [BODY_BYTES] [ROUNDS]
# builds src/main.rs against BASE_REV's core (in a temporary worktree) and against this
# checkout's, then runs the two alternately ROUNDS times (default 8), 200 interleaved pairs each.
set -euo pipefail
base_rev=${1:?usage: ab.sh BASE_REV [BODY_BYTES] [ROUNDS]}
body=${2:-4096}
rounds=${3:-8}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$here" worktree add --detach "$work/base" "$base_rev" >/dev/null
mkdir -p "$work/base/bench/sigv4-ab"
cp -r "$here/Cargo.toml" "$here/Cargo.lock" "$here/src" "$work/base/bench/sigv4-ab/"
(cd "$work/base/bench/sigv4-ab" && CARGO_TARGET_DIR="$work/target-base" cargo build -q --release)
(cd "$here" && CARGO_TARGET_DIR="$work/target-new" cargo build -q --release)

for _ in $(seq "$rounds"); do
  printf 'base %s  ' "$("$work/target-base/release/sigv4-ab" 200 "$body")"
  printf 'new  %s\n' "$("$work/target-new/release/sigv4-ab" 200 "$body")"
done
