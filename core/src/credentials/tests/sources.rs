//! The environment, static profile keys and `credential_process`, and precedence between
//! sources.

use super::*;

#[test]
fn environment_keys() {
    let mut fake = Fake::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", " S3CR3T-env \n")
        .env("AWS_SECURITY_TOKEN", "S3CR3T-legacy-token")
        .env("AWS_CREDENTIAL_EXPIRATION", &iso(T0 + 3600))
        .env("AWS_ACCOUNT_ID", "123456789012");
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::Environment);
    assert_eq!(resolved.credentials.access_key_id(), "AKIAENV");
    assert_eq!(
        resolved.credentials.secret_access_key().expose(),
        "S3CR3T-env"
    );
    assert_eq!(
        resolved.credentials.session_token().unwrap().expose(),
        "S3CR3T-legacy-token"
    );
    assert_eq!(resolved.expires_at(), Some(at(T0 + 3600)));
    assert_eq!(resolved.account_id.as_deref(), Some("123456789012"));
    // Nothing past the environment is consulted: no files, no network.
    assert!(
        !fake
            .asked
            .iter()
            .any(|n| matches!(n, Need::File(_) | Need::Http(_)))
    );

    // With both set, botocore's order: AWS_SECURITY_TOKEN, then AWS_SESSION_TOKEN.
    let mut fake = Fake::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T-env")
        .env("AWS_SESSION_TOKEN", "S3CR3T-new")
        .env("AWS_SECURITY_TOKEN", "S3CR3T-old");
    let resolved = fake.chain().unwrap();
    assert_eq!(
        resolved.credentials.session_token().unwrap().expose(),
        "S3CR3T-old"
    );
    assert_eq!(resolved.expires_at(), None);
}

#[test]
fn security_token_precedence_and_stray_secrets_as_botocore() {
    // Profile keys: aws_security_token before aws_session_token (botocore `TOKENS`); blank
    // counts as unset.
    for (file, expected) in [
        (
            "aws_session_token = S3CR3T-new\naws_security_token = S3CR3T-old\n",
            "S3CR3T-old",
        ),
        (
            "aws_session_token = S3CR3T-new\naws_security_token =\n",
            "S3CR3T-new",
        ),
    ] {
        let mut fake = Fake::new().credentials(&format!(
            "[default]\naws_access_key_id = AKIA\naws_secret_access_key = S3CR3T\n{file}"
        ));
        let resolved = fake.chain().unwrap();
        assert_eq!(
            resolved.credentials.session_token().unwrap().expose(),
            expected
        );
    }

    // A secret without a key id skips the profile: the config file's keys serve it.
    let mut fake = Fake::new()
        .credentials("[default]\naws_secret_access_key = S3CR3T-stray\n")
        .config("[default]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = S3CR3T\n");
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::ConfigFile);
    assert_eq!(resolved.credentials.access_key_id(), "AKIACONFIG");

    // ... and on to instance metadata when nothing else has credentials.
    let mut fake = Fake::new()
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .config("[default]\naws_secret_access_key = S3CR3T-stray\n");
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "not_found");
    assert!(
        e.to_string()
            .contains("aws_secret_access_key without aws_access_key_id: skipped"),
        "{e}"
    );
}

#[test]
fn environment_errors() {
    let mut fake = Fake::new().env("AWS_ACCESS_KEY_ID", "AKIAENV");
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "partial_credentials");
    assert_eq!(e.source_kind(), Some(SourceKind::Environment));
    assert!(
        e.to_string().contains("AWS_SECRET_ACCESS_KEY is missing"),
        "{e}"
    );

    // Expired.
    let mut fake = Fake::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T")
        .env("AWS_CREDENTIAL_EXPIRATION", &iso(T0 - 1));
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "expired");
    assert!(
        e.to_string().starts_with(
            "environment: the credentials it returned expired at 2023-12-31T23:59:59Z"
        ),
        "{e}"
    );
    assert!(e.hint().is_some());

    // Unparseable expiration.
    let mut fake = Fake::new()
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T")
        .env("AWS_CREDENTIAL_EXPIRATION", "tomorrow");
    assert_eq!(fake.chain().unwrap_err().kind(), "invalid_config");

    // An access key id that cannot appear in a credential scope.
    let mut fake = Fake::new()
        .env("AWS_ACCESS_KEY_ID", "AKIA/ENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T");
    assert_eq!(fake.chain().unwrap_err().kind(), "invalid_credentials");
}

