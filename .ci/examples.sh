#!/usr/bin/env bash
# The examples against `bedrock-conformance serve`, as the README shows them: each must stream
# the emulator's echo of the prompt to stdout with SigV4 credentials and with an API key.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --locked -q -p bedrock-conformance -p async-chat
cargo build --locked -q -p bedrock-core --example by_hand
work=$(mktemp -d)
target/debug/bedrock-conformance serve --port-file "$work/port" >"$work/emulator.log" 2>&1 &
emulator=$!
trap 'kill $emulator 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"

sigv4=(AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)
apikey=(AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-emulator)
base=(PATH="$PATH" HOME="$work" AWS_EC2_METADATA_DISABLED=true)
model=us.anthropic.claude-haiku-4-5
# Everything an example prints (stdout and stderr) is scanned for the secrets it was given and
# the emulator's, in plain and base64 (the scan the end-to-end suite and the CLI tests use).
scan() { # name env...  (the env assignments whose secrets to look for)
  local name=$1; shift
  env -i PATH="$PATH" "$@" target/debug/bedrock-conformance scan-secrets "$work/out" "$work/err" \
    || { echo "FAIL $name: a secret was printed"; exit 1; }
}
check() { # name expected command...
  local name=$1 expected=$2; shift 2
  local out
  "$@" >"$work/out" 2>"$work/err" || { echo "FAIL $name: exit $?"; cat "$work/err"; exit 1; }
  out=$(cat "$work/out")
  [ "$(printf '%s' "$out" | tr -d '\n')" = "$expected" ] || { echo "FAIL $name: got '$out'"; exit 1; }
  scan "$name" "${creds[@]}"
  echo "ok   $name: $out"
}
# An example that must fail (a rejected key): its error is printed, the key never.
refused() { # name command...
  local name=$1; shift
  if "$@" >"$work/out" 2>"$work/err"; then echo "FAIL $name: succeeded"; exit 1; fi
  [ -s "$work/err" ] || { echo "FAIL $name: no error printed"; exit 1; }
  scan "$name" "${wrong[@]}"
  echo "ok   $name: $(head -c 120 "$work/err" | tr '\n' ' ')"
}
for auth in sigv4 apikey; do
  declare -n creds=$auth
  check "async chat ($auth)" "streamed by smol with $auth" \
    env -i "${base[@]}" "${creds[@]}" target/debug/async-chat \
    --base-url "$url" --region us-east-1 --model "$model" "[drip:20] streamed by smol with $auth"
  check "by hand ($auth)" "driven by hand with $auth" \
    env -i "${base[@]}" "${creds[@]}" target/debug/examples/by_hand \
    --base-url "$url" --region us-east-1 --model "$model" "[drip:20] driven by hand with $auth"
done
wrong=(AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-S3CR3T-wrong-for-the-scan)
refused "async chat (wrong key)" \
  env -i "${base[@]}" "${wrong[@]}" target/debug/async-chat \
  --base-url "$url" --region us-east-1 --model "$model" "refused"
refused "by hand (wrong key)" \
  env -i "${base[@]}" "${wrong[@]}" target/debug/examples/by_hand \
  --base-url "$url" --region us-east-1 --model "$model" "refused"
