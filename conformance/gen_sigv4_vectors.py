#!/usr/bin/env python3
"""Generate Bedrock-shaped SigV4 conformance vectors with botocore.

What it generates
-----------------
One folder per case under ``conformance/vectors/sigv4/<case>/``, in the layout of
the AWS signing test suite (aws-c-auth ``tests/aws-signing-test-suite/v4``):

  context.json                    credentials, region, service, timestamp, expiry,
                                  plus our extension ``"double_uri_encode": true``
  request.txt                     the UNSIGNED request as raw HTTP/1.1 text
  header-canonical-request.txt    botocore SigV4Auth canonical request
  header-string-to-sign.txt       botocore SigV4Auth string to sign
  header-signature.txt            hex signature
  header-signed-request.txt       the request with the headers botocore added
  query-*.txt                     same four stages for botocore SigV4QueryAuth
                                  (presigned URL), only for requests without a
                                  body where the presign signs exactly the
                                  headers of request.txt
  api-key.txt                     (bedrock-api-key* cases only) the short-term
                                  Bedrock API key, built exactly like
                                  aws-bedrock-token-generator-python does

plus ``conformance/vectors/sigv4/README.md`` (also generated: it records the
botocore version used).

All expectations come from botocore, an implementation independent of our Rust
signer (which this script never calls). The clock is frozen by patching
``botocore.auth.get_current_datetime`` and the real ``add_auth`` is run; the
canonical request / string to sign / signature are captured from inside that
call, so they are exactly what ``add_auth`` produced. Every signature is then
re-computed independently with hashlib/hmac from the string to sign, and the
two reference signatures of /work/shared/reference/bedrock-wire.md section 5
are asserted.

The output is deterministic (fixed timestamps, fixed credentials, bodies and
session tokens derived from fixed seeds, no uuids) and the script is re-runnable:
it deletes and rewrites ``conformance/vectors/sigv4/``.

How to run
----------
    python3 conformance/gen_sigv4_vectors.py

(from the repository root; needs only ``botocore``: ``pip install botocore``).
It prints every file it wrote.
"""

import base64
import datetime
import hashlib
import hmac
import json
import shutil
import sys
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
import botocore.serialize
import botocore.session
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

OUT = Path(__file__).resolve().parent / "vectors" / "sigv4"

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TIMESTAMP = "2015-08-30T12:36:00Z"
# A second, deliberately awkward instant (leap day, one second before midnight)
# so that runners don't get away with a hard-coded date.
TIMESTAMP_LEAP = "2024-02-29T23:59:59Z"

# Reference signatures from bedrock-wire.md section 5.
REF_SIG_ARN = "35151d1cfdaa4a94c8702242d53b4cb6d33d27fa6b2d262b436803612d6de2ac"
REF_SIG_ARN_TOKEN = "bd40abc907f31d65fdaf03739896db4d8e845e9f29ca709b162c142143a06ca3"

API_KEY_EXPIRES = 43200


# ---------------------------------------------------------------------------
# botocore signers that record the stages add_auth computes
# ---------------------------------------------------------------------------


class _Recorder:
    """Mixin: remember what add_auth computed at each stage."""

    def canonical_request(self, request):
        value = super().canonical_request(request)
        self.recorded_canonical_request = value
        return value

    def string_to_sign(self, request, canonical_request):
        value = super().string_to_sign(request, canonical_request)
        self.recorded_string_to_sign = value
        return value

    def signature(self, string_to_sign, request):
        value = super().signature(string_to_sign, request)
        self.recorded_signature = value
        return value


class RecordingSigV4Auth(_Recorder, SigV4Auth):
    pass


class RecordingSigV4QueryAuth(_Recorder, SigV4QueryAuth):
    pass


def frozen_clock(iso_timestamp):
    """Patch botocore's clock (auth.py reads botocore.compat.get_current_datetime)."""
    fixed = datetime.datetime.strptime(iso_timestamp, "%Y-%m-%dT%H:%M:%SZ")
    return mock.patch.object(
        botocore.auth, "get_current_datetime", lambda *args, **kwargs: fixed
    )


