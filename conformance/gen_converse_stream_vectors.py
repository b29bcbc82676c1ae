#!/usr/bin/env python3
"""Generate recorded-ConverseStream fixtures: frames in, accumulated response out.

What it generates
-----------------
``conformance/vectors/converse-stream/``:

  <scenario>      the raw HTTP body of one ConverseStream response: event-stream
                  frames, concatenated (no file extension)
  expected.json   {"streams": {<scenario>: <expectation>}}: what a conforming
                  client must make of each file
  README.md       the layout, the expectation formats, our representation
                  choices and a table of the scenarios

How a scenario is made
----------------------
Each scenario is written below as the response the *non-streaming* Converse
call would have returned (bedrock-wire.md section 1.3: ``output.message.content``
blocks, ``stopReason``, ``usage``, ``metrics``, ...). The script derives the
ConverseStream events from it the way Bedrock streams (bedrock-wire.md section 2):

* ``messageStart {role}`` first;
* a text block: several ``contentBlockDelta {text}``, then ``contentBlockStop``;
* a ``toolUse`` block: ``contentBlockStart {toolUse: {toolUseId, name}}``, the
  input JSON text cut into ``{toolUse: {input}}`` fragments at awkward places
  (an empty first fragment, inside a key, between a backslash and the character
  it escapes, inside a number), then ``contentBlockStop``; a tool without
  arguments gets no input delta at all, and its input is ``{}``;
* reasoning: ``{reasoningContent: {text}}`` deltas, then one
  ``{reasoningContent: {signature}}`` delta; redacted reasoning: the bytes in
  several ``{reasoningContent: {redactedContent}}`` deltas (base64 each);
* ``citationsContent``: its text in ``{text}`` deltas interleaved with one
  ``{citation}`` delta per citation;
* ``messageStop {stopReason, additionalModelResponseFields}``, then
  ``metadata {usage, metrics, trace, performanceConfig, serviceTier}``.

A scenario's plan can then change the stream: interleave the deltas of parallel
tool calls, pad every payload with an unknown ``"p"`` member (real Bedrock
does), insert an unknown event type, end the stream early, drop ``metadata``,
replace the rest of the stream with an exception frame, or corrupt a frame's
CRC.

Frames are built here with ``struct`` and ``zlib.crc32`` (bedrock-wire.md
section 4), never with the Rust encoder; headers are ``:event-type``,
``:content-type: application/json``, ``:message-type: event`` in that order, as
Bedrock sends them (``:exception-type`` and ``:message-type: exception`` for
exception frames).

Cross-checks (the script exits with an error when one fails)
-------------------------------------------------------------
1. **botocore decodes every file** (``botocore.eventstream.EventStream`` over
   ``EventStreamBuffer``, with ``botocore.parsers.EventStreamJSONParser`` and the
   ``ConverseStream`` output shape of botocore's bedrock-runtime model), whole
   and fed one byte at a time, and must see exactly the events the script
   meant to send: same types, same members (unknown members such as the
   ``"p"`` padding aside, which botocore drops), unknown event types skipped,
   the same exception code and message, a CRC error at the same frame.
2. **An independent fold**: a small accumulator written below from the
   Converse semantics folds the events *as botocore parsed them* back into a
   response. For a success scenario it must equal the intended response; for
   a failure it must fail the same way, and it computes the expectation's
   ``events_before_error`` and ``partial``.
3. **The intended responses are Converse responses**: each is walked against
   botocore's ``Converse`` output shape (every member modelled, required
   members present, unions with one member, enum values valid), except for our
   client-side ``truncatedToolUse`` block (see README.md).

The output is deterministic (no randomness, no clock) and the script is
re-runnable: it deletes and rewrites ``conformance/vectors/converse-stream/``.

How to run
----------
    python3 conformance/gen_converse_stream_vectors.py

(from anywhere; needs only ``botocore``: ``pip install botocore``). It prints
every file it wrote.
"""

import base64
import copy
import json
import shutil
import struct
import sys
import zlib
from pathlib import Path

import botocore
import botocore.session
from botocore.eventstream import EventStream, ParserError
from botocore.exceptions import EventStreamError
from botocore.parsers import EventStreamJSONParser

OUT = Path(__file__).resolve().parent / "vectors" / "converse-stream"

MODEL = botocore.session.get_session().get_service_model("bedrock-runtime")
# The `stream` member of ConverseStreamResponse: the ConverseStreamOutput union.
STREAM_SHAPE = MODEL.operation_model("ConverseStream").output_shape.members["stream"]
CONVERSE_OUTPUT_SHAPE = MODEL.operation_model("Converse").output_shape

# Member names of the stream union that are events (the others are exceptions).
EVENT_TYPES = (
    "messageStart",
    "contentBlockStart",
    "contentBlockDelta",
    "contentBlockStop",
    "messageStop",
    "metadata",
)


def fail(message):
    sys.exit(f"gen_converse_stream_vectors: {message}")


# ---------------------------------------------------------------------------
# frames (struct + zlib only)
# ---------------------------------------------------------------------------


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def string_header(name, value):
    """A header of type 7 (string): name_len u8 | name | 7 | value_len u16 | value."""
    raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
    return bytes([len(raw_name)]) + raw_name + b"\x07" + struct.pack(">H", len(raw_value)) + raw_value


