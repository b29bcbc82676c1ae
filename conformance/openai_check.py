#!/usr/bin/env python3
"""Check the emulator's mantle route against the official ``openai`` Python SDK.

Starts the emulator (``bedrock-conformance serve --port 0 --port-file ...``),
points ``openai.OpenAI`` at ``http://127.0.0.1:PORT/openai/v1`` with the
emulator's Bedrock API key, and asserts that the SDK accepts every answer of
``client.responses.create`` (``store=False`` always): non-streaming, streaming
(every event iterated and the text assembled, and the SDK's own
``responses.stream`` accumulator), function tool calls with their arguments
parsed, reasoning with ``encrypted_content`` replayed, incomplete answers, the
exception class for every error status (400, 401, 403, 404, 408, 429, 500,
503), the SDK's retries getting through ``[throttle:1]``, mid-stream failures
(``response.failed`` and ``error`` events) and the delivery faults (cut, drip).

Prints one line per check and exits 1 if any check fails (2 if the emulator
cannot be started). Creates nothing outside a temporary directory.

Usage
-----
    python3 conformance/openai_check.py [--emulator PATH]

``--emulator`` (or ``BEDROCK_EMULATOR_BIN``) names a built
``bedrock-conformance`` binary; without it the script runs
``cargo run -q -p bedrock-conformance -- serve``. Needs ``openai``
(``pip install openai``).
"""

import json
import sys
import time
import uuid

import openai
from openai import OpenAI

from sdk_check import Checks


API_KEY = "bedrock-api-key-emulator"
MODEL = "openai.gpt-5.5"
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}


CHECKS = Checks()
check = CHECKS.check


def tag():
    """A unique [id:...] marker, so retry counters never collide between runs."""
    return f"[id:{uuid.uuid4().hex[:12]}]"


def create(client, text, **kwargs):
    return client.responses.create(model=MODEL, input=text, store=False, **kwargs)


def stream_events(client, text, **kwargs):
    """Streams and iterates EVERY event; returns the event objects."""
    return list(client.responses.create(model=MODEL, input=text, store=False, stream=True, **kwargs))


def streamed_text(events):
    return "".join(e.delta for e in events if e.type == "response.output_text.delta")


def expect(error_class, function, status):
    try:
        function()
    except error_class as e:
        assert e.status_code == status, (e.status_code, status)
        assert isinstance(e.body, dict) and "message" in e.body, e.body
        return e
    raise AssertionError(f"expected {error_class.__name__}")


@check("non-streaming text echo")
def text(ctx):
    r = create(ctx["client"], "Hello there, emulator")
    assert r.object == "response" and r.status == "completed", r
    assert r.id.startswith("resp_") and len(r.id) == 5 + 52, r.id
    assert r.output_text == "Hello there, emulator", r.output_text
    assert r.model == MODEL
    assert r.usage.input_tokens > 0 and r.usage.output_tokens > 0
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens
    assert r.usage.input_tokens_details.cached_tokens == 0
    assert r.usage.output_tokens_details.reasoning_tokens == 0
    assert r.output[0].type == "message" and r.output[0].content[0].type == "output_text"
    return r.output_text


@check("streaming text: every event parsed, text assembled")
def streaming(ctx):
    client = ctx["client"]
    events = stream_events(client, "one two three four five")
    kinds = [e.type for e in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ], kinds
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ], kinds
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert streamed_text(events) == "one two three four five"
    done = next(e for e in events if e.type == "response.output_text.done")
    assert done.text == "one two three four five"
    final = events[-1].response
    assert final.status == "completed" and final.output_text == "one two three four five"
    assert final.usage.output_tokens > 0
    whole = create(client, "one two three four five")
    assert whole.output_text == final.output_text and whole.usage == final.usage
    return f"{len(events)} events"


@check("streaming through the SDK's responses.stream accumulator")
def stream_helper(ctx):
    with ctx["client"].responses.stream(model=MODEL, input="[scenario:tool_use] weather?", store=False,
                                        tools=[WEATHER_TOOL]) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    calls = [o for o in final.output if o.type == "function_call"]
    assert len(calls) == 1 and json.loads(calls[0].arguments) == {"city": "Paris", "unit": "celsius"}, final.output
    assert final.output_text == "Let me check the weather."