def amz_date(iso_timestamp):
    return iso_timestamp.replace("-", "").replace(":", "")


# ---------------------------------------------------------------------------
# independent re-computation (hashlib/hmac only)
# ---------------------------------------------------------------------------


def independent_signature(secret, string_to_sign, region, service):
    lines = string_to_sign.split("\n")
    date = lines[2].split("/")[0]

    def mac(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    k_date = mac(("AWS4" + secret).encode("utf-8"), date)
    k_region = mac(k_date, region)
    k_service = mac(k_region, service)
    k_signing = mac(k_service, "aws4_request")
    return hmac.new(
        k_signing, string_to_sign.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def check_stages(case, signer, creq, sts, sig, body):
    ts = amz_date(case["timestamp"])
    scope = f"{ts[:8]}/{case['region']}/{case['service']}/aws4_request"
    sts_lines = sts.split("\n")
    assert sts_lines[0] == "AWS4-HMAC-SHA256", sts
    assert sts_lines[1] == ts, (sts_lines[1], ts)
    assert sts_lines[2] == scope, (sts_lines[2], scope)
    assert sts_lines[3] == hashlib.sha256(creq.encode("utf-8")).hexdigest()
    # Payload hash: botocore hashes the body (https, payload signing on).
    assert creq.split("\n")[-1] == hashlib.sha256(body).hexdigest(), case["name"]
    assert sig == independent_signature(
        SECRET, sts, case["region"], case["service"]
    ), case["name"]
    assert signer.recorded_signature == sig


# ---------------------------------------------------------------------------
# raw HTTP/1.1 text (suite format: "Name:value" lines, LF)
# ---------------------------------------------------------------------------


def render_unsigned(method, target, headers, body):
    """request.txt as the suite writes it: no body -> ends after the last
    header line's "\\n"; with a body -> head + "\\n\\n" + body (no newline after)."""
    head = f"{method} {target} HTTP/1.1\n" + "".join(
        f"{name}:{value}\n" for name, value in headers
    )
    head = head.encode("utf-8")
    if body:
        return head + b"\n" + body
    return head


def render_signed(method, target, headers, body):
    """*-signed-request.txt as the suite writes it: head + "\\n\\n" + body
    (so a body-less request ends with an empty line)."""
    head = f"{method} {target} HTTP/1.1\n" + "".join(
        f"{name}:{value}\n" for name, value in headers
    )
    return head.encode("utf-8") + b"\n" + body


def parse_request(raw):
    """Parse request.txt back, so that botocore signs exactly what was written."""
    if b"\n\n" in raw:
        head, body = raw.split(b"\n\n", 1)
    else:
        head, body = raw.rstrip(b"\n"), b""
    lines = head.decode("utf-8").split("\n")
    method, target, version = lines[0].split(" ")
    assert version == "HTTP/1.1"
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value))
    return method, target, headers, body


def target_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def build_request(method, target, headers, body):
    host = [v for n, v in headers if n.lower() == "host"]
    assert len(host) == 1, headers
    request = AWSRequest(method=method, url=f"https://{host[0]}{target}", data=body)
    # AWSRequest.headers is an email.message-based HTTPHeaders: assignment
    # APPENDS, so repeated names are kept in order.
    for name, value in headers:
        request.headers[name] = value
    return request


def credentials_for(case):
    return Credentials(AKID, SECRET, case.get("token"))


# ---------------------------------------------------------------------------
# botocore serializer (request path + body exactly as botocore builds them)
# ---------------------------------------------------------------------------

_SESSION = botocore.session.get_session()
_RUNTIME = _SESSION.get_service_model("bedrock-runtime")
_SERIALIZER = botocore.serialize.create_serializer("rest-json", include_validation=True)

OP_SUFFIX = {
    "Converse": "converse",
    "ConverseStream": "converse-stream",
    "CountTokens": "count-tokens",
}


