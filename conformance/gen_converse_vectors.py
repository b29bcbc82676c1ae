#!/usr/bin/env python3
"""Write the JSON vectors of the ``converse-request``, ``converse-response`` and ``errors`` suites.

    python3 conformance/gen_converse_vectors.py

Every expectation below is written by hand from the rules, not produced by running the Rust
code:

* ``converse-request``: the encoding rules documented at the top of
  ``core/src/converse/request.rs`` and issue 4, and Bedrock's wire format
  (``bedrock-wire.md`` section 1 and botocore's bedrock-runtime service model). Base64 values
  were derived with Python's ``base64`` module. Warning and error texts are the ones the rules
  promise (their exact wording is the encoder's contract with vectors).
  ``conformance/check_converse_botocore.py`` validates every expected body against botocore's
  service model and re-serializes it with botocore's rest-json serializer.
* ``converse-response``: the Converse response as Bedrock returns it (valid per botocore's
  ``ConverseResponse`` shape, checked by the same script) and the neutral response it must
  become. Costs are picodollar integers computed by hand below (see ``core/src/billing.rs``:
  ``tokens x price``, cache writes x5/4 rounded down for the 5-minute TTL and x2 for 1 hour under
  the Anthropic policy; cached input at the cache price and writes at the input price under the
  OpenAI policy), from the catalog prices (picodollars per token) in ``core/src/catalog.rs``.
  ``usd()`` only turns them into the JSON number the neutral response carries
  (``picodollars / 1e12``); ``check_cost()`` re-derives each one independently as a guard
  against arithmetic slips in this file.
* ``errors``: an HTTP error response → kind, error type, message, retry class (the standard
  retry mode, ``bedrock-wire.md`` section 3.1) and the hint of DESIGN.md's troubleshooting table.

The script deletes the ``*.json`` files it owns in those folders before writing, so renamed cases
do not linger.
"""

import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors")

# ---------------------------------------------------------------------------------------------
# Catalog facts used below (core/src/catalog.rs).
# ---------------------------------------------------------------------------------------------

GPT = "openai.gpt-oss-120b"  # no prompt cache, sampling allowed, max_output 32768
GPT_MAX = 32768
SONNET = "us.anthropic.claude-sonnet-4-6"  # prompt cache, sampling allowed, max_output 64000
SONNET_MAX = 64000
HAIKU = "us.anthropic.claude-haiku-4-5"  # api_id us.anthropic.claude-haiku-4-5-20251001-v1:0
FABLE = "us.anthropic.claude-fable-5"  # sampling pinned, max_output 128000
FABLE_MAX = 128000

# Picodollars per token: (input, output, cache_read, policy).
PRICES = {
    SONNET: (3_300_000, 16_500_000, 330_000, "anthropic"),
    HAIKU: (1_100_000, 5_500_000, 110_000, "anthropic"),
    "us.anthropic.claude-opus-4-8": (5_500_000, 27_500_000, 550_000, "anthropic"),
    GPT: (150_000, 600_000, 150_000, "openai"),
    "amazon.nova-2-lite": (330_000, 2_750_000, 82_500, "openai"),
}

CASES = {"converse-request": {}, "converse-response": {}, "errors": {}}


def case(suite, name, description, input, expected=None, expected_error=None):
    assert name not in CASES[suite], name
    body = {"description": description, "input": input}
    if expected_error is not None:
        body["expected_error"] = expected_error
    else:
        body["expected"] = expected
    CASES[suite][name] = body


# ---------------------------------------------------------------------------------------------
# converse-request
# ---------------------------------------------------------------------------------------------


def req(model, messages, **members):
    r = {"model": model, "messages": messages}
    r.update(members)
    return r


def user(content):
    return {"role": "user", "content": content}


def assistant(content):
    return {"role": "assistant", "content": content}


def wuser(*blocks):
    return {"role": "user", "content": list(blocks)}


def wassistant(*blocks):
    return {"role": "assistant", "content": list(blocks)}


def text(t):
    return {"text": t}


CP = {"cachePoint": {"type": "default"}}
CP_1H = {"cachePoint": {"type": "default", "ttl": "1h"}}


def inference(max_tokens, **more):
    d = {"maxTokens": max_tokens}
    d.update(more)
    return d


def ok(body, warnings=()):
    return {"body": body, "warnings": list(warnings)}


def rq(name, description, input, expected=None, expected_error=None):
    case("converse-request", name, description, input, expected, expected_error)


def invalid(path, message):
    return {"kind": "invalid_request", "path": path, "message": message}


def minimal_tool_spec(name):
    """The spec the encoder adds for a tool the history used but the request does not offer."""
    return {"toolSpec": {"name": name, "inputSchema": {"json": {"type": "object"}}}}


def tool_config_added(*names):
    return (f"toolConfig added for the tools the conversation used ({', '.join(names)}): "
            "Bedrock requires one when messages hold tool calls or results")


BLANK_DROPPED = "blank text dropped (Bedrock rejects it)"


def merged(index, role):
    return (f"messages[{index}]: merged into the {role} message before it "
            "(Bedrock requires alternating roles)")


WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}
WEATHER_TOOL = {"name": "get_weather", "description": "Current weather for a city",
                "input_schema": WEATHER_SCHEMA}
WEATHER_SPEC = {"toolSpec": {"name": "get_weather", "description": "Current weather for a city",
                             "inputSchema": {"json": WEATHER_SCHEMA}}}

# --- text and content forms ----------------------------------------------------------------

rq("text-plain-string",
   "A user message whose content is a string becomes one text block; maxTokens defaults to the "
   "model's max_output (openai.gpt-oss-120b: 32768); no system, no toolConfig.",
   {"model": GPT, "request": req(GPT, [user("Hello")])},
   ok({"messages": [wuser(text("Hello"))], "inferenceConfig": inference(GPT_MAX)}))

rq("text-string-and-parts-multi-turn",
   "String content and a list of text parts are equivalent: each text part is its own text "
   "block, in order; roles are kept; assistant turns may be strings too.",
   {"model": GPT, "request": req(GPT, [
       user([{"type": "text", "text": "Hello"}, {"type": "text", "text": "World"}]),
       assistant("Hi! What can I do?"),
       user("Tell me a joke."),
   ])},
   ok({"messages": [
       wuser(text("Hello"), text("World")),
       wassistant(text("Hi! What can I do?")),
       wuser(text("Tell me a joke.")),
   ], "inferenceConfig": inference(GPT_MAX)}))

rq("text-unicode-kept",
   "Text is sent as is, non-ASCII included (JSON strings, no transcoding).",
   {"model": GPT, "request": req(GPT, [user("Grüße aus Köln — 你好 👋")])},
   ok({"messages": [wuser(text("Grüße aus Köln — 你好 👋"))],
       "inferenceConfig": inference(GPT_MAX)}))

rq("system-string",
   "A system prompt given as a string becomes one system text block.",
   {"model": GPT, "request": req(GPT, [user("Hi")], system="You are terse.")},
   ok({"messages": [wuser(text("Hi"))], "system": [text("You are terse.")],
       "inferenceConfig": inference(GPT_MAX)}))

rq("system-parts",
   "A system prompt given as text parts becomes one system text block per part, in order.",
   {"model": GPT, "request": req(GPT, [user("Hi")], system=[
       {"type": "text", "text": "You are terse."},
       {"type": "text", "text": "Answer in French."},
   ])},
   ok({"messages": [wuser(text("Hi"))],
       "system": [text("You are terse."), text("Answer in French.")],
       "inferenceConfig": inference(GPT_MAX)}))

# --- media ------------------------------------------------------------------------------------

rq("image-base64-standard",
   "An image part with standard padded base64 data becomes image {format, source.bytes} with "
   "the same base64 (a blob is standard padded base64 on the wire).",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "text", "text": "What is this?"},
       {"type": "image", "format": "png", "data": "iVBORw0KGgo="},
   ])])},
   ok({"messages": [wuser(text("What is this?"),
                          {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}})],
       "inferenceConfig": inference(GPT_MAX)}))

rq("image-base64-urlsafe-unpadded-normalized",
   "URL-safe, unpadded base64 is re-encoded as standard padded base64: bytes fb ef be ff fe are "
   "'----__4' URL-safe and '++++//4=' standard.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "image", "format": "webp", "data": "----__4"},
   ])])},
   ok({"messages": [wuser({"image": {"format": "webp", "source": {"bytes": "++++//4="}}})],
       "inferenceConfig": inference(GPT_MAX)}))

rq("image-base64-unpadded-and-urlsafe-padded-normalized",
   "Standard-alphabet base64 without padding ('iVBORw0KGgo') gets its padding; URL-safe base64 "
   "with padding ('_9j_4AAQSkZJRg==', a JPEG header) gets the standard alphabet.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "image", "format": "png", "data": "iVBORw0KGgo"},
       {"type": "image", "format": "jpeg", "data": "_9j_4AAQSkZJRg=="},
   ])])},
   ok({"messages": [wuser(
       {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
       {"image": {"format": "jpeg", "source": {"bytes": "/9j/4AAQSkZJRg=="}}},
   )], "inferenceConfig": inference(GPT_MAX)}))

rq("image-s3-with-bucket-owner",
   "An image from S3: source.s3Location {uri, bucketOwner} instead of bytes.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "image", "format": "jpeg", "s3_uri": "s3://my-bucket/images/cat.jpeg",
        "s3_bucket_owner": "111122223333"},
   ])])},
   ok({"messages": [wuser({"image": {"format": "jpeg", "source": {"s3Location": {
       "uri": "s3://my-bucket/images/cat.jpeg", "bucketOwner": "111122223333"}}}})],
       "inferenceConfig": inference(GPT_MAX)}))

rq("document-bytes-citations-and-context",
   "A document part: format, name, source.bytes, context, and citations: true → "
   "citations {enabled: true}.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "document", "format": "pdf", "name": "report", "data": "JVBERi0xLjcK",
        "citations": True, "context": "Quarterly report, Q3 2026"},
       {"type": "text", "text": "Summarize the report."},
   ])])},
   ok({"messages": [wuser(
       {"document": {"format": "pdf", "name": "report", "source": {"bytes": "JVBERi0xLjcK"},
                     "context": "Quarterly report, Q3 2026", "citations": {"enabled": True}}},
       text("Summarize the report."),
   )], "inferenceConfig": inference(GPT_MAX)}))

rq("document-s3-citations-disabled",
   "A document from S3 without a bucket owner: s3Location {uri} only; citations: false is sent "
   "as citations {enabled: false}.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "document", "format": "md", "name": "notes", "s3_uri": "s3://docs-bucket/notes.md",
        "citations": False},
   ])])},
   ok({"messages": [wuser({"document": {"format": "md", "name": "notes", "source": {
       "s3Location": {"uri": "s3://docs-bucket/notes.md"}}, "citations": {"enabled": False}}})],
       "inferenceConfig": inference(GPT_MAX)}))

rq("video-bytes-and-s3-with-bucket-owner",
   "Video parts: base64 bytes (an MP4 ftyp header) and an S3 location with a bucket owner.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "video", "format": "mp4", "data": "AAAAGGZ0eXBtcDQy"},
       {"type": "video", "format": "mov", "s3_uri": "s3://media-bucket/clip.mov",
        "s3_bucket_owner": "444455556666"},
   ])])},
   ok({"messages": [wuser(
       {"video": {"format": "mp4", "source": {"bytes": "AAAAGGZ0eXBtcDQy"}}},
       {"video": {"format": "mov", "source": {"s3Location": {
           "uri": "s3://media-bucket/clip.mov", "bucketOwner": "444455556666"}}}},
   )], "inferenceConfig": inference(GPT_MAX)}))

rq("audio-bytes-urlsafe-and-s3",
   "Audio parts: URL-safe unpadded base64 ('UklGRiQIAABXQVZFZm10IA', a WAV header) becomes "
   "standard padded; an S3 location without owner.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "audio", "format": "wav", "data": "UklGRiQIAABXQVZFZm10IA"},
       {"type": "audio", "format": "mp3", "s3_uri": "s3://media-bucket/voice.mp3"},
   ])])},
   ok({"messages": [wuser(
       {"audio": {"format": "wav", "source": {"bytes": "UklGRiQIAABXQVZFZm10IA=="}}},
       {"audio": {"format": "mp3", "source": {"s3Location": {"uri": "s3://media-bucket/voice.mp3"}}}},
   )], "inferenceConfig": inference(GPT_MAX)}))

rq("media-data-and-s3-error",
   "A media part gives either data or s3_uri, never both.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "image", "format": "png", "data": "iVBORw0KGgo=", "s3_uri": "s3://b/k.png"},
   ])])},
   expected_error=invalid("messages[0].content[0]", "give either data or s3_uri, not both"))

rq("media-no-source-error",
   "A media part needs data or s3_uri.",
   {"model": GPT, "request": req(GPT, [user([{"type": "video", "format": "mp4"}])])},
   expected_error=invalid("messages[0].content[0]", "needs data (base64) or s3_uri"))