def build_frame(headers, payload, *, message_crc_xor=0):
    """Prelude (total, headers length, CRC), headers, payload, message CRC."""
    block = b"".join(string_header(n, v) for n, v in headers)
    prelude = struct.pack(">II", 16 + len(block) + len(payload), len(block))
    prelude += struct.pack(">I", crc32(prelude))
    body = prelude + block + payload
    return body + struct.pack(">I", crc32(body) ^ message_crc_xor)


def json_payload(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Frame:
    """One frame the script means to send: an event or an exception, and its JSON payload."""

    def __init__(self, message_type, name, payload):
        self.message_type = message_type  # "event" or "exception"
        self.name = name  # :event-type or :exception-type
        self.payload = payload
        self.padding = None  # the "p" member added by the plan, if any
        self.corrupt = False  # message CRC flipped by the plan

    @property
    def is_known_event(self):
        return self.message_type == "event" and self.name in EVENT_TYPES

    def encode(self):
        type_header = ":event-type" if self.message_type == "event" else ":exception-type"
        headers = [
            (type_header, self.name),
            (":content-type", "application/json"),
            (":message-type", self.message_type),
        ]
        payload = dict(self.payload)
        if self.padding is not None:
            payload["p"] = self.padding
        return build_frame(
            headers, json_payload(payload), message_crc_xor=0x00010000 if self.corrupt else 0
        )


def event(name, payload):
    return Frame("event", name, payload)


# ---------------------------------------------------------------------------
# deriving the stream from the intended response
# ---------------------------------------------------------------------------


class RawInput(str):
    """Tool input JSON text sent verbatim (for a model that emits invalid JSON)."""


TEXT_PIECE_SIZES = (4, 9, 6, 12, 3, 8, 15, 5)


def split_sizes(text, sizes=TEXT_PIECE_SIZES):
    """Cuts `text` into pieces whose lengths cycle through `sizes` (the last may be shorter)."""
    pieces, at, i = [], 0, 0
    while at < len(text):
        pieces.append(text[at:at + sizes[i % len(sizes)]])
        at += sizes[i % len(sizes)]
        i += 1
    return pieces


def awkward_fragments(json_text):
    """Tool input fragments cut where a naive client would break.

    An empty first fragment (as Claude models send), then cuts after the
    opening brace, inside the first key, right after every backslash (so an
    escape is split from the character it escapes), inside every number, and
    otherwise every 7 characters.
    """
    cuts = {1, 4}
    for i, c in enumerate(json_text):
        if c == "\\":
            cuts.add(i + 1)
        if c.isdigit() and i + 1 < len(json_text) and json_text[i + 1].isdigit():
            cuts.add(i + 1)
    cuts.update(range(7, len(json_text), 7))
    cuts = sorted(c for c in cuts if 0 < c < len(json_text))
    pieces = [""]
    last = 0
    for c in cuts:
        pieces.append(json_text[last:c])
        last = c
    pieces.append(json_text[last:])
    assert "".join(pieces) == json_text
    return pieces


def tool_input_text(tool_input):
    if isinstance(tool_input, RawInput):
        return str(tool_input)
    if tool_input == {}:
        return ""
    return json.dumps(tool_input, ensure_ascii=False)


def delta(index, body):
    return event("contentBlockDelta", {"contentBlockIndex": index, "delta": body})


def block_frames(index, block):
    """The frames of one content block: (starts, deltas, stops)."""
    ((kind, value),) = block.items()
    starts, deltas = [], []
    if kind == "text":
        deltas = [delta(index, {"text": t}) for t in split_sizes(value)]
    elif kind in ("toolUse", "truncatedToolUse"):
        start = {"toolUseId": value["toolUseId"], "name": value["name"]}
        if "type" in value:
            start["type"] = value["type"]
        starts = [event("contentBlockStart", {"contentBlockIndex": index, "start": {"toolUse": start}})]
        text = value["partialInput"] if kind == "truncatedToolUse" else tool_input_text(value["input"])
        fragments = awkward_fragments(text) if text else []
        deltas = [delta(index, {"toolUse": {"input": f}}) for f in fragments]
    elif kind == "reasoningContent" and "reasoningText" in value:
        reasoning = value["reasoningText"]
        deltas = [
            delta(index, {"reasoningContent": {"text": t}}) for t in split_sizes(reasoning["text"])
        ]
        if "signature" in reasoning:
            deltas.append(delta(index, {"reasoningContent": {"signature": reasoning["signature"]}}))
    elif kind == "reasoningContent" and "redactedContent" in value:
        raw = base64.b64decode(value["redactedContent"], validate=True)
        deltas = [
            delta(index, {"reasoningContent": {"redactedContent": base64.b64encode(piece).decode()}})
            for piece in (raw[i:i + 20] for i in range(0, len(raw), 20))
        ]
    elif kind == "citationsContent":
        (text_item,) = value["content"]
        pieces = split_sizes(text_item["text"], (11, 14, 9))
        citations = list(value["citations"])
        # A citation after every other text piece; any left over come last.
        for i, piece in enumerate(pieces):
            deltas.append(delta(index, {"text": piece}))
            if i % 2 == 1 and citations:
                deltas.append(delta(index, {"citation": citations.pop(0)}))
        deltas.extend(delta(index, {"citation": c}) for c in citations)
    else:
        fail(f"no stream form for a {kind} block")
    return starts, deltas, [event("contentBlockStop", {"contentBlockIndex": index})]


def derive_frames(response, plan):
    """The frames Bedrock would send for `response`, changed as `plan` says."""
    message = response["output"]["message"]
    blocks = [block_frames(i, b) for i, b in enumerate(message["content"])]
    interleaved = plan.get("interleave", ())
    frames = [event("messageStart", {"role": message["role"]})]
    for i, (starts, deltas, stops) in enumerate(blocks):
        if i not in interleaved:
            frames += starts + deltas + stops
        elif i == min(interleaved):
            # Parallel calls: every start, the deltas round-robin, the stops in reverse order.
            group = [blocks[j] for j in sorted(interleaved)]
            for starts_j, _, _ in group:
                frames += starts_j
            queues = [list(d) for _, d, _ in group]
            while any(queues):
                for q in queues:
                    if q:
                        frames.append(q.pop(0))
            for _, _, stops_j in reversed(group):
                frames += stops_j
    stop = {"stopReason": response["stopReason"]}
    if "additionalModelResponseFields" in response:
        stop["additionalModelResponseFields"] = response["additionalModelResponseFields"]
    frames.append(event("messageStop", stop))
    metadata = {"usage": response["usage"], "metrics": response["metrics"]}
    for key in ("trace", "performanceConfig", "serviceTier"):
        if key in response:
            metadata[key] = response[key]
    frames.append(event("metadata", metadata))

    if "drop" in plan:
        frames = [f for f in frames if f.name not in plan["drop"]]
    if "cut_after" in plan:
        frames = frames[:plan["cut_after"]]
    for position, frame in plan.get("insert", ()):
        frames.insert(position, frame)
    if "exception_after" in plan:
        after, name, body = plan["exception_after"]
        frames = frames[:after] + [Frame("exception", name, body)]
    if plan.get("pad"):
        for i, frame in enumerate(frames):
            # Bedrock pads payloads with a run of the alphabet, of varying length.
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            frame.padding = alphabet[: 1 + (7 * i + 3) % len(alphabet)]
    if "corrupt" in plan:
        frames[plan["corrupt"]].corrupt = True
    return frames


# ---------------------------------------------------------------------------
# cross-check 1: botocore sees the events we meant to send
# ---------------------------------------------------------------------------


class RawStream:
    """The `raw_stream` botocore's EventStream reads: `stream()` yields the body in chunks."""

    def __init__(self, data, chunk):
        self._chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)]

    def stream(self):
        yield from self._chunks

    def close(self):
        pass