#[test]
fn static_profile_keys() {
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "work")
        .credentials("[work]\naws_access_key_id = AKIAWORK\naws_secret_access_key = S3CR3T-work\naws_session_token = S3CR3T-tok\n");
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::CredentialsFile);
    assert_eq!(resolved.credentials.access_key_id(), "AKIAWORK");
    assert_eq!(
        resolved.detail,
        "profile 'work' in /home/u/.aws/credentials"
    );
    assert!(resolved.credentials.session_token().is_some());

    let mut fake = Fake::new()
        .config("[profile work]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = S3CR3T\n")
        .env("AWS_DEFAULT_PROFILE", "work");
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::ConfigFile);
    assert_eq!(resolved.credentials.access_key_id(), "AKIACONFIG");

    // Partial keys in a profile are an error naming the file.
    let mut fake = Fake::new().credentials("[default]\naws_access_key_id = AKIA\n");
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "partial_credentials");
    assert!(e.to_string().contains("/home/u/.aws/credentials"), "{e}");
}

#[test]
fn precedence_between_sources() {
    let profiles = |fake: Fake| {
        fake.credentials("[default]\naws_access_key_id = AKIACREDS\naws_secret_access_key = S3CR3T\n")
            .config("[default]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = S3CR3T\ncredential_process = proc\n")
    };
    // Environment keys beat every profile.
    let mut fake = profiles(Fake::new())
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T");
    assert_eq!(fake.chain().unwrap().source, SourceKind::Environment);

    // A profile chosen in code turns the environment keys off.
    let mut fake = profiles(Fake::new())
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T");
    let resolved = fake
        .chain_with(ChainConfig::new().with_profile("default"))
        .unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "AKIACREDS");
    assert_eq!(fake.env_asks("AWS_ACCESS_KEY_ID"), 0);

    // The credentials file beats credential_process, which beats config-file keys.
    let mut fake = profiles(Fake::new());
    assert_eq!(fake.chain().unwrap().source, SourceKind::CredentialsFile);
    let mut fake = Fake::new()
        .config("[default]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = S3CR3T\ncredential_process = proc\n")
        .command("proc", output(0, r#"{"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":"S3CR3T"}"#, ""));
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::CredentialProcess);
    assert_eq!(resolved.credentials.access_key_id(), "AKIAPROC");
    fake.assert_scripts_used();

    // role_arn beats static keys in the same profile (it needs a source).
    let mut fake = Fake::new()
        .credentials("[default]\naws_access_key_id = AKIASTATIC\naws_secret_access_key = S3CR3T\n")
        .config("[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S3CR3T\n")
        .http("POST", "/", ok(&sts_success("AssumeRole", "ASIAROLE", T0 + 3600)));
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::AssumeRole);

    // A restricted source list runs only those sources, in that order.
    let mut fake = profiles(Fake::new())
        .env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T");
    let config =
        ChainConfig::new().with_sources(&[SourceKind::ConfigFile, SourceKind::Environment]);
    assert_eq!(
        config.sources(),
        [SourceKind::ConfigFile, SourceKind::Environment]
    );
    let resolved = fake.chain_with(config).unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "AKIACONFIG");
    let mut fake = profiles(Fake::new());
    let resolved = fake
        .chain_with(ChainConfig::new().with_sources(&[SourceKind::ConfigFile]))
        .unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "AKIACONFIG");
}

#[test]
fn credential_process_success() {
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config("[profile dev]\ncredential_process = \"/opt/my tool/creds\" --role admin\n")
        .command(
            "\"/opt/my tool/creds\" --role admin",
            output(
                0,
                &format!(
                    r#"{{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "S3CR3T-p", "SessionToken": "S3CR3T-t", "Expiration": "{}", "AccountId": "111122223333"}}"#,
                    iso(T0 + 900)
                ),
                "warning: something on stderr\n",
            ),
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.source, SourceKind::CredentialProcess);
    assert_eq!(resolved.detail, "credential_process (profile 'dev')");
    assert_eq!(resolved.expires_at(), Some(at(T0 + 900)));
    assert_eq!(resolved.account_id.as_deref(), Some("111122223333"));
    fake.assert_scripts_used();
}