rq("media-s3-uri-scheme-error",
   "An s3_uri must be an s3:// URI.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "text", "text": "look"},
       {"type": "image", "format": "png", "s3_uri": "https://example.com/a.png"},
   ])])},
   expected_error=invalid("messages[0].content[1].s3_uri", "must start with s3://"))

rq("media-invalid-base64-error",
   "Data that is not base64 in any alphabet is rejected, naming the member.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "document", "format": "txt", "name": "x", "data": "not base64!"},
   ])])},
   expected_error=invalid("messages[0].content[0].data", "is not valid base64"))

# --- tools ------------------------------------------------------------------------------------

rq("tools-schema-gets-type-object",
   "A tool becomes toolConfig.tools[].toolSpec {name, description, inputSchema.json}; a schema "
   "without a top-level type gets \"type\": \"object\", the rest kept as is; no toolChoice when "
   "tool_choice is absent.",
   {"model": GPT, "request": req(GPT, [user("Weather in Paris?")], tools=[
       {"name": "get_weather", "description": "Current weather for a city",
        "input_schema": {"properties": {"city": {"type": "string"}}, "required": ["city"]}},
   ])},
   ok({"messages": [wuser(text("Weather in Paris?"))],
       "toolConfig": {"tools": [WEATHER_SPEC]},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tools-parameters-alias-and-no-description",
   "`parameters` is accepted for `input_schema`; a schema that already has a type is kept "
   "unchanged; no description → no description member.",
   {"model": GPT, "request": req(GPT, [user("Find cats")], tools=[
       {"name": "search", "parameters": {"type": "object", "properties": {
           "q": {"type": "string"}, "limit": {"type": "integer"}}}},
   ])},
   ok({"messages": [wuser(text("Find cats"))],
       "toolConfig": {"tools": [{"toolSpec": {"name": "search", "inputSchema": {"json": {
           "type": "object", "properties": {"q": {"type": "string"},
                                            "limit": {"type": "integer"}}}}}}]},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tools-strict-true-and-false",
   "strict is passed through as toolSpec.strict when given (true or false), absent otherwise.",
   {"model": GPT, "request": req(GPT, [user("Go")], tools=[
       dict(WEATHER_TOOL, strict=True),
       {"name": "lookup", "input_schema": {"type": "object", "properties": {}}, "strict": False},
   ])},
   ok({"messages": [wuser(text("Go"))],
       "toolConfig": {"tools": [
           {"toolSpec": dict(WEATHER_SPEC["toolSpec"], strict=True)},
           {"toolSpec": {"name": "lookup", "inputSchema": {"json": {"type": "object",
                                                                   "properties": {}}},
                         "strict": False}},
       ]},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tools-no-schema-empty-object",
   "A tool without a schema (or with a null one) gets the empty object schema "
   "{\"type\": \"object\", \"properties\": {}} (inputSchema is required on the wire).",
   {"model": GPT, "request": req(GPT, [user("What time is it?")], tools=[
       {"name": "get_time", "description": "The current time"},
       {"name": "ping", "input_schema": None},
   ])},
   ok({"messages": [wuser(text("What time is it?"))],
       "toolConfig": {"tools": [
           {"toolSpec": {"name": "get_time", "description": "The current time",
                         "inputSchema": {"json": {"type": "object", "properties": {}}}}},
           {"toolSpec": {"name": "ping",
                         "inputSchema": {"json": {"type": "object", "properties": {}}}}},
       ]},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tool-choice-auto",
   "tool_choice \"auto\" → toolConfig.toolChoice {auto: {}}.",
   {"model": GPT, "request": req(GPT, [user("Weather?")], tools=[WEATHER_TOOL],
                                 tool_choice="auto")},
   ok({"messages": [wuser(text("Weather?"))],
       "toolConfig": {"tools": [WEATHER_SPEC], "toolChoice": {"auto": {}}},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tool-choice-required",
   "tool_choice \"required\" → toolChoice {any: {}} (the model must call some tool).",
   {"model": GPT, "request": req(GPT, [user("Weather?")], tools=[WEATHER_TOOL],
                                 tool_choice="required")},
   ok({"messages": [wuser(text("Weather?"))],
       "toolConfig": {"tools": [WEATHER_SPEC], "toolChoice": {"any": {}}},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tool-choice-any-alias",
   "tool_choice \"any\" is accepted as an alias of \"required\" → toolChoice {any: {}}.",
   {"model": GPT, "request": req(GPT, [user("Weather?")], tools=[WEATHER_TOOL],
                                 tool_choice="any")},
   ok({"messages": [wuser(text("Weather?"))],
       "toolConfig": {"tools": [WEATHER_SPEC], "toolChoice": {"any": {}}},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tool-choice-named",
   "tool_choice {name} → toolChoice {tool: {name}}.",
   {"model": GPT, "request": req(GPT, [user("Weather?")],
                                 tools=[WEATHER_TOOL, {"name": "get_time"}],
                                 tool_choice={"name": "get_weather"})},
   ok({"messages": [wuser(text("Weather?"))],
       "toolConfig": {"tools": [WEATHER_SPEC, {"toolSpec": {
           "name": "get_time", "inputSchema": {"json": {"type": "object", "properties": {}}}}}],
           "toolChoice": {"tool": {"name": "get_weather"}}},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tool-choice-none-error",
   "tool_choice \"none\" has no Converse equivalent: a clear error, not a silent drop.",
   {"model": GPT, "request": req(GPT, [user("Weather?")], tools=[WEATHER_TOOL],
                                 tool_choice="none")},
   expected_error=invalid("tool_choice", "\"none\" cannot be expressed in Converse; leave the "
                                         "tools out of the request instead"))

rq("tool-choice-unknown-tool-error",
   "tool_choice naming a tool that is not in tools is an error.",
   {"model": GPT, "request": req(GPT, [user("Weather?")], tools=[WEATHER_TOOL],
                                 tool_choice={"name": "get_wether"})},
   expected_error=invalid("tool_choice", "names \"get_wether\", which is not in tools"))

rq("tool-choice-without-tools-error",
   "tool_choice without tools is an error (Converse has no toolConfig to put it in).",
   {"model": GPT, "request": req(GPT, [user("Weather?")], tool_choice="auto")},
   expected_error=invalid("tool_choice", "is set but the request has no tools"))

rq("tool-choice-unknown-word-error",
   "An unknown tool_choice word is a parse error that names the value and the choices.",
   {"model": GPT, "request": req(GPT, [user("Weather?")], tools=[WEATHER_TOOL],
                                 tool_choice="sometimes")},
   expected_error=invalid("", "unknown tool_choice \"sometimes\": expected \"auto\", "
                              "\"required\", \"none\" or {\"name\": ...}"))

rq("tool-schema-not-object-error",
   "A tool schema must be a JSON object.",
   {"model": GPT, "request": req(GPT, [user("x")], tools=[
       {"name": "f", "input_schema": "string"}])},
   expected_error=invalid("tools[0].input_schema", "must be a JSON Schema object"))

rq("tool-name-empty-error",
   "A tool needs a name.",
   {"model": GPT, "request": req(GPT, [user("x")], tools=[WEATHER_TOOL, {"name": ""}])},
   expected_error=invalid("tools[1].name",
                          "tool names must be 1 to 64 characters of a-z, A-Z, 0-9, '_' and '-'"))

rq("tool-name-pattern-error",
   "Tool names follow Bedrock's pattern [a-zA-Z0-9_-]{1,64}: a space is refused before sending.",
   {"model": GPT, "request": req(GPT, [user("x")], tools=[{"name": "get weather"}])},
   expected_error=invalid("tools[0].name",
                          "tool names must be 1 to 64 characters of a-z, A-Z, 0-9, '_' and '-'"))

rq("tool-empty-description-omitted",
   "An empty tool description is left out (Bedrock requires at least one character).",
   {"model": GPT, "request": req(GPT, [user("x")], tools=[{"name": "now", "description": ""}])},
   ok({"messages": [wuser(text("x"))],
       "toolConfig": {"tools": [{"toolSpec": {"name": "now", "inputSchema": {"json": {"type": "object", "properties": {}}}}}]},
       "inferenceConfig": inference(GPT_MAX)}))

# --- tool calls and results --------------------------------------------------------------------

rq("tool-call-with-arguments-and-string-result",
   "An assistant tool_call → toolUse {toolUseId, name, input: arguments}; a user tool_result "
   "with string content → toolResult {toolUseId, content: [{text}]}, no status when it is not "
   "an error.",
   {"model": GPT, "request": req(GPT, [
       user("Weather in Paris?"),
       assistant([{"type": "text", "text": "Let me check."},
                  {"type": "tool_call", "id": "tooluse_w1", "name": "get_weather",
                   "arguments": {"city": "Paris"}}]),
       user([{"type": "tool_result", "tool_call_id": "tooluse_w1", "content": "18 °C, clear"}]),
   ], tools=[WEATHER_TOOL])},
   ok({"messages": [
       wuser(text("Weather in Paris?")),
       wassistant(text("Let me check."),
                  {"toolUse": {"toolUseId": "tooluse_w1", "name": "get_weather",
                               "input": {"city": "Paris"}}}),
       wuser({"toolResult": {"toolUseId": "tooluse_w1", "content": [text("18 °C, clear")]}}),
   ], "toolConfig": {"tools": [WEATHER_SPEC]}, "inferenceConfig": inference(GPT_MAX)}))

rq("tool-call-without-arguments-sends-empty-input",
   "A tool_call without arguments, or with null arguments, sends input {} (input is required); "
   "parallel calls and their results keep their order.",
   {"model": GPT, "request": req(GPT, [
       user("Time and a ping, please."),
       assistant([{"type": "tool_call", "id": "call_a", "name": "get_time"},
                  {"type": "tool_call", "id": "call_b", "name": "ping", "arguments": None}]),
       user([{"type": "tool_result", "tool_call_id": "call_a", "content": "12:00"},
             {"type": "tool_result", "tool_call_id": "call_b", "content": "pong"}]),
   ], tools=[{"name": "get_time"}, {"name": "ping"}])},
   ok({"messages": [
       wuser(text("Time and a ping, please.")),
       wassistant({"toolUse": {"toolUseId": "call_a", "name": "get_time", "input": {}}},
                  {"toolUse": {"toolUseId": "call_b", "name": "ping", "input": {}}}),
       wuser({"toolResult": {"toolUseId": "call_a", "content": [text("12:00")]}},
             {"toolResult": {"toolUseId": "call_b", "content": [text("pong")]}}),
   ], "toolConfig": {"tools": [
       {"toolSpec": {"name": "get_time", "inputSchema": {"json": {"type": "object",
                                                                 "properties": {}}}}},
       {"toolSpec": {"name": "ping", "inputSchema": {"json": {"type": "object",
                                                             "properties": {}}}}},
   ]}, "inferenceConfig": inference(GPT_MAX)}))

rq("tool-result-parts-text-json-image",
   "Tool result parts: text → {text}, json → {json: value} (inline JSON, not a string), "
   "image → {image} with standard base64 (URL-safe input normalized).",
   {"model": GPT, "request": req(GPT, [
       user("Render the chart"),
       assistant([{"type": "tool_call", "id": "t1", "name": "chart",
                   "arguments": {"series": [1, 2, 3]}}]),
       user([{"type": "tool_result", "tool_call_id": "t1", "content": [
           {"type": "text", "text": "rendered"},
           {"type": "json", "json": {"width": 640, "height": 480, "ok": True, "tags": ["a"]}},
           {"type": "image", "format": "png", "data": "iVBORw0KGgo"},
       ]}]),
   ], tools=[{"name": "chart"}])},
   ok({"messages": [
       wuser(text("Render the chart")),
       wassistant({"toolUse": {"toolUseId": "t1", "name": "chart",
                               "input": {"series": [1, 2, 3]}}}),
       wuser({"toolResult": {"toolUseId": "t1", "content": [
           text("rendered"),
           {"json": {"width": 640, "height": 480, "ok": True, "tags": ["a"]}},
           {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
       ]}}),
   ], "toolConfig": {"tools": [{"toolSpec": {"name": "chart", "inputSchema": {
       "json": {"type": "object", "properties": {}}}}}]},
       "inferenceConfig": inference(GPT_MAX)}))

rq("tool-result-is-error-status",
   "is_error: true → toolResult.status \"error\".",
   {"model": GPT, "request": req(GPT, [
       user("Weather in Atlantis?"),
       assistant([{"type": "tool_call", "id": "t9", "name": "get_weather",
                   "arguments": {"city": "Atlantis"}}]),
       user([{"type": "tool_result", "tool_call_id": "t9", "content": "unknown city",
              "is_error": True}]),
   ], tools=[WEATHER_TOOL])},
   ok({"messages": [
       wuser(text("Weather in Atlantis?")),
       wassistant({"toolUse": {"toolUseId": "t9", "name": "get_weather",
                               "input": {"city": "Atlantis"}}}),
       wuser({"toolResult": {"toolUseId": "t9", "content": [text("unknown city")],
                             "status": "error"}}),
   ], "toolConfig": {"tools": [WEATHER_SPEC]}, "inferenceConfig": inference(GPT_MAX)}))

rq("tool-call-in-user-message-error",
   "tool_call parts belong in assistant messages.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "tool_call", "id": "t1", "name": "f", "arguments": {}}])])},
   expected_error=invalid("messages[0].content[0]", "tool_call parts belong in assistant messages"))

rq("tool-result-in-assistant-message-error",
   "tool_result parts belong in user messages.",
   {"model": GPT, "request": req(GPT, [user("x"), assistant([
       {"type": "tool_result", "tool_call_id": "t1", "content": "y"}])])},
   expected_error=invalid("messages[1].content[0]", "tool_result parts belong in user messages"))

rq("tool-call-arguments-not-object-error",
   "Tool call arguments must be a JSON object (Converse toolUse.input is the arguments object).",
   {"model": GPT, "request": req(GPT, [user("x"), assistant([
       {"type": "tool_call", "id": "t1", "name": "f", "arguments": [1, 2]}])])},
   expected_error=invalid("messages[1].content[0].arguments", "must be a JSON object"))

rq("truncated-tool-call-replay-error",
   "A truncated_tool_call (cut off by max_tokens) cannot be sent back as a call.",
   {"model": GPT, "request": req(GPT, [user("x"), assistant([
       {"type": "truncated_tool_call", "id": "t1", "name": "f",
        "partial_arguments": "{\"ci"}])])},
   expected_error=invalid("messages[1].content[0]",
                          "a truncated_tool_call was cut off by max_tokens and cannot be sent "
                          "back as a call; drop it or raise max_tokens"))

rq("json-part-outside-tool-result-error",
   "json parts exist only inside tool results.",
   {"model": GPT, "request": req(GPT, [user([{"type": "json", "json": {"a": 1}}])])},
   expected_error=invalid("messages[0].content[0]", "json parts belong inside a tool_result"))

# --- reasoning ---------------------------------------------------------------------------------

SIGNATURE = ("ErUBCkgIAxABGAIiQCm9k+0Ow/Qd4rCx8Ck5+JZ1qk1aH3wRv6XqG0M/8Pq7d0r0Y1b2Y3c4d5e6f7g8h9i0"
             "j1k2l3m4n5o6p7EgxZ6V3Yg==")
REDACTED = "+vv8/f7/AAECAwQFBgcICQ=="  # bytes fa fb fc fd fe ff 00 01 .. 09

rq("reasoning-with-signature-replayed",
   "Reasoning replay: reasoning {text, signature} → reasoningContent.reasoningText {text, "
   "signature}, both byte-exact (the signature is opaque, never re-encoded). Claude model with "
   "prompt_cache switched off so no automatic cache point interferes.",
   {"model": SONNET, "features": {"prompt_cache": False}, "request": req(SONNET, [
       user("What is 6 x 7?"),
       assistant([{"type": "reasoning", "text": "6 x 7 = 42.\nDouble-check: 7 x 6 = 42.",
                   "signature": SIGNATURE},
                  {"type": "text", "text": "42"}]),
       user("And 6 x 8?"),
   ])},
   ok({"messages": [
       wuser(text("What is 6 x 7?")),
       wassistant({"reasoningContent": {"reasoningText": {
           "text": "6 x 7 = 42.\nDouble-check: 7 x 6 = 42.", "signature": SIGNATURE}}},
           text("42")),
       wuser(text("And 6 x 8?")),
   ], "inferenceConfig": inference(SONNET_MAX)}))

rq("reasoning-without-signature-and-redacted-replayed",
   "Reasoning without a signature has no signature member; redacted reasoning → "
   "reasoningContent.redactedContent, the same bytes as standard padded base64 (byte-exact).",
   {"model": SONNET, "features": {"prompt_cache": False}, "request": req(SONNET, [
       user("Think hard."),
       assistant([{"type": "reasoning", "text": "Hmm."},
                  {"type": "redacted_reasoning", "data": REDACTED},
                  {"type": "text", "text": "Done."}]),
       user("Go on."),
   ])},
   ok({"messages": [
       wuser(text("Think hard.")),
       wassistant({"reasoningContent": {"reasoningText": {"text": "Hmm."}}},
                  {"reasoningContent": {"redactedContent": REDACTED}},
                  text("Done.")),
       wuser(text("Go on.")),
   ], "inferenceConfig": inference(SONNET_MAX)}))

rq("redacted-reasoning-urlsafe-normalized",
   "Redacted reasoning given as URL-safe unpadded base64 is sent as the same bytes in standard "
   "padded base64.",
   {"model": GPT, "request": req(GPT, [
       user("Q"),
       assistant([{"type": "redacted_reasoning", "data": "-vv8_f7_AAECAwQFBgcICQ"}]),
       user("Q2"),
   ])},
   ok({"messages": [
       wuser(text("Q")),
       wassistant({"reasoningContent": {"redactedContent": REDACTED}}),
       wuser(text("Q2")),
   ], "inferenceConfig": inference(GPT_MAX)}))

# --- guard content, citations, passthrough ------------------------------------------------------

rq("guard-content-user-with-qualifiers",
   "guard_content parts → guardContent.text {text, qualifiers}; qualifiers omitted when empty.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "guard_content", "text": "Paris is the capital of France.",
        "qualifiers": ["grounding_source"]},
       {"type": "guard_content", "text": "What is the capital of France?",
        "qualifiers": ["query"]},
       {"type": "guard_content", "text": "Check this too."},
       {"type": "text", "text": "Answer briefly."},
   ])])},
   ok({"messages": [wuser(
       {"guardContent": {"text": {"text": "Paris is the capital of France.",
                                  "qualifiers": ["grounding_source"]}}},
       {"guardContent": {"text": {"text": "What is the capital of France?",
                                  "qualifiers": ["query"]}}},
       {"guardContent": {"text": {"text": "Check this too."}}},
       text("Answer briefly."),
   )], "inferenceConfig": inference(GPT_MAX)}))

rq("guard-content-system",
   "guard_content in the system prompt → a system guardContent block, in order with the text.",
   {"model": GPT, "request": req(GPT, [user("Hi")], system=[
       {"type": "text", "text": "You are a support agent."},
       {"type": "guard_content", "text": "Never discuss pricing.",
        "qualifiers": ["guard_content"]},
   ])},
   ok({"messages": [wuser(text("Hi"))],
       "system": [text("You are a support agent."),
                  {"guardContent": {"text": {"text": "Never discuss pricing.",
                                             "qualifiers": ["guard_content"]}}}],
       "inferenceConfig": inference(GPT_MAX)}))

CITATION = {"title": "report", "sourceContent": [{"text": "Revenue grew 12% in Q3."}],
            "location": {"documentChar": {"documentIndex": 0, "start": 120, "end": 143}}}

rq("assistant-text-with-citations",
   "An assistant text part with citations → citationsContent {content: [{text}], citations} "
   "with the citations verbatim; text without citations stays a text block.",
   {"model": GPT, "request": req(GPT, [
       user([{"type": "document", "format": "txt", "name": "report", "data": "UmV2ZW51ZQ==",
              "citations": True},
             {"type": "text", "text": "How did revenue do?"}]),
       assistant([{"type": "text", "text": "Revenue grew 12%.", "citations": [CITATION]},
                  {"type": "text", "text": " Anything else?"}]),
       user("Thanks."),
   ])},
   ok({"messages": [
       wuser({"document": {"format": "txt", "name": "report", "source": {"bytes": "UmV2ZW51ZQ=="},
                           "citations": {"enabled": True}}},
             text("How did revenue do?")),
       wassistant({"citationsContent": {"content": [text("Revenue grew 12%.")],
                                        "citations": [CITATION]}},
                  text(" Anything else?")),
       wuser(text("Thanks.")),
   ], "inferenceConfig": inference(GPT_MAX)}))

SEARCH_RESULT = {"searchResult": {
    "source": "https://example.com/kb/42", "title": "KB 42",
    "content": [{"text": "Reset the router by holding the button for 10 s."}],
    "citations": {"enabled": True}}}

rq("bedrock-passthrough-search-result",
   "A bedrock part's block (a one-member Converse content block, here searchResult) is sent "
   "verbatim.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "bedrock", "block": SEARCH_RESULT},
       {"type": "text", "text": "How do I reset the router?"},
   ])])},
   ok({"messages": [wuser(SEARCH_RESULT, text("How do I reset the router?"))],
       "inferenceConfig": inference(GPT_MAX)}))

rq("bedrock-block-not-one-member-error",
   "A bedrock part's block must be a one-member object (a Converse union).",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "bedrock", "block": {"text": "a", "image": {}}}])])},
   expected_error=invalid("messages[0].content[0].block",
                          "must be a Converse content block (a one-member object)"))