def botocore_read(data, chunk):
    """What botocore makes of a body: ([(event type, parsed body)], error or None).

    The error is ("exception", code, message) for an exception frame or
    ("decode", text) for a frame botocore cannot decode.
    """
    stream = EventStream(RawStream(data, chunk), STREAM_SHAPE, EventStreamJSONParser(), "ConverseStream")
    events = []
    try:
        for parsed in stream:
            ((event_type, body),) = parsed.items()
            events.append((event_type, body))
    except EventStreamError as e:
        code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
        return events, ("exception", code, message)
    except ParserError as e:
        return events, ("decode", f"{type(e).__name__}: {e}")
    return events, None


def json_form(value):
    """botocore's parsed value in JSON form: blobs back to base64."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_form(v) for v in value]
    return value


def exception_members(name, payload):
    """An exception payload parsed with its botocore shape, in JSON form."""
    shape = STREAM_SHAPE.members[name]
    parsed = EventStreamJSONParser()._parse_shape(shape, payload)
    return json_form(parsed)


def check_botocore(name, data, frames):
    """botocore must read `data` as exactly the events (and error) of `frames`.

    Returns botocore's events and its error, an exception's extended with the
    payload members botocore's exception shape reads.
    """
    sent_events = []
    expected_error = None
    members = None
    for frame in frames:
        if frame.corrupt:
            expected_error = ("decode",)
            break
        if frame.message_type == "exception":
            expected_error = ("exception", frame.name, frame.payload.get("message", ""))
            members = exception_members(frame.name, frame.payload)
            if members != frame.payload:
                fail(f"{name}: {frame.name} payload has members its shape does not model")
            break
        if frame.is_known_event:
            sent_events.append((frame.name, frame.payload))
    results = [botocore_read(data, chunk) for chunk in (len(data), 1)]
    if results[0] != results[1]:
        fail(f"{name}: botocore reads the body differently whole and byte by byte")
    events, error = results[0]
    seen = [(t, json_form(b)) for t, b in events]
    if seen != sent_events:
        for i, (got, want) in enumerate(zip(seen, sent_events)):
            if got != want:
                fail(f"{name}: event {i}: botocore reads {got!r}, we sent {want!r}")
        fail(f"{name}: botocore reads {len(seen)} events, we sent {len(sent_events)}")
    seen_error = None if error is None else error if error[0] == "exception" else error[:1]
    if seen_error != expected_error:
        fail(f"{name}: botocore ends with {error!r}, expected {expected_error!r}")
    if members is not None:
        error = error + (members,)
    return events, error


# ---------------------------------------------------------------------------
# cross-check 2: an independent fold of the events botocore parsed
# ---------------------------------------------------------------------------


class StreamFailure(Exception):
    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


class Fold:
    """Folds ConverseStream events (as botocore parses them) into a Converse response.

    Text and tool-input fragments are concatenated per contentBlockIndex; tool
    input is parsed at contentBlockStop (empty input is {}); reasoning text,
    signature and redacted bytes are kept exactly; a block with citation deltas
    is citationsContent; a tool call whose input does not parse is an error
    unless the message stopped for max_tokens, when it is the client-side
    truncatedToolUse block. The stream is complete only with messageStop and
    metadata.
    """

    def __init__(self):
        self.role = None
        self.blocks = {}
        self.stop = None
        self.metadata = None

    def block(self, index):
        return self.blocks.setdefault(index, {
            "text": "", "tool": None, "input": "", "reasoning": None, "signature": None,
            "redacted": None, "citations": [], "stopped": False,
        })

    def handle(self, event_type, body):
        if event_type == "messageStart":
            self.role = body["role"]
        elif event_type == "contentBlockStart":
            self.block(body["contentBlockIndex"])["tool"] = body["start"]["toolUse"]
        elif event_type == "contentBlockDelta":
            block = self.block(body["contentBlockIndex"])
            ((kind, value),) = body["delta"].items()
            if kind == "text":
                block["text"] += value
            elif kind == "toolUse":
                block["input"] += value["input"]
            elif kind == "citation":
                block["citations"].append(value)
            elif kind == "reasoningContent":
                ((part, v),) = value.items()
                if part == "redactedContent":
                    block["redacted"] = (block["redacted"] or b"") + v
                else:
                    key = "reasoning" if part == "text" else "signature"
                    block[key] = (block[key] or "") + v
            else:
                fail(f"the fold does not know {kind} deltas")
        elif event_type == "contentBlockStop":
            self.block(body["contentBlockIndex"])["stopped"] = True
        elif event_type == "messageStop":
            self.stop = body
        elif event_type == "metadata":
            self.metadata = body

    def content_block(self, block, cut_by_cap):
        if block["tool"] is not None:
            tool = block["tool"]
            try:
                if not block["stopped"]:
                    raise ValueError("never stopped")
                tool_input = json.loads(block["input"]) if block["input"].strip() else {}
            except ValueError:
                if cut_by_cap or not block["stopped"]:
                    return {"truncatedToolUse": {
                        "toolUseId": tool["toolUseId"], "name": tool["name"],
                        "partialInput": block["input"],
                    }}
                raise StreamFailure(
                    "invalid_tool_input",
                    f'tool call "{tool["name"]}" ({tool["toolUseId"]}) has input that is not valid JSON',
                )
            return {"toolUse": {**tool, "input": tool_input}}
        if block["redacted"] is not None:
            return {"reasoningContent": {"redactedContent": base64.b64encode(block["redacted"]).decode()}}
        if block["reasoning"] is not None or block["signature"] is not None:
            text = {"text": block["reasoning"] or ""}
            if block["signature"] is not None:
                text["signature"] = block["signature"]
            return {"reasoningContent": {"reasoningText": text}}
        if block["citations"]:
            return {"citationsContent": {
                "content": [{"text": block["text"]}], "citations": block["citations"],
            }}
        if block["text"] or block["stopped"]:
            return {"text": block["text"]}
        return None

    def response(self, cut_by_cap):
        content = [self.content_block(self.blocks[i], cut_by_cap) for i in sorted(self.blocks)]
        stop = self.stop or {}
        metadata = self.metadata or {}
        out = {
            "output": {"message": {
                "role": self.role or "assistant",
                "content": [c for c in content if c is not None],
            }},
            # Our accumulator's representation of what has not arrived (README.md).
            "stopReason": stop.get("stopReason", ""),
            "usage": metadata.get("usage", {"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}),
            "metrics": metadata.get("metrics", {"latencyMs": 0}),
        }
        if "additionalModelResponseFields" in stop:
            out["additionalModelResponseFields"] = stop["additionalModelResponseFields"]
        for key in ("trace", "performanceConfig", "serviceTier"):
            if key in metadata:
                out[key] = metadata[key]
        return json_form(out)

    def partial(self):
        """Everything received so far; unfinished tool calls show as truncatedToolUse."""
        return self.response(cut_by_cap=True)

    def finish(self):
        if self.stop is None:
            raise StreamFailure("truncated_stream", "stream ended before messageStop")
        if self.metadata is None:
            raise StreamFailure("truncated_stream", "stream ended before metadata")
        return self.response(cut_by_cap=self.stop["stopReason"] == "max_tokens")


def fold_outcome(events, error):
    """The outcome the fold gives: ("ok", response, n) or ("error", kind, message, n, partial)."""
    fold = Fold()
    for event_type, body in events:
        fold.handle(event_type, body)
    if error is not None:
        if error[0] == "exception":
            _, code, message, members = error
            details = " ".join(f"{k}={v}" for k, v in members.items() if k != "message")
            text = f"{code}: {message} {details}".strip()
            return ("error", "exception", text, len(events), fold.partial())
        return ("error", "decode", error[1], len(events), fold.partial())
    try:
        return ("ok", fold.finish(), len(events))
    except StreamFailure as e:
        partial = fold.partial()
        return ("error", e.kind, e.message, len(events), partial)


# ---------------------------------------------------------------------------
# cross-check 3: the intended response is a Converse response
# ---------------------------------------------------------------------------


def check_shape(value, shape, path):
    """Walks `value` against a botocore shape; fails on anything the model does not allow."""
    kind = shape.type_name
    if kind == "structure" and getattr(shape, "is_document_type", False):
        return
    if kind == "structure":
        if not isinstance(value, dict):
            fail(f"{path}: expected an object for {shape.name}")
        if shape.metadata.get("union") and len(value) != 1:
            fail(f"{path}: union {shape.name} must have exactly one member")
        for member in shape.required_members:
            if member not in value:
                fail(f"{path}: {shape.name} requires {member}")
        for key, v in value.items():
            if path.endswith(".content[]") and key == "truncatedToolUse":
                continue  # ours, documented in README.md
            if key not in shape.members:
                fail(f"{path}: {shape.name} has no member {key}")
            check_shape(v, shape.members[key], f"{path}.{key}")
    elif kind == "list":
        if not isinstance(value, list):
            fail(f"{path}: expected a list")
        for v in value:
            check_shape(v, shape.member, f"{path}[]")
    elif kind == "map":
        for v in value.values():
            check_shape(v, shape.value, f"{path}{{}}")
    elif kind == "string":
        if not isinstance(value, str) or (shape.enum and value not in shape.enum):
            fail(f"{path}: {value!r} is not a valid {shape.name}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            fail(f"{path}: expected an integer")
    elif kind == "boolean":
        if not isinstance(value, bool):
            fail(f"{path}: expected a boolean")
    elif kind == "blob":
        base64.b64decode(value, validate=True)
    else:
        fail(f"{path}: unexpected shape type {kind}")


# ---------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------

STREAMS = {}  # name -> (bytes, expectation)
ROWS = []


def converse(content, stop_reason, usage=(25, 12), latency=412, **extra):
    """A Converse response body; `usage` is (input, output) tokens or a full usage object."""
    if isinstance(usage, tuple):
        usage = {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)}
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop_reason,
        "usage": usage,
        "metrics": {"latencyMs": latency},
        **extra,
    }


def make(name, description, response, plan):
    """Builds a scenario's body and runs the botocore and fold cross-checks on it."""
    if name in STREAMS:
        fail(f"{name}: defined twice")
    check_shape(response, CONVERSE_OUTPUT_SHAPE, "response")
    frames = derive_frames(copy.deepcopy(response), plan)
    data = b"".join(f.encode() for f in frames)
    events, error = check_botocore(name, data, frames)
    return data, fold_outcome(events, error), len(frames)


