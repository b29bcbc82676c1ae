#!/usr/bin/env python3
"""Generate AWS event-stream conformance vectors, cross-checked with botocore.

What it generates
-----------------
``conformance/vectors/eventstream/``, in the layout of the external suite
(``../shared/vectors/eventstream``):

  <case>          one raw input per case: one or more event-stream frames,
                  or deliberately broken bytes (no file extension)
  expected.json   {"vectors": {<case>: {"valid": ..., ...}}}: what a
                  conforming decoder must make of each file
  README.md       the layout, our extensions to it, and a table of the cases

Every frame is built here from the format description (bedrock-wire.md section
4) with ``struct`` and ``zlib.crc32``, independently of the Rust encoder, which
this script never calls. Then every file is cross-checked twice:

* with **botocore** (``botocore.eventstream.EventStreamBuffer``, an independent
  decoder). A valid vector must decode in botocore, whole and fed one byte at a
  time, to exactly the expected headers (in order, with the right Python types)
  and payloads, consuming every byte; otherwise the script fails. For an
  invalid vector the script records what botocore did in the ``"botocore"``
  field. botocore does not enforce every rule of the format: where it ACCEPTS a
  file that a conforming decoder must reject, the vector stays invalid and gets
  a ``"note"`` quoting the rule that makes it invalid.
* with a small **reference checker** written below from the format rules,
  which must name the same error kind as the vector's ``"error"`` field (and
  find no error in a valid vector). This guards against a vector that is broken
  in a different way than its name says.

The three Bedrock frames of bedrock-wire.md section 2 (already verified there
with botocore) are reproduced byte for byte by the builder, which the script
asserts.

Extensions to the external layout (the runner, conformance/src/eventstream_suite.rs,
understands them):

* ``"messages": [{"headers": [...], "payload_base64": "..."}, ...]`` instead of
  top-level ``headers`` / ``payload_base64``, for a file holding several frames;
* ``"error"``: the decoder error kind (``DecodeError::kind()``) an invalid
  input must fail with;
* ``"botocore"`` and ``"note"``: informational.

The output is deterministic (no randomness, no clock, fixed uuids and
timestamps) and the script is re-runnable: it deletes and rewrites
``conformance/vectors/eventstream/``.

How to run
----------
    python3 conformance/gen_eventstream_vectors.py

(from anywhere; needs only ``botocore``: ``pip install botocore``). It prints
every file it wrote.
"""

import base64
import json
import shutil
import struct
import sys
import uuid
import zlib
from pathlib import Path

import botocore
from botocore.eventstream import EventStreamBuffer

OUT = Path(__file__).resolve().parent / "vectors" / "eventstream"

PRELUDE_LEN = 12
MIN_MESSAGE_LEN = 16

# Wire type ids (bedrock-wire.md section 4) by the type names the vectors use.
TYPE_IDS = {
    "bool_true": 0,
    "bool_false": 1,
    "byte": 2,
    "short": 3,
    "int": 4,
    "long": 5,
    "bytes": 6,
    "string": 7,
    "timestamp": 8,
    "uuid": 9,
}
FIXED_FORMATS = {"byte": ">b", "short": ">h", "int": ">i", "long": ">q", "timestamp": ">q"}

# The verified frames of bedrock-wire.md section 2 (botocore EventStreamBuffer +
# EventStreamJSONParser).
REFERENCE_FRAMES = {
    "bedrock_message_start": "000000760000005296d5fade0b3a6576656e742d7479706507000c6d65737361676553746172740d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b22726f6c65223a22617373697374616e74227d6fa8c599",
    "bedrock_content_block_delta": "0000009400000057b4ab9aee0b3a6576656e742d74797065070011636f6e74656e74426c6f636b44656c74610d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700056576656e747b22636f6e74656e74426c6f636b496e646578223a302c2264656c7461223a7b2274657874223a224869227d7d1f944657",
    "bedrock_throttling_exception": "00000090000000618e91a9b70f3a657863657074696f6e2d747970650700137468726f74746c696e67457863657074696f6e0d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d74797065070009657863657074696f6e7b226d657373616765223a22546f6f206d616e79207265717565737473227de67f8005",
}