rq("system-image-part-error",
   "Only text, cache_point, guard_content and bedrock parts may appear in the system prompt.",
   {"model": GPT, "request": req(GPT, [user("x")], system=[
       {"type": "image", "format": "png", "data": "iVBORw0KGgo="}])},
   expected_error=invalid("system[0]", "only text, cache_point, guard_content and bedrock parts "
                                       "may appear in the system prompt"))

# --- cache points ------------------------------------------------------------------------------

rq("cache-automatic-tools-system-prefix",
   "prompt_cache model (Sonnet 4.6): automatic cache points after the tool definitions, after "
   "the system prompt and at the end of the second-to-last user turn (the conversation prefix "
   "the next request repeats); none in the last turn; no warnings.",
   {"model": SONNET, "request": req(SONNET, [
       user("Hi"), assistant("Hello! How can I help?"), user("Weather in Paris?"),
   ], system="You are a helpful assistant.", tools=[WEATHER_TOOL])},
   ok({"messages": [
       wuser(text("Hi"), CP),
       wassistant(text("Hello! How can I help?")),
       wuser(text("Weather in Paris?")),
   ], "system": [text("You are a helpful assistant."), CP],
       "toolConfig": {"tools": [WEATHER_SPEC, CP]},
       "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-automatic-single-turn-system-only",
   "prompt_cache model, one user turn: there is no conversation prefix yet, so only the system "
   "prompt gets a cache point.",
   {"model": SONNET, "request": req(SONNET, [user("Hi")], system="Be brief.")},
   ok({"messages": [wuser(text("Hi"))], "system": [text("Be brief."), CP],
       "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-automatic-prefix-with-tool-results",
   "The second-to-last user turn counts tool-result turns as user turns: here the turn holding "
   "the first tool result is the prefix end; the tools get theirs too (no system prompt).",
   {"model": SONNET, "request": req(SONNET, [
       user("Weather in Paris and Rome?"),
       assistant([{"type": "tool_call", "id": "t1", "name": "get_weather",
                   "arguments": {"city": "Paris"}}]),
       user([{"type": "tool_result", "tool_call_id": "t1", "content": "18 °C"}]),
       assistant([{"type": "tool_call", "id": "t2", "name": "get_weather",
                   "arguments": {"city": "Rome"}}]),
       user([{"type": "tool_result", "tool_call_id": "t2", "content": "24 °C"}]),
   ], tools=[WEATHER_TOOL])},
   ok({"messages": [
       wuser(text("Weather in Paris and Rome?")),
       wassistant({"toolUse": {"toolUseId": "t1", "name": "get_weather",
                               "input": {"city": "Paris"}}}),
       wuser({"toolResult": {"toolUseId": "t1", "content": [text("18 °C")]}}, CP),
       wassistant({"toolUse": {"toolUseId": "t2", "name": "get_weather",
                               "input": {"city": "Rome"}}}),
       wuser({"toolResult": {"toolUseId": "t2", "content": [text("24 °C")]}}),
   ], "toolConfig": {"tools": [WEATHER_SPEC, CP]},
       "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-explicit-1h-respected-not-duplicated",
   "An explicit cache point at the end of the system prompt (ttl 1h) is kept with its ttl and "
   "not duplicated by the automatic one; the prefix still gets its automatic point (5m after "
   "1h: TTLs non-increasing, as Bedrock requires). 2 of 4 used.",
   {"model": SONNET, "request": req(SONNET, [
       user("Hi"), assistant("Hello."), user("Weather in Paris?"),
   ], system=[{"type": "text", "text": "Long policy text."},
              {"type": "cache_point", "ttl": "1h"}])},
   ok({"messages": [
       wuser(text("Hi"), CP),
       wassistant(text("Hello.")),
       wuser(text("Weather in Paris?")),
   ], "system": [text("Long policy text."), CP_1H],
       "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-automatic-before-explicit-1h-takes-1h",
   "Bedrock processes cache points in toolConfig → system → messages order and rejects a "
   "longer TTL after a shorter one (TTLs must be non-increasing; CachePointBlock docs as "
   "relayed by AWS's Strands SDK, and Anthropic's rule for mixed TTLs). So the automatic point "
   "after the tools, which precedes the caller's explicit 1h system point, must carry ttl 1h "
   "too (a default 5m point there makes Bedrock reject the request); the explicit 1h point is "
   "kept, not duplicated; the prefix point after it stays 5m. 3 of 4 used.",
   {"model": SONNET, "request": req(SONNET, [
       user("Hi"), assistant("Hello."), user("Weather in Paris?"),
   ], system=[{"type": "text", "text": "Long policy text."},
              {"type": "cache_point", "ttl": "1h"}], tools=[WEATHER_TOOL])},
   ok({"messages": [
       wuser(text("Hi"), CP),
       wassistant(text("Hello.")),
       wuser(text("Weather in Paris?")),
   ], "system": [text("Long policy text."), CP_1H],
       "toolConfig": {"tools": [WEATHER_SPEC, CP_1H]},
       "inferenceConfig": inference(SONNET_MAX)}))

rq("tool-result-bedrock-search-result",
   "A bedrock passthrough part inside a tool result lands verbatim in toolResult.content "
   "(Bedrock allows searchResult there). The request has no tools, so the encoder adds the "
   "toolConfig Bedrock requires for the tool history.",
   {"model": SONNET, "request": req(SONNET, [
       user("Search the manual."),
       assistant([{"type": "tool_call", "id": "t1", "name": "search", "arguments": {"q": "reset"}}]),
       user([{"type": "tool_result", "tool_call_id": "t1", "content": [{"type": "bedrock", "block": SEARCH_RESULT}]}]),
   ])},
   ok({"messages": [
       wuser(text("Search the manual."), CP),
       wassistant({"toolUse": {"toolUseId": "t1", "name": "search", "input": {"q": "reset"}}}),
       wuser({"toolResult": {"toolUseId": "t1", "content": [SEARCH_RESULT]}}),
   ], "inferenceConfig": inference(SONNET_MAX),
       "toolConfig": {"tools": [minimal_tool_spec("search")]}},
      [tool_config_added("search")]))

rq("cache-ttl-increasing-error",
   "Explicit cache points whose TTL grows along the prefix (5m in the system prompt, then 1h in "
   "a message) are refused before sending: Bedrock rejects a longer TTL after a shorter one.",
   {"model": SONNET, "request": req(SONNET, [
       user([{"type": "text", "text": "Doc"}, {"type": "cache_point", "ttl": "1h"}]),
   ], system=[{"type": "text", "text": "S"}, {"type": "cache_point", "ttl": "5m"}])},
   expected_error=invalid("", "a cache point with ttl \"1h\" may not follow one with a shorter ttl "
                              "(Bedrock reads them in tools, system, messages order)"))

rq("cache-ttl-unknown-error",
   "Only 5m and 1h are cache TTLs.",
   {"model": SONNET, "request": req(SONNET, [
       user([{"type": "text", "text": "Doc"}, {"type": "cache_point", "ttl": "2h"}]),
   ])},
   expected_error=invalid("messages[0].content[1].ttl", "cache point ttl must be \"5m\" or \"1h\""))

rq("system-empty-string-is-none",
   "An empty system prompt means none: no system member, and no cache point for it.",
   {"model": GPT, "request": req(GPT, [user("x")], system="")},
   ok({"messages": [wuser(text("x"))], "inferenceConfig": inference(GPT_MAX)}))

rq("cache-explicit-at-prefix-not-duplicated",
   "An explicit cache point already ending the second-to-last user turn is where the automatic "
   "one would go: it is not duplicated. Explicit points sit exactly where the caller put them "
   "(here also mid-message in the last turn, 5m ttl sent as given).",
   {"model": SONNET, "request": req(SONNET, [
       user([{"type": "text", "text": "Big context"}, {"type": "cache_point"}]),
       assistant("OK."),
       user([{"type": "text", "text": "Part A"}, {"type": "cache_point", "ttl": "5m"},
             {"type": "text", "text": "Part B"}]),
   ])},
   ok({"messages": [
       wuser(text("Big context"), CP),
       wassistant(text("OK.")),
       wuser(text("Part A"), {"cachePoint": {"type": "default", "ttl": "5m"}}, text("Part B")),
   ], "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-explicit-counted-tools-first",
   "Three explicit cache points leave one of the 4 for automatic placement; it goes to the "
   "first spot in tools → system → prefix order, the tools; the system prompt and the prefix "
   "get none.",
   {"model": SONNET, "request": req(SONNET, [
       user([{"type": "text", "text": "u1"}, {"type": "cache_point"}]),
       assistant([{"type": "text", "text": "a1"}, {"type": "cache_point"}]),
       user("u2"),
       assistant("a2"),
       user([{"type": "text", "text": "u3"}, {"type": "cache_point"}]),
   ], system="S", tools=[WEATHER_TOOL])},
   ok({"messages": [
       wuser(text("u1"), CP),
       wassistant(text("a1"), CP),
       wuser(text("u2")),
       wassistant(text("a2")),
       wuser(text("u3"), CP),
   ], "system": [text("S")],
       "toolConfig": {"tools": [WEATHER_SPEC, CP]},
       "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-explicit-counted-system-next",
   "Three explicit cache points and no tools: the one remaining goes to the system prompt; the "
   "prefix gets none.",
   {"model": SONNET, "request": req(SONNET, [
       user([{"type": "text", "text": "u1"}, {"type": "cache_point"}]),
       assistant([{"type": "text", "text": "a1"}, {"type": "cache_point"}]),
       user("u2"),
       assistant("a2"),
       user([{"type": "text", "text": "u3"}, {"type": "cache_point"}]),
   ], system="S")},
   ok({"messages": [
       wuser(text("u1"), CP),
       wassistant(text("a1"), CP),
       wuser(text("u2")),
       wassistant(text("a2")),
       wuser(text("u3"), CP),
   ], "system": [text("S"), CP],
       "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-four-explicit-no-automatic",
   "Four explicit cache points (a 1h one first, then 5m ones: non-increasing TTLs) use the "
   "whole budget: nothing is added to tools, system or the prefix.",
   {"model": SONNET, "request": req(SONNET, [
       user([{"type": "text", "text": "u1"}, {"type": "cache_point", "ttl": "1h"}]),
       assistant([{"type": "text", "text": "a1"}, {"type": "cache_point"}]),
       user([{"type": "text", "text": "u2a"}, {"type": "cache_point"}, {"type": "text", "text": "u2b"}]),
       assistant("a2"),
       user([{"type": "text", "text": "u3"}, {"type": "cache_point"}]),
   ], system="S", tools=[WEATHER_TOOL])},
   ok({"messages": [
       wuser(text("u1"), CP_1H),
       wassistant(text("a1"), CP),
       wuser(text("u2a"), CP, text("u2b")),
       wassistant(text("a2")),
       wuser(text("u3"), CP),
   ], "system": [text("S")],
       "toolConfig": {"tools": [WEATHER_SPEC]},
       "inferenceConfig": inference(SONNET_MAX)}))

rq("cache-five-explicit-error",
   "Five explicit cache points exceed Bedrock's limit of 4: an error, not a silent drop.",
   {"model": SONNET, "request": req(SONNET, [
       user([{"type": "text", "text": "u1"}, {"type": "cache_point"}]),
       assistant([{"type": "text", "text": "a1"}, {"type": "cache_point"}]),
       user([{"type": "text", "text": "u2"}, {"type": "cache_point"}]),
       assistant([{"type": "text", "text": "a2"}, {"type": "cache_point"}]),
       user([{"type": "text", "text": "u3"}, {"type": "cache_point"}]),
   ])},
   expected_error=invalid("", "the request has 5 cache points; Bedrock allows at most 4"))

rq("cache-non-caching-model-dropped-with-warning",
   "A model without prompt_cache (gpt-oss-120b): explicit cache points are dropped (system and "
   "messages) and one warning counts them.",
   {"model": GPT, "request": req(GPT, [
       user([{"type": "text", "text": "Context"}, {"type": "cache_point", "ttl": "1h"},
             {"type": "text", "text": "Question"}]),
   ], system=[{"type": "text", "text": "S"}, {"type": "cache_point"}])},
   ok({"messages": [wuser(text("Context"), text("Question"))], "system": [text("S")],
       "inferenceConfig": inference(GPT_MAX)},
      ["2 cache_point part(s) dropped: openai.gpt-oss-120b does not support prompt caching"]))

rq("cache-non-caching-model-five-dropped-no-error",
   "Cache points dropped for a non-caching model do not count against the limit of 4: five "
   "are dropped with a warning, no error.",
   {"model": SONNET, "features": {"prompt_cache": False}, "request": req(SONNET, [
       user([{"type": "text", "text": "u1"}, {"type": "cache_point"}]),
       assistant([{"type": "text", "text": "a1"}, {"type": "cache_point"}]),
       user([{"type": "text", "text": "u2"}, {"type": "cache_point"}, {"type": "cache_point"},
             {"type": "cache_point"}]),
   ])},
   ok({"messages": [wuser(text("u1")), wassistant(text("a1")), wuser(text("u2"))],
       "inferenceConfig": inference(SONNET_MAX)},
      ["5 cache_point part(s) dropped: us.anthropic.claude-sonnet-4-6 does not support prompt "
       "caching"]))

rq("cache-after-reasoning-dropped-with-warning",
   "A cache point directly after a reasoning block is not allowed by Bedrock: dropped with a "
   "warning naming it; the automatic prefix point still goes after the first user turn.",
   {"model": SONNET, "request": req(SONNET, [
       user("Q1"),
       assistant([{"type": "reasoning", "text": "thinking", "signature": "c2ln"},
                  {"type": "cache_point"},
                  {"type": "text", "text": "A1"}]),
       user("Q2"),
   ])},
   ok({"messages": [
       wuser(text("Q1"), CP),
       wassistant({"reasoningContent": {"reasoningText": {"text": "thinking",
                                                          "signature": "c2ln"}}},
                  text("A1")),
       wuser(text("Q2")),
   ], "inferenceConfig": inference(SONNET_MAX)},
      ["messages[1].content[1]: cache_point directly after a reasoning block is not allowed by "
       "Bedrock; dropped"]))

# --- inference config ---------------------------------------------------------------------------

rq("max-tokens-default-from-max-output",
   "No max_tokens: maxTokens is the model's max_output (overridden to 1000 here).",
   {"model": GPT, "max_output": 1000, "request": req(GPT, [user("Hi")])},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(1000)}))

rq("max-tokens-within-limit-kept",
   "max_tokens at or below the model's max_output is sent as is, without a warning.",
   {"model": GPT, "request": req(GPT, [user("Hi")], max_tokens=1024)},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(1024)}))

rq("max-tokens-equal-to-limit-kept",
   "max_tokens equal to max_output is not clamped and gives no warning.",
   {"model": GPT, "request": req(GPT, [user("Hi")], max_tokens=GPT_MAX)},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(GPT_MAX)}))

rq("max-tokens-clamped-with-warning",
   "max_tokens above max_output is clamped to it, with a warning.",
   {"model": GPT, "request": req(GPT, [user("Hi")], max_tokens=100000)},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(GPT_MAX)},
      ["max_tokens 100000 exceeds the maximum output of openai.gpt-oss-120b (32768); "
       "clamped to 32768"]))

rq("max-tokens-zero-error",
   "max_tokens 0 is an error (maxTokens >= 1 on the wire).",
   {"model": GPT, "request": req(GPT, [user("Hi")], max_tokens=0)},
   expected_error=invalid("max_tokens", "must be at least 1"))

rq("sampling-temperature-top-p-kept",
   "temperature and top_p are sent as inferenceConfig.temperature / topP for a model that "
   "accepts them.",
   {"model": GPT, "request": req(GPT, [user("Hi")], temperature=0.2, top_p=0.9)},
   ok({"messages": [wuser(text("Hi"))],
       "inferenceConfig": inference(GPT_MAX, temperature=0.2, topP=0.9)}))

rq("sampling-bounds-inclusive",
   "0 and 1 are valid: temperature 1.0 and top_p 0.0 are kept.",
   {"model": GPT, "request": req(GPT, [user("Hi")], temperature=1.0, top_p=0.0)},
   ok({"messages": [wuser(text("Hi"))],
       "inferenceConfig": inference(GPT_MAX, temperature=1.0, topP=0.0)}))

rq("sampling-pinned-fable-dropped-with-warnings",
   "Claude Fable 5 (catalog: sampling pinned by Bedrock): temperature and top_p are dropped, "
   "one warning each; maxTokens defaults to its 128000.",
   {"model": FABLE, "request": req(FABLE, [user("Hi")], temperature=0.7, top_p=0.95)},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(FABLE_MAX)},
      ["temperature dropped: Bedrock pins sampling parameters for us.anthropic.claude-fable-5",
       "top_p dropped: Bedrock pins sampling parameters for us.anthropic.claude-fable-5"]))

rq("sampling-pinned-by-features-override",
   "features.sampling_params false (override) drops temperature with a warning; stop sequences "
   "and max_tokens are unaffected.",
   {"model": GPT, "features": {"sampling_params": False},
    "request": req(GPT, [user("Hi")], temperature=0.3, max_tokens=50, stop=["END"])},
   ok({"messages": [wuser(text("Hi"))],
       "inferenceConfig": inference(50, stopSequences=["END"])},
      ["temperature dropped: Bedrock pins sampling parameters for openai.gpt-oss-120b"]))

rq("sampling-temperature-out-of-range-error",
   "temperature above 1 is an error (Bedrock's range is 0..1).",
   {"model": GPT, "request": req(GPT, [user("Hi")], temperature=1.5)},
   expected_error=invalid("temperature", "must be between 0 and 1"))

rq("sampling-top-p-negative-error",
   "top_p below 0 is an error.",
   {"model": GPT, "request": req(GPT, [user("Hi")], top_p=-0.1)},
   expected_error=invalid("top_p", "must be between 0 and 1"))

rq("stop-sequences",
   "stop → inferenceConfig.stopSequences, in order, whitespace kept.",
   {"model": GPT, "request": req(GPT, [user("Hi")], stop=["\n\nHuman:", "END"])},
   ok({"messages": [wuser(text("Hi"))],
       "inferenceConfig": inference(GPT_MAX, stopSequences=["\n\nHuman:", "END"])}))

rq("stop-empty-sequence-error",
   "An empty stop sequence is an error naming its index.",
   {"model": GPT, "request": req(GPT, [user("Hi")], stop=["END", ""])},
   expected_error=invalid("stop[1]", "stop sequences must not be empty"))

# --- provider_options.bedrock ------------------------------------------------------------------

ISSUE_OPTIONS = {"additionalModelRequestFields": {"top_k": 200},
                 "guardrailConfig": {"guardrailIdentifier": "gr-abc", "guardrailVersion": "1"},
                 "serviceTier": {"type": "flex"}}

rq("provider-options-issue-example-verbatim",
   "Issue 4's example: provider_options.bedrock members land verbatim at the top level of the "
   "body (additionalModelRequestFields, guardrailConfig, serviceTier).",
   {"model": GPT, "request": req(GPT, [user("Hi")],
                                 provider_options={"bedrock": ISSUE_OPTIONS})},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(GPT_MAX),
       "additionalModelRequestFields": {"top_k": 200},
       "guardrailConfig": {"guardrailIdentifier": "gr-abc", "guardrailVersion": "1"},
       "serviceTier": {"type": "flex"}}))

rq("provider-options-metadata-variables-performance",
   "requestMetadata, promptVariables and performanceConfig pass through verbatim.",
   {"model": GPT, "request": req(GPT, [user("Hi")], provider_options={"bedrock": {
       "requestMetadata": {"project": "alpha", "cost-center": "1234"},
       "promptVariables": {"topic": {"text": "cats"}},
       "performanceConfig": {"latency": "optimized"},
   }})},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(GPT_MAX),
       "requestMetadata": {"project": "alpha", "cost-center": "1234"},
       "promptVariables": {"topic": {"text": "cats"}},
       "performanceConfig": {"latency": "optimized"}}))