def success(name, description, response, **plan):
    data, outcome, n_frames = make(name, description, response, plan)
    if outcome[0] != "ok":
        fail(f"{name}: the fold fails with {outcome[1:3]}, expected the intended response")
    if outcome[1] != response:
        fail(f"{name}: the fold gives\n{json.dumps(outcome[1], indent=1)}\nexpected\n"
             f"{json.dumps(response, indent=1)}")
    STREAMS[name] = (data, {"_description": description, "response": response, "events": outcome[2]})
    ROWS.append(f"| `{name}` | success | {outcome[2]} of {n_frames} | {len(data)} | {description} |")


def failure(name, description, response, kind, message_contains, *, partial=True, **plan):
    """A stream that must fail with `kind`; `message_contains` parts must all be in the message."""
    data, outcome, n_frames = make(name, description, response, plan)
    if outcome[0] != "error" or outcome[1] != kind:
        fail(f"{name}: the fold gives {outcome[:3]}, expected a {kind} error")
    _, _, message, before, partial_response = outcome
    for part in message_contains:
        if part.lower() not in message.lower():
            fail(f"{name}: {part!r} is not in the fold's message {message!r}")
    error = {
        "kind": kind,
        "message_contains": message_contains[0] if len(message_contains) == 1 else message_contains,
        "events_before_error": before,
    }
    expectation = {"_description": description, "error": error}
    if partial:
        expectation["partial"] = partial_response
    STREAMS[name] = (data, expectation)
    ROWS.append(f"| `{name}` | `{kind}` | {before} of {n_frames} | {len(data)} | {description} |")


