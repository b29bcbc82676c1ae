//! The vault and the settings file, on real files in a temp directory.

mod common;

use bedrock_host::{Env, Host, HostError, Vault, VaultError};
use common::{TempDir, assert_redacted};

#[test]
fn vault_round_trip() {
    let dir = TempDir::new("vault");
    let vault = Vault::at(dir.join("nested/bedrock/vault.toml"));
    assert_eq!(
        vault.names().unwrap(),
        Vec::<String>::new(),
        "a missing file is an empty vault"
    );
    assert!(vault.get("BEDROCK_API_KEY").unwrap().is_none());

    vault.set("BEDROCK_API_KEY", "  ABSK-S3CR3T-1 \n").unwrap();
    vault
        .set("AWS_BEARER_TOKEN_BEDROCK", "quote\"back\\slash-S3CR3T")
        .unwrap();
    assert_eq!(
        vault.get("BEDROCK_API_KEY").unwrap().unwrap().expose(),
        "ABSK-S3CR3T-1"
    );
    assert_eq!(
        vault
            .get("AWS_BEARER_TOKEN_BEDROCK")
            .unwrap()
            .unwrap()
            .expose(),
        "quote\"back\\slash-S3CR3T"
    );
    assert_eq!(
        vault.names().unwrap(),
        ["AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_API_KEY"]
    );
    assert_redacted(&format!("{:?}", vault.get("BEDROCK_API_KEY").unwrap()));
    assert_redacted(&format!("{vault:?}"));

    vault.set("BEDROCK_API_KEY", "ABSK-S3CR3T-2").unwrap();
    assert_eq!(
        vault.get("BEDROCK_API_KEY").unwrap().unwrap().expose(),
        "ABSK-S3CR3T-2"
    );
    assert!(vault.remove("BEDROCK_API_KEY").unwrap());
    assert!(!vault.remove("BEDROCK_API_KEY").unwrap());
    assert_eq!(vault.names().unwrap(), ["AWS_BEARER_TOKEN_BEDROCK"]);

    for bad in ["", "1ABC", "A-B", "a b", "x:y"] {
        assert!(
            matches!(vault.set(bad, "v"), Err(VaultError::InvalidName { .. })),
            "{bad}"
        );
    }
    for bad in ["", "   ", "a\u{7}b"] {
        let e = vault.set("OK", bad).unwrap_err();
        assert!(matches!(e, VaultError::InvalidValue));
        assert!(!e.to_string().contains('\u{7}'));
    }
}

#[cfg(unix)]
#[test]
fn vault_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("vault-perm");
    let path = dir.join("bedrock/vault.toml");
    let vault = Vault::at(&path);
    vault.set("BEDROCK_API_KEY", "ABSK-S3CR3T").unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.join("bedrock")), 0o700);

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = vault.get("BEDROCK_API_KEY").unwrap_err();
    assert!(matches!(e, VaultError::Permissions { mode, .. } if mode & 0o777 == 0o644));
    let text = e.to_string();
    assert!(text.contains("mode 0644"), "{text}");
    assert!(
        text.ends_with(&format!("run `chmod 600 {}`", path.display())),
        "{text}"
    );
    assert_redacted(&text);
    let error = bedrock_core::error::Error::from(e);
    assert_eq!(error.origin(), bedrock_core::error::Origin::Vault);
    assert!(matches!(
        error.find_source::<VaultError>(),
        Some(VaultError::Permissions { .. })
    ));
    // Writing needs reading first: refused too, and the file is left alone.
    assert!(matches!(
        vault.set("X", "y"),
        Err(VaultError::Permissions { .. })
    ));
    assert_eq!(mode(&path), 0o644);
    // Group-readable is refused as well; 0600 / 0400 are fine.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(vault.get("BEDROCK_API_KEY").is_err());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
    assert!(vault.get("BEDROCK_API_KEY").unwrap().is_some());

    // The error reaches the credential list as a vault failure naming the fix.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o604)).unwrap();
    let host = Host::with_env(Env::from_pairs([("HOME", dir.str())])).with_vault(vault);
    let error = host
        .resolve_auth(
            &[bedrock_core::settings::CredentialRef::Vault(
                "BEDROCK_API_KEY".into(),
            )],
            bedrock_core::credentials::ChainConfig::default(),
        )
        .unwrap_err();
    assert_eq!(error.kind(), bedrock_core::error::ErrorKind::Configuration);
    assert!(error.message().contains("chmod 600"), "{error}");
}