OUTPUT_CONFIG = {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {
    "schema": "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"string\"}},"
              "\"required\":[\"answer\"]}",
    "name": "answer", "description": "A single answer"}}}}

rq("provider-options-output-config-and-response-field-paths",
   "outputConfig (structured output; the schema is a JSON string on the wire) and "
   "additionalModelResponseFieldPaths pass through verbatim.",
   {"model": SONNET, "features": {"prompt_cache": False}, "request": req(SONNET, [user("Hi")],
       provider_options={"bedrock": {
           "outputConfig": OUTPUT_CONFIG,
           "additionalModelResponseFieldPaths": ["/stop_sequence"],
       }})},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(SONNET_MAX),
       "outputConfig": OUTPUT_CONFIG,
       "additionalModelResponseFieldPaths": ["/stop_sequence"]}))

rq("provider-options-guardrail-with-trace",
   "guardrailConfig with trace passes through verbatim, alongside guard_content parts.",
   {"model": GPT, "request": req(GPT, [user([
       {"type": "guard_content", "text": "Is this allowed?", "qualifiers": ["query"]}])],
       provider_options={"bedrock": {"guardrailConfig": {
           "guardrailIdentifier": "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr-abc",
           "guardrailVersion": "DRAFT", "trace": "enabled"}}})},
   ok({"messages": [wuser({"guardContent": {"text": {"text": "Is this allowed?",
                                                     "qualifiers": ["query"]}}})],
       "inferenceConfig": inference(GPT_MAX),
       "guardrailConfig": {
           "guardrailIdentifier": "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr-abc",
           "guardrailVersion": "DRAFT", "trace": "enabled"}}))

