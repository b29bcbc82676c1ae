//! The Bedrock Runtime endpoint as the SDKs resolve it: configured endpoints in botocore's
//! order, FIPS and dual-stack, on real shared config files in a temp directory.

mod common;

use bedrock_core::catalog::Provider;
use bedrock_core::settings::{RouteInputs, Settings};
use bedrock_host::{ClientSetup, Env, Host, Overrides};
use common::TempDir;

const MODEL: &str = "amazon.nova-2-lite";

/// The Bedrock route's `(base_url, region)` with `config` as `~/.aws/config`, `env` and
/// `settings` (a settings file body after the provider header); or the setup error.
fn bedrock_route(
    config: &str,
    env: &[(&str, &str)],
    settings: &str,
    overrides: &Overrides,
) -> Result<(String, String), String> {
    let home = TempDir::new("endpoints");
    home.write(".aws/config", config);
    let mut vars = Env::from_pairs([("HOME", home.str())]);
    for (name, value) in env {
        vars = vars.with(*name, *value);
    }
    let settings = Settings::parse(&format!(
        "[llm.providers.bedrock]\nenabled = true\n{settings}"
    ))
    .unwrap();
    let setup = ClientSetup::with_settings(Host::with_env(vars), settings, overrides)
        .map_err(|e| e.to_string())?;
    let route = setup
        .settings
        .route(MODEL, &RouteInputs::with_region(setup.region.as_deref()))
        .map_err(|e| e.to_string())?;
    assert_eq!(route.provider, Provider::Bedrock);
    Ok((route.base_url, route.region))
}

fn ok(base_url: &str, region: &str) -> Result<(String, String), String> {
    Ok((base_url.into(), region.into()))
}

#[test]
fn configured_runtime_endpoints_in_botocores_order() {
    let none = Overrides::new();
    let config = "[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:4004\nservices = local\n\
                  [services local]\nbedrock_runtime =\n  endpoint_url = http://127.0.0.1:4003\n";
    let env = [
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:4001"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:4002"),
    ];
    assert_eq!(
        bedrock_route(config, &env, "", &none),
        ok("http://127.0.0.1:4001", "eu-west-1")
    );
    assert_eq!(
        bedrock_route(config, &env[1..], "", &none),
        ok("http://127.0.0.1:4002", "eu-west-1")
    );
    assert_eq!(
        bedrock_route(config, &[], "", &none),
        ok("http://127.0.0.1:4003", "eu-west-1")
    );
    let without_block = "[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:4004\nservices = local\n\
                         [services local]\nsts =\n  endpoint_url = http://127.0.0.1:9\n";
    assert_eq!(
        bedrock_route(without_block, &[], "", &none),
        ok("http://127.0.0.1:4004", "eu-west-1")
    );
    // Ignored: the settings file's base_url (or the computed one) serves.
    let ignore = [
        env[0],
        env[1],
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
    ];
    assert_eq!(
        bedrock_route(config, &ignore, "", &none),
        ok(
            "https://bedrock-runtime.eu-west-1.amazonaws.com",
            "eu-west-1"
        )
    );
    assert_eq!(
        bedrock_route(
            &format!("{config}[profile other]\n"),
            &[("AWS_PROFILE", "default")],
            "base_url = \"https://bedrock-runtime.us-west-2.amazonaws.com\"\n",
            &none
        ),
        ok("http://127.0.0.1:4003", "eu-west-1"),
        "a configured endpoint replaces the settings file's, as AWS_ENDPOINT_URL_BEDROCK_RUNTIME did"
    );
    // --base-url wins over everything.
    let cli = Overrides::new().endpoint(MODEL, Some("http://127.0.0.1:4000".into()), None);
    assert_eq!(
        bedrock_route(config, &env, "", &cli),
        ok("http://127.0.0.1:4000", "eu-west-1")
    );
    // A profile naming a missing services section is an error.
    let e = bedrock_route("[default]\nservices = nope\n", &[], "", &none).unwrap_err();
    assert!(e.contains("services section 'nope'"), "{e}");
}

#[test]
fn fips_and_dual_stack_runtime_endpoints() {
    let none = Overrides::new();
    let region = [("AWS_REGION", "us-west-2")];
    assert_eq!(
        bedrock_route(
            "",
            &[region[0], ("AWS_USE_FIPS_ENDPOINT", "true")],
            "",
            &none
        ),
        ok(
            "https://bedrock-runtime-fips.us-west-2.amazonaws.com",
            "us-west-2"
        )
    );
    assert_eq!(
        bedrock_route(
            "[default]\nuse_dualstack_endpoint = true\nuse_fips_endpoint = true\n",
            &region,
            "",
            &none
        ),
        ok(
            "https://bedrock-runtime-fips.us-west-2.api.aws",
            "us-west-2"
        )
    );
    assert_eq!(
        bedrock_route(
            "[default]\nuse_dualstack_endpoint = true\n",
            &[("AWS_REGION", "cn-north-1")],
            "",
            &none
        ),
        ok(
            "https://bedrock-runtime.cn-north-1.api.amazonwebservices.com.cn",
            "cn-north-1"
        )
    );
    // --region picks the region the FIPS endpoint is computed for.
    let cli = Overrides::new().endpoint(MODEL, None, Some("us-east-2".into()));
    assert_eq!(
        bedrock_route(
            "",
            &[region[0], ("AWS_USE_FIPS_ENDPOINT", "true")],
            "",
            &cli
        ),
        ok(
            "https://bedrock-runtime-fips.us-east-2.amazonaws.com",
            "us-east-2"
        )
    );
    // An explicit base_url in the settings file is used verbatim.
    assert_eq!(
        bedrock_route(
            "",
            &[region[0], ("AWS_USE_FIPS_ENDPOINT", "true")],
            "base_url = \"https://bedrock-runtime.us-east-1.amazonaws.com\"\n",
            &none
        ),
        ok(
            "https://bedrock-runtime.us-east-1.amazonaws.com",
            "us-east-1"
        )
    );
    // A configured custom endpoint with FIPS is refused, as the rule set refuses it.
    let e = bedrock_route(
        "[default]\nendpoint_url = https://proxy.example\n",
        &[region[0], ("AWS_USE_FIPS_ENDPOINT", "true")],
        "",
        &none,
    )
    .unwrap_err();
    assert!(e.contains("profile 'default' endpoint_url"), "{e}");
    assert!(e.contains("AWS_USE_FIPS_ENDPOINT"), "{e}");
}
