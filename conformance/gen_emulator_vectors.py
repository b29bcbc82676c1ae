#!/usr/bin/env python3
"""Generate the emulator's replay vectors: requests signed by botocore at a fixed time.

What it generates
-----------------
``conformance/vectors/emulator/``:

  *.http          one raw HTTP/1.1 request each, byte for byte what botocore's
                  HTTP stack sends (http.client puts ``Host`` and
                  ``Accept-Encoding: identity`` first, then botocore's headers
                  in order, then the body)
  expected.json   ``{"emulator_requests": {case: ...}}``: which file, the
                  emulator settings to replay it with (its clock fixed to the
                  signing time), an optional one-byte mutation of the path or
                  the body, and the expected answer
  README.md       what this is and the botocore version used

The runner (``conformance/src/emulator_suite.rs``) replays every case against
an in-process emulator; ``conformance/tests/replay.rs`` uses the same files.

How the requests are made
-------------------------
A real ``boto3.client("bedrock-runtime")`` for ``us-west-2`` (so the ``Host``
is the real endpoint, ``bedrock-runtime.us-west-2.amazonaws.com``) with the AWS
documentation credentials, its clock frozen at 2015-08-30T12:36:00Z by patching
``botocore.auth.get_current_datetime``. A ``before-send`` handler captures the
prepared request and stops the call, so nothing goes to the network. The
signatures of the two Converse requests are asserted to equal the reference
signatures in ``/work/shared/reference/bedrock-wire.md`` section 5, which were
computed independently. Two unsigned headers are normalized so the output is
reproducible: ``amz-sdk-invocation-id`` (random per call) becomes a fixed UUID,
and the ``User-Agent`` feature list is sorted and the kernel version dropped.

How to run
----------
    python3 conformance/gen_emulator_vectors.py

from the repository root; needs ``boto3`` (``pip install boto3``). It deletes
and rewrites ``conformance/vectors/emulator/`` and prints what it wrote.
"""

import datetime
import json
import shutil
import sys
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import boto3
import botocore
import botocore.auth
from botocore.config import Config

OUT = Path(__file__).resolve().parent / "vectors" / "emulator"

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "SESSIONTOKEN"
REGION = "us-west-2"
AMZ_DATE = "20150830T123600Z"
FROZEN = datetime.datetime(2015, 8, 30, 12, 36, 0)
ARN = (
    "arn:aws:bedrock:us-west-2:123456789012:inference-profile/"
    "us.anthropic.claude-3-5-haiku-20241022-v1:0"
)
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
INVOCATION_ID = "00000000-0000-4000-8000-000000000000"

# bedrock-wire.md section 5: the reference signatures for the ARN Converse request.
REF_SIG = "35151d1cfdaa4a94c8702242d53b4cb6d33d27fa6b2d262b436803612d6de2ac"
REF_SIG_TOKEN = "bd40abc907f31d65fdaf03739896db4d8e845e9f29ca709b162c142143a06ca3"

CANONICAL_PATH = (
    "/model/arn%253Aaws%253Abedrock%253Aus-west-2%253A123456789012%253A"
    "inference-profile%252Fus.anthropic.claude-3-5-haiku-20241022-v1%253A0/converse"
)


class Captured(Exception):
    """Raised from the before-send hook to stop the call once the request is captured."""

    def __init__(self, request):
        super().__init__("captured")
        self.request = request


def capture(operation, token=None, **params):
    """Runs one boto3 call with a frozen clock and returns the raw request bytes."""
    client = boto3.client(
        "bedrock-runtime",
        region_name=REGION,
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
        config=Config(retries={"max_attempts": 1}),
    )

    def stop(request, **_):
        raise Captured(request)

    client.meta.events.register("before-send", stop)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=FROZEN):
        try:
            getattr(client, operation)(**params)
        except Captured as captured:
            return raw_bytes(captured.request)
    raise RuntimeError(f"{operation}: the request was not captured")


def raw_bytes(request):
    """The bytes http.client sends for a botocore prepared request."""
    url = urlsplit(request.url)
    target = url.path + (f"?{url.query}" if url.query else "")
    lines = [f"{request.method} {target} HTTP/1.1", f"Host: {url.netloc}", "Accept-Encoding: identity"]
    for name, value in request.headers.items():
        if isinstance(value, bytes):
            value = value.decode()
        if name.lower() == "amz-sdk-invocation-id":
            value = INVOCATION_ID
        if name.lower() == "user-agent":
            value = stable_user_agent(value)
        lines.append(f"{name}: {value}")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def stable_user_agent(value):
    """The User-Agent with its feature list sorted (botocore lists them in set order) and the
    kernel version dropped, so that regenerating on the same machine gives the same bytes."""
    tokens = []
    for token in value.split(" "):
        if token.startswith("m/"):
            token = "m/" + ",".join(sorted(token[2:].split(",")))
        elif token.startswith("os/"):
            token = token.split("#", 1)[0]
        tokens.append(token)
    return " ".join(tokens)