rq("provider-options-inference-config-merged",
   "An object member that the encoder also writes (inferenceConfig) is merged one level deep, "
   "provider_options' values winning: maxTokens from max_tokens stays, temperature is "
   "replaced, stopSequences added.",
   {"model": GPT, "request": req(GPT, [user("Hi")], max_tokens=100, temperature=0.5,
                                 provider_options={"bedrock": {"inferenceConfig": {
                                     "temperature": 0.7, "stopSequences": ["###"]}}})},
   ok({"messages": [wuser(text("Hi"))],
       "inferenceConfig": inference(100, temperature=0.7, stopSequences=["###"])}))

rq("provider-options-other-providers-ignored",
   "Only provider_options.bedrock is merged; options for other providers are ignored by the "
   "Converse encoder.",
   {"model": GPT, "request": req(GPT, [user("Hi")], provider_options={
       "openai": {"reasoning": {"effort": "high"}},
       "bedrock": {"serviceTier": {"type": "priority"}}})},
   ok({"messages": [wuser(text("Hi"))], "inferenceConfig": inference(GPT_MAX),
       "serviceTier": {"type": "priority"}}))

rq("provider-options-bedrock-not-object-error",
   "provider_options.bedrock must be an object.",
   {"model": GPT, "request": req(GPT, [user("Hi")],
                                 provider_options={"bedrock": ["serviceTier"]})},
   expected_error=invalid("provider_options.bedrock", "must be an object"))

# --- parse and structure errors ----------------------------------------------------------------

rq("unknown-top-level-member-error",
   "An unknown request member (a typo of max_tokens) is rejected with a message naming it, "
   "never silently ignored.",
   {"model": GPT, "request": req(GPT, [user("Hi")], max_token=100)},
   expected_error=invalid("", "unknown field `max_token`, expected one of `model`, `messages`, "
                              "`system`, `tools`, `tool_choice`, `max_tokens`, `temperature`, "
                              "`top_p`, `stop`, `provider_options`"))

rq("unknown-member-in-part-error",
   "An unknown member inside a content part is rejected with a message naming it.",
   {"model": GPT, "request": req(GPT, [user([{"type": "text", "text": "Hi", "colour": "red"}])])},
   expected_error=invalid("", "unknown field `colour`, expected `text` or `citations`"))

rq("unknown-member-in-message-error",
   "An unknown member in a message is rejected with a message naming it.",
   {"model": GPT, "request": req(GPT, [{"role": "user", "content": "Hi", "name": "bob"}])},
   expected_error=invalid("", "unknown field `name`, expected `role` or `content`"))

rq("first-message-from-assistant-error",
   "A conversation must start with a user message.",
   {"model": GPT, "request": req(GPT, [assistant("Hello"), user("Hi")])},
   expected_error=invalid("messages[0]", "a conversation must start with a user message"))

rq("empty-content-error",
   "A message with no parts is an error naming it.",
   {"model": GPT, "request": req(GPT, [user("Hi"), assistant([])])},
   expected_error=invalid("messages[1].content", "must not be empty"))

rq("empty-messages-error",
   "A request needs at least one message.",
   {"model": GPT, "request": req(GPT, [])},
   expected_error=invalid("messages", "must contain at least one message"))

# --- CountTokens -------------------------------------------------------------------------------

rq("count-tokens-haiku-geo-prefix-stripped",
   "CountTokens: body {input: {converse: {messages, system, toolConfig, "
   "additionalModelRequestFields}}} as the Converse call would send them (cache points "
   "included, Haiku 4.5 caches); no inferenceConfig or other top-level members (serviceTier "
   "dropped); model id is the foundation model: the us. prefix of the inference profile "
   "us.anthropic.claude-haiku-4-5-20251001-v1:0 removed.",
   {"model": HAIKU, "operation": "count_tokens", "request": req(HAIKU, [user("Weather?")],
       system="Be brief.", tools=[WEATHER_TOOL], tool_choice="auto", max_tokens=10,
       temperature=0.5,
       provider_options={"bedrock": {
           "additionalModelRequestFields": {"thinking": {"type": "enabled",
                                                         "budget_tokens": 1024}},
           "serviceTier": {"type": "flex"}}})},
   {"body": {"input": {"converse": {
       "messages": [wuser(text("Weather?"))],
       "system": [text("Be brief."), CP],
       "toolConfig": {"tools": [WEATHER_SPEC, CP], "toolChoice": {"auto": {}}},
       "additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 1024}},
   }}}, "model_id": "anthropic.claude-haiku-4-5-20251001-v1:0"})

rq("count-tokens-sonnet-plain",
   "CountTokens for Sonnet 4.6: model id us.anthropic.claude-sonnet-4-6 → "
   "anthropic.claude-sonnet-4-6; a single turn without system or tools is just messages.",
   {"model": SONNET, "operation": "count_tokens", "request": req(SONNET, [user("Hi")])},
   {"body": {"input": {"converse": {"messages": [wuser(text("Hi"))]}}},
    "model_id": "anthropic.claude-sonnet-4-6"})

rq("count-tokens-no-prefix-unchanged",
   "CountTokens for a model id without a geo prefix (openai.gpt-oss-120b-1:0) keeps it.",
   {"model": GPT, "operation": "count_tokens", "request": req(GPT, [
       user("Hi"), assistant("Hello"), user("Bye")], system="S")},
   {"body": {"input": {"converse": {
       "messages": [wuser(text("Hi")), wassistant(text("Hello")), wuser(text("Bye"))],
       "system": [text("S")]}}},
    "model_id": "openai.gpt-oss-120b-1:0"})

rq("count-tokens-error-as-converse",
   "CountTokens applies the same checks as Converse: tool_choice none is an error.",
   {"model": GPT, "operation": "count_tokens", "request": req(GPT, [user("Hi")],
                                                              tools=[WEATHER_TOOL],
                                                              tool_choice="none")},
   expected_error={"kind": "invalid_request", "path": "tool_choice"})

# Conversation rules (bedrock-wire.md: what Bedrock refuses in a history): repairs with a warning,
# or an error naming the caller's message and part.

def call(id, name, **arguments):
    return {"type": "tool_call", "id": id, "name": name, "arguments": arguments}


def result(id, content):
    return {"type": "tool_result", "tool_call_id": id, "content": content}


def parts(*texts):
    return [{"type": "text", "text": t} for t in texts]


rq("blank-text-from-a-replayed-response-dropped",
   "Bedrock's own answers hold blank text blocks (\"\\n\") that it rejects when sent back (\"The "
   "text field in the ContentBlock object at messages.1.content.0 is blank\"): a replayed "
   "answer's blank parts are dropped, with a warning.",
   {"model": GPT, "request": req(GPT, [
       user(parts("Hi")), assistant(parts("\n", "Hello!", " \t")), user(parts("Again")),
   ])},
   ok({"messages": [wuser(text("Hi")), wassistant(text("Hello!")), wuser(text("Again"))],
       "inferenceConfig": inference(GPT_MAX)},
      [f"messages[1].content[0]: {BLANK_DROPPED}", f"messages[1].content[2]: {BLANK_DROPPED}"]))

rq("blank-only-message-dropped-and-turns-merged",
   "A message of blank text only is dropped (Bedrock: \"The content field in the Message object "
   "at messages.1 is empty\" once its blank text is gone); the user turns around it are then "
   "consecutive and merged into one (Bedrock: \"A conversation must alternate between user and "
   "assistant roles\").",
   {"model": GPT, "request": req(GPT, [
       user(parts("one")), assistant(parts("\n")), user(parts("two")),
   ])},
   ok({"messages": [wuser(text("one"), text("two"))], "inferenceConfig": inference(GPT_MAX)},
      [f"messages[1].content[0]: {BLANK_DROPPED}",
       "messages[1]: dropped, it held only blank text", merged(2, "user")]))

rq("consecutive-same-role-messages-merged",
   "Consecutive messages of one role are merged into one turn, in order, as LiteLLM, Vercel's "
   "provider and Portkey do: Bedrock rejects them (\"A conversation must alternate between user "
   "and assistant roles. Make sure the conversation alternates between user and assistant roles "
   "and try again.\").",
   {"model": GPT, "request": req(GPT, [
       user(parts("a")), user("b"), assistant(parts("c")), assistant(parts("d")), user(parts("e")),
   ])},
   ok({"messages": [wuser(text("a"), text("b")), wassistant(text("c"), text("d")),
                    wuser(text("e"))], "inferenceConfig": inference(GPT_MAX)},
      [merged(1, "user"), merged(3, "assistant")]))

rq("first-user-message-blank-error",
   "When the first user message holds only blank text, dropping it would start the conversation "
   "with the assistant (Bedrock: \"A conversation must start with a user message.\"): an error, "
   "not a silent change of meaning.",
   {"model": GPT, "request": req(GPT, [
       user(parts("   ")), assistant(parts("Hello")), user(parts("Hi")),
   ])},
   expected_error=invalid("messages", "a conversation must start with a user message with "
                                      "content (the first user message held only blank text)"))

