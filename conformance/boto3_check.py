#!/usr/bin/env python3
"""Check the Bedrock emulator against boto3, the official Python SDK.

Starts the emulator (``bedrock-conformance serve --port 0 --port-file ...``),
points ``boto3.client("bedrock-runtime")`` at it with ``endpoint_url`` and the
emulator's default credentials, and asserts that boto3 accepts every answer:
``converse``, ``converse_stream`` (iterating every event) and ``count_tokens``
for the text, tool, reasoning, citation, cache and guardrail scenarios; the
modelled exception class for every error scenario on every operation; its
``EventStreamError`` for mid-stream exceptions; ``InvalidSignatureException``
for a wrong secret; retries through ``[throttle:N]``; Bedrock API keys through
``AWS_BEARER_TOKEN_BEDROCK``; and the delivery faults (cut, CRC, closed
connection, drip, slow head, stall) as botocore sees them.

Prints one line per check and exits 1 if any check fails (2 if the emulator
cannot be started). Creates nothing outside a temporary directory; the
SigV4 clients pin ``signature_version="v4"`` so an API key in the caller's
environment cannot switch them to bearer auth, and ``AWS_BEARER_TOKEN_BEDROCK``
is set in this process only during the bearer check.

Usage
-----
    python3 conformance/boto3_check.py [--emulator PATH]

``--emulator`` (or the ``BEDROCK_EMULATOR_BIN`` environment variable) names a
built ``bedrock-conformance`` binary; without it the script runs
``cargo run -q -p bedrock-conformance -- serve`` from the repository root.
Needs ``boto3`` (``pip install boto3``).
"""

import base64
import contextlib
import json
import os
import sys
import time
import uuid

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError, EventStreamError

from sdk_check import Checks

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
API_KEY = "bedrock-api-key-emulator"
REGION = "us-east-1"
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"

# Every error type of Converse / ConverseStream / CountTokens (plus InvokeModel's
# ServiceQuotaExceeded), with its modelled HTTP status (bedrock-wire.md section 3).
ERRORS = [
    ("AccessDeniedException", 403),
    ("ValidationException", 400),
    ("ThrottlingException", 429),
    ("ModelNotReadyException", 429),
    ("ModelTimeoutException", 408),
    ("ServiceUnavailableException", 503),
    ("InternalServerException", 500),
    ("ResourceNotFoundException", 404),
    ("ModelErrorException", 424),
    ("ServiceQuotaExceededException", 400),
]