WEATHER_PARIS = {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "name": "get_weather",
                 "input": {"city": "Paris", "unit": "celsius"}}
WEATHER_OSLO = {"toolUseId": "tooluse_3F0mVbUYT3aWbJYnJ2yQlw", "name": "get_weather",
                "input": {"city": "Oslo", "unit": "celsius", "days": 14}}


def build_scenarios():
    success(
        "text_plain",
        "one text block in several text deltas, end_turn",
        converse([{"text": "Hello! I'm doing well, thank you for asking. How can I help you today?"}],
                 "end_turn", usage=(14, 21), latency=523),
    )
    success(
        "text_unicode_stop_sequence",
        "non-ASCII text, stop_sequence with additionalModelResponseFields, performanceConfig and "
        "serviceTier in metadata",
        converse([{"text": "Grüße aus Zürich — 東京は晴れ ☀️🦀 «ok»\n"}], "stop_sequence",
                 usage=(31, 17), latency=688,
                 additionalModelResponseFields={"stop_sequence": "\n\nUser:"},
                 performanceConfig={"latency": "optimized"}, serviceTier={"type": "priority"}),
    )
    success(
        "tool_use_zero_arguments",
        "text, then a toolUse whose contentBlockStart is followed directly by contentBlockStop "
        "(no input delta): input {}",
        converse([
            {"text": "Let me check the current time."},
            {"toolUse": {"toolUseId": "tooluse_Ux0gk2fHSwWqW0ZC0qG5vA", "name": "get_current_time",
                         "input": {}}},
        ], "tool_use", usage=(402, 38), latency=903),
    )
    success(
        "tool_use_parallel_interleaved",
        "text, then two toolUse blocks started together, their input fragments interleaved, "
        "stopped in reverse order",
        converse([
            {"text": "I'll look up both cities at once."},
            {"toolUse": WEATHER_PARIS},
            {"toolUse": WEATHER_OSLO},
        ], "tool_use", usage=(512, 96), latency=1204),
        interleave=(1, 2),
    )
    success(
        "tool_use_awkward_fragments",
        "tool input JSON with escapes, a newline, nested objects, arrays, numbers and null, cut "
        "between a backslash and what it escapes, inside keys and numbers",
        converse([
            {"toolUse": {"toolUseId": "tooluse_o2cNJ1mPQpCjTa9CSx7cqA", "name": "create_note",
                         "input": {"title": "Say \"hi\"\n\\ then \u00e9", "tags": ["a", "b/c"],
                                   "priority": 12345, "ratio": -0.5, "due": None,
                                   "meta": {"nested": {"ok": True, "list": [1, 22, 333]}}}}},
        ], "tool_use", usage=(256, 80), latency=777),
    )
    success(
        "reasoning_with_signature",
        "reasoning text in deltas, then a signature delta, then the text answer",
        converse([
            {"reasoningContent": {"reasoningText": {
                "text": "The user asks for 17 × 23. 17 × 20 = 340 and 17 × 3 = 51, so 391.",
                "signature": "ErUBCkYIBRgCIkDeGL6lhkWyNwCl6pKjiUY1aTbu+8XTq3rcYtYeOQ2yH/Vq0Zn4XAWb1P+8lTE"
                             "wQ8ELkZcZvS6cLh8ru5pQxNZ/EgwJ0p2GdKp1rfN8OWwaDJi3gyw2j0xU6N2jwCIw==",
            }}},
            {"text": "17 × 23 = 391."},
        ], "end_turn", usage=(44, 130), latency=2310),
    )
    success(
        "reasoning_redacted",
        "redacted reasoning bytes in 3 base64 deltas (concatenated as bytes, not as text), then "
        "the text answer",
        converse([
            {"reasoningContent": {"redactedContent": base64.b64encode(
                bytes((i * 37 + 11) % 256 for i in range(50))).decode()}},
            {"text": "Here is my answer."},
        ], "end_turn", usage=(60, 210), latency=3120),
    )
    success(
        "citations",
        "text, a citationsContent block (text deltas interleaved with 2 citation deltas), text",
        converse([
            {"text": "According to the handbook, "},
            {"citationsContent": {
                "content": [{"text": "employees get 25 days of paid leave per year, plus public "
                                     "holidays"}],
                "citations": [
                    {"title": "Employee handbook", "source": "handbook.pdf",
                     "sourceContent": [{"text": "Full-time employees receive 25 days of paid "
                                                "annual leave."}],
                     "location": {"documentPage": {"documentIndex": 0, "start": 12, "end": 13}}},
                    {"title": "Employee handbook",
                     "sourceContent": [{"text": "Public holidays are granted in addition."}],
                     "location": {"documentChar": {"documentIndex": 0, "start": 5120,
                                                   "end": 5161}}},
                ],
            }},
            {"text": "."},
        ], "end_turn", usage=(1830, 41), latency=1544),
    )
    success(
        "guardrail_intervened_with_trace",
        "guardrail_intervened stop; metadata carries the guardrail trace",
        converse([{"text": "Sorry, I can't help with that request."}], "guardrail_intervened",
                 usage=(19, 9), latency=318, trace={"guardrail": {
                     "modelOutput": ["Sorry, I can't help with that request."],
                     "inputAssessment": {"gr7x1k2b9zqa": {
                         "contentPolicy": {"filters": [
                             {"type": "MISCONDUCT", "confidence": "HIGH",
                              "filterStrength": "HIGH", "action": "BLOCKED", "detected": True}]},
                         "invocationMetrics": {
                             "guardrailProcessingLatency": 214,
                             "usage": {"topicPolicyUnits": 1, "contentPolicyUnits": 1,
                                       "wordPolicyUnits": 1, "sensitiveInformationPolicyUnits": 1,
                                       "sensitiveInformationPolicyFreeUnits": 0,
                                       "contextualGroundingPolicyUnits": 0},
                             "guardrailCoverage": {"textCharacters": {"guarded": 52, "total": 52}}},
                     }},
                     "actionReason": "Guardrail blocked.",
                 }}),
    )
    success(
        "cache_usage",
        "usage with cacheReadInputTokens, cacheWriteInputTokens and cacheDetails per TTL",
        converse([{"text": "Based on the document you shared, the answer is yes."}], "end_turn",
                 usage={"inputTokens": 12, "outputTokens": 13, "totalTokens": 7225,
                        "cacheReadInputTokens": 4096, "cacheWriteInputTokens": 3104,
                        "cacheDetails": [{"ttl": "5m", "inputTokens": 1024},
                                         {"ttl": "1h", "inputTokens": 2080}]},
                 latency=1402),
    )
    success(
        "unknown_event_type_skipped",
        "an event type the service model does not define, in the middle of the text deltas: skipped",
        converse([{"text": "Unknown events must not stop the stream."}], "end_turn", usage=(9, 10)),
        insert=[(3, event("contentBlockAnnotation",
                          {"contentBlockIndex": 0, "annotation": {"kind": "future"}}))],
    )
    success(
        "padding_on_every_event",
        "every payload carries an unknown \"p\" padding member of varying length, as Bedrock "
        "sends; text and a tool call",
        converse([
            {"text": "Checking the weather in Paris."},
            {"toolUse": WEATHER_PARIS},
        ], "tool_use", usage=(380, 61), latency=845),
        pad=True,
    )
    success(
        "max_tokens_cuts_tool_input",
        "max_tokens stops the model inside a tool call's JSON: the response holds the client-side "
        "truncatedToolUse block (ours, not Bedrock's: see above), never a call with made-up arguments",
        converse([
            {"text": "I'll write the file now."},
            {"truncatedToolUse": {"toolUseId": "tooluse_Wq2bN5a8TQy1j3vC0dHhkg",
                                  "name": "write_file",
                                  "partialInput": '{"path": "notes.md", "content": "# Notes\\n\\nFirst '}},
        ], "max_tokens", usage=(120, 64), latency=1990),
    )

    # Failures.
    weather_text = converse([{"text": "The weather in Paris is sunny with a high of 24 degrees."}],
                            "end_turn", usage=(18, 15))
    failure(
        "exception_throttling_mid_stream",
        "throttlingException frame after messageStart and 3 text deltas",
        weather_text, "exception", ["ThrottlingException", "Too many tokens, please wait before trying again."],
        exception_after=(4, "throttlingException",
                         {"message": "Too many tokens, please wait before trying again."}),
    )
    failure(
        "exception_model_stream_error",
        "modelStreamErrorException (originalStatusCode, originalMessage) in the middle of a tool "
        "call's input: the partial response shows the call as truncatedToolUse",
        converse([{"text": "Let me look that up."}, {"toolUse": WEATHER_OSLO}], "tool_use",
                 usage=(300, 40)),
        "exception",
        ["ModelStreamErrorException", "The model encountered an error while streaming", "500",
         "upstream inference failure"],
        exception_after=(12, "modelStreamErrorException", {
            "message": "The model encountered an error while streaming.",
            "originalStatusCode": 500, "originalMessage": "upstream inference failure"}),
    )
    failure(
        "truncated_no_message_stop",
        "the connection ends after some text and part of a tool call: no messageStop, no metadata",
        converse([{"text": "First I'll check Oslo."}, {"toolUse": WEATHER_OSLO}], "tool_use",
                 usage=(300, 40)),
        "truncated_stream", ["messageStop"],
        cut_after=10,
    )
    failure(
        "truncated_no_metadata",
        "the stream ends right after messageStop: metadata (usage) never came",
        weather_text, "truncated_stream", ["metadata"],
        drop=("metadata",),
    )
    failure(
        "invalid_tool_input_json",
        "a tool call whose complete input is not JSON (trailing comma), stopReason tool_use: an "
        "error naming the tool",
        converse([{"toolUse": {"toolUseId": "tooluse_Hm4XfH8vR2ewl8Tq4o7cWg", "name": "search_flights",
                               "input": RawInput('{"origin": "OSL", "destination": "CDG",}')}}],
                 "tool_use", usage=(222, 31)),
        "invalid_tool_input", ["search_flights", "tooluse_Hm4XfH8vR2ewl8Tq4o7cWg"],
        partial=False,
    )
    failure(
        "corrupted_frame_crc",
        "the 4th frame's message CRC is wrong: a decode error after the 3 events before it",
        weather_text, "decode", ["0x"],
        corrupt=3,
    )