rq("tool-call-unanswered-error",
   "Every tool_call of an assistant message must be answered in the next user message (Bedrock: "
   "\"Expected toolResult blocks at messages.2.content for the following Ids: t2\"): refused "
   "before sending, naming the call.",
   {"model": GPT, "request": req(GPT, [
       user(parts("Weather?")),
       assistant([call("t1", "get_weather", city="Paris"), call("t2", "get_weather", city="Lyon")]),
       user([result("t1", "18 °C")]),
   ])},
   expected_error=invalid("messages[1].content[1]", "tool_call \"t2\" has no tool_result in the "
                                                    "next user message; Bedrock requires every "
                                                    "call to be answered"))

rq("tool-result-answering-no-call-error",
   "A tool_result must answer a tool_call of the assistant message just before it (Bedrock: \"The "
   "number of toolResult blocks at messages.2.content exceeds the number of toolUse blocks of "
   "previous turn.\"): refused before sending, naming the part.",
   {"model": GPT, "request": req(GPT, [
       user(parts("Weather?")),
       assistant([call("t1", "get_weather", city="Paris")]),
       user([result("t1", "18 °C"), result("t9", "stale")]),
   ])},
   expected_error=invalid("messages[2].content[1]", "tool_result answers \"t9\", which no "
                                                    "tool_call of the assistant message just "
                                                    "before it made"))

rq("tool-history-without-tools-gets-a-tool-config",
   "A conversation holding tool calls and results, sent without tools (a follow-up that offers "
   "none), gets a toolConfig with a minimal spec for each tool name called, in order of first "
   "use: Bedrock rejects it otherwise (\"The toolConfig field must be defined when using toolUse "
   "and toolResult content blocks.\").",
   {"model": GPT, "request": req(GPT, [
       user(parts("Weather and time in Paris?")),
       assistant([call("t1", "get_weather", city="Paris"), call("t2", "get_time", tz="Europe/Paris"),
                  call("t3", "get_weather", city="Lyon")]),
       user([result("t1", "18 °C"), result("t2", "12:00"), result("t3", "20 °C")]),
       assistant(parts("Sunny, noon.")),
       user(parts("Thanks, summarize.")),
   ])},
   ok({"messages": [
       wuser(text("Weather and time in Paris?")),
       wassistant({"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Paris"}}},
                  {"toolUse": {"toolUseId": "t2", "name": "get_time", "input": {"tz": "Europe/Paris"}}},
                  {"toolUse": {"toolUseId": "t3", "name": "get_weather", "input": {"city": "Lyon"}}}),
       wuser({"toolResult": {"toolUseId": "t1", "content": [text("18 °C")]}},
             {"toolResult": {"toolUseId": "t2", "content": [text("12:00")]}},
             {"toolResult": {"toolUseId": "t3", "content": [text("20 °C")]}}),
       wassistant(text("Sunny, noon.")),
       wuser(text("Thanks, summarize.")),
   ], "inferenceConfig": inference(GPT_MAX),
       "toolConfig": {"tools": [minimal_tool_spec("get_weather"), minimal_tool_spec("get_time")]}},
      [tool_config_added("get_weather", "get_time")]))

# ---------------------------------------------------------------------------------------------
# converse-response
# ---------------------------------------------------------------------------------------------


def usd(picodollars):
    """The JSON number of a Picodollars amount (billing.rs: picodollars as f64 / 1e12)."""
    return picodollars / 1e12


def cost(input, cache_read, cache_write, output):
    """A neutral cost from hand-computed picodollar amounts; total is their sum."""
    return {"input": usd(input), "cache_read": usd(cache_read), "cache_write": usd(cache_write),
            "output": usd(output), "total": usd(input + cache_read + cache_write + output)}


def check_cost(model, usage, pico):
    """Re-derives a hand-computed cost independently (guards against slips in this file)."""
    pin, pout, pread, policy = PRICES[model]
    if policy == "anthropic":
        write = usage["cache_write_5m_tokens"] * pin * 5 // 4 + usage["cache_write_1h_tokens"] * pin * 2
    else:
        write = usage["cache_write_tokens"] * pin
    derived = (usage["input_tokens"] * pin, usage["cache_read_tokens"] * pread, write,
               usage["output_tokens"] * pout)
    assert derived == pico, (model, derived, pico)


def nusage(input, output, total, read=0, write_5m=0, write_1h=0):
    return {"input_tokens": input, "cache_read_tokens": read,
            "cache_write_tokens": write_5m + write_1h, "cache_write_5m_tokens": write_5m,
            "cache_write_1h_tokens": write_1h, "output_tokens": output, "total_tokens": total}


def wire_response(content, stop, usage, latency=321, **more):
    body = {"output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop, "usage": usage, "metrics": {"latencyMs": latency}}
    body.update(more)
    return body


def neutral(model, content, stop, raw, usage, pico, bedrock, request_id=None):
    check_cost(model, usage, pico)
    out = {"model": model, "content": content, "stop_reason": stop, "raw_stop_reason": raw,
           "usage": usage, "cost": cost(*pico), "provider_metadata": {"bedrock": bedrock}}
    if request_id is not None:
        out["request_id"] = request_id
    return out


def rs(name, description, input, expected, unknown_wire_members=None):
    case("converse-response", name, description, input, expected)
    if unknown_wire_members:
        # Read by check_converse_botocore.py: members botocore's parser is expected to drop.
        CASES["converse-response"][name]["unknown_wire_members"] = unknown_wire_members


# Sonnet 4.6: $3.30 / $16.50 / $0.33 per M = 3,300,000 / 16,500,000 / 330,000 pico per token.
rs("text-end-turn-with-request-id",
   "A text answer: one text part, end_turn → end_turn, usage as reported, cost from Sonnet 4.6's "
   "prices (25 x 3,300,000 = 82,500,000 pico in; 12 x 16,500,000 = 198,000,000 pico out), "
   "metrics under provider_metadata.bedrock, and the request id carried.",
   {"model": SONNET, "request_id": "7f9c2a1e-3b4d-4e5f-8a6b-0c1d2e3f4a5b",
    "body": wire_response([{"text": "Hello! How can I help?"}], "end_turn",
                          {"inputTokens": 25, "outputTokens": 12, "totalTokens": 37})},
   neutral(SONNET, [{"type": "text", "text": "Hello! How can I help?"}], "end_turn", "end_turn",
           nusage(25, 12, 37), (82_500_000, 0, 0, 198_000_000),
           {"metrics": {"latencyMs": 321}},
           request_id="7f9c2a1e-3b4d-4e5f-8a6b-0c1d2e3f4a5b"))

rs("tool-use-single",
   "Text then a toolUse block → text part then tool_call {id, name, arguments}; tool_use → "
   "tool_use. Cost: 350 x 3,300,000 = 1,155,000,000; 60 x 16,500,000 = 990,000,000.",
   {"model": SONNET, "body": wire_response([
       {"text": "Let me check the weather."},
       {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather",
                    "input": {"city": "Paris", "unit": "celsius"}}},
   ], "tool_use", {"inputTokens": 350, "outputTokens": 60, "totalTokens": 410}, latency=812)},
   neutral(SONNET, [
       {"type": "text", "text": "Let me check the weather."},
       {"type": "tool_call", "id": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather",
        "arguments": {"city": "Paris", "unit": "celsius"}},
   ], "tool_use", "tool_use", nusage(350, 60, 410), (1_155_000_000, 0, 0, 990_000_000),
       {"metrics": {"latencyMs": 812}}))

# Haiku 4.5: 1,100,000 / 5,500,000 / 110,000.
rs("tool-use-parallel",
   "Parallel tool calls, in order; a call without arguments has input {} → arguments {}. Haiku "
   "4.5 prices: 420 x 1,100,000 = 462,000,000; 95 x 5,500,000 = 522,500,000.",
   {"model": HAIKU, "body": wire_response([
       {"toolUse": {"toolUseId": "tooluse_a", "name": "get_weather", "input": {"city": "Paris"}}},
       {"toolUse": {"toolUseId": "tooluse_b", "name": "get_weather", "input": {"city": "Rome"}}},
       {"toolUse": {"toolUseId": "tooluse_c", "name": "get_time", "input": {}}},
   ], "tool_use", {"inputTokens": 420, "outputTokens": 95, "totalTokens": 515}, latency=640)},
   neutral(HAIKU, [
       {"type": "tool_call", "id": "tooluse_a", "name": "get_weather",
        "arguments": {"city": "Paris"}},
       {"type": "tool_call", "id": "tooluse_b", "name": "get_weather",
        "arguments": {"city": "Rome"}},
       {"type": "tool_call", "id": "tooluse_c", "name": "get_time", "arguments": {}},
   ], "tool_use", "tool_use", nusage(420, 95, 515), (462_000_000, 0, 0, 522_500_000),
       {"metrics": {"latencyMs": 640}}))

rs("reasoning-with-signature",
   "reasoningContent.reasoningText {text, signature} → reasoning {text, signature}, byte-exact, "
   "before the text part. Cost: 40 x 3,300,000 = 132,000,000; 300 x 16,500,000 = "
   "4,950,000,000.",
   {"model": SONNET, "body": wire_response([
       {"reasoningContent": {"reasoningText": {"text": "The user asks 6 x 7. That is 42.",
                                               "signature": SIGNATURE}}},
       {"text": "42"},
   ], "end_turn", {"inputTokens": 40, "outputTokens": 300, "totalTokens": 340})},
   neutral(SONNET, [
       {"type": "reasoning", "text": "The user asks 6 x 7. That is 42.", "signature": SIGNATURE},
       {"type": "text", "text": "42"},
   ], "end_turn", "end_turn", nusage(40, 300, 340), (132_000_000, 0, 0, 4_950_000_000),
       {"metrics": {"latencyMs": 321}}))

# Opus 4.8: 5,500,000 / 27,500,000 / 550,000.
rs("reasoning-redacted",
   "reasoningContent.redactedContent (a blob) → redacted_reasoning {data} with the same "
   "standard base64 (byte-exact for replay). Opus 4.8 prices: 40 x 5,500,000 = 220,000,000; "
   "250 x 27,500,000 = 6,875,000,000.",
   {"model": "us.anthropic.claude-opus-4-8", "body": wire_response([
       {"reasoningContent": {"redactedContent": REDACTED}},
       {"reasoningContent": {"reasoningText": {"text": "Visible part."}}},
       {"text": "Answer."},
   ], "end_turn", {"inputTokens": 40, "outputTokens": 250, "totalTokens": 290})},
   neutral("us.anthropic.claude-opus-4-8", [
       {"type": "redacted_reasoning", "data": REDACTED},
       {"type": "reasoning", "text": "Visible part."},
       {"type": "text", "text": "Answer."},
   ], "end_turn", "end_turn", nusage(40, 250, 290), (220_000_000, 0, 0, 6_875_000_000),
       {"metrics": {"latencyMs": 321}}))

RESP_CITATION = {"title": "france", "source": "s3://docs-bucket/france.pdf",
                 "sourceContent": [{"text": "Paris is the capital and largest city of France."}],
                 "location": {"documentPage": {"documentIndex": 0, "start": 1, "end": 2}}}
rs("citations-content",
   "citationsContent → a text part whose text is the generated pieces joined, with the "
   "citations verbatim; plain text blocks around it stay plain. Cost: 1500 x 3,300,000 = "
   "4,950,000,000; 80 x 16,500,000 = 1,320,000,000.",
   {"model": SONNET, "body": wire_response([
       {"text": "According to the document, "},
       {"citationsContent": {"content": [{"text": "the capital of France "},
                                         {"text": "is Paris."}],
                             "citations": [RESP_CITATION]}},
   ], "end_turn", {"inputTokens": 1500, "outputTokens": 80, "totalTokens": 1580})},
   neutral(SONNET, [
       {"type": "text", "text": "According to the document, "},
       {"type": "text", "text": "the capital of France is Paris.", "citations": [RESP_CITATION]},
   ], "end_turn", "end_turn", nusage(1500, 80, 1580), (4_950_000_000, 0, 0, 1_320_000_000),
       {"metrics": {"latencyMs": 321}}))

GUARD_TRACE = {"guardrail": {
    "modelOutput": [],
    "inputAssessment": {"gr-abc": {"topicPolicy": {"topics": [
        {"name": "Investment advice", "type": "DENY", "action": "BLOCKED", "detected": True}]}}},
    "actionReason": "Guardrail blocked.",
}}
rs("guardrail-intervened-with-trace",
   "guardrail_intervened → content_filter, the raw reason kept; the guardrail trace verbatim in "
   "provider_metadata.bedrock.trace. Cost: 20 x 3,300,000 = 66,000,000; no output.",
   {"model": SONNET, "body": wire_response(
       [{"text": "Sorry, the model cannot answer this question."}], "guardrail_intervened",
       {"inputTokens": 20, "outputTokens": 0, "totalTokens": 20}, latency=95, trace=GUARD_TRACE)},
   neutral(SONNET, [{"type": "text", "text": "Sorry, the model cannot answer this question."}],
           "content_filter", "guardrail_intervened", nusage(20, 0, 20),
           (66_000_000, 0, 0, 0), {"metrics": {"latencyMs": 95}, "trace": GUARD_TRACE}))

