//! A route's credential list: bearer from the environment and the vault, then SigV4.

use super::*;
use crate::auth::Auth;
use crate::catalog::Provider;
use crate::settings::CredentialRef;

fn resolve(fake: &mut Fake, refs: &[CredentialRef]) -> Result<ResolvedAuth, CredentialsError> {
    let mut machine = AuthMachine::new(refs, ChainConfig::default());
    let result = fake.run(&mut machine);
    assert!(machine.is_done());
    assert_redacted(&format!("{machine:?}"));
    result
}

fn env_keys(fake: Fake) -> Fake {
    fake.env("AWS_ACCESS_KEY_ID", "AKIAENV")
        .env("AWS_SECRET_ACCESS_KEY", "S3CR3T")
}

#[test]
fn bearer_from_the_environment_wins_when_listed_first() {
    let refs = CredentialRef::defaults(Provider::Bedrock);
    let mut fake = env_keys(Fake::new()).env("AWS_BEARER_TOKEN_BEDROCK", "  ABSKS3CR3Tkey\n");
    let resolved = resolve(&mut fake, &refs).unwrap();
    assert_eq!(resolved.auth, Auth::bearer("ABSKS3CR3Tkey"));
    assert_eq!(
        resolved.reference,
        CredentialRef::Env("AWS_BEARER_TOKEN_BEDROCK".into())
    );
    assert_eq!(resolved.expires_at(), None);
    assert_eq!(resolved.source(), None);
    assert_eq!(
        fake.env_asks("AWS_ACCESS_KEY_ID"),
        0,
        "SigV4 is never consulted"
    );

    // Blank counts as absent; the second variable is next.
    let mut fake = env_keys(Fake::new())
        .env("AWS_BEARER_TOKEN_BEDROCK", "   ")
        .env("BEDROCK_API_KEY", "bedrock-api-key-S3CR3T");
    let resolved = resolve(&mut fake, &refs).unwrap();
    assert_eq!(
        resolved.reference,
        CredentialRef::Env("BEDROCK_API_KEY".into())
    );
}

#[test]
fn vault_then_sigv4() {
    let refs = CredentialRef::defaults(Provider::Bedrock);
    let mut fake = env_keys(Fake::new());
    fake.vault.insert(
        "BEDROCK_API_KEY".into(),
        Ok(Some("ABSK-S3CR3T-vault".into())),
    );
    let resolved = resolve(&mut fake, &refs).unwrap();
    assert_eq!(
        resolved.reference,
        CredentialRef::Vault("BEDROCK_API_KEY".into())
    );
    assert_eq!(resolved.auth, Auth::bearer("ABSK-S3CR3T-vault"));

    // Nothing in the environment or the vault: SigV4 from the chain.
    let mut fake = env_keys(Fake::new()).env("AWS_CREDENTIAL_EXPIRATION", &iso(T0 + 600));
    let resolved = resolve(&mut fake, &refs).unwrap();
    assert_eq!(resolved.reference, CredentialRef::AwsSigV4);
    assert_eq!(resolved.source(), Some(SourceKind::Environment));
    assert!(matches!(&resolved.auth, Auth::SigV4(c) if c.access_key_id() == "AKIAENV"));
    assert_eq!(resolved.expires_at(), Some(at(T0 + 600)));

    // A vault that cannot be read is an error, not a silent fall-through.
    let mut fake = env_keys(Fake::new());
    fake.vault.insert(
        "AWS_BEARER_TOKEN_BEDROCK".into(),
        Err("vault /home/u/.config/bedrock/vault.toml is readable by other users: run `chmod 600 /home/u/.config/bedrock/vault.toml`".into()),
    );
    let e = resolve(&mut fake, &refs).unwrap_err();
    assert_eq!(e.kind(), "vault");
    assert!(
        e.to_string().starts_with(
            "vault:AWS_BEARER_TOKEN_BEDROCK: vault /home/u/.config/bedrock/vault.toml is readable"
        ),
        "{e}"
    );
    assert_eq!(
        crate::error::Error::from(e).kind(),
        crate::error::ErrorKind::Configuration
    );
}