def signature_of(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    for line in head.split("\r\n"):
        if line.lower().startswith("authorization:"):
            return line.rsplit("Signature=", 1)[1]
    raise RuntimeError("no Authorization header")


def message(text):
    return [{"role": "user", "content": [{"text": text}]}]


def main():
    requests = {
        "converse-arn.http": capture("converse", modelId=ARN, messages=message("Hello")),
        "converse-arn-session-token.http": capture(
            "converse", token=TOKEN, modelId=ARN, messages=message("Hello")
        ),
        "converse-stream-tool-use.http": capture(
            "converse_stream",
            modelId=MODEL,
            messages=message("What is the weather in Paris? [scenario:tool_use]"),
            inferenceConfig={"maxTokens": 256, "temperature": 0.5},
        ),
        "count-tokens.http": capture(
            "count_tokens", modelId=MODEL, input={"converse": {"messages": message("Hello")}}
        ),
    }
    # The independent cross-check: botocore's signatures are the reference ones.
    assert signature_of(requests["converse-arn.http"]) == REF_SIG
    assert signature_of(requests["converse-arn-session-token.http"]) == REF_SIG_TOKEN

    clock = {"clock": AMZ_DATE}
    expected_signature_mismatch = [
        "The request signature we calculated does not match the signature you provided.",
        "The Canonical String for this request should have been\n'POST\n",
        "\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n"
        f"{AMZ_DATE}\n20150830/{REGION}/bedrock/aws4_request\n",
    ]
    cases = {
        "converse-arn": {
            "_description": "Converse on an inference-profile ARN (double-encoded path), signed by botocore",
            "request": "converse-arn.http",
            "emulator": clock,
            "expect": {"status": 200, "content_type": "application/json"},
        },
        "converse-arn-body-byte-changed": {
            "_description": "the same bytes with one body byte changed: the signature no longer matches",
            "request": "converse-arn.http",
            "emulator": clock,
            "mutate": {"part": "body", "find": "Hello", "replace": "Hellp"},
            "expect": {
                "status": 403,
                "error_type": "InvalidSignatureException",
                "message_contains": expected_signature_mismatch + [CANONICAL_PATH + "\n"],
            },
        },
        "converse-arn-path-byte-changed": {
            "_description": "the same bytes with one path byte changed: the expected canonical request shows the path as received",
            "request": "converse-arn.http",
            "emulator": clock,
            "mutate": {"part": "path", "find": "haiku", "replace": "haikv"},
            "expect": {
                "status": 403,
                "error_type": "InvalidSignatureException",
                "message_contains": expected_signature_mismatch
                + [CANONICAL_PATH.replace("haiku", "haikv") + "\n"],
            },
        },
        "converse-arn-clock-skewed": {
            "_description": "replayed 6 minutes after signing: the signature has expired",
            "request": "converse-arn.http",
            "emulator": {"clock": "20150830T124200Z"},
            "expect": {
                "status": 403,
                "error_type": "InvalidSignatureException",
                "message_contains": [
                    "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
                    "(20150830T124200Z - 5 min.)"
                ],
            },
        },
        "converse-arn-session-token": {
            "_description": "temporary credentials: X-Amz-Security-Token signed",
            "request": "converse-arn-session-token.http",
            "emulator": {"clock": AMZ_DATE, "session_token": TOKEN},
            "expect": {"status": 200, "content_type": "application/json"},
        },
        "converse-arn-session-token-unexpected": {
            "_description": "a session token the emulator was not configured with",
            "request": "converse-arn-session-token.http",
            "emulator": clock,
            "expect": {"status": 403, "error_type": "UnrecognizedClientException"},
        },
        "converse-stream-tool-use": {
            "_description": "ConverseStream with a [scenario:tool_use] marker: a chunked event stream",
            "request": "converse-stream-tool-use.http",
            "emulator": clock,
            "expect": {
                "status": 200,
                "content_type": "application/vnd.amazon.eventstream",
                "stream_events": 17,
            },
        },
        "count-tokens": {
            "_description": "CountTokens",
            "request": "count-tokens.http",
            "emulator": clock,
            "expect": {"status": 200, "content_type": "application/json"},
        },
    }

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for name, raw in requests.items():
        (OUT / name).write_bytes(raw)
        print(f"wrote {OUT / name} ({len(raw)} bytes)")
    expected = {
        "_comment": "Generated by conformance/gen_emulator_vectors.py; see README.md.",
        "emulator_requests": cases,
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"wrote {OUT / 'expected.json'}")
    readme = f"""# Emulator replay vectors

<!-- GENERATED by conformance/gen_emulator_vectors.py: edit the script, not this file. -->

Raw HTTP/1.1 requests signed by **botocore {botocore.__version__}** (boto3 {boto3.__version__},
Python {sys.version.split()[0]}) at the fixed time {AMZ_DATE} with the AWS documentation
credentials (`{AKID}`), for host `bedrock-runtime.{REGION}.amazonaws.com`; captured before
sending, so the bytes are what botocore's HTTP stack writes (two unsigned headers normalized:
`amz-sdk-invocation-id` fixed to `{INVOCATION_ID}`, the `User-Agent` feature list sorted and the
kernel version dropped). The two ARN Converse signatures equal the independently computed reference
signatures of `bedrock-wire.md` section 5.

`expected.json` lists the cases: each replays a file against an in-process emulator whose clock is
fixed to the signing time (`conformance/src/emulator_suite.rs` documents the format), some
with one byte of the path or body changed, which must fail with `InvalidSignatureException`
and the canonical request the emulator expected. Regenerate with:

    python3 conformance/gen_emulator_vectors.py
"""
    (OUT / "README.md").write_text(readme)
    print(f"wrote {OUT / 'README.md'}")


if __name__ == "__main__":
    main()