@contextlib.contextmanager
def env(**values):
    """Sets environment variables for the duration of the block, then restores them."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def make_client(url, secret=SECRET_KEY, access_key=ACCESS_KEY, **config):
    """A SigV4 client. botocore's `max_attempts` counts retries; `total_max_attempts` counts
    attempts, so 1 means no retry. Setting the signature version in code keeps botocore on SigV4
    even when AWS_BEARER_TOKEN_BEDROCK is in the environment."""
    config.setdefault("retries", {"total_max_attempts": 1, "mode": "standard"})
    return boto3.session.Session().client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=Config(signature_version="v4", **config),
    )


def messages(text):
    return [{"role": "user", "content": [{"text": text}]}]


def tag():
    """A unique [id:...] marker, so retry counters never collide between runs."""
    return f"[id:{uuid.uuid4().hex[:12]}]"


def stream_events(client, text, **kwargs):
    """Calls converse_stream and iterates EVERY event; returns them as (type, value) pairs."""
    response = client.converse_stream(modelId=MODEL, messages=messages(text), **kwargs)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    events = []
    for event in response["stream"]:
        assert len(event) == 1, event
        events.append(next(iter(event.items())))
    return events


def accumulate(events):
    """Folds stream events into the content list, stop reason, usage and trace a converse call returns."""
    blocks = {}
    stop_reason = usage = trace = None
    for kind, value in events:
        if kind == "contentBlockStart":
            start = value["start"]["toolUse"]
            blocks[value["contentBlockIndex"]] = {"toolUse": {"toolUseId": start["toolUseId"], "name": start["name"], "input": ""}}
        elif kind == "contentBlockDelta":
            index, delta = value["contentBlockIndex"], value["delta"]
            block = blocks.setdefault(index, {})
            if "text" in delta:
                if "citationsContent" in block:
                    block["citationsContent"]["content"][0]["text"] += delta["text"]
                else:
                    block["text"] = block.get("text", "") + delta["text"]
            elif "toolUse" in delta:
                block["toolUse"]["input"] += delta["toolUse"]["input"]
            elif "citation" in delta:
                text = block.pop("text", "")
                cited = block.setdefault("citationsContent", {"content": [{"text": text}], "citations": []})
                cited["citations"].append(delta["citation"])
            elif "reasoningContent" in delta:
                reasoning = delta["reasoningContent"]
                if "redactedContent" in reasoning:
                    current = block.setdefault("reasoningContent", {"redactedContent": b""})
                    current["redactedContent"] += reasoning["redactedContent"]
                else:
                    text = block.setdefault("reasoningContent", {"reasoningText": {"text": ""}})["reasoningText"]
                    if "text" in reasoning:
                        text["text"] += reasoning["text"]
                    if "signature" in reasoning:
                        text["signature"] = reasoning["signature"]
            else:
                raise AssertionError(f"unexpected delta {delta}")
        elif kind == "messageStop":
            stop_reason = value["stopReason"]
        elif kind == "metadata":
            usage, trace = value["usage"], value.get("trace")
    content = []
    for index in sorted(blocks):
        block = blocks[index]
        if "toolUse" in block:
            raw = block["toolUse"]["input"]
            block["toolUse"]["input"] = json.loads(raw) if raw else {}
        content.append(block)
    return content, stop_reason, usage, trace


# --- checks -----------------------------------------------------------------------------------

CHECKS = Checks()
check = CHECKS.check


def same_through_both_operations(client, text, **kwargs):
    """converse and converse_stream agree; returns the converse response."""
    response = client.converse(modelId=MODEL, messages=messages(text), **kwargs)
    content, stop_reason, usage, trace = accumulate(stream_events(client, text, **kwargs))
    assert content == response["output"]["message"]["content"], (content, response["output"])
    assert stop_reason == response["stopReason"]
    assert usage == response["usage"], (usage, response["usage"])
    assert trace == response.get("trace")
    return response


@check("converse / converse_stream / count_tokens: plain text echo")
def _(c):
    response = same_through_both_operations(c["sigv4"], "Hello, emulator!")
    assert response["output"]["message"]["content"] == [{"text": "Hello, emulator!"}]
    assert response["stopReason"] == "end_turn"
    assert response["ResponseMetadata"]["RequestId"]
    counted = c["sigv4"].count_tokens(modelId=MODEL, input={"converse": {"messages": messages("Hello, emulator!")}})
    assert counted["inputTokens"] == response["usage"]["inputTokens"], counted


@check("converse_stream: long output, 60 deltas")
def _(c):
    events = stream_events(c["sigv4"], "[long:60]")
    assert sum(1 for kind, _ in events if kind == "contentBlockDelta") == 60
    assert events[0][0] == "messageStart" and events[-1][0] == "metadata"


@check("tool use: input streamed in JSON fragments")
def _(c):
    response = same_through_both_operations(c["sigv4"], "Weather? [scenario:tool_use]")
    tool = response["output"]["message"]["content"][1]["toolUse"]
    assert tool["input"] == {"city": "Paris", "unit": "celsius"} and response["stopReason"] == "tool_use"


@check("tool use: parallel tools")
def _(c):
    response = same_through_both_operations(c["sigv4"], "[scenario:parallel_tools]")
    names = [b["toolUse"]["name"] for b in response["output"]["message"]["content"] if "toolUse" in b]
    assert names == ["get_weather", "get_time"], names


@check("tool use: zero-argument tool")
def _(c):
    response = same_through_both_operations(c["sigv4"], "[scenario:tool_no_args]")
    assert response["output"]["message"]["content"][1]["toolUse"]["input"] == {}


@check("reasoning with signature")
def _(c):
    response = same_through_both_operations(c["sigv4"], "Think first [scenario:reasoning]")
    reasoning = response["output"]["message"]["content"][0]["reasoningContent"]["reasoningText"]
    assert reasoning["text"] and reasoning["signature"], reasoning


@check("redacted reasoning (a blob: boto3 decodes the base64)")
def _(c):
    response = same_through_both_operations(c["sigv4"], "[scenario:redacted_reasoning]")
    blob = response["output"]["message"]["content"][0]["reasoningContent"]["redactedContent"]
    assert isinstance(blob, bytes) and blob.startswith(b"\x00\x01emulator"), blob


@check("citations")
def _(c):
    response = same_through_both_operations(c["sigv4"], "[scenario:citations]")
    cited = response["output"]["message"]["content"][1]["citationsContent"]
    assert cited["citations"][0]["location"]["documentChar"]["end"] == 50, cited


@check("cache write / read / mixed usage")
def _(c):
    usage = same_through_both_operations(c["sigv4"], "[scenario:cache_write]")["usage"]
    assert usage["cacheWriteInputTokens"] == 1024 and usage["cacheDetails"] == [{"ttl": "5m", "inputTokens": 1024}], usage
    usage = same_through_both_operations(c["sigv4"], "[scenario:cache_read]")["usage"]
    assert usage["cacheReadInputTokens"] == 1024, usage
    usage = same_through_both_operations(c["sigv4"], "[scenario:cache_mixed]")["usage"]
    assert [d["ttl"] for d in usage["cacheDetails"]] == ["1h", "5m"], usage
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"] + 2048 + 1536, usage


@check("guardrail intervened, with trace")
def _(c):
    response = same_through_both_operations(c["sigv4"], "[scenario:guardrail]")
    assert response["stopReason"] == "guardrail_intervened"
    filters = response["trace"]["guardrail"]["inputAssessment"]["emulatorguardrail"]["contentPolicy"]["filters"]
    assert filters[0]["action"] == "BLOCKED", filters


@check("max_tokens stop")
def _(c):
    response = same_through_both_operations(c["sigv4"], "one two three four [scenario:max_tokens]")
    assert response["stopReason"] == "max_tokens"
    assert response["output"]["message"]["content"] == [{"text": "one two "}], response["output"]


def expect_error(call, error, status):
    try:
        call()
    except ClientError as e:
        assert e.response["Error"]["Code"] == error, e.response["Error"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.response["ResponseMetadata"]
        assert e.response["Error"]["Message"], e.response["Error"]
        return e
    raise AssertionError(f"no {error} raised")


@check("every error type raises its modelled exception class, on all three operations")
def _(c):
    client = c["sigv4"]
    for error, status in ERRORS:
        modelled = getattr(client.exceptions, error)
        text = f"hi [error:{error}]"
        calls = {
            "converse": lambda: client.converse(modelId=MODEL, messages=messages(text)),
            "converse_stream": lambda: client.converse_stream(modelId=MODEL, messages=messages(text)),
            "count_tokens": lambda: client.count_tokens(modelId=MODEL, input={"converse": {"messages": messages(text)}}),
        }
        for operation, call in calls.items():
            e = expect_error(call, error, status)
            assert isinstance(e, modelled), f"{operation}: {type(e).__name__} is not {error}"
    e = expect_error(lambda: client.converse(modelId=MODEL, messages=messages("[error:ModelErrorException]")), "ModelErrorException", 424)
    assert e.response["originalStatusCode"] == 500 and e.response["resourceName"] == MODEL, e.response


@check("mid-stream exceptions raise EventStreamError with the member name as code")
def _(c):
    for member in ["throttlingException", "modelStreamErrorException", "internalServerException",
                   "serviceUnavailableException", "validationException"]:
        seen = []
        try:
            stream_events_into(c["sigv4"], f"one two three four [midstream:{member}]", seen)
        except EventStreamError as e:
            assert e.response["Error"]["Code"] == member, e.response["Error"]
            assert [k for k, _ in seen] == ["messageStart", "contentBlockDelta", "contentBlockDelta"], seen
            # botocore keeps only Code and Message of an exception event (no originalStatusCode).
            continue
        raise AssertionError(f"{member}: no EventStreamError")


def stream_events_into(client, text, seen, **kwargs):
    response = client.converse_stream(modelId=MODEL, messages=messages(text), **kwargs)
    for event in response["stream"]:
        seen.append(next(iter(event.items())))


@check("throttle twice then succeed: boto3's standard retries get through")
def _(c):
    client = make_client(c["url"], retries={"total_max_attempts": 3, "mode": "standard"})
    response = client.converse(modelId=MODEL, messages=messages(f"hi [throttle:2]{tag()}"))
    assert response["ResponseMetadata"]["RetryAttempts"] == 2, response["ResponseMetadata"]
    assert response["output"]["message"]["content"] == [{"text": "hi"}]
    e = expect_error(lambda: client.converse(modelId=MODEL, messages=messages(f"[throttle:5]{tag()}")), "ThrottlingException", 429)
    assert e.response["ResponseMetadata"]["RetryAttempts"] == 2, e.response["ResponseMetadata"]


@check("SigV4 with a wrong secret: InvalidSignatureException with the canonical request")
def _(c):
    client = make_client(c["url"], secret="not-the-right-secret")
    e = expect_error(lambda: client.converse(modelId=MODEL, messages=messages("hi")), "InvalidSignatureException", 403)
    message = e.response["Error"]["Message"]
    assert "The Canonical String for this request should have been\n'POST\n/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse\n" in message, message
    assert "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n" in message, message


@check("SigV4 with an unknown access key: UnrecognizedClientException")
def _(c):
    client = make_client(c["url"], access_key="AKIDUNKNOWN")
    e = expect_error(lambda: client.converse(modelId=MODEL, messages=messages("hi")), "UnrecognizedClientException", 403)
    assert e.response["Error"]["Message"] == "The security token included in the request is invalid."


@check("validation errors name the member (client-side validation off)")
def _(c):
    client = make_client(c["url"], parameter_validation=False)
    for config, member in [({"maxTokens": 0}, "inferenceConfig.maxTokens"), ({"temperature": 1.5}, "inferenceConfig.temperature")]:
        e = expect_error(lambda: client.converse(modelId=MODEL, messages=messages("hi"), inferenceConfig=config), "ValidationException", 400)
        assert isinstance(e, client.exceptions.ValidationException)
        assert f"'{member}'" in e.response["Error"]["Message"], e.response["Error"]
    bad = [{"role": "system", "content": [{"text": "hi"}]}]
    e = expect_error(lambda: client.converse(modelId=MODEL, messages=bad), "ValidationException", 400)
    assert "messages.1.member.role" in e.response["Error"]["Message"], e.response["Error"]


@check("Bedrock API key via AWS_BEARER_TOKEN_BEDROCK (botocore's bearer auth)")
def _(c):
    # botocore reads the variable when it signs each request, so it stays set during the calls.
    # No SigV4 credentials are given: a success can only be bearer auth.
    def bearer_client():
        return boto3.session.Session().client(
            "bedrock-runtime", endpoint_url=c["url"], region_name=REGION,
            config=Config(retries={"total_max_attempts": 1}))
    with env(AWS_BEARER_TOKEN_BEDROCK=API_KEY):
        try:
            response = bearer_client().converse(modelId=MODEL, messages=messages("bearer hello"))
        except botocore.exceptions.InvalidEndpointConfigurationError as e:
            # botocore >= 1.44 refuses bearer auth to a plain-http endpoint (bedrock-wire.md §7);
            # the emulator serves http only. Its bearer path is covered by the Rust tests.
            if "HTTPS" not in str(e):
                raise
            return f"botocore {botocore.__version__} refuses bearer auth over plain http, as documented"
        assert response["output"]["message"]["content"] == [{"text": "bearer hello"}]
        events = stream_events(bearer_client(), "bearer stream")
        assert events[-1][0] == "metadata"
        counted = bearer_client().count_tokens(modelId=MODEL, input={"converse": {"messages": messages("hi")}})
        assert counted["inputTokens"] > 0
    with env(AWS_BEARER_TOKEN_BEDROCK="bedrock-api-key-wrong"):
        client = bearer_client()
        e = expect_error(lambda: client.converse(modelId=MODEL, messages=messages("hi")),
                         "AccessDeniedException", 403)
        assert isinstance(e, client.exceptions.AccessDeniedException)
    assert e.response["Error"]["Message"] == "Authentication failed: Please make sure your API Key is valid."


@check("fault: stream cut without messageStop (botocore ends the iteration quietly)")
def _(c):
    events = stream_events(c["sigv4"], "one two three [cut]")
    kinds = [kind for kind, _ in events]
    assert "messageStop" not in kinds and kinds[-1] == "contentBlockDelta", kinds


@check("fault: corrupted CRC (botocore raises ChecksumMismatch)")
def _(c):
    seen = []
    try:
        stream_events_into(c["sigv4"], "one two three [crc]", seen)
    except botocore.eventstream.ChecksumMismatch:
        assert [k for k, _ in seen] == ["messageStart"], seen
        return
    raise AssertionError("no ChecksumMismatch")


@check("fault: connection closed mid-frame (botocore raises a connection error)")
def _(c):
    seen = []
    try:
        stream_events_into(c["sigv4"], "one two three [close]", seen)
    except Exception as e:  # urllib3 ProtocolError / botocore ResponseStreamingError, by version
        assert [k for k, _ in seen] == ["messageStart", "contentBlockDelta"], seen
        return f"raised {type(e).__module__}.{type(e).__name__}"
    raise AssertionError(f"iteration ended without an error after {seen}")


@check("fault: drip, one frame every 20 ms")
def _(c):
    started = time.monotonic()
    events = stream_events(c["sigv4"], "a b c [drip:20]")
    elapsed = time.monotonic() - started
    assert elapsed >= 0.02 * (len(events) - 1), elapsed


@check("fault: slow head beyond the read timeout (botocore ReadTimeoutError)")
def _(c):
    client = make_client(c["url"], read_timeout=0.5)
    try:
        client.converse(modelId=MODEL, messages=messages("hi [slow_head:1500]"))
    except botocore.exceptions.ReadTimeoutError:
        return
    raise AssertionError("no ReadTimeoutError")


@check("fault: stall (the client's read timeout fires mid-stream)")
def _(c):
    client = make_client(c["url"], read_timeout=1)
    seen = []
    try:
        stream_events_into(client, "one two three [stall]", seen)
    except Exception as e:  # botocore ReadTimeoutError or urllib3's, by version
        assert "timeout" in f"{type(e).__name__} {e}".lower(), repr(e)
        assert [k for k, _ in seen] == ["messageStart", "contentBlockDelta"], seen
        return f"raised {type(e).__module__}.{type(e).__name__}"
    raise AssertionError("the stalled stream ended")


def make_context(url):
    return {"url": url, "sigv4": make_client(url)}


if __name__ == "__main__":
    sys.exit(CHECKS.main(__doc__, f"boto3 {boto3.__version__}, botocore {botocore.__version__}, Python {sys.version.split()[0]}", make_context))
