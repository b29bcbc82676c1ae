//! Byte-literal tests of the signer. The Bedrock vectors were computed with botocore
//! (`../shared/reference/bedrock-wire.md` §5) and re-computed there with hashlib/hmac.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use super::*;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const BODY: &[u8] = br#"{"messages": [{"role": "user", "content": [{"text": "Hello"}]}]}"#;
const PROFILE_PATH: &str = "/model/arn%3Aaws%3Abedrock%3Aus-west-2%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse";

fn creds() -> Credentials {
    Credentials::new(AKID, SECRET).unwrap()
}

fn suite_time() -> UnixTime {
    UnixTime::parse_amz_date("20150830T123600Z").unwrap()
}

fn converse_request() -> SignableRequest<'static> {
    SignableRequest::new("POST", PROFILE_PATH)
        .header("Content-Type", "application/json")
        .header("Host", "bedrock-runtime.us-west-2.amazonaws.com")
        .body(BODY)
}

#[test]
fn bedrock_converse_on_an_inference_profile_arn_matches_botocore() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-west-2", "bedrock", suite_time());
    let creq = canonical_request(&converse_request(), &params).unwrap();
    assert_eq!(
        creq.as_str(),
        "POST\n\
         /model/arn%253Aaws%253Abedrock%253Aus-west-2%253A123456789012%253Ainference-profile%252Fus.anthropic.claude-3-5-haiku-20241022-v1%253A0/converse\n\
         \n\
         content-type:application/json\n\
         host:bedrock-runtime.us-west-2.amazonaws.com\n\
         x-amz-date:20150830T123600Z\n\
         \n\
         content-type;host;x-amz-date\n\
         060269ada81b65767b604bf5630d3df78f334101c1ed3654a8e837fdcb85b440"
    );
    assert_eq!(creq.signed_headers(), "content-type;host;x-amz-date");
    let sts = string_to_sign(
        suite_time(),
        "us-west-2",
        "bedrock",
        creq.as_str().as_bytes(),
    );
    assert!(
        sts.ends_with("\neee7a724433db44b3207c81e5e01f8d7d431b4e0615dbb91925fb1fa25dcf8e1"),
        "{sts}"
    );
    let key = signing_key(SECRET, suite_time().date_stamp(), "us-west-2", "bedrock");
    assert_eq!(
        signature(&key, sts.as_bytes()).as_str(),
        "35151d1cfdaa4a94c8702242d53b4cb6d33d27fa6b2d262b436803612d6de2ac"
    );

    let signed = sign_headers(&converse_request(), &params).unwrap();
    assert_eq!(
        signed.authorization(),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/bedrock/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, \
         Signature=35151d1cfdaa4a94c8702242d53b4cb6d33d27fa6b2d262b436803612d6de2ac"
    );
    let headers: Vec<(&str, &str)> = signed.headers().collect();
    assert_eq!(headers[0], ("X-Amz-Date", "20150830T123600Z"));
    assert_eq!(headers.len(), 2);
}

#[test]
fn session_token_is_signed_and_added() {
    let creds = creds().with_session_token("SESSIONTOKEN");
    let params = SigningParams::new(&creds, "us-west-2", "bedrock", suite_time());
    let signed = sign_headers(&converse_request(), &params).unwrap();
    assert!(
        signed
            .authorization()
            .contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,")
    );
    assert_eq!(
        signed.signature().as_str(),
        "bd40abc907f31d65fdaf03739896db4d8e845e9f29ca709b162c142143a06ca3"
    );
    let names: Vec<&str> = signed.headers().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"]
    );
    // The token is a secret: Debug of the signed output must not show it.
    assert!(!format!("{signed:?}").contains("SESSIONTOKEN"));
    assert!(!format!("{creds:?}").contains("SESSIONTOKEN"));
    assert!(!format!("{creds:?}").contains(SECRET));
}

#[test]
fn token_after_signing_is_added_but_not_signed() {
    let creds = creds().with_session_token("SESSIONTOKEN");
    let settings = SigningSettings {
        session_token: SessionTokenPlacement::AfterSigning,
        ..SigningSettings::default()
    };
    let params =
        SigningParams::new(&creds, "us-west-2", "bedrock", suite_time()).with_settings(settings);
    let signed = sign_headers(&converse_request(), &params).unwrap();
    // Same signature as without a token.
    assert_eq!(
        signed.signature().as_str(),
        "35151d1cfdaa4a94c8702242d53b4cb6d33d27fa6b2d262b436803612d6de2ac"
    );
    assert!(
        signed
            .headers()
            .any(|(n, v)| n == "X-Amz-Security-Token" && v == "SESSIONTOKEN")
    );
}