# gpt-oss-120b (OpenAI policy): 150,000 / 600,000 / 150,000. 10 in, 5 out:
# 10 x 150,000 = 1,500,000; 5 x 600,000 = 3,000,000.
for raw, normalized, reply in [
    ("max_tokens", "max_tokens", "The answer is long and was cut"),
    ("content_filtered", "content_filter", ""),
    ("malformed_model_output", "malformed", "{\"broken"),
    ("malformed_tool_use", "malformed", "I tried to call a tool."),
    ("model_context_window_exceeded", "context_window_exceeded", "Partial"),
    ("end_turn", "end_turn", "Done."),
    ("brand_new_reason", "other", "Something new happened."),
]:
    name = "stop-" + raw.replace("_", "-")
    if raw == "brand_new_reason":
        name = "stop-unknown-reason-kept-raw"
    rs(name,
       f"stopReason {raw} → stop_reason {normalized}, raw_stop_reason {raw!r} kept"
       + (" (an unknown reason normalizes to other)" if normalized == "other" else "")
       + ". gpt-oss-120b prices (OpenAI policy): 10 x 150,000 = 1,500,000; 5 x 600,000 = "
         "3,000,000.",
       {"model": GPT, "body": wire_response([{"text": reply}], raw,
                                            {"inputTokens": 10, "outputTokens": 5,
                                             "totalTokens": 15}, latency=50)},
       neutral(GPT, [{"type": "text", "text": reply}], normalized, raw, nusage(10, 5, 15),
               (1_500_000, 0, 0, 3_000_000), {"metrics": {"latencyMs": 50}}))

rs("stop-sequence-with-additional-fields",
   "stop_sequence → stop_sequence; additionalModelResponseFields (requested with "
   "additionalModelResponseFieldPaths [\"/stop_sequence\"]) verbatim in "
   "provider_metadata.bedrock. Cost: 30 x 3,300,000 = 99,000,000; 7 x 16,500,000 = 115,500,000.",
   {"model": SONNET, "body": wire_response(
       [{"text": "One, two, three"}], "stop_sequence",
       {"inputTokens": 30, "outputTokens": 7, "totalTokens": 37},
       additionalModelResponseFields={"stop_sequence": "four"})},
   neutral(SONNET, [{"type": "text", "text": "One, two, three"}], "stop_sequence",
           "stop_sequence", nusage(30, 7, 37), (99_000_000, 0, 0, 115_500_000),
           {"metrics": {"latencyMs": 321},
            "additionalModelResponseFields": {"stop_sequence": "four"}}))

rs("cache-usage-anthropic-5m-and-1h",
   "Cache usage, Anthropic policy (Sonnet 4.6): inputTokens is uncached input as reported "
   "(100, never reduced or increased by the cache counts); reads 5000; writes 3000 split by "
   "cacheDetails into 1000 x 5m and 2000 x 1h. Cost: input 100 x 3,300,000 = 330,000,000; read "
   "5000 x 330,000 = 1,650,000,000; write 1000 x 3,300,000 x 5/4 = 4,125,000,000 plus 2000 x "
   "3,300,000 x 2 = 13,200,000,000 → 17,325,000,000; output 200 x 16,500,000 = 3,300,000,000; "
   "total 22,605,000,000 pico = $0.022605.",
   {"model": SONNET, "body": wire_response([{"text": "Cached answer."}], "end_turn", {
       "inputTokens": 100, "outputTokens": 200, "totalTokens": 8300,
       "cacheReadInputTokens": 5000, "cacheWriteInputTokens": 3000,
       "cacheDetails": [{"ttl": "5m", "inputTokens": 1000}, {"ttl": "1h", "inputTokens": 2000}]})},
   neutral(SONNET, [{"type": "text", "text": "Cached answer."}], "end_turn", "end_turn",
           nusage(100, 200, 8300, read=5000, write_5m=1000, write_1h=2000),
           (330_000_000, 1_650_000_000, 17_325_000_000, 3_300_000_000),
           {"metrics": {"latencyMs": 321}}))

rs("cache-write-without-details-anthropic",
   "cacheWriteInputTokens without cacheDetails counts as 5-minute writes (Bedrock's default "
   "TTL). Haiku 4.5: input 12 x 1,100,000 = 13,200,000; write 4096 x 1,100,000 x 5/4 = "
   "5,632,000,000; output 30 x 5,500,000 = 165,000,000.",
   {"model": HAIKU, "body": wire_response([{"text": "ok"}], "end_turn", {
       "inputTokens": 12, "outputTokens": 30, "totalTokens": 4138,
       "cacheReadInputTokens": 0, "cacheWriteInputTokens": 4096})},
   neutral(HAIKU, [{"type": "text", "text": "ok"}], "end_turn", "end_turn",
           nusage(12, 30, 4138, write_5m=4096),
           (13_200_000, 0, 5_632_000_000, 165_000_000), {"metrics": {"latencyMs": 321}}))

# Nova 2 Lite (OpenAI policy): 330,000 / 2,750,000 / 82,500.
rs("cache-usage-openai-policy",
   "Cache usage, OpenAI policy (Nova 2 Lite): cached input at the cached price, writes at the "
   "plain input price (no surcharge). Cost: input 400 x 330,000 = 132,000,000; read 2000 x "
   "82,500 = 165,000,000; write 1000 x 330,000 = 330,000,000; output 150 x 2,750,000 = "
   "412,500,000; total 1,039,500,000 pico.",
   {"model": "amazon.nova-2-lite", "body": wire_response([{"text": "Hi there."}], "end_turn", {
       "inputTokens": 400, "outputTokens": 150, "totalTokens": 3550,
       "cacheReadInputTokens": 2000, "cacheWriteInputTokens": 1000})},
   neutral("amazon.nova-2-lite", [{"type": "text", "text": "Hi there."}], "end_turn", "end_turn",
           nusage(400, 150, 3550, read=2000, write_5m=1000),
           (132_000_000, 165_000_000, 330_000_000, 412_500_000),
           {"metrics": {"latencyMs": 321}}))

rs("unknown-content-block-kind",
   "A content block kind this version does not know is kept verbatim as "
   "{\"type\": \"bedrock\", \"block\": {...}} between the known parts. Cost: 10 x 3,300,000 = "
   "33,000,000; 5 x 16,500,000 = 82,500,000.",
   {"model": SONNET, "body": wire_response([
       {"text": "Before."},
       {"futureBlock": {"kind": "hologram", "frames": [1, 2, 3]}},
       {"text": "After."},
   ], "end_turn", {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15})},
   neutral(SONNET, [
       {"type": "text", "text": "Before."},
       {"type": "bedrock", "block": {"futureBlock": {"kind": "hologram", "frames": [1, 2, 3]}}},
       {"type": "text", "text": "After."},
   ], "end_turn", "end_turn", nusage(10, 5, 15), (33_000_000, 0, 0, 82_500_000),
       {"metrics": {"latencyMs": 321}}),
   unknown_wire_members=["output.message.content[1].futureBlock"])

rs("unknown-members-ignored-extras-kept",
   "Unknown members anywhere (top level, message, usage, metrics, a tool call, stream-style "
   "\"p\" padding) are ignored; known extras serviceTier and performanceConfig go verbatim to "
   "provider_metadata.bedrock. Cost as for 10 in / 5 out on Sonnet 4.6.",
   {"model": SONNET, "request_id": "req-unknown-1", "body": {
       "output": {"message": {"role": "assistant", "content": [
           {"text": "Hi."},
           {"toolUse": {"toolUseId": "t1", "name": "ping", "input": {}, "futureFlag": True}},
       ], "futureMessageField": 1}},
       "stopReason": "tool_use",
       "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15,
                 "futureTokens": 99},
       "metrics": {"latencyMs": 77, "futureLatencyField": 12},
       "serviceTier": {"type": "flex"},
       "performanceConfig": {"latency": "optimized"},
       "p": "abcdefghijklmnopqrstuvwxyz",
       "brandNewMember": {"nested": [1, 2]},
   }},
   neutral(SONNET, [
       {"type": "text", "text": "Hi."},
       {"type": "tool_call", "id": "t1", "name": "ping", "arguments": {}},
   ], "tool_use", "tool_use", nusage(10, 5, 15), (33_000_000, 0, 0, 82_500_000),
       {"metrics": {"latencyMs": 77}, "serviceTier": {"type": "flex"},
        "performanceConfig": {"latency": "optimized"}}, request_id="req-unknown-1"),
   unknown_wire_members=["brandNewMember", "metrics.futureLatencyField",
                         "output.message.content[1].toolUse.futureFlag",
                         "output.message.futureMessageField", "p", "usage.futureTokens"])