#[test]
fn credential_process_failures() {
    let run = |out: Result<CommandOutput, String>| {
        let mut fake = Fake::new()
            .config("[default]\ncredential_process = get-creds\n")
            .command("get-creds", out);
        let e = fake.chain().unwrap_err();
        assert_eq!(e.source_kind(), Some(SourceKind::CredentialProcess));
        e
    };

    // Non-zero exit: the error carries stderr (trimmed, control characters removed).
    let e = run(output(2, "", "error: token expired\nrun login\n"));
    assert_eq!(e.kind(), "command_failed");
    assert_eq!(
        e.to_string(),
        "credential_process (profile 'default'): exited with status 2: error: token expired run login"
    );
    let e = run(Ok(CommandOutput {
        status: None,
        ..CommandOutput::default()
    }));
    assert!(e.to_string().ends_with("was killed by a signal"), "{e}");

    // Bad JSON: the position, never the output (which holds the secret).
    let e = run(output(
        0,
        r#"{"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "S3CR3T""#,
        "",
    ));
    assert_eq!(e.kind(), "invalid_response");
    assert!(
        e.to_string().contains("not valid JSON (line 1, column"),
        "{e}"
    );
    let e = run(output(0, "S3CR3T plain text", ""));
    assert_eq!(e.kind(), "invalid_response");

    let e = run(output(
        0,
        r#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S3CR3T"}"#,
        "",
    ));
    assert_eq!(e.kind(), "unsupported_version");
    assert!(e.to_string().contains("unsupported Version 2"), "{e}");
    let e = run(output(
        0,
        r#"{"AccessKeyId": "A", "SecretAccessKey": "S3CR3T"}"#,
        "",
    ));
    assert!(e.to_string().contains("Version (missing)"), "{e}");
    let e = run(output(
        0,
        r#"{"Version": 1, "SecretAccessKey": "S3CR3T"}"#,
        "",
    ));
    assert!(e.to_string().contains("no AccessKeyId"), "{e}");
    let e = run(output(
        0,
        r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": 5}"#,
        "",
    ));
    assert!(
        e.to_string().contains("SecretAccessKey is not a string"),
        "{e}"
    );
    let e = run(output(
        0,
        r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S3CR3T", "Expiration": "soon"}"#,
        "",
    ));
    assert!(
        e.to_string().contains("Expiration is not an ISO-8601"),
        "{e}"
    );
    let e = run(output(
        0,
        &format!(
            r#"{{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S3CR3T", "Expiration": "{}"}}"#,
            iso(T0 - 60)
        ),
        "",
    ));
    assert_eq!(e.kind(), "expired");
    let e = run(Err("No such file or directory (os error 2)".into()));
    assert_eq!(e.kind(), "command_not_run");
    assert!(e.to_string().contains("could not run: No such file"), "{e}");
}

#[test]
fn nothing_found_lists_every_source() {
    let mut fake = Fake::new().http(
        "PUT",
        "/latest/api/token",
        Err(HttpFailure::connect("connection refused")),
    );
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "not_found");
    let text = e.to_string();
    for expected in [
        "environment (AWS_ACCESS_KEY_ID not set)",
        "shared files (no profile 'default' in /home/u/.aws/config or /home/u/.aws/credentials)",
        "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)",
        "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set)",
        "EC2 instance metadata (unreachable: connection failed: connection refused)",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    let error = crate::error::Error::from(e);
    assert_eq!(error.kind(), crate::error::ErrorKind::NoCredentials);
    assert!(
        error
            .message()
            .starts_with("no AWS credentials provider found: tried environment")
    );
    assert!(error.hint().unwrap().contains("AWS_BEARER_TOKEN_BEDROCK"));
    fake.assert_scripts_used();
}