def corrupt_crc_parts():
    """The carried and computed CRCs of the corrupted frame, as both decoders print them."""
    data = STREAMS["corrupted_frame_crc"][0]
    at = 0
    for _ in range(3):
        at += struct.unpack(">I", data[at:at + 4])[0]
    total = struct.unpack(">I", data[at:at + 4])[0]
    frame = data[at:at + total]
    carried = struct.unpack(">I", frame[-4:])[0]
    return [f"0x{carried:08x}", f"0x{crc32(frame[:-4]):08x}"]


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------

README_TEMPLATE = """\
# Recorded ConverseStream fixtures

<!-- GENERATED by conformance/gen_converse_stream_vectors.py: edit the script, not this file. -->

Whole ConverseStream HTTP bodies (concatenated event-stream frames) and what a client must make
of them: the response the non-streaming Converse call would have returned, or the error. Frames
in, accumulated response out. Regenerate (it deletes and rewrites this folder) with:

    python3 conformance/gen_converse_stream_vectors.py

Each scenario is written in the script as the intended Converse response; the script derives
the events from it the way Bedrock streams (bedrock-wire.md §2: text in several deltas, tool
input JSON in fragments cut at awkward places, `contentBlockStart` for tool calls, reasoning
text then a signature delta, redacted reasoning in base64 pieces, `messageStop` then
`metadata`) and builds the frames with `struct` and `zlib.crc32` (headers `:event-type`,
`:content-type`, `:message-type`, in that order). Then it checks every file with
**botocore {version}** (Python {python}): `EventStream` with `EventStreamJSONParser` and the
bedrock-runtime `ConverseStream` output shape must see exactly the events that were meant
(whole and byte by byte), and a small independent fold in the script, run on the events as
botocore parsed them, must give back the intended response (or the expected failure). Every
intended response is also checked against botocore's `Converse` output shape.

## Layout

| file | content |
|---|---|
| `<scenario>` (no extension) | the raw body of one ConverseStream response |
| `expected.json` | `{{"streams": {{"<scenario>": {{...}}}}}}`, one expectation per file (keys starting with `_` are comments) |

A success:

```json
{{"response": <the Converse response JSON, exactly as the non-streaming call returns it>,
  "events": <number of ConverseStream events read>}}
```

A failure:

```json
{{"error": {{"kind": "exception" | "truncated_stream" | "invalid_tool_input" | "decode",
            "message_contains": "..." or ["...", ...],
            "events_before_error": <events read before the failure>}},
  "partial": <the response as far as it got (optional)>}}
```

`events` and `events_before_error` count ConverseStream events of the six known types; frames
of an unknown event type are skipped and not counted. `message_contains` parts are matched
against the error's message; a list means every part. The error kinds: `exception`, an
exception frame in the stream; `decode`, bytes that are not valid event-stream frames;
`truncated_stream`, the body ended before `messageStop` or `metadata`; `invalid_tool_input`, a
finished tool call whose input is not JSON in a message that did not stop for `max_tokens`.

The runner (`conformance/src/converse_stream_suite.rs`) feeds each file through the event-stream
decoder, the event parser and the stream accumulator whole, one byte at a time and split into
two chunks at every position; all must give the same events and the same outcome, which must
then match the expectation.

## Our representations (not Bedrock's)

- **`truncatedToolUse`**: when `max_tokens` stops the model inside a tool call's JSON, Bedrock
  streams the fragments it had and stops for `max_tokens`; the input is not JSON. Our
  accumulator neither fails nor invents `{{}}` arguments: it returns the block as
  `{{"truncatedToolUse": {{"toolUseId", "name", "partialInput": <the JSON text received>}}}}`.
  No Converse response contains this member; `max_tokens_cuts_tool_input` expects it because
  it is what our client returns, and it is never sent back to Bedrock as a call.
- **`partial`**: the response as received so far. What has not arrived is shown as
  `"stopReason": ""`, usage `{{"inputTokens": 0, "outputTokens": 0, "totalTokens": 0}}` and
  `"metrics": {{"latencyMs": 0}}`; a text block with no text yet is left out; a tool call that
  had not finished, or whose input does not parse, is a `truncatedToolUse`.

## Scenarios

| scenario | outcome | events read (of frames) | bytes | content |
|---|---|---|---|---|
{rows}
"""