rs("server-tool-result-and-image-kept-as-bedrock-blocks",
   "Known Converse blocks the neutral model has no part for (a toolResult of a server-side "
   "tool, an image) are kept verbatim as bedrock parts. Cost as for 10 in / 5 out on Sonnet 4.6.",
   {"model": SONNET, "body": wire_response([
       {"toolResult": {"toolUseId": "srv_1", "content": [{"text": "search done"}],
                       "status": "success"}},
       {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
       {"text": "Here it is."},
   ], "end_turn", {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15})},
   neutral(SONNET, [
       {"type": "bedrock", "block": {"toolResult": {"toolUseId": "srv_1",
                                                    "content": [{"text": "search done"}],
                                                    "status": "success"}}},
       {"type": "bedrock", "block": {"image": {"format": "png",
                                               "source": {"bytes": "iVBORw0KGgo="}}}},
       {"type": "text", "text": "Here it is."},
   ], "end_turn", "end_turn", nusage(10, 5, 15), (33_000_000, 0, 0, 82_500_000),
       {"metrics": {"latencyMs": 321}}))

# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------

# The hints, exactly as core/src/error.rs words them (the troubleshooting table of DESIGN.md).
HINT_AUTH_KEY = ("the runtime rejected the API key: check AWS_BEARER_TOKEN_BEDROCK / BEDROCK_API_KEY; "
                 "a key scoped to bedrock-mantle cannot call Converse, so pin credentials = "
                 "[\"aws_sigv4\"] for the bedrock provider")
HINT_DATA_SHARE = ("this model requires the provider_data_share data-sharing opt-in: enable it for "
                   "the model in the Bedrock console (model access) first")
HINT_MODEL_ID = ("set an explicit api_id for this model in settings.toml ([llm.models.<id>] api_id "
                 "= ...): an inference-profile id or ARN that the ListInferenceProfiles (or "
                 "ListFoundationModels) API shows in this Region")
HINT_ON_DEMAND = ("this model has no on-demand throughput under this id: use its "
                  "us./global.-prefixed cross-region inference-profile id (or an "
                  "inference-profile ARN) as api_id")
HINT_MAX_TOKENS = ("the requested output is above what the model allows: lower max_tokens, or the "
                   "model's max_output in settings, to its documented limit")
HINT_ACCESS = ("IAM lacks bedrock:InvokeModel / bedrock:InvokeModelWithResponseStream, or model "
               "access is not granted in this Region (Claude needs the per-Region use-case "
               "approval; third-party models need aws-marketplace:Subscribe)")
HINT_CREDS = ("the credentials were rejected: check the access key, secret and session token (or "
              "refresh them), and that the clock is correct")
HINT_THROTTLE = ("account quota reached: use a cross-region inference profile (us./global. id) or "
                 "request a quota increase in Service Quotas")
HINT_NOT_FOUND = ("the model id is not available in this Region: check api_id and the region, or "
                  "pick another model")

REQ_ID = "a1b2c3d4-0000-4000-8000-000000000001"


def er(name, description, status, body, expected, headers=None, model=None, region=None):
    inp = {"status": status}
    if headers is not None:
        inp["headers"] = headers
    if body is not None:
        inp["body"] = body
    if model is not None:
        inp["model"] = model
    if region is not None:
        inp["region"] = region
    case("errors", name, description, inp, expected)


def described(kind, status, error_type, message, retry_class, hint, request_id=None, model=None,
              region=None):
    """The runner's description of an error; display written out from error.rs's Display rule:
    "<kind>: <message without trailing dots> (HTTP <status>, <type>, request id <id>, model <m>,
    region <r>)", each parenthesized item only when known."""
    items = [f"HTTP {status}"]
    if error_type is not None:
        items.append(error_type)
    if request_id is not None:
        items.append(f"request id {request_id}")
    if model is not None:
        items.append(f"model {model}")
    if region is not None:
        items.append(f"region {region}")
    display = f"{kind}: {message.rstrip('.')} ({', '.join(items)})"
    return {"kind": kind, "status": status, "error_type": error_type, "message": message,
            "request_id": request_id, "retry_class": retry_class, "hint": hint,
            "display": display}


def modeled(name, description, status, error_type, message, kind, retry_class, hint,
            via="header", model=SONNET, region="us-east-1"):
    """A modeled error, its type conveyed `via` the header, body `code` or body `__type`."""
    headers = {"x-amzn-RequestId": REQ_ID, "Content-Type": "application/json"}
    body = {"message": message}
    if via == "header":
        headers["x-amzn-ErrorType"] = error_type + ":http://internal.amazon.com/coral/com.amazon.bedrock/"
    elif via == "code":
        body = {"code": error_type, "message": message}
    else:
        body = {"__type": error_type, "message": message}
    er(name, description, status, body,
       described(kind, status, error_type, message, retry_class, hint, REQ_ID, model, region),
       headers=headers, model=model, region=region)


# Every Bedrock Runtime error type with its status (bedrock-wire.md section 3).
modeled("access-denied-403",
        "AccessDeniedException (403, type in the x-amzn-ErrorType header with a :http://... "
        "suffix): access_denied, not retried, the IAM / model-access hint.",
        403, "AccessDeniedException",
        "You don't have access to the model with the specified model ID.",
        "access_denied", "no", HINT_ACCESS)
modeled("validation-400",
        "ValidationException (400, type in the body's code): validation, not retried, no hint "
        "for a message the table does not cover.",
        400, "ValidationException",
        "Malformed input request: #: extraneous key [foo] is not permitted, please reformat your "
        "input and try again.",
        "validation", "no", None, via="code")
modeled("throttling-429",
        "ThrottlingException (429, type in __type): throttling, retried with the throttling "
        "backoff; the quota / cross-region hint.",
        429, "ThrottlingException", "Too many requests, please wait before trying again.",
        "throttling", "throttling", HINT_THROTTLE, via="__type")
modeled("throttling-429-tokens-per-day",
        "A daily-token ThrottlingException (429) gets the same throttling hint.",
        429, "ThrottlingException", "Too many tokens per day, please wait before trying again.",
        "throttling", "throttling", HINT_THROTTLE)
modeled("model-not-ready-429",
        "ModelNotReadyException (429): model_not_ready, retried as transient (modeled retryable, "
        "not throttling), no hint.",
        429, "ModelNotReadyException",
        "Model is not ready for inference. Wait and try your request again.",
        "model_not_ready", "transient", None)
modeled("model-timeout-408",
        "ModelTimeoutException (408): model_timeout, not retried (408 is not transient in the "
        "standard mode).",
        408, "ModelTimeoutException", "Model has timed out in processing the request.",
        "model_timeout", "no", None, via="__type")
modeled("service-unavailable-503",
        "ServiceUnavailableException (503): service_unavailable, transient.",
        503, "ServiceUnavailableException", "Bedrock is unable to process your request.",
        "service_unavailable", "transient", None)
modeled("internal-server-500",
        "InternalServerException (500): internal_server, transient.",
        500, "InternalServerException", "The server encountered an internal error.",
        "internal_server", "transient", None, via="code")
modeled("resource-not-found-404",
        "ResourceNotFoundException (404): resource_not_found, not retried, the model-id/Region "
        "hint.",
        404, "ResourceNotFoundException", "Could not resolve the foundation model from the "
        "provided model identifier.",
        "resource_not_found", "no", HINT_NOT_FOUND, via="__type")
modeled("service-quota-exceeded-400",
        "ServiceQuotaExceededException (400): service_quota_exceeded, not retried.",
        400, "ServiceQuotaExceededException",
        "Your request exceeds the service quota for your account.",
        "service_quota_exceeded", "no", None)
modeled("model-stream-error-424",
        "ModelStreamErrorException (424): model_stream_error, not retried.",
        424, "ModelStreamErrorException", "The model stream failed.",
        "model_stream_error", "no", None, via="__type")

er("model-error-424-extra-members",
   "ModelErrorException (424) with its extra members originalStatusCode and resourceName, as the "
   "Go SDK's snapshot shows it: model_error, not retried.",
   424, {"__type": "ModelErrorException", "message": "The model returned an error.",
         "originalStatusCode": 500, "resourceName": "anthropic.claude-sonnet-4-6"},
   described("model_error", 424, "ModelErrorException", "The model returned an error.", "no",
             None, REQ_ID, SONNET, "us-west-2"),
   headers={"x-amzn-RequestId": REQ_ID}, model=SONNET, region="us-west-2")

# How the type is conveyed, and sanitized.
er("type-header-wins-over-body",
   "The x-amzn-ErrorType header wins over the body's code and __type.",
   429, {"code": "ValidationException", "__type": "InternalServerException",
         "message": "Rate exceeded"},
   described("throttling", 429, "ThrottlingException", "Rate exceeded", "throttling",
             HINT_THROTTLE),
   headers={"X-Amzn-ErrorType": "ThrottlingException"})

er("type-code-wins-over-type",
   "Without the header, the body's code wins over __type.",
   400, {"__type": "InternalServerException", "code": "ValidationException",
         "message": "Input is too long for requested model."},
   described("validation", 400, "ValidationException", "Input is too long for requested model.",
             "no", None))

er("type-empty-header-falls-back-to-body",
   "An empty x-amzn-ErrorType header is ignored; the type comes from the body's __type.",
   404, {"__type": "ResourceNotFoundException", "message": "Model not found."},
   described("resource_not_found", 404, "ResourceNotFoundException", "Model not found.", "no",
             HINT_NOT_FOUND),
   headers={"x-amzn-ErrorType": ""})

er("sanitize-namespace-and-url",
   "Sanitizing: the text before the first ':' then after the last '#': "
   "'aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/...' → FooError; an "
   "unknown type is kind service, not retried.",
   400, {"message": "Foo happened"},
   described("service", 400, "FooError", "Foo happened", "no", None),
   headers={"x-amzn-ErrorType":
            "aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/"})

er("sanitize-namespaced-type-in-body",
   "A namespaced __type in the body ('com.amazon.coral.availability#ThrottlingException') is "
   "sanitized to ThrottlingException.",
   429, {"__type": "com.amazon.coral.availability#ThrottlingException",
         "message": "Too many requests, please wait before trying again."},
   described("throttling", 429, "ThrottlingException",
             "Too many requests, please wait before trying again.", "throttling", HINT_THROTTLE))

er("message-capitalized",
   "The message comes from Message when message is absent.",
   403, {"__type": "AccessDeniedException", "Message": "User is not authorized to perform: "
         "bedrock:InvokeModel"},
   described("access_denied", 403, "AccessDeniedException",
             "User is not authorized to perform: bedrock:InvokeModel", "no", HINT_ACCESS))

er("unmodeled-429-plain-text",
   "An unmodeled 429 (no type, a plain-text body from a proxy): throttling, retried with the "
   "throttling backoff, the throttling hint; the body text is the message.",
   429, "Too Many Requests",
   described("throttling", 429, None, "Too Many Requests", "throttling", HINT_THROTTLE))

er("unknown-type-on-429-is-throttling",
   "An error type this version does not know, on a 429, is throttling (standard retry mode: "
   "429 throttles).",
   429, {"__type": "SomethingNewException", "message": "slow down"},
   described("throttling", 429, "SomethingNewException", "slow down", "throttling",
             HINT_THROTTLE))

PROXY_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 "
             "Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
er("html-502-from-proxy",
   "A 502 HTML page from a proxy: kind service (no type), transient, the trimmed body as the "
   "message, no hint.",
   502, PROXY_502,
   described("service", 502, None, PROXY_502.strip(), "transient", None))

LONG_HTML = "<!DOCTYPE html><html><head><title>503 Service Temporarily Unavailable</title></head><body>" + \
    "<p>" + "The server is temporarily unable to service your request. " * 6 + "</p></body></html>"
er("html-503-long-body-cut-at-300-bytes",
   "A long non-JSON body is cut to its first 300 bytes for the message; 503 without a type is "
   "service_unavailable, transient.",
   503, LONG_HTML,
   described("service_unavailable", 503, None, LONG_HTML[:300], "transient", None))

er("empty-body-504",
   "An empty 504 body: kind service, transient, message says the body was empty.",
   504, "",
   described("service", 504, None, "HTTP 504 with an empty body", "transient", None))

er("empty-body-403",
   "An empty 403 body: access_denied from the status alone, not retried, the access hint.",
   403, None,
   described("access_denied", 403, None, "HTTP 403 with an empty body", "no", HINT_ACCESS))

er("request-timeout-exception-transient",
   "RequestTimeoutException is in the standard mode's transient list: retried as transient "
   "(kind service: not a Bedrock Runtime type).",
   400, {"__type": "RequestTimeoutException", "message": "Request timed out"},
   described("service", 400, "RequestTimeoutException", "Request timed out", "transient", None))

er("unrecognized-client-403",
   "UnrecognizedClientException (bad SigV4 credentials): authentication, not retried, the "
   "credentials hint.",
   403, {"message": "The security token included in the request is invalid."},
   described("authentication", 403, "UnrecognizedClientException",
             "The security token included in the request is invalid.", "no", HINT_CREDS,
             REQ_ID),
   headers={"x-amzn-ErrorType": "UnrecognizedClientException", "x-amzn-RequestId": REQ_ID})

er("expired-token-403",
   "ExpiredTokenException: authentication, not retried, the credentials hint.",
   403, {"__type": "ExpiredTokenException",
         "message": "The security token included in the request is expired"},
   described("authentication", 403, "ExpiredTokenException",
             "The security token included in the request is expired", "no", HINT_CREDS))

# The five message patterns of DESIGN.md's troubleshooting table.
er("pattern-authentication-failed-api-key",
   "\"Authentication failed: Please make sure your API Key is valid.\" (403 "
   "AccessDeniedException): kind authentication and the API-key hint (pin aws_sigv4 for a "
   "mantle-scoped key), not the generic IAM hint.",
   403, {"message": "Authentication failed: Please make sure your API Key is valid."},
   described("authentication", 403, "AccessDeniedException",
             "Authentication failed: Please make sure your API Key is valid.", "no",
             HINT_AUTH_KEY, REQ_ID, SONNET, "us-east-1"),
   headers={"x-amzn-ErrorType": "AccessDeniedException", "x-amzn-RequestId": REQ_ID},
   model=SONNET, region="us-east-1")

er("pattern-data-retention-mode",
   "\"data retention mode 'default' is not available for this model\" (Fable 5 without the "
   "opt-in): the provider_data_share hint.",
   400, {"message": "The data retention mode 'default' is not available for this model. "
                    "Update your account's data retention mode and try again."},
   described("validation", 400, "ValidationException",
             "The data retention mode 'default' is not available for this model. Update your "
             "account's data retention mode and try again.", "no", HINT_DATA_SHARE, REQ_ID,
             FABLE, "us-east-1"),
   headers={"x-amzn-ErrorType": "ValidationException", "x-amzn-RequestId": REQ_ID},
   model=FABLE, region="us-east-1")

er("pattern-model-identifier-invalid",
   "\"The provided model identifier is invalid.\": the explicit api_id hint.",
   400, {"__type": "ValidationException", "message": "The provided model identifier is invalid."},
   described("validation", 400, "ValidationException", "The provided model identifier is invalid.",
             "no", HINT_MODEL_ID, None, "my-claude", "eu-west-1"),
   model="my-claude", region="eu-west-1")

ON_DEMAND = ("Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand "
             "throughput isn't supported. Retry your request with the ID or ARN of an inference "
             "profile that contains this model.")
er("pattern-on-demand-throughput",
   "The on-demand throughput ValidationException: the us./global. inference-profile hint.",
   400, {"message": ON_DEMAND},
   described("validation", 400, "ValidationException", ON_DEMAND, "no", HINT_ON_DEMAND, REQ_ID,
             "anthropic.claude-3-5-sonnet-20241022-v2:0", "us-east-1"),
   headers={"x-amzn-ErrorType": "ValidationException", "x-amzn-RequestId": REQ_ID},
   model="anthropic.claude-3-5-sonnet-20241022-v2:0", region="us-east-1")

MAX_TOKENS_MSG = ("The maximum tokens you requested exceeds the model limit of 64000. Try again "
                  "with a maximum tokens value that is lower than 64000.")
er("pattern-maximum-tokens",
   "The maximum-tokens ValidationException: the lower-max_output hint.",
   400, {"message": MAX_TOKENS_MSG},
   described("validation", 400, "ValidationException", MAX_TOKENS_MSG, "no", HINT_MAX_TOKENS,
             REQ_ID, HAIKU, "us-east-1"),
   headers={"x-amzn-ErrorType": "ValidationException", "x-amzn-RequestId": REQ_ID},
   model=HAIKU, region="us-east-1")

# ---------------------------------------------------------------------------------------------


def main():
    total = 0
    for suite, cases in CASES.items():
        folder = os.path.join(ROOT, suite)
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            if old.endswith(".json"):
                os.remove(os.path.join(folder, old))
        for name, body in sorted(cases.items()):
            with open(os.path.join(folder, name + ".json"), "w", encoding="utf-8") as f:
                json.dump(body, f, indent=2, ensure_ascii=False)
                f.write("\n")
        print(f"{suite}: {len(cases)} cases")
        total += len(cases)
    print(f"{total} files written")


if __name__ == "__main__":
    sys.exit(main())
