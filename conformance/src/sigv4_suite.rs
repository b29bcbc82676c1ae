//! The SigV4 suite: folders in the AWS signing test-suite layout.
//!
//! A case is a folder with `request.txt` and any of `{header,query}-canonical-request.txt`,
//! `-string-to-sign.txt`, `-signature.txt`, `-signed-request.txt`, described by `context.json`
//! (credentials, region, service, timestamp, `normalize`, `sign_body`, `omit_session_token`,
//! `expiration_in_seconds`). Each stage present is checked in order; the first stage that differs
//! is reported with a diff.
//!
//! Path encoding: a case's `double_uri_encode` field, when present, picks the mode; otherwise
//! the case's service does, as in the SDKs: [`UriEncoding::Double`] for every service but S3,
//! [`UriEncoding::Single`] for S3. So botocore-signed Bedrock vectors pass without an extra
//! field. One AWS-suite case contradicts the rule (`get-space-normalized` expects an existing
//! `%20` kept for service `service`); it is skipped with the reason printed.
//!
//! Old-format cases (no `context.json`: `double-url-encode`, `double-encode-path`) use double
//! encoding; the signing time is the `x-amz-date` of their expected canonical request and the
//! scope comes from the `Credential=` of their signed request. Their signature is checked only
//! when that credential is the documented example key `AKIDEXAMPLE` (whose secret is public).
//!
//! Our own vectors may also carry `api-key.txt`: the short-term Bedrock API key minted from the
//! case's credentials, region, timestamp and `expiration_in_seconds`.

use std::fs;
use std::path::Path;
use std::time::Duration;

use bedrock_core::sigv4::{
    self, Credentials, SessionTokenPlacement, SignableRequest, Signer, SigningParams,
    SigningSettings, UriEncoding,
};
use bedrock_core::time::UnixTime;
use serde_json::Value;

use crate::http_text::RequestText;
use crate::report::{Outcome, check_stage};

/// The documented AWS example key pair: its secret is public, so old-format cases signed with
/// it can have their signatures checked.
const EXAMPLE_ACCESS_KEY: &str = "AKIDEXAMPLE";
const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Whether `dir` looks like a SigV4 case folder.
pub fn is_case(dir: &Path) -> bool {
    dir.join("request.txt").is_file()
}

/// AWS-suite cases whose expected path encoding contradicts the service rule (double encoding
/// for every service but S3), by folder name, with the reason printed when they are skipped.
const CONTRADICTING_CASES: &[(&str, &str)] = &[(
    "get-space-normalized",
    "the AWS suite expects `/example%20space/` encoded once for service \"service\", which every \
     SDK signs with double encoding (`/example%2520space/`); get-space-unnormalized checks the \
     same path",
)];

/// The reason to skip `dir` when it is one of [`CONTRADICTING_CASES`] and does not say its mode
/// itself.
fn contradicting_case(dir: &Path) -> Option<&'static str> {
    let name = dir.file_name()?.to_str()?;
    let (_, reason) = CONTRADICTING_CASES.iter().find(|(case, _)| *case == name)?;
    let context = fs::read_to_string(dir.join("context.json")).ok()?;
    let json: Value = serde_json::from_str(&context).ok()?;
    json.get("double_uri_encode").is_none().then_some(*reason)
}

/// Everything needed to sign a case.
struct Context {
    credentials: Credentials,
    region: String,
    service: String,
    time: UnixTime,
    settings: SigningSettings,
    expires_in: Duration,
}

/// Runs one case folder.
pub fn run_case(dir: &Path) -> Outcome {
    match try_run_case(dir) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::Fail(message),
    }
}