# A fixed uuid and instant, so that the output never changes.
FIXED_UUID = uuid.UUID("b79bc914-de21-4e13-b8b2-bc47e85b7f0b")
FIXED_TIMESTAMP_MS = 1_764_079_200_123  # 2025-11-25T14:00:00.123Z


# ---------------------------------------------------------------------------
# building frames (struct + zlib only)
# ---------------------------------------------------------------------------


def crc32(data):
    return zlib.crc32(data) & 0xFFFFFFFF


def header(name, type_name, value=None):
    """A header as (name, type name, value); `name` may be bytes for broken names."""
    return (name, type_name, value)


def encode_value(type_name, value):
    if type_name in ("bool_true", "bool_false"):
        return b""
    if type_name in FIXED_FORMATS:
        return struct.pack(FIXED_FORMATS[type_name], value)
    if type_name == "bytes":
        return struct.pack(">H", len(value)) + value
    if type_name == "string":
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        return struct.pack(">H", len(raw)) + raw
    if type_name == "uuid":
        return value.bytes
    raise ValueError(type_name)


def encode_header(h, type_id=None):
    name, type_name, value = h
    raw_name = name if isinstance(name, bytes) else name.encode("utf-8")
    tid = TYPE_IDS[type_name] if type_id is None else type_id
    return bytes([len(raw_name)]) + raw_name + bytes([tid]) + encode_value(type_name, value)


def encode_headers(headers):
    return b"".join(encode_header(h) for h in headers)


def build_frame(header_block, payload, *, total_length=None, headers_length=None,
                prelude_crc_xor=0, message_crc_xor=0):
    """One frame: prelude, header block, payload, message CRC.

    The length fields default to the true lengths; both CRCs are computed over
    the bytes as written (so a frame with overridden lengths is still
    CRC-correct) unless an xor mask deliberately corrupts them.
    """
    total = MIN_MESSAGE_LEN + len(header_block) + len(payload)
    prelude = struct.pack(
        ">II",
        total if total_length is None else total_length,
        len(header_block) if headers_length is None else headers_length,
    )
    prelude += struct.pack(">I", crc32(prelude) ^ prelude_crc_xor)
    body = prelude + header_block + payload
    return body + struct.pack(">I", crc32(body) ^ message_crc_xor)


def message_frame(headers, payload):
    return build_frame(encode_headers(headers), payload)