@check("[long:50] streams 50 deltas")
def long(ctx):
    events = stream_events(ctx["client"], "[long:50]")
    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) == 50, len(deltas)
    assert streamed_text(events).startswith("Part 1 of a long answer. Part 2")


@check("function tool call: arguments parsed, result fed back")
def tool_call(ctx):
    client = ctx["client"]
    r = create(client, "What is the weather in Paris? [scenario:tool_use]", tools=[WEATHER_TOOL])
    calls = [o for o in r.output if o.type == "function_call"]
    assert len(calls) == 1, r.output
    call = calls[0]
    assert call.name == "get_weather" and call.call_id.startswith("call_") and call.id.startswith("fc_")
    assert json.loads(call.arguments) == {"city": "Paris", "unit": "celsius"}
    events = stream_events(client, "What is the weather in Paris? [scenario:tool_use]", tools=[WEATHER_TOOL])
    args = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    assert json.loads(args) == json.loads(call.arguments)
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert done.arguments == call.arguments
    follow = create(
        client,
        [{"role": "user", "content": "What is the weather in Paris? [scenario:tool_use]"}]
        + [o.model_dump(exclude_none=True) for o in r.output]
        + [{"type": "function_call_output", "call_id": call.call_id, "output": "18 C"}],
        tools=[WEATHER_TOOL],
    )
    assert follow.output_text == "The tool returned: 18 C", follow.output_text
    return call.arguments


@check("parallel tool calls")
def parallel(ctx):
    r = create(ctx["client"], "[scenario:parallel_tools]", tools=[WEATHER_TOOL])
    names = [o.name for o in r.output if o.type == "function_call"]
    assert names == ["get_weather", "get_time"], names


@check("reasoning with encrypted_content, replayed")
def reasoning(ctx):
    client = ctx["client"]
    include = ["reasoning.encrypted_content"]
    r = create(client, "Think, then say hi [scenario:reasoning]", include=include,
               reasoning={"effort": "medium", "summary": "auto"})
    assert [o.type for o in r.output] == ["reasoning", "message"], r.output
    item = r.output[0]
    assert item.id.startswith("rs_") and item.encrypted_content, item
    assert item.summary and item.summary[0].type == "summary_text"
    assert r.usage.output_tokens_details.reasoning_tokens > 0
    assert r.output_text == "Think, then say hi"
    events = stream_events(client, "Think, then say hi [scenario:reasoning]", include=include)
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary == item.summary[0].text
    done = [e.item for e in events if e.type == "response.output_item.done" and e.item.type == "reasoning"]
    assert done[0].encrypted_content == item.encrypted_content
    replay = create(
        client,
        [{"role": "user", "content": "Think, then say hi"}]
        + [o.model_dump(exclude_none=True) for o in r.output]
        + [{"role": "user", "content": "again"}],
        include=include,
    )
    assert replay.output_text == "again"
    plain = create(client, "[scenario:reasoning] x")
    assert plain.output[0].encrypted_content is None


@check("incomplete: max_output_tokens (JSON and stream)")
def incomplete(ctx):
    r = create(ctx["client"], "one two three four [scenario:max_tokens]")
    assert r.status == "incomplete" and r.incomplete_details.reason == "max_output_tokens", r
    events = stream_events(ctx["client"], "one two three four [scenario:max_tokens]")
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"


ERRORS = [
    ("validation", openai.BadRequestError, 400),
    ("access_denied", openai.PermissionDeniedError, 403),
    ("resource_not_found", openai.NotFoundError, 404),
    ("throttling", openai.RateLimitError, 429),
    ("internal_server", openai.InternalServerError, 500),
    ("service_unavailable", openai.InternalServerError, 503),
]


@check("every error marker -> the SDK's exception class (JSON and stream)")
def errors(ctx):
    client = ctx["no_retry"]
    for marker, error_class, status in ERRORS:
        for stream in (False, True):
            e = expect(error_class,
                       lambda: client.responses.create(model=MODEL, input=f"[error:{marker}]", store=False,
                                                       stream=stream),
                       status)
            assert e.code and e.type, (marker, e.body)
            assert e.response.headers.get("x-request-id", "").startswith("req_")
    e = expect(openai.APIStatusError, lambda: create(client, "[error:model_timeout]"), 408)
    return ", ".join(str(s) for _, _, s in ERRORS) + ", 408"