def runtime_request(operation, params):
    """(path, body) as botocore's rest-json serializer produces them."""
    op = _RUNTIME.operation_model(operation)
    serialized = _SERIALIZER.serialize_to_request(params, op)
    assert serialized["method"] == "POST"
    assert serialized["query_string"] == {}
    assert serialized["headers"] == {"Content-Type": "application/json"}
    path = serialized["url_path"]
    # Cross-check the label encoding rule (utils.percent_encode, safe "-._~").
    expected = f"/model/{percent_encode(params['modelId'])}/{OP_SUFFIX[operation]}"
    assert path == expected, (path, expected)
    return path, serialized["body"]


# ---------------------------------------------------------------------------
# deterministic inputs
# ---------------------------------------------------------------------------

HELLO = {"messages": [{"role": "user", "content": [{"text": "Hello"}]}]}


def sts_like_session_token():
    """A long STS-looking token containing '/', '+' and '=' (deterministic)."""
    raw = b"".join(
        hashlib.sha256(f"bedrock-sigv4-vector-session-token-{i}".encode()).digest()
        for i in range(22)
    )[:700]  # 700 % 3 == 1 -> "==" padding
    token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ" + base64.b64encode(
        raw
    ).decode("ascii")
    for ch in "/+=":
        assert ch in token, ch
    return token


STS_TOKEN = sts_like_session_token()


def unicode_body():
    """Raw UTF-8 and \\u escapes mixed in one JSON document."""
    text = (
        '{"messages": [{"role": "user", "content": ['
        '{"text": "Crab \U0001F980 and caf\u00e9 and cafe\u0301 (combining acute)"}, '
        '{"text": "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \u4e2d\u6587 \ud55c\uad6d\uc5b4"}, '
        '{"text": "escaped: \\u00e9 \\ud83e\\udd80 \\u65e5\\u672c \\" \\\\ \\/ \\n\\t"}, '
        '{"text": "Zalgo: Z\u0351\u036b\u0343a\u0310\u0363l\u0357g\u0310o\u0352 '
        'RTL: \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 '
        'flags: \U0001F1FA\U0001F1F8 ZWJ: \U0001F469\u200D\U0001F4BB"}'
        "]}], "
        '"system": [{"text": "R\u00e9ponds en fran\u00e7ais \u2014 \u00ab merci \u00bb"}]}'
    )
    body = text.encode("utf-8")
    parsed = json.loads(body)  # valid JSON
    assert any(b >= 0x80 for b in body)
    assert "\U0001F980" in parsed["messages"][0]["content"][2]["text"]
    return body


def large_params():
    """Converse params whose botocore-serialized body is ~64 KiB."""
    words = (
        "bedrock converse signer canonical request payload hash region scope "
        "credential session token header value stream event frame chunk"
    ).split()
    blocks = []
    i = 0
    while True:
        digest = hashlib.sha256(f"large-body-{i}".encode()).hexdigest()
        sentence = " ".join(words[(i * 7 + k) % len(words)] for k in range(24))
        blocks.append({"text": f"Paragraph {i} [{digest}]: {sentence}."})
        params = {
            "modelId": "anthropic.claude-3-5-haiku-20241022-v1:0",
            "messages": [{"role": "user", "content": blocks}],
            "system": [{"text": "Summarize the paragraphs."}],
            "inferenceConfig": {"maxTokens": 1024, "temperature": 0.5},
        }
        size = len(runtime_request("Converse", params)[1])
        if size >= 64 * 1024:
            return params
        i += 1


def responses_body():
    body = {
        "model": "openai.gpt-5.4",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Hello"}]}
        ],
        "max_output_tokens": 1024,
        "store": False,
        "stream": True,
    }
    return json.dumps(body).encode("utf-8")


# ---------------------------------------------------------------------------
# the cases
# ---------------------------------------------------------------------------


def runtime_host(region, fips=False):
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"bedrock-runtime{'-fips' if fips else ''}.{region}.{suffix}"


