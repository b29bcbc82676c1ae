//! Shared-file discovery, malformed files, missing profiles, and the region machine.

use super::*;

#[test]
fn file_locations_come_from_the_environment_or_home() {
    let mut fake = Fake::new()
        .env("AWS_CONFIG_FILE", "~/custom/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/creds")
        .file("/home/u/custom/config", "[default]\nregion = eu-west-1\n")
        .file(
            "/etc/aws/creds",
            "[default]\naws_access_key_id = AKIAETC\naws_secret_access_key = S3CR3T\n",
        );
    let resolved = fake.chain().unwrap();
    assert_eq!(resolved.credentials.access_key_id(), "AKIAETC");
    assert!(
        fake.asked
            .contains(&Need::File("/home/u/custom/config".into()))
    );
    assert!(
        !fake
            .asked
            .contains(&Need::File("/home/u/.aws/config".into()))
    );

    // A home with a trailing separator (Windows style works too: the OS accepts '/').
    let mut fake = Fake::new();
    fake.home = Some("C:\\Users\\u\\".into());
    fake.files.insert(
        "C:\\Users\\u/.aws/credentials".into(),
        b"[default]\naws_access_key_id = AKIAWIN\naws_secret_access_key = S3CR3T\n".to_vec(),
    );
    assert_eq!(fake.chain().unwrap().credentials.access_key_id(), "AKIAWIN");

    // No home directory and no explicit paths: the files are skipped, not an error.
    let mut fake = Fake::new().env("AWS_EC2_METADATA_DISABLED", "true");
    fake.home = None;
    let e = fake.chain().unwrap_err();
    assert!(e.to_string().contains("(no home directory)"), "{e}");
    assert!(
        e.to_string()
            .contains("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"),
        "{e}"
    );
}

#[test]
fn a_malformed_file_names_the_file_and_line_but_not_the_text() {
    let mut fake = Fake::new().credentials(
        "[default]\naws_access_key_id = AKIA\n# comment\nwJalrXUtnFEMI/S3CR3T-pasted-without-a-key\n",
    );
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "malformed_file");
    assert_eq!(
        e.to_string(),
        "/home/u/.aws/credentials, line 4: expected '[section]' or 'key = value'"
    );
    assert!(e.hint().unwrap().contains("key = value"));
    let error = crate::error::Error::from(e);
    assert_eq!(error.kind(), crate::error::ErrorKind::Configuration);

    let mut fake = Fake::new().config("region = us-east-1\n");
    let e = fake.chain().unwrap_err();
    assert!(
        matches!(e.problem(), Problem::MalformedFile { line: 1, path, .. } if path == "/home/u/.aws/config")
    );

    let mut fake = Fake::new();
    fake.unreadable
        .insert("/home/u/.aws/config".into(), "permission denied".into());
    let e = fake.chain().unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot read /home/u/.aws/config: permission denied"
    );

    let mut fake = Fake::new();
    fake.files
        .insert("/home/u/.aws/config".into(), alloc::vec![0xff, 0xfe]);
    assert_eq!(fake.chain().unwrap_err().kind(), "unreadable_file");
}

#[test]
fn a_named_profile_must_exist() {
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "prod")
        .config("[profile dev]\nregion = us-east-1\n");
    let e = fake.chain().unwrap_err();
    assert_eq!(e.kind(), "profile_not_found");
    assert_eq!(
        e.to_string(),
        "profile 'prod': profile 'prod' is not in /home/u/.aws/config or /home/u/.aws/credentials (check AWS_PROFILE and the profile name)"
    );
    // The default profile may be absent.
    let mut fake = Fake::new()
        .config("[profile dev]\nregion = us-east-1\n")
        .env("AWS_EC2_METADATA_DISABLED", "TRUE");
    assert_eq!(fake.chain().unwrap_err().kind(), "not_found");
    // A profile without credentials is "not found", said once.
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config("[profile dev]\nregion = us-east-1\n")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let text = fake.chain().unwrap_err().to_string();
    assert_eq!(
        text.matches("profile 'dev' (no credentials configured in it)")
            .count(),
        1,
        "{text}"
    );
}

#[test]
fn region_resolution() {
    let region = |fake: &mut Fake, profile: Option<&str>| {
        fake.run(&mut RegionMachine::new(profile)).unwrap()
    };
    let mut fake = Fake::new()
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_DEFAULT_REGION", "us-west-2");
    assert_eq!(region(&mut fake, None).as_deref(), Some("eu-central-1"));
    assert!(
        !fake.asked.iter().any(|n| matches!(n, Need::File(_))),
        "env wins before any file is read"
    );
    let mut fake = Fake::new().env("AWS_DEFAULT_REGION", "us-west-2");
    assert_eq!(region(&mut fake, None).as_deref(), Some("us-west-2"));
    let mut fake = Fake::new()
        .env("AWS_PROFILE", "dev")
        .config("[default]\nregion = us-east-1\n[profile dev]\nregion = ap-south-1\n");
    assert_eq!(region(&mut fake, None).as_deref(), Some("ap-south-1"));
    assert_eq!(
        region(&mut fake, Some("default")).as_deref(),
        Some("us-east-1")
    );
    let mut fake = Fake::new();
    assert_eq!(region(&mut fake, None), None);
    let mut fake = Fake::new().config("[default\n");
    let e = fake.run(&mut RegionMachine::new(None)).unwrap_err();
    assert_eq!(e.kind(), "malformed_file");
}

#[test]
fn client_settings_from_the_environment_then_the_profile() {
    let ca = |fake: &mut Fake| {
        fake.run(&mut SettingMachine::new(None, "AWS_CA_BUNDLE", "ca_bundle"))
            .unwrap()
    };
    let config =
        "[default]\nca_bundle = /etc/default.pem\n[profile corp]\nca_bundle = /etc/corp.pem\n";
    let mut fake = Fake::new()
        .env("AWS_CA_BUNDLE", "/env/ca.pem")
        .config(config);
    assert_eq!(ca(&mut fake).as_deref(), Some("/env/ca.pem"));
    assert!(
        !fake.asked.iter().any(|n| matches!(n, Need::File(_))),
        "the environment wins before any file is read"
    );
    let mut fake = Fake::new().env("AWS_PROFILE", "corp").config(config);
    assert_eq!(ca(&mut fake).as_deref(), Some("/etc/corp.pem"));
    let mut fake = Fake::new().config(config);
    assert_eq!(ca(&mut fake).as_deref(), Some("/etc/default.pem"));
    let mut fake = Fake::new();
    assert_eq!(ca(&mut fake), None);
}
