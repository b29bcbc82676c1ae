#!/usr/bin/env python3
"""Cross-check the Converse vectors against botocore's bedrock-runtime service model.

    python3 conformance/check_converse_botocore.py [vectors-dir]

Needs only python3 and botocore (``pip install botocore``); no network, no credentials. Prints one
line per vector and a final count; exits 1 when any check fails.

``converse-request/*.json`` with an ``expected.body`` (the body our encoder must produce):

1. The body plus ``modelId`` (the catalog id for Converse; ``expected.model_id`` for
   ``"operation": "count_tokens"``) is turned into botocore parameters by walking the operation's
   input shape: every blob member (a base64 string in our JSON) must be canonical standard padded
   base64 and becomes bytes.
2. ``botocore.validate.validate_parameters`` against the ``Converse`` (or ``CountTokens``) input
   shape: member names, types, required members, unions with exactly one member, minimums.
3. What botocore's validator leaves out: enum values, maximum lengths / values and patterns
   (Smithy patterns are not anchored, so they are searched; ``modelId`` is skipped, it is ours).
4. Bedrock's cache-point rules, which the service model cannot express: at most 4 cachePoint
   blocks; their TTLs (absent = 5m) non-increasing in toolConfig → system → messages order
   (Bedrock rejects a longer TTL after a shorter one); none directly after a reasoningContent
   block.
5. botocore's rest-json serializer (``create_serializer('rest-json')``) serializes the parameters;
   the URL path must be ``/model/{modelId}/converse`` (``/count-tokens``) and the JSON body it
   writes must equal our expected body (blobs come out as botocore's own standard base64, so
   this also pins the base64 form byte for byte).

``converse-response/*.json``: the input ``body`` is parsed as an HTTP 200 Converse response by
botocore's rest-json response parser; the parsed structure (blobs re-encoded as base64) must give
back the body exactly, except for the members botocore does not model, which must be exactly the
case's ``unknown_wire_members`` (paths like ``usage.futureTokens`` or
``output.message.content[1].futureBlock``); the parsed structure (unknown union members removed)
must validate against the ``ConverseResponse`` shape, maximums included.

``errors/*.json``: the error response is parsed by botocore's rest-json parser; where our vector
expects an ``error_type`` botocore's ``Error.Code`` must be the same (same header > code > __type
precedence and sanitizing), else botocore's code must be the bare status; for a JSON body with a
message, botocore's ``Error.Message`` must equal ours. (An empty ``x-amzn-ErrorType`` header is the
one documented difference: botocore keeps the empty code, we fall back to the body.)
"""

import base64
import binascii
import json
import os
import re
import sys
import urllib.parse

import botocore
import botocore.parsers
import botocore.serialize
import botocore.session
import botocore.validate

HERE = os.path.dirname(os.path.abspath(__file__))


class Fail(Exception):
    pass


MODEL = botocore.session.get_session().get_service_model("bedrock-runtime")
OPS = {
    "converse": (MODEL.operation_model("Converse"), "converse"),
    "count_tokens": (MODEL.operation_model("CountTokens"), "count-tokens"),
}


def b64_to_bytes(value, path):
    if not isinstance(value, str):
        raise Fail(f"{path}: a blob must be a base64 string, got {type(value).__name__}")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise Fail(f"{path}: not standard base64: {e}") from None
    if base64.b64encode(raw).decode() != value:
        raise Fail(f"{path}: not canonical standard padded base64: {value!r}")
    return raw