def json_payload(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event(event_type, body):
    """A Bedrock ConverseStream event (header order as in bedrock-wire.md section 2)."""
    headers = [
        header(":event-type", "string", event_type),
        header(":content-type", "string", "application/json"),
        header(":message-type", "string", "event"),
    ]
    return headers, json_payload(body)


def exception(exception_type, body):
    headers = [
        header(":exception-type", "string", exception_type),
        header(":content-type", "string", "application/json"),
        header(":message-type", "string", "exception"),
    ]
    return headers, json_payload(body)


# ---------------------------------------------------------------------------
# expected.json form of headers and messages
# ---------------------------------------------------------------------------


def json_header(h):
    name, type_name, value = h
    if type_name == "bool_true":
        out = True
    elif type_name == "bool_false":
        out = False
    elif type_name == "bytes":
        out = base64.b64encode(value).decode("ascii")
    elif type_name == "uuid":
        out = str(value)
    else:
        out = value
    return {"name": name, "type": type_name, "value": out}


def json_message(headers, payload):
    return {
        "headers": [json_header(h) for h in headers],
        "payload_base64": base64.b64encode(payload).decode("ascii"),
    }


def python_value(type_name, value):
    """What botocore's header parser yields for a header value."""
    if type_name == "bool_true":
        return True
    if type_name == "bool_false":
        return False
    if type_name == "uuid":
        return value.bytes
    return value


def python_type(type_name):
    return {
        "bool_true": bool, "bool_false": bool, "bytes": bytes, "string": str, "uuid": bytes,
    }.get(type_name, int)


# ---------------------------------------------------------------------------
# cross-check 1: botocore
# ---------------------------------------------------------------------------


def botocore_decode(data, *, bytewise=False):
    """Runs botocore over `data` as one complete input.

    Returns ("accepts", [message, ...]) when botocore decodes every byte, or
    ("rejects", reason) when it raises or leaves bytes it cannot decode
    (EventStreamBuffer has no end-of-input call; leftovers are what a
    truncated input looks like to it).
    """
    buf = EventStreamBuffer()
    messages = []
    chunks = [data[i:i + 1] for i in range(len(data))] if bytewise else [data]
    try:
        for chunk in chunks:
            buf.add_data(chunk)
            messages.extend(buf)
    except Exception as e:  # noqa: BLE001 - any botocore failure is a rejection
        # struct.error's bare name, "error", says nothing: qualify it.
        kind = "struct.error" if isinstance(e, struct.error) else type(e).__name__
        return "rejects", f"{kind}: {e}"
    consumed = sum(m.prelude.total_length for m in messages)
    if consumed != len(data):
        left = len(data) - consumed
        return "rejects", f"decodes {len(messages)} message(s) and leaves {left} byte(s) it cannot decode"
    return "accepts", messages


def assert_botocore_matches(name, data, expected):
    """Fails unless botocore decodes `data` to exactly `expected` [(headers, payload)]."""
    for bytewise in (False, True):
        verdict, result = botocore_decode(data, bytewise=bytewise)
        how = "byte by byte" if bytewise else "whole"
        if verdict != "accepts":
            sys.exit(f"{name}: botocore ({how}) rejects a valid vector: {result}")
        if len(result) != len(expected):
            sys.exit(f"{name}: botocore ({how}) decodes {len(result)} messages, expected {len(expected)}")
        for i, (message, (headers, payload)) in enumerate(zip(result, expected)):
            want = [(n, python_value(t, v)) for n, t, v in headers]
            got = list(message.headers.items())
            if got != want:
                sys.exit(f"{name}[{i}]: botocore ({how}) headers {got!r}, expected {want!r}")
            for (n, t, _), (_, v) in zip(headers, got):
                if type(v) is not python_type(t):
                    sys.exit(f"{name}[{i}]: botocore ({how}) gives {n!r} as {type(v).__name__}")
            if message.payload != payload:
                sys.exit(f"{name}[{i}]: botocore ({how}) payload {message.payload!r}, expected {payload!r}")


# ---------------------------------------------------------------------------
# cross-check 2: a reference checker written from the format rules
# ---------------------------------------------------------------------------


def reference_check(data):
    """The first rule `data` (one complete input) breaks, as a DecodeError kind, or None.

    Rules, in the order a streaming decoder meets them: prelude CRC, then
    total_length >= 16 and headers_length <= total_length - 16, then (frame
    complete) message CRC, then the header walk (name length >= 1, everything
    inside headers_length, UTF-8 names, type ids 0..9, UTF-8 string values),
    then unique names. An input that ends inside a frame is truncated.
    """
    offset = 0
    while offset < len(data):
        rest = data[offset:]
        if len(rest) < PRELUDE_LEN:
            return "truncated"
        total, headers_len, prelude_crc = struct.unpack(">III", rest[:PRELUDE_LEN])
        if crc32(rest[:8]) != prelude_crc:
            return "prelude_crc"
        if total < MIN_MESSAGE_LEN:
            return "total_length_too_small"
        if headers_len > total - MIN_MESSAGE_LEN:
            return "headers_length_too_large"
        if len(rest) < total:
            return "truncated"
        frame = rest[:total]
        if crc32(frame[:-4]) != struct.unpack(">I", frame[-4:])[0]:
            return "message_crc"
        block = frame[PRELUDE_LEN:PRELUDE_LEN + headers_len]
        names = []
        pos = 0
        while pos < len(block):
            name_len = block[pos]
            if name_len == 0:
                return "empty_header_name"
            name = block[pos + 1:pos + 1 + name_len]
            if len(name) < name_len:
                return "header_overrun"
            try:
                names.append(name.decode("utf-8"))
            except UnicodeDecodeError:
                return "header_name_not_utf8"
            pos += 1 + name_len
            if pos >= len(block):
                return "header_overrun"
            type_id = block[pos]
            pos += 1
            sizes = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
            if type_id in sizes:
                size = sizes[type_id]
            elif type_id in (6, 7):
                if pos + 2 > len(block):
                    return "header_overrun"
                size = 2 + struct.unpack(">H", block[pos:pos + 2])[0]
            else:
                return "unknown_header_type"
            if pos + size > len(block):
                return "header_overrun"
            if type_id == 7:
                try:
                    block[pos + 2:pos + size].decode("utf-8")
                except UnicodeDecodeError:
                    return "header_value_not_utf8"
            pos += size
        if len(set(names)) != len(names):
            return "duplicate_header"
        offset += total
    return None


# ---------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------

VECTORS = {}  # name -> (bytes, expected.json entry)
ROWS = []  # README table rows


def valid(name, summary, messages, data=None):
    """A valid vector: `messages` is [(headers, payload)]; the file is their frames."""
    built = b"".join(message_frame(h, p) for h, p in messages)
    if data is not None and data != built:
        sys.exit(f"{name}: the builder does not reproduce the reference frame")
    data = built
    kind = reference_check(data)
    if kind is not None:
        sys.exit(f"{name}: the reference checker rejects a valid vector ({kind})")
    assert_botocore_matches(name, data, messages)
    if len(messages) == 1:
        entry = {"valid": True, **json_message(*messages[0])}
    else:
        entry = {"valid": True, "messages": [json_message(h, p) for h, p in messages]}
    VECTORS[name] = (data, entry)
    ROWS.append(f"| `{name}` | valid | {len(data)} | {summary} | decodes the same |")


def invalid(name, summary, data, error, rule, *, crc_correct=False):
    """An invalid vector that must fail with `error` because of `rule` (quoted in notes)."""
    kind = reference_check(data)
    if kind != error:
        sys.exit(f"{name}: the reference checker says {kind}, the vector says {error}")
    if crc_correct:
        check_crcs_correct(name, data)
    verdict, result = botocore_decode(data)
    entry = {"valid": False, "error": error}
    if verdict == "accepts":
        described = "; ".join(
            f"headers {dict(m.headers)!r} payload {m.payload!r}" for m in result
        )
        entry["botocore"] = f"accepts: {described}"
        entry["note"] = f"botocore {botocore.__version__} accepts this; we reject it: {rule}"
        seen = "**accepts**"
    else:
        entry["botocore"] = f"rejects: {result}"
        seen = "rejects"
    VECTORS[name] = (data, entry)
    ROWS.append(f"| `{name}` | `{error}` | {len(data)} | {summary} | {seen} |")


def check_crcs_correct(name, data):
    """Asserts both CRCs of the (first) frame are right by the format's formulas."""
    total, _, prelude_crc = struct.unpack(">III", data[:PRELUDE_LEN])
    if crc32(data[:8]) != prelude_crc:
        sys.exit(f"{name}: prelude CRC is wrong")
    end = min(total, len(data))
    if end >= 8 and crc32(data[:end - 4]) != struct.unpack(">I", data[end - 4:end])[0]:
        sys.exit(f"{name}: message CRC is wrong")


def build_cases():
    # (1) The botocore-verified Bedrock frames of bedrock-wire.md section 2.
    start = event("messageStart", {"role": "assistant"})
    valid(
        "bedrock_message_start",
        "ConverseStream `messageStart` (bedrock-wire.md §2, byte for byte)",
        [start],
        bytes.fromhex(REFERENCE_FRAMES["bedrock_message_start"]),
    )
    valid(
        "bedrock_content_block_delta",
        "ConverseStream `contentBlockDelta` text \"Hi\" (bedrock-wire.md §2)",
        [event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}})],
        bytes.fromhex(REFERENCE_FRAMES["bedrock_content_block_delta"]),
    )
    valid(
        "bedrock_throttling_exception",
        "exception frame `throttlingException` (bedrock-wire.md §2)",
        [exception("throttlingException", {"message": "Too many requests"})],
        bytes.fromhex(REFERENCE_FRAMES["bedrock_throttling_exception"]),
    )

    # (2) A whole ConverseStream response body.
    stream = [
        start,
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hello"}}),
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": ", wörld"}}),
        event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "! ✓ 🦀\n"}}),
        event("contentBlockStop", {"contentBlockIndex": 0}),
        event("messageStop", {"stopReason": "end_turn"}),
        event(
            "metadata",
            {
                "usage": {"inputTokens": 12, "outputTokens": 9, "totalTokens": 21},
                "metrics": {"latencyMs": 418},
            },
        ),
    ]
    valid(
        "converse_stream_response",
        "7 frames: messageStart, 3 × contentBlockDelta (UTF-8 text), contentBlockStop, "
        "messageStop, metadata (usage, metrics)",
        stream,
    )

    # (3) Every header type, with edge values.
    valid(
        "all_header_types",
        "one header of each of the 10 types, extreme and negative values",
        [(
            [
                header("true", "bool_true"),
                header("false", "bool_false"),
                header("byte", "byte", -128),
                header("short", "short", -32768),
                header("int", "int", 2_147_483_647),
                header("long", "long", -9_223_372_036_854_775_808),
                header("bytes", "bytes", bytes([0x00, 0xFF, 0x80, 0x7F])),
                header("string", "string", "héllo ✓"),
                header("timestamp", "timestamp", FIXED_TIMESTAMP_MS),
                header("uuid", "uuid", FIXED_UUID),
            ],
            b"all types",
        )],
    )

    # (4) The smallest message.
    valid("empty_message", "16 bytes: no headers, empty payload", [([], b"")])

    # (5) A payload with an unknown padding member (Bedrock pads events like this).
    padding = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghij"
    valid(
        "padding_field_payload",
        "contentBlockDelta whose JSON carries an extra `\"p\"` padding member",
        [event(
            "contentBlockDelta",
            {"contentBlockIndex": 0, "delta": {"text": "Hi"}, "p": padding},
        )],
    )

    # More valid shapes.
    valid(
        "header_name_255_bytes",
        "a header name of the maximum 255 bytes",
        [([header("n" * 255, "string", "v")], b"")],
    )
    valid(
        "empty_string_and_bytes_values",
        "zero-length string and bytes header values",
        [([header("s", "string", ""), header("b", "bytes", b"")], b"{}")],
    )
    valid(
        "binary_payload",
        "a payload that is not UTF-8",
        [([header(":message-type", "string", "event")], bytes(range(0xF0, 0x100)) + b"\x00\xc3\x28")],
    )
    valid(
        "unmodeled_error_frame",
        "`:message-type` error with `:error-code` / `:error-message`, empty payload",
        [(
            [
                header(":message-type", "string", "error"),
                header(":error-code", "string", "InternalFailure"),
                header(":error-message", "string", "An internal error occurred"),
            ],
            b"",
        )],
    )

    # (6) CRC-correct but structurally invalid frames.
    event_type = header(":message-type", "string", "event")
    content_type = header(":content-type", "string", "application/json")
    payload = json_payload({"role": "assistant"})

    prelude = struct.pack(">II", 12, 0)
    invalid(
        "total_length_too_small",
        "total_length 12 (prelude only, whose CRC doubles as the message CRC)",
        prelude + struct.pack(">I", crc32(prelude)),
        "total_length_too_small",
        "a message is at least 16 bytes (prelude + message CRC)",
        crc_correct=True,
    )
    block = encode_headers([event_type])
    invalid(
        "headers_length_too_large",
        "headers_length reaches into the message CRC (total − 12)",
        build_frame(block, payload, headers_length=len(block) + len(payload) + 4),
        "headers_length_too_large",
        "headers_length must fit in total_length − 16",
        crc_correct=True,
    )
    block = encode_headers([event_type, content_type])
    invalid(
        "header_overrun_string_value",
        "headers_length ends 3 bytes before the last string value does",
        build_frame(block, payload, headers_length=len(block) - 3),
        "header_overrun",
        "a header must end inside headers_length (the header walk must end exactly there)",
        crc_correct=True,
    )
    block = encode_headers([event_type, header("n", "int", 7)])
    invalid(
        "header_overrun_fixed_value",
        "headers_length cuts an int32 value after 2 of its 4 bytes",
        build_frame(block, payload, headers_length=len(block) - 2),
        "header_overrun",
        "a header must end inside headers_length (the header walk must end exactly there)",
        crc_correct=True,
    )
    invalid(
        "header_overrun_single_byte_block",
        "a 1-byte header block: a name length with no name",
        build_frame(b"\x05", payload),
        "header_overrun",
        "a header must end inside headers_length (the header walk must end exactly there)",
        crc_correct=True,
    )
    invalid(
        "empty_header_name",
        "a header whose name length is 0",
        build_frame(encode_headers([event_type, header("", "string", "x")]), payload),
        "empty_header_name",
        "header names are 1..=255 bytes (SPEC-ES: a header name is at least 1 byte)",
        crc_correct=True,
    )
    invalid(
        "header_name_not_utf8",
        "a header name `c3 28` (invalid UTF-8)",
        build_frame(encode_headers([event_type, header(b"\xc3\x28", "string", "x")]), payload),
        "header_name_not_utf8",
        "header names are UTF-8",
        crc_correct=True,
    )
    invalid(
        "unknown_header_type",
        "type byte 10, the first one outside 0..=9",
        build_frame(
            encode_headers([event_type]) + encode_header(header("n", "int", 1), type_id=10),
            payload,
        ),
        "unknown_header_type",
        "header value types are 0..=9",
        crc_correct=True,
    )
    invalid(
        "header_value_not_utf8",
        "a string header value `ff fe` (invalid UTF-8)",
        build_frame(encode_headers([event_type, header("s", "string", b"\xff\xfe")]), payload),
        "header_value_not_utf8",
        "string header values are UTF-8",
        crc_correct=True,
    )
    invalid(
        "duplicate_header",
        "`:message-type` twice, with different values",
        build_frame(
            encode_headers([event_type, content_type, header(":message-type", "string", "exception")]),
            payload,
        ),
        "duplicate_header",
        "header names are unique in a message (SPEC-ES)",
        crc_correct=True,
    )

    # (7) CRC failures.
    good = message_frame(*start)
    invalid(
        "prelude_crc",
        "messageStart with one bit of the prelude CRC flipped (message CRC recomputed)",
        build_frame(encode_headers(start[0]), start[1], prelude_crc_xor=0x00000001),
        "prelude_crc",
        "the prelude CRC covers bytes 0..8",
    )
    invalid(
        "message_crc",
        "messageStart with the top bit of the message CRC flipped",
        build_frame(encode_headers(start[0]), start[1], message_crc_xor=0x80000000),
        "message_crc",
        "the message CRC covers bytes 0..total_length−4",
    )

    # (8) Truncated inputs: the file is one complete input, so an unfinished frame is an error.
    invalid(
        "truncated_in_prelude",
        "the first 7 bytes of messageStart",
        good[:7],
        "truncated",
        "the input ends inside a frame's prelude",
    )
    invalid(
        "truncated_in_payload",
        "messageStart without its last 10 bytes (ends inside the payload)",
        good[:-10],
        "truncated",
        "the input ends inside a frame",
    )
    invalid(
        "stray_bytes_after_frame",
        "a complete messageStart followed by 5 stray bytes",
        good + message_frame(*stream[1])[:5],
        "truncated",
        "bytes after the last frame are the start of an unfinished frame",
    )


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------