#[test]
fn cached_signer_gives_the_same_signatures() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-west-2", "bedrock", suite_time());
    let mut signer = Signer::new();
    let first = signer.sign_headers(&converse_request(), &params).unwrap();
    let second = signer.sign_headers(&converse_request(), &params).unwrap();
    assert_eq!(first.authorization(), second.authorization());
    assert_eq!(signer.keys.len(), 1);
    // A new day is a new scope: a different signature, and a second cached key.
    let next_day = SigningParams::new(
        &creds,
        "us-west-2",
        "bedrock",
        suite_time()
            .checked_add(Duration::from_secs(86_400))
            .unwrap(),
    );
    let third = signer.sign_headers(&converse_request(), &next_day).unwrap();
    assert_ne!(first.signature(), third.signature());
    assert_eq!(signer.keys.len(), 2);
}

#[test]
fn existing_signing_headers_are_replaced() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-west-2", "bedrock", suite_time());
    let request = converse_request()
        .header("X-Amz-Date", "19990101T000000Z")
        .header("Authorization", "Bearer stale")
        .header("User-Agent", "bedrock-rs/0.1");
    let signed = sign_headers(&request, &params).unwrap();
    assert_eq!(
        signed.signature().as_str(),
        "35151d1cfdaa4a94c8702242d53b4cb6d33d27fa6b2d262b436803612d6de2ac"
    );
}

#[test]
fn canonical_headers_trim_collapse_and_join_duplicates() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-east-1", "service", suite_time());
    let request = SignableRequest::new("GET", "/")
        .header("Host", "example.amazonaws.com")
        .header("My-Header1", "  a \t  b   c  ")
        .header("my-header1", "second")
        .header("ZZ", "")
        .header("X-Multi", "\u{1234}  x");
    let creq = canonical_request(&request, &params).unwrap();
    assert_eq!(
        creq.as_str(),
        "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:a b c,second\nx-amz-date:20150830T123600Z\nx-multi:\u{1234} x\nzz:\n\nhost;my-header1;x-amz-date;x-multi;zz\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn query_is_decoded_reencoded_and_sorted() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-east-1", "service", suite_time());
    let request = SignableRequest::new(
        "GET",
        "/?b=2&a=z&a=y&%E1%88%B4=1&\u{1234}x=&flag&&sp=a%20b+c#frag",
    )
    .header("host", "example.amazonaws.com");
    let creq = canonical_request(&request, &params).unwrap();
    let query = creq.as_str().lines().nth(2).unwrap();
    assert_eq!(
        query,
        "%E1%88%B4=1&%E1%88%B4x=&a=y&a=z&b=2&flag=&sp=a%20b%2Bc"
    );
}

#[test]
fn path_normalization_and_both_encodings() {
    let creds = creds();
    let canonical_uri = |path: &str, settings: SigningSettings| {
        let params = SigningParams::new(&creds, "us-east-1", "service", suite_time())
            .with_settings(settings);
        let request = SignableRequest::new("GET", path).header("host", "h");
        let creq = canonical_request(&request, &params).unwrap();
        String::from(creq.as_str().lines().nth(1).unwrap())
    };
    let double = SigningSettings::default();
    let single = SigningSettings {
        uri_encoding: UriEncoding::Single,
        ..double
    };
    let raw = SigningSettings {
        normalize_path: false,
        ..double
    };
    for (path, expected) in [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        ("/./", "/"),
        ("/example/..", "/"),
        ("/a/b/..", "/a/"),
        ("/a/b/../c", "/a/c"),
        ("/../../a", "/a"),
        ("//example//", "/example/"),
        ("/a%2Fb/c%3A", "/a%252Fb/c%253A"),
    ] {
        assert_eq!(canonical_uri(path, double), expected, "{path}");
    }
    assert_eq!(
        canonical_uri("/example%20space/", single),
        "/example%20space/"
    );
    assert_eq!(
        canonical_uri("/example space/", single),
        "/example%20space/"
    );
    assert_eq!(canonical_uri("//example//", raw), "//example//");
    assert_eq!(canonical_uri("/a/./b/../", raw), "/a/./b/../");
}

