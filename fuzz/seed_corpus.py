#!/usr/bin/env python3
"""Seeds every fuzz target's corpus (fuzz/corpus/<target>/, not committed) from the vectors.

    python3 fuzz/seed_corpus.py [SHARED_VECTORS]   (default: ../shared/vectors beside the repo)

event-stream frames (our vectors and the external suite) seed the frame decoder; whole
ConverseStream bodies seed the Converse stream, and, behind an HTTP head, the HTTP/1.1 reader and
the exchange (whose first byte picks the operation, the protocol and the chunk size); the SSE and
responses-stream vectors seed the SSE decoder and, behind an SSE response head, the exchange's
bedrock-openai column; the settings vectors seed the settings parser; hand-made answers (profile
files, credential_process JSON, IMDS / container / STS / SSO bodies) seed the credential chain.
"""

import glob
import hashlib
import json
import os
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
VECTORS = os.path.join(ROOT, "conformance", "vectors")


def files(pattern):
    return [p for p in sorted(glob.glob(pattern)) if os.path.isfile(p) and not p.endswith((".md", ".json"))]


def put(target, data):
    folder = os.path.join(FUZZ, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def chunked(body, size=97):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def stream_head(content_type):
    return (b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
            b"\r\nTransfer-Encoding: chunked\r\nx-amzn-RequestId: seed\r\n\r\n")


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(ROOT), "shared", "vectors")
    counts = {}

    def add(target, data):
        put(target, data)
        counts[target] = counts.get(target, 0) + 1

    frames = files(os.path.join(VECTORS, "eventstream", "*")) + files(os.path.join(shared, "eventstream", "*"))
    for path in frames:
        add("eventstream_decoder", open(path, "rb").read())
    for path in files(os.path.join(VECTORS, "converse-stream", "*")):
        body = open(path, "rb").read()
        add("converse_stream", body)
        response = stream_head(b"application/vnd.amazon.eventstream") + chunked(body)
        add("http1_response", response)
        add("exchange", bytes([7 << 2]) + response)  # Converse protocol, stream, 7-byte chunks
    for path in sorted(glob.glob(os.path.join(VECTORS, "sse", "*.json"))):
        add("sse", json.load(open(path))["input"]["stream"].encode())
    for path in sorted(glob.glob(os.path.join(VECTORS, "responses-stream", "*.json"))):
        stream = json.load(open(path))["input"]["stream"]
        text = stream if isinstance(stream, str) else "".join(stream)
        add("sse", text.encode())
        response = stream_head(b"text/event-stream") + chunked(text.encode())
        add("http1_response", response)
        add("exchange", bytes([7 << 2 | 2]) + response)  # Responses protocol, stream, 7-byte chunks
    for path in sorted(glob.glob(os.path.join(VECTORS, "settings", "*.json"))):
        add("settings", json.load(open(path))["input"]["toml"].encode())

    # The credential chain: first byte = which environment variables are set (see the target),
    # then 0xFF-separated answers to the files, commands and HTTP requests, in the order asked.
    sep = b"\xff"
    profile = b"[profile dev]\nregion = us-east-1\naws_access_key_id = AKID\naws_secret_access_key = s\n"
    process = b"[profile dev]\ncredential_process = get-creds\n"
    process_out = b'\x00{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2030-01-01T00:00:00Z"}'
    container = b'\x00{"AccessKeyId": "AKID", "SecretAccessKey": "s", "Token": "t", "Expiration": "2030-01-01T00:00:00Z"}'
    role = b"[profile dev]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n[profile base]\naws_access_key_id = A\naws_secret_access_key = s\n"
    sts = (b"\x00<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
           b"<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
           b"<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>")
    sso = (b"[profile dev]\nsso_session = s\nsso_account_id = 1\nsso_role_name = r\n"
           b"[sso-session s]\nsso_region = us-east-1\nsso_start_url = https://x.awsapps.com/start\n")
    sso_token = b'{"accessToken": "tok", "expiresAt": "2030-01-01T00:00:00Z", "refreshToken": "r", "clientId": "c", "clientSecret": "cs", "registrationExpiresAt": "2030-01-01T00:00:00Z"}'
    sso_creds = b'\x00{"roleCredentials": {"accessKeyId": "A", "secretAccessKey": "s", "sessionToken": "t", "expiration": 1893456000000}}'
    imds_token = b"\x00AQAEAtoken"
    imds_role = b"\x00my-role"
    imds_creds = b'\x00{"Code": "Success", "AccessKeyId": "A", "SecretAccessKey": "s", "Token": "t", "Expiration": "2030-01-01T00:00:00Z"}'
    for seed in [
        bytes([0x01]) + profile,
        bytes([0x01]) + process + sep + sep + process_out,
        bytes([0x08]) + container,
        bytes([0x01]) + role + sep + sep + sts,
        bytes([0x01]) + sso + sep + sep + sso_token + sep + sso_creds,
        bytes([0x00]) + sep + sep + imds_token + sep + imds_role + sep + imds_creds,
        bytes([0x30]) + b"token" + sep + sts,
    ]:
        add("credential_chain", seed)

    for target, n in sorted(counts.items()):
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