def to_params(shape, value, path):
    """Our JSON → botocore parameters: blobs to bytes, everything else as is."""
    t = shape.type_name
    if t == "structure":
        if shape.is_document_type or not isinstance(value, dict):
            return value
        out = {}
        for k, v in value.items():
            member = shape.members.get(k)
            out[k] = to_params(member, v, f"{path}.{k}") if member is not None else v
        return out
    if t == "list" and isinstance(value, list):
        return [to_params(shape.member, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if t == "map" and isinstance(value, dict):
        return {k: to_params(shape.value, v, f"{path}.{k}") for k, v in value.items()}
    if t == "blob":
        return b64_to_bytes(value, path)
    return value


def extra_checks(shape, value, path, errors, enums=True):
    """Constraints botocore's validator does not check: enum, max, pattern."""
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        if shape.is_document_type or not isinstance(value, dict):
            return
        for k, v in value.items():
            if k in shape.members:
                extra_checks(shape.members[k], v, f"{path}.{k}", errors, enums)
        return
    if t == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} items, max {meta['max']}")
        for i, v in enumerate(value):
            extra_checks(shape.member, v, f"{path}[{i}]", errors, enums)
        return
    if t == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: {len(value)} entries, max {meta['max']}")
        for k, v in value.items():
            extra_checks(shape.key, k, f"{path} key {k!r}", errors, enums)
            extra_checks(shape.value, v, f"{path}.{k}", errors, enums)
        return
    if t == "string" and isinstance(value, str):
        if enums and shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {shape.enum}")
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: length {len(value)}, max {meta['max']}")
        if "pattern" in meta and path != "modelId" and not re.search(meta["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {meta['pattern']!r}")
        return
    if t in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "max" in meta and value > meta["max"]:
            errors.append(f"{path}: {value} above max {meta['max']}")
        if "min" in meta and value < meta["min"]:
            errors.append(f"{path}: {value} below min {meta['min']}")


TTL_RANK = {"5m": 0, "1h": 1}


def cache_point_rules(body):
    """Bedrock's cache-point rules over a Converse (or CountTokens' converse) body."""
    sequence = []  # (where, ttl) in the order Bedrock processes them
    for i, tool in enumerate(body.get("toolConfig", {}).get("tools", [])):
        if "cachePoint" in tool:
            sequence.append((f"toolConfig.tools[{i}]", tool["cachePoint"].get("ttl", "5m")))
    for i, block in enumerate(body.get("system", [])):
        if "cachePoint" in block:
            sequence.append((f"system[{i}]", block["cachePoint"].get("ttl", "5m")))
    problems = []
    for m, message in enumerate(body.get("messages", [])):
        content = message.get("content", [])
        for i, block in enumerate(content):
            if "cachePoint" not in block:
                continue
            where = f"messages[{m}].content[{i}]"
            sequence.append((where, block["cachePoint"].get("ttl", "5m")))
            if i > 0 and "reasoningContent" in content[i - 1]:
                problems.append(f"{where}: a cache point directly after reasoningContent")
    if len(sequence) > 4:
        problems.append(f"{len(sequence)} cache points, Bedrock allows 4")
    for (before, t1), (after, t2) in zip(sequence, sequence[1:]):
        if TTL_RANK.get(t2, 0) > TTL_RANK.get(t1, 0):
            problems.append(f"{after} (ttl {t2}) follows {before} (ttl {t1}): TTLs must not increase")
    return problems


def check_request(case):
    inp = case["input"]
    expected = case.get("expected")
    if not isinstance(expected, dict) or "body" not in expected:
        return None  # an error case: nothing to send
    operation = inp.get("operation", "converse")
    op, suffix = OPS[operation]
    model_id = expected["model_id"] if operation == "count_tokens" else inp["model"]
    body = expected["body"]
    if "modelId" in body:
        raise Fail("the body must not carry modelId (it is the URL label)")
    params = to_params(op.input_shape, body, "body")
    params["modelId"] = model_id
    try:
        botocore.validate.validate_parameters(params, op.input_shape)
    except botocore.exceptions.ParamValidationError as e:
        raise Fail(f"botocore validation: {' '.join(str(e).split())}") from None
    errors = []
    extra_checks(op.input_shape, params, "", errors)
    if errors:
        raise Fail("service-model constraints: " + "; ".join(e.lstrip(".") for e in errors))
    converse = body["input"]["converse"] if operation == "count_tokens" else body
    problems = cache_point_rules(converse)
    if problems:
        raise Fail("Bedrock cache-point rules: " + "; ".join(problems))
    serializer = botocore.serialize.create_serializer("rest-json", include_validation=False)
    request = serializer.serialize_to_request(params, op)
    want_path = f"/model/{urllib.parse.quote(model_id, safe='-._~')}/{suffix}"
    if request["url_path"] != want_path:
        raise Fail(f"url path {request['url_path']!r}, expected {want_path!r}")
    raw = request["body"]
    serialized = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    if serialized != body:
        raise Fail("botocore serializes a different body: ours "
                   + json.dumps(body, sort_keys=True) + " | botocore "
                   + json.dumps(serialized, sort_keys=True))
    return f"{op.name} valid, cache-point rules kept, serialized body identical"


UNKNOWN = object()


def from_parsed(shape, value):
    """botocore's parsed response → our JSON form (blobs base64); UNKNOWN for unknown unions."""
    t = shape.type_name
    if t == "structure":
        if shape.is_document_type:
            return value
        if isinstance(value, dict) and "SDK_UNKNOWN_MEMBER" in value and shape.is_tagged_union:
            return UNKNOWN
        out = {}
        for k, v in value.items():
            name = shape.members[k].serialization.get("name", k)
            out[name] = from_parsed(shape.members[k], v)
        return out
    if t == "list":
        return [from_parsed(shape.member, v) for v in value]
    if t == "map":
        return {k: from_parsed(shape.value, v) for k, v in value.items()}
    if t == "blob":
        return base64.b64encode(value).decode()
    return value


def diff(ours, theirs, path, dropped, changed):
    """Members of `ours` that botocore dropped, and values it read differently."""
    join = (lambda p, k: f"{p}.{k}" if p else k)
    if theirs is UNKNOWN:
        # An unknown union member: the path names the member.
        (key,) = ours.keys()
        dropped.append(join(path, key))
        return
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for k, v in ours.items():
            if k not in theirs:
                dropped.append(join(path, k))
            else:
                diff(v, theirs[k], join(path, k), dropped, changed)
        for k in theirs:
            if k not in ours:
                changed.append(f"{join(path, k)}: added by botocore")
        return
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            diff(a, b, f"{path}[{i}]", dropped, changed)
        return
    if ours != theirs or type(ours) is not type(theirs) and not (
            isinstance(ours, (int, float)) and isinstance(theirs, (int, float))):
        changed.append(f"{path}: ours {ours!r}, botocore {theirs!r}")


def strip_unknown(value):
    if isinstance(value, dict):
        return {k: strip_unknown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_unknown(v) for v in value
                if not (isinstance(v, dict) and "SDK_UNKNOWN_MEMBER" in v)]
    return value


def check_response(case):
    op = OPS["converse"][0]
    body = case["input"]["body"]
    response = {"status_code": 200, "headers": {"x-amzn-requestid": "req-check"},
                "body": json.dumps(body).encode("utf-8")}
    parsed = botocore.parsers.create_parser("rest-json").parse(response, op.output_shape)
    parsed.pop("ResponseMetadata", None)
    back = from_parsed(op.output_shape, parsed)
    dropped, changed = [], []
    diff(body, back, "", dropped, changed)
    if changed:
        raise Fail("botocore reads it differently: " + "; ".join(changed))
    allowed = sorted(case.get("unknown_wire_members", []))
    if sorted(dropped) != allowed:
        raise Fail(f"members botocore does not model: {sorted(dropped)}, the case lists {allowed}")
    clean = strip_unknown(parsed)
    try:
        botocore.validate.validate_parameters(clean, op.output_shape)
    except botocore.exceptions.ParamValidationError as e:
        raise Fail(f"not a valid ConverseResponse: {' '.join(str(e).split())}") from None
    errors = []
    # Enums are left out: a response may carry a value newer than the model (unknown stopReason).
    extra_checks(op.output_shape, clean, "", errors, enums=False)
    if errors:
        raise Fail("ConverseResponse constraints: " + "; ".join(e.lstrip(".") for e in errors))
    note = f", {len(dropped)} unknown member(s) dropped as listed" if dropped else ""
    return "parsed by botocore, valid ConverseResponse" + note


def check_error(case):
    inp, expected = case["input"], case["expected"]
    op = OPS["converse"][0]
    headers = {k.lower(): v for k, v in inp.get("headers", {}).items()}
    body = inp.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    else:
        raw = json.dumps(body).encode("utf-8")
    response = {"status_code": inp["status"], "headers": headers, "body": raw}
    parsed = botocore.parsers.create_parser("rest-json").parse(response, op.output_shape)
    code, message = parsed["Error"]["Code"], parsed["Error"]["Message"]
    if headers.get("x-amzn-errortype") == "":
        return f"botocore code {code!r} (empty header kept by botocore; we fall back to the body)"
    want = expected["error_type"] if expected["error_type"] is not None else str(inp["status"])
    if code != want:
        raise Fail(f"botocore's error code {code!r}, the vector expects {want!r}")
    if isinstance(body, dict) and ("message" in body or "Message" in body):
        if message != expected["message"]:
            raise Fail(f"botocore's message {message!r}, the vector expects {expected['message']!r}")
    return f"botocore code {code!r}"


SUITES = [("converse-request", check_request), ("converse-response", check_response),
          ("errors", check_error)]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "vectors")
    print(f"botocore {botocore.__version__}, bedrock-runtime {MODEL.api_version}")
    counts = {"ok": 0, "skip": 0, "FAIL": 0}
    for suite, check in SUITES:
        folder = os.path.join(root, suite)
        if not os.path.isdir(folder):
            print(f"FAIL  {suite}: no such folder {folder}")
            counts["FAIL"] += 1
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            label = f"{suite}/{name[:-5]}"
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    case = json.load(f)
                result = check(case)
            except Fail as e:
                counts["FAIL"] += 1
                print(f"FAIL  {label}: {e}")
                continue
            except Exception as e:  # a broken vector or an unexpected botocore answer
                counts["FAIL"] += 1
                print(f"FAIL  {label}: {type(e).__name__}: {' '.join(str(e).split())}")
                continue
            if result is None:
                counts["skip"] += 1
                print(f"skip  {label}: an error case, no body")
            else:
                counts["ok"] += 1
                print(f"ok    {label}: {result}")
    print(f"{counts['ok']} passed, {counts['FAIL']} failed, {counts['skip']} skipped (error cases)")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