#[test]
fn presign_matches_the_suite_vanilla_case() {
    // aws-signing-test-suite v4/get-vanilla, query variant.
    let creds = creds();
    let params = SigningParams::new(&creds, "us-east-1", "service", suite_time()).with_settings(
        SigningSettings {
            uri_encoding: UriEncoding::Single,
            ..SigningSettings::default()
        },
    );
    let request = SignableRequest::new("GET", "/").header("Host", "example.amazonaws.com");
    let creq = presigned_canonical_request(&request, &params, Duration::from_secs(3600)).unwrap();
    assert_eq!(
        creq.as_str(),
        "GET\n/\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host\nhost:example.amazonaws.com\n\nhost\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let signed = presign(&request, &params, Duration::from_secs(3600)).unwrap();
    assert_eq!(
        signed.signature().as_str(),
        "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d"
    );
    assert!(signed.to_query_string().starts_with("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature="));
}

#[test]
fn bad_input_is_an_error_never_a_panic() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-east-1", "bedrock", suite_time());
    let check = |request: SignableRequest<'_>, params: &SigningParams<'_>| {
        sign_headers(&request, params).map(|_| ()).unwrap_err()
    };
    let base = || SignableRequest::new("POST", "/model/x/converse").header("host", "h");

    assert_eq!(
        check(base().header("x-bad", "a\r\nInjected: 1"), &params),
        SigningError::InvalidHeaderValue {
            name: "x-bad".into()
        }
    );
    assert_eq!(
        check(base().header("x-nul", "a\0b"), &params).kind(),
        "invalid_header_value"
    );
    assert_eq!(
        check(base().header_bytes("x-latin1", b"caf\xe9"), &params),
        SigningError::NonUtf8HeaderValue {
            name: "x-latin1".into()
        }
    );
    assert_eq!(
        check(base().header("bad name", "v"), &params),
        SigningError::InvalidHeaderName { index: 1 }
    );
    assert_eq!(
        check(base().header("", "v"), &params).kind(),
        "invalid_header_name"
    );
    assert_eq!(
        check(SignableRequest::new("POST", "/x"), &params),
        SigningError::MissingHost
    );
    assert_eq!(
        check(
            SignableRequest::new("PO ST", "/x").header("host", "h"),
            &params
        ),
        SigningError::InvalidMethod
    );
    assert_eq!(
        check(SignableRequest::new("", "/x").header("host", "h"), &params),
        SigningError::InvalidMethod
    );
    assert_eq!(
        check(
            SignableRequest::new("GET", "x").header("host", "h"),
            &params
        ),
        SigningError::InvalidPath
    );
    assert_eq!(
        check(
            SignableRequest::new("GET", "/a\nb").header("host", "h"),
            &params
        ),
        SigningError::InvalidPath
    );
    assert_eq!(
        check(
            SignableRequest::new("GET", "/?a=\x01").header("host", "h"),
            &params
        ),
        SigningError::InvalidQuery
    );
    assert_eq!(
        check(base().payload(Payload::Sha256Hex("abc")), &params),
        SigningError::InvalidPayloadHash
    );

    let empty_region = SigningParams::new(&creds, "", "bedrock", suite_time());
    assert_eq!(check(base(), &empty_region), SigningError::EmptyRegion);
    let bad_region = SigningParams::new(&creds, "us-east-1/x", "bedrock", suite_time());
    assert_eq!(check(base(), &bad_region), SigningError::InvalidRegion);
    let bad_service = SigningParams::new(&creds, "us-east-1", "", suite_time());
    assert_eq!(check(base(), &bad_service), SigningError::InvalidService);

    assert_eq!(
        Credentials::new("", SECRET),
        Err(SigningError::InvalidAccessKeyId)
    );
    assert_eq!(
        Credentials::new("AKID EXAMPLE", SECRET),
        Err(SigningError::InvalidAccessKeyId)
    );
    assert_eq!(
        Credentials::new("AKID/X", SECRET),
        Err(SigningError::InvalidAccessKeyId)
    );
    assert_eq!(
        Credentials::new(AKID, ""),
        Err(SigningError::EmptySecretAccessKey)
    );

    let too_long = MAX_PRESIGN_EXPIRY + Duration::from_secs(1);
    assert_eq!(
        presign(&base(), &params, too_long).unwrap_err(),
        SigningError::InvalidExpiry {
            requested_secs: 604_801,
            max_secs: 604_800
        }
    );
    assert_eq!(
        presign(&base(), &params, Duration::from_millis(999))
            .unwrap_err()
            .kind(),
        "invalid_expiry"
    );
}

