#!/usr/bin/env bash
# The examples against `bedrock-conformance serve`, as the README shows them: each must stream
# the emulator's echo of the prompt to stdout with SigV4 credentials and with an API key.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --locked -q -p bedrock-conformance -p bedrock-async --example chat
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
check() { # name expected command...
  local name=$1 expected=$2; shift 2
  local out
  out=$("$@") || { echo "FAIL $name: exit $?"; exit 1; }
  [ "$(printf '%s' "$out" | tr -d '\n')" = "$expected" ] || { echo "FAIL $name: got '$out'"; exit 1; }
  echo "ok   $name: $out"
}
for auth in sigv4 apikey; do
  declare -n creds=$auth
  check "async chat ($auth)" "streamed by smol with $auth" \
    env -i "${base[@]}" "${creds[@]}" target/debug/examples/chat \
    --base-url "$url" --region us-east-1 --model "$model" "[drip:20] streamed by smol with $auth"
  check "by hand ($auth)" "driven by hand with $auth" \
    env -i "${base[@]}" "${creds[@]}" target/debug/examples/by_hand \
    --base-url "$url" --region us-east-1 --model "$model" "[drip:20] driven by hand with $auth"
done