fn try_run_case(dir: &Path) -> Result<Outcome, String> {
    if let Some(reason) = contradicting_case(dir) {
        return Ok(Outcome::Skip(reason.into()));
    }
    let request_bytes = read(dir, "request.txt")?.ok_or("request.txt is missing")?;
    let request = RequestText::parse(&request_bytes)?;
    let mut notes = Vec::new();
    let (context, check_signature) = if dir.join("context.json").is_file() {
        (read_context(dir)?, true)
    } else {
        old_format_context(dir, &mut notes)?
    };
    let mut checks = Vec::new();

    if has_any(dir, "header") {
        check_header_variant(dir, &request, &context, check_signature)?;
        checks.push("header");
    }
    if has_any(dir, "query") {
        check_query_variant(dir, &request, &context)?;
        checks.push("query");
    }
    if let Some(expected) = read_text(dir, "api-key.txt")? {
        let key = sigv4::bedrock_api_key(
            &context.credentials,
            &context.region,
            context.time,
            context.expires_in,
        )
        .map_err(|e| format!("api key: {e}"))?;
        check_stage("api-key.txt", expected.trim_end(), key.expose())?;
        checks.push("api-key");
    }
    if checks.is_empty() {
        return Err("no expected files (header-*, query-*, api-key.txt) to check against".into());
    }
    Ok(Outcome::Pass { checks, notes })
}

fn check_header_variant(
    dir: &Path,
    request: &RequestText,
    context: &Context,
    check_signature: bool,
) -> Result<(), String> {
    let signable = signable(request);
    let params = context.params();
    let creq = sigv4::canonical_request(&signable, &params)
        .map_err(|e| format!("header canonical request: {e}"))?;
    if let Some(expected) = read_text(dir, "header-canonical-request.txt")? {
        check_stage(
            "header-canonical-request.txt",
            trim(&expected),
            creq.as_str(),
        )?;
    }
    let sts = sigv4::string_to_sign(
        context.time,
        &context.region,
        &context.service,
        creq.as_str().as_bytes(),
    );
    if let Some(expected) = read_text(dir, "header-string-to-sign.txt")? {
        check_stage("header-string-to-sign.txt", trim(&expected), &sts)?;
    }
    if !check_signature {
        return Ok(());
    }
    let key = sigv4::signing_key(
        context.credentials.secret_access_key().expose(),
        context.time.date_stamp(),
        &context.region,
        &context.service,
    );
    let signature = sigv4::signature(&key, sts.as_bytes());
    if let Some(expected) = read_text(dir, "header-signature.txt")? {
        check_stage("header-signature.txt", trim(&expected), signature.as_str())?;
    }
    // The full signer must agree with the staged functions.
    let signed = Signer::new()
        .sign_headers(&signable, &params)
        .map_err(|e| format!("sign_headers: {e}"))?;
    check_stage(
        "staged vs Signer signature",
        signature.as_str(),
        signed.signature().as_str(),
    )?;
    if let Some(expected) = read(dir, "header-signed-request.txt")? {
        let mut actual = request.clone();
        actual.headers.retain(|(name, _)| {
            !name.eq_ignore_ascii_case("x-amz-date") && !name.eq_ignore_ascii_case("authorization")
        });
        for (name, value) in signed.headers() {
            actual.headers.push((name.to_string(), value.to_string()));
        }
        let expected = RequestText::parse(&expected)?;
        check_stage(
            "header-signed-request.txt (normalized)",
            &expected.normalized(),
            &actual.normalized(),
        )?;
    }
    Ok(())
}

fn check_query_variant(dir: &Path, request: &RequestText, context: &Context) -> Result<(), String> {
    let signable = signable(request);
    let params = context.params();
    let creq = sigv4::presigned_canonical_request(&signable, &params, context.expires_in)
        .map_err(|e| format!("query canonical request: {e}"))?;
    if let Some(expected) = read_text(dir, "query-canonical-request.txt")? {
        check_stage(
            "query-canonical-request.txt",
            trim(&expected),
            creq.as_str(),
        )?;
    }
    let sts = sigv4::string_to_sign(
        context.time,
        &context.region,
        &context.service,
        creq.as_str().as_bytes(),
    );
    if let Some(expected) = read_text(dir, "query-string-to-sign.txt")? {
        check_stage("query-string-to-sign.txt", trim(&expected), &sts)?;
    }
    let signed = Signer::new()
        .presign(&signable, &params, context.expires_in)
        .map_err(|e| format!("presign: {e}"))?;
    if let Some(expected) = read_text(dir, "query-signature.txt")? {
        check_stage(
            "query-signature.txt",
            trim(&expected),
            signed.signature().as_str(),
        )?;
    }
    if let Some(expected) = read(dir, "query-signed-request.txt")? {
        let mut actual = request.clone();
        if !actual.query.is_empty() {
            actual.query.push('&');
        }
        actual.query.push_str(&signed.to_query_string());
        let expected = RequestText::parse(&expected)?;
        check_stage(
            "query-signed-request.txt (normalized)",
            &expected.normalized(),
            &actual.normalized(),
        )?;
    }
    Ok(())
}