#[test]
fn errors_never_echo_header_values() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-east-1", "bedrock", suite_time());
    let request = SignableRequest::new("POST", "/")
        .header("host", "h")
        .header("x-api-key", "hunter2\n");
    let err = sign_headers(&request, &params).unwrap_err();
    assert!(!format!("{err}").contains("hunter2"));
    assert!(!format!("{err:?}").contains("hunter2"));
    assert!(!format!("{request:?}").contains("hunter2"));
}

#[test]
fn unsigned_and_precomputed_payloads() {
    let creds = creds();
    let settings = SigningSettings {
        content_sha256_header: true,
        ..SigningSettings::default()
    };
    let params =
        SigningParams::new(&creds, "us-east-1", "s3", suite_time()).with_settings(settings);
    let request = SignableRequest::new("PUT", "/k")
        .header("host", "h")
        .payload(Payload::Unsigned);
    let creq = canonical_request(&request, &params).unwrap();
    assert!(creq.as_str().ends_with("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:20150830T123600Z\n\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD"));
    let precomputed = SignableRequest::new("PUT", "/k")
        .header("host", "h")
        .payload(Payload::Sha256Hex(EMPTY_PAYLOAD_SHA256));
    let signed = sign_headers(&precomputed, &params).unwrap();
    assert!(
        signed
            .headers()
            .any(|(n, v)| n == "x-amz-content-sha256" && v == EMPTY_PAYLOAD_SHA256)
    );
}

/// A reused signer (its template and key cache warm from the previous request) must sign every
/// request exactly as a fresh one does, whatever changed since the last request.
#[test]
fn reused_signer_matches_a_fresh_one_across_changing_requests() {
    let creds = creds();
    let temporary = creds.clone().with_session_token("SESSIONTOKEN");
    let other_token = creds.clone().with_session_token("OTHERTOKEN");
    let time = suite_time();
    let later = time.checked_add(Duration::from_secs(61)).unwrap();
    let params = |c| SigningParams::new(c, "us-west-2", "bedrock", time);
    let with_hash_header = SigningSettings {
        content_sha256_header: true,
        ..SigningSettings::default()
    };
    let after_signing = SigningSettings {
        session_token: SessionTokenPlacement::AfterSigning,
        ..SigningSettings::default()
    };
    let single = SigningSettings {
        uri_encoding: UriEncoding::Single,
        normalize_path: false,
        ..SigningSettings::default()
    };
    let other_body = br#"{"messages":[]}"#;
    let cases: Vec<(SignableRequest<'_>, SigningParams<'_>)> = alloc::vec![
        (converse_request(), params(&creds)),
        // Same shape: only the time or the body changes.
        (converse_request(), params(&creds)),
        (
            converse_request(),
            SigningParams::new(&creds, "us-west-2", "bedrock", later)
        ),
        (converse_request().body(other_body), params(&creds)),
        (
            converse_request().payload(Payload::Unsigned),
            params(&creds)
        ),
        (converse_request().body(other_body), params(&creds)),
        // A different shape: header value, header case, an extra header, path, query, method.
        (
            converse_request().header("Content-Type", "application/cbor"),
            params(&creds),
        ),
        (
            SignableRequest::new("POST", PROFILE_PATH)
                .header("content-type", "application/json")
                .header("host", "bedrock-runtime.us-west-2.amazonaws.com")
                .body(BODY),
            params(&creds),
        ),
        (
            converse_request().header("X-Extra", "  a   b "),
            params(&creds)
        ),
        (
            SignableRequest::new("POST", "/model/m/converse-stream?x=1")
                .header("host", "bedrock-runtime.us-west-2.amazonaws.com")
                .body(BODY),
            params(&creds),
        ),
        (
            SignableRequest::new("GET", "/model/m/converse-stream?x=1")
                .header("host", "bedrock-runtime.us-west-2.amazonaws.com")
                .body(BODY),
            params(&creds),
        ),
        // The same bytes cut differently between pieces: the shape must tell them apart.
        (
            SignableRequest::from_parts("GET", "/model/m/converse-stream", "x=1")
                .header("host", "bedrock-runtime.us-west-2.amazonaws.com")
                .body(BODY),
            params(&creds),
        ),
        (
            SignableRequest::from_parts("GET", "/model/m/converse-streamx", "=1")
                .header("host", "bedrock-runtime.us-west-2.amazonaws.com")
                .body(BODY),
            params(&creds),
        ),
        (converse_request().header("x-a", "bc"), params(&creds)),
        (converse_request().header("x-ab", "c"), params(&creds)),
        // Settings and credentials that change the canonical request.
        (
            converse_request(),
            params(&creds).with_settings(with_hash_header)
        ),
        (
            converse_request().body(other_body),
            params(&creds).with_settings(with_hash_header),
        ),
        (converse_request(), params(&temporary)),
        (converse_request(), params(&other_token)),
        (
            converse_request(),
            params(&other_token).with_settings(after_signing)
        ),
        (converse_request(), params(&creds).with_settings(single)),
        // Another scope for the same request.
        (
            converse_request(),
            SigningParams::new(&creds, "us-east-1", "bedrock", time),
        ),
        (converse_request(), params(&creds)),
    ];
    let mut signer = Signer::new();
    for (i, (request, params)) in cases.iter().enumerate() {
        let reused = signer.sign_headers(request, params).unwrap();
        let fresh = sign_headers(request, params).unwrap();
        let expected = canonical_request(request, params).unwrap();
        assert_eq!(reused.authorization(), fresh.authorization(), "case {i}");
        assert_eq!(
            reused.headers().collect::<Vec<_>>(),
            fresh.headers().collect::<Vec<_>>(),
            "case {i}"
        );
        assert!(
            reused
                .authorization()
                .contains(&format!("SignedHeaders={}, ", expected.signed_headers())),
            "case {i}"
        );
    }
}