def converse_case(name, summary, region, model_id, operation="Converse", **extra):
    params = extra.pop("params", None) or {"modelId": model_id, **HELLO}
    path, body = runtime_request(operation, params)
    host = extra.pop("host", None) or runtime_host(region)
    headers = extra.pop("headers", None) or [
        ("Content-Type", "application/json"),
        ("Host", host),
    ]
    case = {
        "name": name,
        "summary": summary,
        "region": region,
        "service": "bedrock",
        "timestamp": TIMESTAMP,
        "expires": 3600,
        "method": "POST",
        "target": path,
        "headers": headers,
        "body": extra.pop("body", body),
    }
    case.update(extra)
    return case


def cases():
    arn_profile = (
        "arn:aws:bedrock:us-west-2:123456789012:inference-profile/"
        "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    )
    arn_app = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc:def"
    haiku = "anthropic.claude-3-5-haiku-20241022-v1:0"
    out = [
        converse_case(
            "converse-model-id-colon",
            "Converse, plain model id with `:` (`%3A` on the wire, `%253A` canonical)",
            "us-east-1",
            haiku,
        ),
        converse_case(
            "converse-stream-cross-region-profile",
            "ConverseStream on the cross-region inference profile id `us.anthropic.claude-haiku-4-5-20251001-v1:0`",
            "us-east-2",
            "us.anthropic.claude-haiku-4-5-20251001-v1:0",
            operation="ConverseStream",
        ),
        converse_case(
            "converse-inference-profile-arn",
            "Converse on an inference-profile ARN (`:`, `/`); reference signature of bedrock-wire.md §5",
            "us-west-2",
            arn_profile,
            expect_signature=REF_SIG_ARN,
        ),
        converse_case(
            "converse-inference-profile-arn-session-token",
            "Same as converse-inference-profile-arn with session token `SESSIONTOKEN`; reference signature of §5",
            "us-west-2",
            arn_profile,
            token="SESSIONTOKEN",
            expect_signature=REF_SIG_ARN_TOKEN,
        ),
        converse_case(
            "converse-application-inference-profile-arn",
            "Converse on an application-inference-profile ARN whose resource part contains `/` and `:`",
            "us-east-1",
            arn_app,
        ),
        converse_case(
            "converse-govcloud",
            "GovCloud region us-gov-west-1 (scope region us-gov-west-1, service bedrock)",
            "us-gov-west-1",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
        ),
        converse_case(
            "converse-china",
            "China region cn-north-1, host under amazonaws.com.cn",
            "cn-north-1",
            haiku,
        ),
        converse_case(
            "converse-fips",
            "FIPS host bedrock-runtime-fips.us-east-1.amazonaws.com (still signs service bedrock, region us-east-1)",
            "us-east-1",
            haiku,
            host=runtime_host("us-east-1", fips=True),
        ),
        converse_case(
            "converse-long-session-token",
            "Long STS-like session token containing `/`, `+` and `=`; leap-day timestamp 2024-02-29T23:59:59Z",
            "eu-west-1",
            "eu.anthropic.claude-3-5-haiku-20241022-v1:0",
            token=STS_TOKEN,
            timestamp=TIMESTAMP_LEAP,
        ),
        converse_case(
            "converse-unicode-body",
            "Body with raw UTF-8 (emoji, CJK, Hangul, RTL, combining marks, ZWJ) and `\\u` escapes",
            "us-east-1",
            haiku,
            body=unicode_body(),
        ),
        converse_case(
            "converse-large-body",
            "~64 KiB JSON body (botocore-serialized, deterministic)",
            "us-east-1",
            haiku,
            params=large_params(),
        ),
        converse_case(
            "converse-duplicate-headers",
            "Repeated header name (3 times, different case, interleaved with another header) and "
            "values with leading/trailing/inner runs of spaces",
            "us-east-1",
            haiku,
            headers=[
                ("Content-Type", "application/json"),
                ("Host", runtime_host("us-east-1")),
                ("X-Custom", "second"),
                ("X-Custom2", "   a   b    c  "),
                ("x-custom", "  first  value "),
                ("X-Custom", "third"),
            ],
        ),
        converse_case(
            "converse-header-value-tab",
            "Header value with a TAB among inner whitespace: botocore (`' '.join(v.split())`) "
            "collapses tabs too; implementations that collapse only spaces differ here",
            "us-east-1",
            haiku,
            headers=[
                ("Content-Type", "application/json"),
                ("Host", runtime_host("us-east-1")),
                ("X-Custom2", "   a   b\t c  "),
            ],
        ),
        converse_case(
            "count-tokens",
            "CountTokens (`/model/{id}/count-tokens`, body `{\"input\": {\"converse\": …}}`)",
            "us-east-1",
            haiku,
            operation="CountTokens",
            params={"modelId": haiku, "input": {"converse": HELLO}},
        ),
        {
            "name": "mantle-responses",
            "summary": "bedrock-mantle OpenAI Responses API, signing name `bedrock-mantle`",
            "region": "us-east-1",
            "service": "bedrock-mantle",
            "timestamp": TIMESTAMP,
            "expires": 3600,
            "method": "POST",
            "target": "/openai/v1/responses",
            "headers": [
                ("Content-Type", "application/json"),
                ("Host", "bedrock-mantle.us-east-1.api.aws"),
            ],
            "body": responses_body(),
        },
        {
            "name": "mantle-list-models",
            "summary": "GET /v1/models on bedrock-mantle, Host only, no body (has query-* presign files too)",
            "region": "us-east-2",
            "service": "bedrock-mantle",
            "timestamp": TIMESTAMP,
            "expires": 3600,
            "method": "GET",
            "target": "/v1/models",
            "headers": [("Host", "bedrock-mantle.us-east-2.api.aws")],
            "body": b"",
        },
        api_key_case(
            "bedrock-api-key",
            "Short-term Bedrock API key (presign of POST /?Action=CallWithBearerToken, 12 h), no session token",
            "us-west-2",
            None,
            TIMESTAMP,
        ),
        api_key_case(
            "bedrock-api-key-session-token",
            "Short-term Bedrock API key from session credentials (STS-like token with `/`, `+`, `=`), leap-day timestamp",
            "us-east-1",
            STS_TOKEN,
            TIMESTAMP_LEAP,
        ),
    ]
    names = [c["name"] for c in out]
    assert len(names) == len(set(names)), names
    return out


def api_key_case(name, summary, region, token, timestamp):
    return {
        "name": name,
        "summary": summary,
        "region": region,
        "service": "bedrock",
        "timestamp": timestamp,
        "expires": API_KEY_EXPIRES,
        "token": token,
        "method": "POST",
        "target": "/?Action=CallWithBearerToken",
        "headers": [("Host", "bedrock.amazonaws.com")],
        "body": b"",
        "api_key": True,
    }


# ---------------------------------------------------------------------------
# signing
# ---------------------------------------------------------------------------


def sign_header(case, parsed):
    method, target, headers, body = parsed
    request = build_request(method, target, headers, body)
    signer = RecordingSigV4Auth(credentials_for(case), case["service"], case["region"])
    with frozen_clock(case["timestamp"]):
        signer.add_auth(request)
    creq = signer.recorded_canonical_request
    sts = signer.recorded_string_to_sign
    sig = signer.recorded_signature
    check_stages(case, signer, creq, sts, sig, body)

    # add_auth must not have touched the URL, and must have added exactly
    # X-Amz-Date [, X-Amz-Security-Token], Authorization after the originals.
    assert request.url == f"https://{dict((n.lower(), v) for n, v in headers)['host']}{target}"
    signed_headers = list(request.headers.items())
    assert signed_headers[: len(headers)] == headers, (signed_headers, headers)
    added = [n for n, _ in signed_headers[len(headers):]]
    expected_added = ["X-Amz-Date"] + (["X-Amz-Security-Token"] if case.get("token") else []) + [
        "Authorization"
    ]
    assert added == expected_added, added
    assert request.headers["X-Amz-Date"] == amz_date(case["timestamp"])
    signed_names = creq.split("\n")[-2]
    ts = amz_date(case["timestamp"])
    assert request.headers["Authorization"] == (
        f"AWS4-HMAC-SHA256 Credential={AKID}/{ts[:8]}/{case['region']}/{case['service']}/aws4_request, "
        f"SignedHeaders={signed_names}, Signature={sig}"
    )
    if "expect_signature" in case:
        assert sig == case["expect_signature"], (case["name"], sig)
    signed = render_signed(method, target, signed_headers, body)
    return creq, sts, sig, signed


def query_eligible(parsed):
    """botocore's SigV4QueryAuth moves a body into the query string (parsing it
    as JSON / form data), so only body-less requests give a meaningful presign."""
    _, _, _, body = parsed
    return not body


def sign_query(case, parsed):
    method, target, headers, body = parsed
    request = build_request(method, target, headers, body)
    signer = RecordingSigV4QueryAuth(
        credentials_for(case), case["service"], case["region"], expires=case["expires"]
    )
    with frozen_clock(case["timestamp"]):
        signer.add_auth(request)
    creq = signer.recorded_canonical_request
    sts = signer.recorded_string_to_sign
    sig = signer.recorded_signature
    check_stages(case, signer, creq, sts, sig, body)
    # Only keep the presign if it signs exactly the headers of request.txt and
    # left the headers alone.
    signed_names = creq.split("\n")[-2].split(";")
    if sorted(signed_names) != sorted({n.lower() for n, _ in headers}):
        return None
    if list(request.headers.items()) != headers:
        return None
    assert request.url.endswith(f"&X-Amz-Signature={sig}")
    signed = render_signed(method, target_of(request.url), headers, body)
    return creq, sts, sig, signed, request.url


def bedrock_api_key(case):
    """Exactly the aws-bedrock-token-generator algorithm, at a frozen time."""
    request = AWSRequest(
        method="POST",
        url="https://bedrock.amazonaws.com/",
        headers={"host": "bedrock.amazonaws.com"},
        params={"Action": "CallWithBearerToken"},
    )
    auth = SigV4QueryAuth(credentials_for(case), "bedrock", case["region"], expires=API_KEY_EXPIRES)
    with frozen_clock(case["timestamp"]):
        auth.add_auth(request)
    presigned = request.url.replace("https://", "") + "&Version=1"
    key = "bedrock-api-key-" + base64.b64encode(presigned.encode("utf-8")).decode("utf-8")
    return key, request.url


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------

WRITTEN = []


def write(path, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    WRITTEN.append((path, len(data)))


def context_json(case):
    credentials = {"access_key_id": AKID, "secret_access_key": SECRET}
    if case.get("token"):
        credentials["token"] = case["token"]
    context = {
        "credentials": credentials,
        "expiration_in_seconds": case["expires"],
        "normalize": True,
        "region": case["region"],
        "service": case["service"],
        "sign_body": False,
        "timestamp": case["timestamp"],
        "double_uri_encode": True,
    }
    return json.dumps(context, indent=4) + "\n"


def generate_case(case):
    folder = OUT / case["name"]
    raw = render_unsigned(case["method"], case["target"], case["headers"], case["body"])
    parsed = parse_request(raw)
    assert parsed == (case["method"], case["target"], case["headers"], case["body"]), case["name"]

    write(folder / "context.json", context_json(case))
    write(folder / "request.txt", raw)

    creq, sts, sig, signed = sign_header(case, parsed)
    write(folder / "header-canonical-request.txt", creq)
    write(folder / "header-string-to-sign.txt", sts)
    write(folder / "header-signature.txt", sig)
    write(folder / "header-signed-request.txt", signed)

    has_query = False
    if query_eligible(parsed):
        result = sign_query(case, parsed)
        if result is not None:
            has_query = True
            qcreq, qsts, qsig, qsigned, qurl = result
            write(folder / "query-canonical-request.txt", qcreq)
            write(folder / "query-string-to-sign.txt", qsts)
            write(folder / "query-signature.txt", qsig)
            write(folder / "query-signed-request.txt", qsigned)

    if case.get("api_key"):
        key, key_url = bedrock_api_key(case)
        assert has_query, case["name"]
        # The key is the base64 of the very presign written in query-*.
        assert key_url == qurl, (key_url, qurl)
        decoded = base64.b64decode(key[len("bedrock-api-key-"):]).decode("utf-8")
        assert decoded == qurl[len("https://"):] + "&Version=1"
        assert f"X-Amz-Expires={API_KEY_EXPIRES}&" in decoded
        assert f"X-Amz-Signature={qsig}&Version=1" in decoded
        write(folder / "api-key.txt", key)
    return has_query


README_TEMPLATE = """\
# Bedrock SigV4 conformance vectors

<!-- GENERATED by conformance/gen_sigv4_vectors.py: edit the script, not this file. -->

Expected values come from **botocore {version}** (Python {python}), an implementation
independent of our signer. Regenerate (it deletes and rewrites this folder) with:

    python3 conformance/gen_sigv4_vectors.py

The clock is frozen by patching `botocore.auth.get_current_datetime`; the canonical request,
string to sign and signature are captured from inside botocore's real `add_auth`, and each
signature is re-computed with hashlib/hmac. `converse-inference-profile-arn*` reproduce the
reference signatures of `bedrock-wire.md` §5.

## Layout

Same as the AWS signing test suite (`aws-signing-test-suite/v4/<case>/`). Per case folder:

| file | content |
|---|---|
| `context.json` | `credentials` {{`access_key_id`, `secret_access_key`, `token`?}}, `expiration_in_seconds`, `normalize` (always true), `region`, `service`, `sign_body` (always false: no `x-amz-content-sha256` header), `timestamp` (ISO-8601 `Z`), **`double_uri_encode`** (always true, see below). Ends with `\\n`. |
| `request.txt` | the unsigned request, raw HTTP/1.1 text (below) |
| `header-canonical-request.txt` | canonical request of header signing (`SigV4Auth`) |
| `header-string-to-sign.txt` | string to sign |
| `header-signature.txt` | lowercase hex signature |
| `header-signed-request.txt` | the request after `add_auth` |
| `query-*.txt` | the same four for presigning (`SigV4QueryAuth`, `X-Amz-Expires` = `expiration_in_seconds`); only in cases without a body, see below |
| `api-key.txt` | `bedrock-api-key*` cases only: the short-term Bedrock API key |

### Text formats (exact bytes)

- Lines are separated by `\\n` (LF) everywhere; no CR anywhere.
- `*-canonical-request.txt`, `*-string-to-sign.txt`, `*-signature.txt`, `api-key.txt`: no trailing newline.
- `request.txt`: request line `METHOD TARGET HTTP/1.1`, then one `Name:value` line per header (no space
  after the colon; the value is raw, so it may start or end with spaces/tabs), in sending order, repeated
  names on separate lines. With a body: `\\n` (empty line) and then the body bytes, no newline after
  them. Without a body the file ends right after the last header line's `\\n` (as in the AWS suite).
  TARGET is the wire path (+ `?query`), already percent-encoded exactly as botocore's rest-json serializer
  encodes the `modelId` label (`utils.percent_encode`, safe `-._~`: `:` → `%3A`, `/` → `%2F`).
  The body is UTF-8 JSON. There is no `Content-Length` header: botocore adds it after signing, so it is
  not signed (runners must not add headers before signing either).
- `*-signed-request.txt`: same, but always `head` + `\\n` + body, so a body-less request ends with
  an empty line (`...\\n\\n`), as in the AWS suite. Header order is botocore's: the headers of
  `request.txt` in their order, then `X-Amz-Date`, then `X-Amz-Security-Token` (session credentials),
  then `Authorization`. (The AWS suite puts `X-Amz-Security-Token` before `X-Amz-Date`; compare signed
  requests as header multisets, or per name in order.)
- `query-signed-request.txt`: the target is botocore's presigned URL path + query. botocore orders the
  query as: the request's own parameters, then `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
  `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Security-Token`?, `X-Amz-Signature` (the AWS suite puts
  `X-Amz-SignedHeaders` before `X-Amz-Expires`). Query values are encoded with safe set `-_.~`
  (`/` → `%2F`, `+` → `%2B`, `=` → `%3D`, `;` → `%3B`). The canonical query string is sorted.

### `double_uri_encode` (our extension)

Bedrock, like every AWS service except S3, signs the canonical URI **double-encoded**: the wire path
`/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse` becomes
`/model/anthropic.claude-3-5-haiku-20241022-v1%253A0/converse` (botocore: `quote(normalize(path),
safe='/~')` on the already-encoded path). Every vector here sets `"double_uri_encode": true`. When the
field is absent, the runner picks the mode from the case's `service` as the SDKs do: double for every
service but `s3`, single for `s3`; so botocore-signed Bedrock vectors pass without it. The AWS suite's
cases (service `service`) all agree with that rule except `get-space-normalized`, which expects an
existing `%20` kept; the runner skips it and prints why.

### `api-key.txt`

The short-term Bedrock API key that `aws-bedrock-token-generator-python` produces, at the case's frozen
time: `AWSRequest(method="POST", url="https://bedrock.amazonaws.com/", headers={{"host":
"bedrock.amazonaws.com"}}, params={{"Action": "CallWithBearerToken"}})`, presigned with
`SigV4QueryAuth(credentials, "bedrock", region, expires=43200)`; then
`"bedrock-api-key-" + base64(url without "https://" + "&Version=1")` (standard alphabet, padded).
The presign is the same one recorded in that case's `query-*` files (the script asserts the URLs are
identical), so `query-signed-request.txt`'s target, prefixed by `bedrock.amazonaws.com` and suffixed
by `&Version=1`, is the decoded key. `expiration_in_seconds` is 43200 in those cases.

### Which cases have `query-*` files

Only body-less requests: botocore's `SigV4QueryAuth` moves a request body into the query string
(it parses JSON/form bodies as parameters), which is not what any real presign of a JSON POST does.
For the remaining cases the script also checks that the presign signs exactly the headers of
`request.txt`. Note the presign adds no headers (no `X-Amz-Date`/`X-Amz-Security-Token` header;
both go to the query) and would delete a `Content-Type: application/x-www-form-urlencoded;
charset=utf-8` header (none of our cases has one).

### What botocore does that a runner must match

- Signed headers = every header of the request except `authorization` and botocore's list
  (`connection, expect, keep-alive, proxy-authenticate, proxy-authorization, te, trailer,
  transfer-encoding, upgrade, user-agent, x-amzn-trace-id`; none of these appears here), plus
  `x-amz-date` and `x-amz-security-token`, which it adds before signing.
- Header values: `' '.join(value.split())`: trims and collapses runs of ASCII whitespace,
  **including tabs** (`converse-header-value-tab`; some signers only collapse spaces).
- Repeated names (case-insensitive) are joined with `,` in the order they appear in the request
  (not sorted): `converse-duplicate-headers`.
- The payload hash is the SHA-256 of the body (never `UNSIGNED-PAYLOAD` over https).

## Cases

| case | service | region | timestamp | token | query-* | what it covers |
|---|---|---|---|---|---|---|
{rows}
"""


def write_readme(summary_rows):
    rows = "\n".join(summary_rows)
    text = README_TEMPLATE.format(
        version=botocore.__version__,
        python=".".join(str(p) for p in sys.version_info[:3]),
        rows=rows,
    )
    write(OUT / "README.md", text)


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    rows = []
    all_cases = cases()
    for case in all_cases:
        has_query = generate_case(case)
        token = case.get("token")
        token_desc = "—" if not token else ("`SESSIONTOKEN`" if token == "SESSIONTOKEN" else "STS-like")
        rows.append(
            f"| `{case['name']}` | `{case['service']}` | `{case['region']}` | `{case['timestamp']}` "
            f"| {token_desc} | {'yes' if has_query else '—'} | {case['summary']} |"
        )
    write_readme(rows)

    root = OUT.parent.parent.parent
    for path, size in WRITTEN:
        print(f"wrote {path.relative_to(root)} ({size} bytes)")
    print(
        f"{len(all_cases)} cases, {len(WRITTEN)} files, botocore {botocore.__version__}: "
        "all signatures re-computed with hashlib/hmac, reference signatures of §5 matched"
    )


if __name__ == "__main__":
    main()