fn signable(request: &RequestText) -> SignableRequest<'_> {
    let mut signable = SignableRequest::from_parts(&request.method, &request.path, &request.query);
    for (name, value) in &request.headers {
        signable.push_header(name, value.as_bytes());
    }
    signable.body(&request.body)
}

impl Context {
    fn params(&self) -> SigningParams<'_> {
        SigningParams::new(&self.credentials, &self.region, &self.service, self.time)
            .with_settings(self.settings)
    }
}

fn read_context(dir: &Path) -> Result<Context, String> {
    let text = read_text(dir, "context.json")?.ok_or("context.json is missing")?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("context.json: {e}"))?;
    let field = |name: &str| {
        json.get(name)
            .ok_or_else(|| format!("context.json has no {name:?}"))
    };
    let string = |name: &str| -> Result<String, String> {
        field(name)?
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("context.json {name:?} is not a string"))
    };
    let flag = |name: &str| json.get(name).and_then(Value::as_bool).unwrap_or(false);
    let creds = field("credentials")?;
    let cred = |name: &str| creds.get(name).and_then(Value::as_str);
    let mut credentials = Credentials::new(
        cred("access_key_id").ok_or("credentials.access_key_id is missing")?,
        cred("secret_access_key").ok_or("credentials.secret_access_key is missing")?,
    )
    .map_err(|e| format!("credentials: {e}"))?;
    if let Some(token) = cred("token") {
        credentials = credentials.with_session_token(token);
    }
    let time =
        UnixTime::parse_iso8601(&string("timestamp")?).map_err(|e| format!("timestamp: {e}"))?;
    let expires_in = Duration::from_secs(
        json.get("expiration_in_seconds")
            .and_then(Value::as_u64)
            .unwrap_or(3600),
    );
    let settings = SigningSettings {
        uri_encoding: uri_encoding(json.get("double_uri_encode"), &string("service")?),
        normalize_path: flag("normalize"),
        content_sha256_header: flag("sign_body"),
        session_token: if flag("omit_session_token") {
            SessionTokenPlacement::AfterSigning
        } else {
            SessionTokenPlacement::Signed
        },
    };
    Ok(Context {
        credentials,
        region: string("region")?,
        service: string("service")?,
        time,
        settings,
        expires_in,
    })
}

/// The context of an old-format case, recovered from its expected files. Returns whether the
/// signature can be checked.
fn old_format_context(dir: &Path, notes: &mut Vec<String>) -> Result<(Context, bool), String> {
    let creq = read_text(dir, "header-canonical-request.txt")?
        .ok_or("neither context.json nor header-canonical-request.txt")?;
    let amz_date = creq
        .lines()
        .find_map(|l| l.strip_prefix("x-amz-date:"))
        .ok_or("the canonical request has no x-amz-date line to take the signing time from")?;
    let time = UnixTime::parse_amz_date(amz_date.trim()).map_err(|e| format!("x-amz-date: {e}"))?;
    let signed =
        read(dir, "header-signed-request.txt")?.ok_or("header-signed-request.txt is missing")?;
    let signed = RequestText::parse(&signed)?;
    let authorization = signed
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim())
        .ok_or("the signed request has no Authorization header")?;
    let scope = authorization
        .split([' ', ','])
        .find_map(|part| part.strip_prefix("Credential="))
        .ok_or("Authorization has no Credential=")?;
    let parts: Vec<&str> = scope.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = parts[..] else {
        return Err(format!("unexpected credential scope {scope:?}"));
    };
    let check_signature = access_key == EXAMPLE_ACCESS_KEY && date == time.date_stamp().as_str();
    if !check_signature {
        notes.push(format!(
            "old-format case: canonical request checked; signature not checked (signed as {access_key} on {date}, \
             a key whose secret the files do not give)"
        ));
    }
    let credentials =
        Credentials::new(EXAMPLE_ACCESS_KEY, EXAMPLE_SECRET).map_err(|e| e.to_string())?;
    Ok((
        Context {
            credentials,
            region: region.to_string(),
            service: service.to_string(),
            time,
            settings: SigningSettings::default(),
            expires_in: Duration::from_secs(3600),
        },
        check_signature,
    ))
}