#[test]
fn a_failed_request_does_not_leave_a_template_behind() {
    let creds = creds();
    let params = SigningParams::new(&creds, "us-west-2", "bedrock", suite_time());
    let mut signer = Signer::new();
    let good = signer.sign_headers(&converse_request(), &params).unwrap();
    let bad = converse_request().header_bytes("x-bad", b"a\nb");
    assert!(signer.sign_headers(&bad, &params).is_err());
    assert!(
        signer.sign_headers(&bad, &params).is_err(),
        "still rejected"
    );
    let again = signer.sign_headers(&converse_request(), &params).unwrap();
    assert_eq!(good.authorization(), again.authorization());
}

#[test]
fn signer_debug_shows_neither_secret_nor_token() {
    let creds = creds().with_session_token("SESSIONTOKEN");
    let params = SigningParams::new(&creds, "us-west-2", "bedrock", suite_time());
    let mut signer = Signer::new();
    signer.sign_headers(&converse_request(), &params).unwrap();
    let debug = format!("{signer:?}");
    assert!(!debug.contains("SESSIONTOKEN"), "{debug}");
    assert!(!debug.contains(SECRET), "{debug}");
    assert!(debug.contains("template"), "{debug}");
}

/// The target splits at the first `?` into path and query, and a `#fragment` is dropped, as
/// `split_once('#')` then `split_once('?')` would (the reference the search must agree with).
#[test]
fn request_target_splits_into_path_and_query() {
    let targets = [
        "",
        "/",
        "/p",
        "/p?q",
        "/p#f",
        "/p?q#f",
        "/p#f?x",
        "/p?q?r",
        "/p?q#f#g",
        "?",
        "#",
        "?#",
        "#?",
        "/p?",
        "/p#",
        "/p?#f",
        "/é?ü=1#ö",
        "/a%3Fb?c%23d",
    ];
    for target in targets {
        let reference = target.split_once('#').map_or(target, |(before, _)| before);
        let (path, query) = reference.split_once('?').unwrap_or((reference, ""));
        let request = SignableRequest::new("GET", target);
        assert_eq!(
            (request.path(), request.query()),
            (path, query),
            "{target:?}"
        );
    }
}