#[test]
fn sigv4_first_when_the_list_says_so() {
    let refs = [
        CredentialRef::AwsSigV4,
        CredentialRef::Env("AWS_BEARER_TOKEN_BEDROCK".into()),
    ];
    let mut fake = env_keys(Fake::new()).env("AWS_BEARER_TOKEN_BEDROCK", "ABSKS3CR3T");
    assert_eq!(resolve(&mut fake, &refs).unwrap().auth.scheme(), "sigv4");
    // A broken SigV4 source is an error even when a bearer key follows.
    let mut fake = Fake::new()
        .env("AWS_ACCESS_KEY_ID", "AKIA")
        .env("AWS_BEARER_TOKEN_BEDROCK", "ABSKS3CR3T");
    assert_eq!(
        resolve(&mut fake, &refs).unwrap_err().kind(),
        "partial_credentials"
    );
    // A SigV4 chain that finds nothing falls through to the bearer key.
    let mut fake = Fake::new()
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_BEARER_TOKEN_BEDROCK", "ABSKS3CR3T");
    assert_eq!(resolve(&mut fake, &refs).unwrap().auth.scheme(), "bearer");
}

#[test]
fn nothing_resolved_is_the_products_no_credentials_error() {
    let refs = CredentialRef::defaults(Provider::Bedrock);
    let mut fake = Fake::new().env("AWS_EC2_METADATA_DISABLED", "true");
    let e = resolve(&mut fake, &refs).unwrap_err();
    assert_eq!(e.kind(), "not_found");
    let error = crate::error::Error::from(e);
    assert_eq!(error.kind(), crate::error::ErrorKind::NoCredentials);
    let message = error.message();
    assert!(
        message.starts_with(
            "no AWS credentials provider found: tried env:AWS_BEARER_TOKEN_BEDROCK (not set), env:BEDROCK_API_KEY (not set), \
             vault:AWS_BEARER_TOKEN_BEDROCK (not stored), vault:BEDROCK_API_KEY (not stored), aws_sigv4 (environment (AWS_ACCESS_KEY_ID not set); "
        ),
        "{message}"
    );
    assert!(
        message.contains("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED))"),
        "{message}"
    );
    assert!(
        error
            .hint()
            .unwrap()
            .starts_with("set AWS_BEARER_TOKEN_BEDROCK (or BEDROCK_API_KEY)")
    );

    // bedrock-openai has no aws_sigv4 entry.
    let refs = CredentialRef::defaults(Provider::BedrockOpenai);
    let mut fake = Fake::new();
    let e = resolve(&mut fake, &refs).unwrap_err();
    assert!(
        e.to_string()
            .contains("no aws_sigv4 entry: this list takes Bedrock API keys only"),
        "{e}"
    );
    // Its one hint says a key is needed, not AWS credentials.
    let hint = crate::error::Error::from(e).hint().unwrap();
    assert!(
        hint.starts_with("this provider takes a Bedrock API key"),
        "{hint}"
    );
    assert!(!hint.contains("AWS_ACCESS_KEY_ID"), "{hint}");
    assert!(
        !fake
            .asked
            .iter()
            .any(|n| matches!(n, Need::File(_) | Need::Http(_)))
    );

    // A key with spaces inside is refused (it could not be a header value).
    let mut fake = Fake::new().env("AWS_BEARER_TOKEN_BEDROCK", "ABSK S3CR3T");
    assert_eq!(
        resolve(
            &mut fake,
            &[CredentialRef::Env("AWS_BEARER_TOKEN_BEDROCK".into())]
        )
        .unwrap_err()
        .kind(),
        "invalid_credentials"
    );
}