fn has_any(dir: &Path, variant: &str) -> bool {
    [
        "canonical-request",
        "string-to-sign",
        "signature",
        "signed-request",
    ]
    .iter()
    .any(|stage| dir.join(format!("{variant}-{stage}.txt")).is_file())
}

fn read(dir: &Path, name: &str) -> Result<Option<Vec<u8>>, String> {
    let path = dir.join(name);
    match fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn read_text(dir: &Path, name: &str) -> Result<Option<String>, String> {
    read(dir, name)?
        .map(|bytes| String::from_utf8(bytes).map_err(|_| format!("{name} is not UTF-8")))
        .transpose()
}

/// Expected files end with or without a newline; the stages themselves never end in one.
fn trim(text: &str) -> &str {
    text.trim_end_matches(['\n', '\r'])
}

/// The path-encoding mode of a case: its `double_uri_encode` field when present, otherwise the
/// mode the SDKs use for its service ("S3 is the one service that encodes the path once",
/// botocore `S3SigV4Auth`), so botocore-signed Bedrock vectors need no extra field.
fn uri_encoding(explicit: Option<&Value>, service: &str) -> UriEncoding {
    let double = match explicit.and_then(Value::as_bool) {
        Some(double) => double,
        None => !service.eq_ignore_ascii_case("s3"),
    };
    if double {
        UriEncoding::Double
    } else {
        UriEncoding::Single
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A copy of one of our vectors in a scratch folder, with `edit` applied to its context.
    fn scratch_case(from: &str, name: &str, edit: impl Fn(&mut Value)) -> PathBuf {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("vectors/sigv4")
            .join(from);
        let dir = std::env::temp_dir()
            .join(format!("bedrock-sigv4-suite-{}", std::process::id()))
            .join(name);
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
        let mut context: Value =
            serde_json::from_str(&fs::read_to_string(dir.join("context.json")).unwrap()).unwrap();
        edit(&mut context);
        fs::write(dir.join("context.json"), context.to_string()).unwrap();
        dir
    }

    #[test]
    fn bedrock_case_without_the_field_is_double_encoded() {
        let dir = scratch_case("converse-model-id-colon", "bedrock-no-field", |c| {
            c.as_object_mut().unwrap().remove("double_uri_encode");
        });
        let outcome = run_case(&dir);
        assert!(matches!(outcome, Outcome::Pass { .. }), "{outcome:?}");
    }

    #[test]
    fn s3_case_without_the_field_is_encoded_once() {
        assert_eq!(uri_encoding(None, "s3"), UriEncoding::Single);
        assert_eq!(uri_encoding(None, "bedrock"), UriEncoding::Double);
        assert_eq!(uri_encoding(None, "service"), UriEncoding::Double);
        assert_eq!(
            uri_encoding(Some(&Value::Bool(false)), "bedrock"),
            UriEncoding::Single
        );
    }

    #[test]
    fn get_space_normalized_is_skipped_with_its_reason() {
        let dir = scratch_case("converse-model-id-colon", "get-space-normalized", |c| {
            c.as_object_mut().unwrap().remove("double_uri_encode");
        });
        let Outcome::Skip(reason) = run_case(&dir) else {
            panic!("not skipped");
        };
        assert!(reason.contains("%2520"), "{reason}");
    }
}
