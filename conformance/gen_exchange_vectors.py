#!/usr/bin/env python3
"""Generate the exchange-request vectors: what botocore puts on the wire for a Bedrock call.

For each case, botocore's real bedrock-runtime client prepares a Converse / ConverseStream /
CountTokens call at a FIXED time (``botocore.auth.get_current_datetime`` is patched), with the
request body replaced, just before signing, by the exact bytes our exchange sends for the same
neutral request (our JSON has sorted keys and no spaces; botocore's has shape order and spaces, and
a body's bytes are what the signature covers). botocore then adds its headers and signs; a
``before-send`` hook captures the prepared request and answers with a canned 200 so nothing leaves
the machine.

The vector records botocore's request line, the headers that matter on the wire (Host,
Content-Type, Content-Length, X-Amz-Date, X-Amz-Security-Token, Authorization) and the body. The
conformance runner builds the same call with our ``Exchange`` and compares. Headers that differ by
design (User-Agent, amz-sdk-invocation-id, amz-sdk-request, Accept) are not compared.

Run: ``python3 conformance/gen_exchange_vectors.py`` (rewrites conformance/vectors/exchange-request/).
"""

import datetime
import json
import os
import shutil
from unittest import mock

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.session

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors", "exchange-request")
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TIME = datetime.datetime(2026, 11, 25, 12, 0, 0)
COMPARED = ["host", "content-type", "content-length", "x-amz-date", "x-amz-security-token", "authorization"]

CASES = [
    {
        "name": "converse-inference-profile-arn",
        "description": "Converse on a full inference-profile ARN (':' and '/' in the model id) in us-west-2.",
        "operation": "converse",
        "region": "us-west-2",
        "api_id": "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "token": None,
        "body": b'{"inferenceConfig":{"maxTokens":8192},"messages":[{"content":[{"text":"Hello"}],"role":"user"}]}',
        "request": {"model": "vector-model", "messages": [{"role": "user", "content": "Hello"}]},
    },
    {
        "name": "converse-stream-session-token",
        "description": "ConverseStream on an application-inference-profile ARN with session credentials.",
        "operation": "converse-stream",
        "region": "us-east-1",
        "api_id": "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc:def",
        "token": "IQoJb3JpZ2luX2VjEXAMPLE/+=token",
        "body": '{"inferenceConfig":{"maxTokens":512,"temperature":0.5},"messages":[{"content":[{"text":"Hi \u00e9t\u00e9"}],"role":"user"}],"system":[{"text":"Be brief."}]}'.encode(),
        "request": {"model": "vector-model", "system": "Be brief.", "max_tokens": 512, "temperature": 0.5,
                    "messages": [{"role": "user", "content": "Hi \u00e9t\u00e9"}]},
    },
    {
        "name": "count-tokens-foundation-id",
        "description": "CountTokens takes the foundation-model id: the cross-region 'us.' prefix is removed.",
        "operation": "count-tokens",
        "region": "eu-central-1",
        "api_id": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        "wire_id": "anthropic.claude-haiku-4-5-20251001-v1:0",
        "token": None,
        "body": b'{"input":{"converse":{"messages":[{"content":[{"text":"Count me"}],"role":"user"}]}}}',
        "request": {"model": "vector-model", "messages": [{"role": "user", "content": "Count me"}]},
    },
]


def capture(case):
    session = botocore.session.get_session()
    client = session.create_client(
        "bedrock-runtime",
        region_name=case["region"],
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token=case["token"],
    )
    captured = {}

    def replace_body(request, **_):
        request.data = case["body"]
        # botocore sets Content-Length after signing (it is not a signed header); drop any
        # length computed for the placeholder body so the prepared request recomputes it.
        if "Content-Length" in request.headers:
            del request.headers["Content-Length"]

    def stop(request, **_):
        captured["method"] = request.method
        captured["url"] = request.url
        captured["headers"] = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
        body = request.body
        captured["body"] = body if isinstance(body, bytes) else body.encode()
        raw = b'{"inputTokens": 3}' if case["operation"] == "count-tokens" else (
            b'{"output":{"message":{"role":"assistant","content":[{"text":"x"}]}},"stopReason":"end_turn",'
            b'"usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2},"metrics":{"latencyMs":1}}')
        return botocore.awsrequest.AWSResponse(request.url, 200, {"Content-Type": "application/json"},
                                               _Raw(raw))

    op = {"converse": "Converse", "converse-stream": "ConverseStream", "count-tokens": "CountTokens"}[case["operation"]]
    client.meta.events.register(f"before-sign.bedrock-runtime.{op}", replace_body)
    client.meta.events.register(f"before-send.bedrock-runtime.{op}", stop)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=TIME):
        model_id = case.get("wire_id", case["api_id"])
        try:
            if op == "Converse":
                client.converse(modelId=model_id, messages=[{"role": "user", "content": [{"text": "placeholder"}]}])
            elif op == "ConverseStream":
                client.converse_stream(modelId=model_id, messages=[{"role": "user", "content": [{"text": "placeholder"}]}])
            else:
                client.count_tokens(modelId=model_id, input={"converse": {"messages": [{"role": "user", "content": [{"text": "placeholder"}]}]}})
        except Exception:  # the canned answer may not parse as a stream; the request is captured
            pass
    assert captured, "botocore did not reach before-send"
    return captured


class _Raw:
    def __init__(self, data):
        self._data = data

    def stream(self, **_):
        yield self._data

    def read(self, *_):
        data, self._data = self._data, b""
        return data


def main():
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for case in CASES:
        got = capture(case)
        assert got["body"] == case["body"], "the body botocore signed must be ours"
        url = got["url"]
        host, path = url.split("://", 1)[1].split("/", 1)
        path = "/" + path
        got["headers"]["host"] = host
        vector = {
            "description": case["description"] + f" Expected request captured from botocore {botocore.__version__}.",
            "input": {
                "operation": case["operation"],
                "region": case["region"],
                "api_id": case["api_id"],
                "access_key_id": AKID,
                "secret_access_key": SECRET,
                "session_token": case["token"],
                "time": TIME.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "request": case["request"],
            },
            "expected": {
                "request_line": f"{got['method']} {path} HTTP/1.1",
                "headers": {k: got["headers"].get(k) for k in COMPARED if k in got["headers"]},
                "body": case["body"].decode(),
            },
        }
        out = os.path.join(ROOT, case["name"] + ".json")
        with open(out, "w") as f:
            json.dump(vector, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print("wrote", out)


if __name__ == "__main__":
    main()