@check("401: wrong API key -> AuthenticationError")
def wrong_key(ctx):
    client = OpenAI(base_url=ctx["base"], api_key="bedrock-api-key-wrong", max_retries=0)
    e = expect(openai.AuthenticationError, lambda: create(client, "hi"), 401)
    assert e.code == "invalid_api_key" and e.type == "permission_denied_error"
    assert e.message.endswith("The security token included in the request is invalid.")


@check("SigV4 instead of a key -> PermissionDeniedError")
def sigv4(ctx):
    client = OpenAI(base_url=ctx["base"], api_key="unused", max_retries=0, default_headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock-mantle/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=00"})
    expect(openai.PermissionDeniedError, lambda: create(client, "hi"), 403)


@check("store must be false; input items checked")
def request_checks(ctx):
    client = ctx["no_retry"]
    e = expect(openai.BadRequestError,
               lambda: client.responses.create(model=MODEL, input="hi", store=True), 400)
    assert e.param == "store", e.body
    e = expect(openai.BadRequestError, lambda: client.responses.create(model=MODEL, input="hi"), 400)
    assert e.param == "store"
    e = expect(openai.BadRequestError, lambda: create(
        client, [{"role": "assistant", "content": [{"type": "input_text", "text": "x"}]}]), 400)
    assert e.param == "input[0].content[0].type", e.body
    expect(openai.NotFoundError, lambda: create(
        client, [{"type": "reasoning", "id": "rs_x", "summary": []}, {"role": "user", "content": "hi"}]), 404)
    e = expect(openai.BadRequestError, lambda: create(client, "[scenario:nope]"), 400)
    assert "nope" in e.message
    expect(openai.NotFoundError, lambda: client.models.list(), 404)


@check("SDK retries get through [throttle:1]")
def retries(ctx):
    start = time.monotonic()
    r = create(ctx["client"], f"retry me [throttle:1]{tag()}")
    assert r.output_text == "retry me"
    events = stream_events(ctx["client"], f"retry stream [throttle:2]{tag()}")
    assert streamed_text(events) == "retry stream"
    expect(openai.RateLimitError, lambda: create(ctx["client"], f"x [throttle:3]{tag()}"), 429)
    return f"{time.monotonic() - start:.1f} s of backoff"


@check("[midstream]: response.failed event, error event -> APIError")
def midstream(ctx):
    events = stream_events(ctx["client"], "one two three four [midstream:internal_server]")
    assert events[-1].type == "response.failed", [e.type for e in events]
    assert events[-1].response.status == "failed"
    assert events[-1].response.error.code == "server_error"
    assert streamed_text(events) == "one two "
    events = stream_events(ctx["client"], "one two three [midstream:throttling]")
    assert events[-1].response.error.code == "rate_limit_exceeded"
    try:
        stream_events(ctx["client"], "one two three [midstream:validation]")
    except openai.APIError as e:
        assert e.message, e
    else:
        raise AssertionError("no APIError for the error event")
    expect(openai.InternalServerError, lambda: create(ctx["no_retry"], "x [midstream:internal_server]"), 500)


@check("[cut]: the stream ends without a terminal event")
def cut(ctx):
    events = stream_events(ctx["client"], "one two three [cut]")
    assert events[-1].type == "response.output_text.delta", [e.type for e in events]
    assert streamed_text(events) == "one two three"


@check("[drip:30] paces the events")
def drip(ctx):
    start = time.monotonic()
    events = stream_events(ctx["client"], "a b [drip:30]")
    elapsed = time.monotonic() - start
    assert elapsed >= 0.03 * (len(events) - 1), elapsed
    assert streamed_text(events) == "a b"
    return f"{len(events)} events in {elapsed:.2f} s"


def make_context(url):
    base = f"{url}/openai/v1"
    return {
        "base": base,
        "client": OpenAI(base_url=base, api_key=API_KEY, timeout=30),
        "no_retry": OpenAI(base_url=base, api_key=API_KEY, timeout=30, max_retries=0),
    }


if __name__ == "__main__":
    sys.exit(CHECKS.main(__doc__, f"openai {openai.__version__}, Python {sys.version.split()[0]}", make_context))