README_TEMPLATE = """\
# Event-stream conformance vectors

<!-- GENERATED by conformance/gen_eventstream_vectors.py: edit the script, not this file. -->

Raw `application/vnd.amazon.eventstream` inputs and what a conforming decoder must make of
them. Regenerate (it deletes and rewrites this folder) with:

    python3 conformance/gen_eventstream_vectors.py

Frames are built by the script from the format description (bedrock-wire.md §4) with Python's
`struct` and `zlib.crc32`, never with our Rust encoder. Every file is then cross-checked with
**botocore {version}** (Python {python}), `botocore.eventstream.EventStreamBuffer`: each valid
vector decodes in botocore, whole and one byte at a time, to exactly the expected headers and
payloads; for each invalid vector the `"botocore"` field records what botocore did. Each file is
also run through a small reference checker in the script, written from the format rules, which
must name the same error as the vector. The three `bedrock_*` frames are the botocore-verified
frames of bedrock-wire.md §2, reproduced byte for byte.

## Layout

The layout of the external suite (`../shared/vectors/eventstream`, from smithy-rs
`aws-smithy-eventstream/test_data`):

| file | content |
|---|---|
| `<case>` (no extension) | the raw bytes of one complete input: one or more frames, or broken bytes |
| `expected.json` | `{{"vectors": {{"<case>": {{...}}}}}}`, one entry per file (keys starting with `_` are comments) |

An entry has `"valid"` (boolean) and, for a valid file, `"headers"` (list of
`{{"name", "type", "value"}}` in wire order) and `"payload_base64"` (standard padded base64).
Header types: `bool_true`, `bool_false` (value `true` / `false`), `byte`, `short`, `int`,
`long` (JSON integers), `bytes` (standard padded base64), `string`, `timestamp` (integer
milliseconds since the Unix epoch), `uuid` (lowercase `8-4-4-4-12` text).

A file is **one complete input**: bytes left after the last frame, or a frame cut short, make it
invalid. The runner decodes it whole, one byte at a time and split into two chunks at every
position (each followed by the end of input) and requires the same result every time; a valid
file must also re-encode to the same bytes.

## Extensions (ours, not in the external suite)

| key | meaning |
|---|---|
| `"messages"` | instead of `"headers"` + `"payload_base64"`: a list of `{{"headers", "payload_base64"}}`, one per frame, for a file holding several frames |
| `"error"` | invalid vectors: the decoder error kind (`DecodeError::kind()`) the input must fail with |
| `"botocore"` | invalid vectors, informational: what botocore {version} did with the file |
| `"note"` | informational, printed by the runner: here, why we reject a file botocore accepts |

## Where botocore is more lenient

botocore's `EventStreamBuffer` checks both CRCs, duplicate names, UTF-8 and type ids, but not
every framing rule. The vectors marked **accepts** below are rejected by a conforming decoder
(the rule is quoted in each vector's `"note"`); botocore decodes them into something:

{lenient}

Some rejections are incidental rather than rule checks: botocore has no `headers_length` bound,
so `headers_length_too_large` fails there only because its header walk runs into the payload and
the CRC and then out of bytes (`struct.error`), and the `header_overrun_*` files it rejects fail
the same way. It does not know where the input ends either: the truncated files are counted as
rejected because bytes are left that it cannot decode.

## Cases

| case | expectation | bytes | content | botocore |
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
    build_cases()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    for name in sorted(VECTORS):
        write(OUT / name, VECTORS[name][0])
    expected = {
        "_comment": (
            "Generated by conformance/gen_eventstream_vectors.py (see README.md). What a "
            "conforming decoder must make of each file in this folder; 'error' is the "
            "DecodeError::kind() an invalid file must fail with."
        ),
        "vectors": {name: VECTORS[name][1] for name in sorted(VECTORS)},
    }
    write(OUT / "expected.json", json.dumps(expected, indent=2, ensure_ascii=False) + "\n")

    lenient = [
        f"- `{name}`: {entry['botocore']}"
        for name, (_, entry) in sorted(VECTORS.items())
        if entry.get("botocore", "").startswith("accepts")
    ]
    write(
        OUT / "README.md",
        README_TEMPLATE.format(
            version=botocore.__version__,
            python=".".join(str(p) for p in sys.version_info[:3]),
            lenient="\n".join(lenient) or "(none)",
            rows="\n".join(sorted(ROWS)),
        ),
    )

    root = OUT.parent.parent.parent
    for path, size in WRITTEN:
        print(f"wrote {path.relative_to(root)} ({size} bytes)")
    n_valid = sum(1 for _, e in VECTORS.values() if e["valid"])
    print(
        f"{len(VECTORS)} vectors ({n_valid} valid, {len(VECTORS) - n_valid} invalid), "
        f"botocore {botocore.__version__}: valid vectors decoded identically by botocore, "
        f"{len(lenient)} invalid vector(s) accepted by botocore (see README.md)"
    )


if __name__ == "__main__":
    main()