WRITTEN = []


def write(path, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    WRITTEN.append((path, len(data)))


def main():
    build_scenarios()
    # The decode-error expectation names both CRCs, as botocore and our decoder print them.
    data, expectation = STREAMS["corrupted_frame_crc"]
    expectation["error"]["message_contains"] = corrupt_crc_parts()
    _, botocore_error = botocore_read(data, len(data))
    for part in expectation["error"]["message_contains"]:
        if part not in botocore_error[1]:
            fail(f"corrupted_frame_crc: {part} is not in botocore's {botocore_error[1]!r}")

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    for name in sorted(STREAMS):
        write(OUT / name, STREAMS[name][0])
    expected = {
        "_comment": (
            "Generated by conformance/gen_converse_stream_vectors.py (see README.md). What a "
            "client must make of each ConverseStream body in this folder."
        ),
        "streams": {name: STREAMS[name][1] for name in sorted(STREAMS)},
    }
    write(OUT / "expected.json", json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
    write(
        OUT / "README.md",
        README_TEMPLATE.format(
            version=botocore.__version__,
            python=".".join(str(p) for p in sys.version_info[:3]),
            rows="\n".join(sorted(ROWS)),
        ),
    )

    root = OUT.parent.parent.parent
    for path, size in WRITTEN:
        print(f"wrote {path.relative_to(root)} ({size} bytes)")
    n_ok = sum(1 for _, e in STREAMS.values() if "response" in e)
    print(
        f"{len(STREAMS)} streams ({n_ok} success, {len(STREAMS) - n_ok} failure), botocore "
        f"{botocore.__version__}: every body read by botocore as the events meant, folded back "
        f"to the intended outcome"
    )


if __name__ == "__main__":
    main()