#[test]
fn vault_writes_are_atomic() {
    let dir = TempDir::new("vault-atomic");
    let path = dir.join("vault.toml");
    let vault = Vault::at(&path);
    vault.set("A", "S3CR3T-a").unwrap();
    vault.set("B", "S3CR3T-b").unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // The lock file stays: removing it would let a waiting writer lock a file no one else sees.
    assert_eq!(
        listing(),
        ["vault.toml", "vault.toml.lock"],
        "no temporary file left behind"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# bedrock secret vault"));
    assert!(
        text.contains("A = \"S3CR3T-a\"\nB = \"S3CR3T-b\"\n"),
        "{text}"
    );

    // A failed write (the target is a directory) leaves no partial file and reports the path,
    // never the value. (A failed rename after the temporary file was written is a unit test of
    // the crate.)
    let blocked = Vault::at(dir.join("blocked"));
    std::fs::create_dir_all(dir.join("blocked/inner")).unwrap();
    let e = blocked.set("A", "S3CR3T-new").unwrap_err();
    assert!(matches!(e, VaultError::Io { .. }), "{e:?}");
    assert_redacted(&e.to_string());
    assert_eq!(
        listing(),
        ["blocked", "blocked.lock", "vault.toml", "vault.toml.lock"]
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

/// Writers racing on one vault (each its own `Vault` and file handles, as separate processes
/// would be) never lose an entry: every read-modify-write holds the vault's lock.
#[test]
fn concurrent_writers_lose_no_entry() {
    let dir = TempDir::new("vault-concurrent");
    let path = dir.join("vault.toml");
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let path = path.clone();
            std::thread::spawn(move || {
                let vault = Vault::at(&path);
                for i in 0..25 {
                    vault
                        .set(&format!("W{writer}_{i}"), &format!("S3CR3T-{writer}-{i}"))
                        .unwrap();
                }
                vault.remove(&format!("W{writer}_0")).unwrap();
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let vault = Vault::at(&path);
    let names = vault.names().unwrap();
    assert_eq!(names.len(), 4 * 24, "{names:?}");
    for writer in 0..4 {
        assert_eq!(vault.get(&format!("W{writer}_0")).unwrap(), None);
        for i in 1..25 {
            let value = vault.get(&format!("W{writer}_{i}")).unwrap().unwrap();
            assert_eq!(value.expose(), &format!("S3CR3T-{writer}-{i}"));
        }
    }
}

#[test]
fn malformed_vaults_name_the_line_not_the_value() {
    let dir = TempDir::new("vault-bad");
    let path = dir.write("vault.toml", "A = \"ok\"\nB = 5\n");
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let e = Vault::at(&path).names().unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("vault {path}, line 2: entry \"B\" is not a string")
    );
    std::fs::write(&path, "A = \"S3CR3T\nB = 1\n").unwrap();
    let e = Vault::at(&path).names().unwrap_err();
    assert!(
        matches!(e, VaultError::Malformed { line: Some(1), .. }),
        "{e:?}"
    );
    assert_redacted(&e.to_string());
}

#[test]
fn settings_discovery() {
    let home = TempDir::new("settings");
    let host = Host::with_env(Env::from_pairs([("HOME", home.str())]));
    assert_eq!(host.config_dir(), Some(home.join(".config")));
    assert_eq!(
        host.settings_path(),
        Some(home.join(".config/bedrock/settings.toml"))
    );
    // No file: both providers disabled, no error.
    let loaded = host.load_settings().unwrap();
    assert_eq!(loaded.path, None);
    assert!(
        !loaded
            .settings
            .provider(bedrock_core::catalog::Provider::Bedrock)
            .is_enabled()
    );
    assert_eq!(
        host.vault_for(&loaded).unwrap().path(),
        home.join(".config/bedrock/vault.toml")
    );

    // XDG_CONFIG_HOME (absolute only).
    let xdg = TempDir::new("xdg");
    xdg.write(
        "bedrock/settings.toml",
        "[llm.providers.bedrock]\nenabled = true\nbase_url = \"https://bedrock-runtime.us-west-2.amazonaws.com\"\n[llm.vault]\npath = \"secrets/vault.toml\"\n",
    );
    let host = Host::with_env(Env::from_pairs([
        ("HOME", home.str()),
        ("XDG_CONFIG_HOME", xdg.str()),
    ]));
    let loaded = host.load_settings().unwrap();
    assert_eq!(loaded.path, Some(xdg.join("bedrock/settings.toml")));
    assert!(
        loaded
            .settings
            .provider(bedrock_core::catalog::Provider::Bedrock)
            .is_enabled()
    );
    assert_eq!(
        host.vault_for(&loaded).unwrap().path(),
        xdg.join("bedrock/secrets/vault.toml")
    );
    let relative = Host::with_env(Env::from_pairs([
        ("HOME", home.str()),
        ("XDG_CONFIG_HOME", "relative/dir".to_string()),
    ]));
    assert_eq!(relative.config_dir(), Some(home.join(".config")));

    // BEDROCK_SETTINGS wins, with ~ expanded; a missing explicit file is an error.
    home.write("my.toml", "[llm.vault]\npath = \"~/v.toml\"\n");
    let host = Host::with_env(Env::from_pairs([
        ("HOME", home.str()),
        ("BEDROCK_SETTINGS", "~/my.toml".into()),
    ]));
    let (host, _settings) = Host::load(host.env().clone()).unwrap();
    assert_eq!(host.vault().unwrap().path(), home.join("v.toml"));
    let missing = Host::with_env(Env::from_pairs([
        ("HOME", home.str()),
        (
            "BEDROCK_SETTINGS",
            home.join("nope.toml").to_string_lossy().into_owned(),
        ),
    ]));
    assert!(matches!(
        missing.load_settings(),
        Err(HostError::MissingSettings { .. })
    ));

    // An invalid file names the file and the line, never a value.
    let bad = home.write(
        "bad.toml",
        "[llm.providers.bedrock]\nenabled = true\napi_key = \"S3CR3T\"\n",
    );
    let host = Host::with_env(Env::from_pairs([
        ("HOME", home.str()),
        ("BEDROCK_SETTINGS", bad.clone()),
    ]));
    let e = host.load_settings().unwrap_err();
    let text = e.to_string();
    assert!(text.starts_with(&format!("{bad}: line 3")), "{text}");
    assert_redacted(&text);
    let error = bedrock_core::error::Error::from(e);
    assert_eq!(error.kind(), bedrock_core::error::ErrorKind::Configuration);
    // The structure survives: the host error, and the settings error behind it.
    assert_eq!(error.origin(), bedrock_core::error::Origin::Settings);
    assert!(matches!(
        error.find_source::<HostError>(),
        Some(HostError::Settings { .. })
    ));
    let settings_error = error
        .find_source::<bedrock_core::settings::SettingsError>()
        .expect("the settings error is in the chain");
    assert_eq!(settings_error.line(), Some(3));
    assert_eq!(error.detail(), Some(settings_error.kind()));
    assert_redacted(&format!("{error:?}"));

    // No home at all.
    let nowhere = Host::with_env(Env::from_pairs::<[(&str, &str); 0], &str, &str>([]));
    assert_eq!(nowhere.settings_path(), None);
    assert!(matches!(
        nowhere.vault_for(&nowhere.load_settings().unwrap()),
        Err(HostError::NoConfigDir)
    ));
}

#[test]
fn region_from_env_and_profile() {
    let home = TempDir::new("region");
    home.write(".aws/config", "[profile dev]\nregion = ap-southeast-2\n");
    let host = Host::with_env(Env::from_pairs([
        ("HOME", home.str()),
        ("AWS_PROFILE", "dev".into()),
    ]));
    assert_eq!(
        host.region(None).unwrap().as_deref(),
        Some("ap-southeast-2")
    );
    let host = Host::with_env(host.env().clone().with("AWS_REGION", "us-west-2"));
    assert_eq!(host.region(None).unwrap().as_deref(), Some("us-west-2"));
}
