//! Where the chain sends STS and SSO portal requests: the route's region and its partition,
//! FIPS and dual-stack, and configured endpoints in botocore's order.

use super::*;
use crate::credentials::source::token_cache_hash;

const WEB_IDENTITY: &str = "[default]\nweb_identity_token_file = /t\nrole_arn = arn:aws:iam::1:role/P\nrole_session_name = s\n";

/// Runs a web identity resolution with `config` (appended to the default profile) and `env`;
/// returns the STS request's `(https, host, port)`, or the error text.
fn sts_target(
    chain: ChainConfig,
    extra_config: &str,
    env: &[(&str, &str)],
) -> Result<(bool, String, u16), String> {
    let mut fake = Fake::new()
        .config(&format!("{WEB_IDENTITY}{extra_config}"))
        .file("/t", "S3CR3T");
    for (name, value) in env {
        fake = fake.env(name, value);
    }
    fake = fake.http(
        "POST",
        "/",
        ok(&sts_success(
            "AssumeRoleWithWebIdentity",
            "ASIAW",
            T0 + 3600,
        )),
    );
    match fake.chain_with(chain) {
        Ok(_) => {
            let request = &fake.requests[0];
            Ok((request.https, request.host.clone(), request.port))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn https(host: &str) -> Result<(bool, String, u16), String> {
    Ok((true, host.into(), 443))
}

#[test]
fn sts_uses_the_routes_region_and_partition() {
    // The host passes the route's region (a China or GovCloud base_url) as the chain's region:
    // it wins over AWS_REGION, as botocore's STS client takes the calling client's region.
    for (region, host) in [
        ("cn-north-1", "sts.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", "sts.us-gov-west-1.amazonaws.com"),
        ("us-iso-east-1", "sts.us-iso-east-1.c2s.ic.gov"),
        ("us-isob-east-1", "sts.us-isob-east-1.sc2s.sgov.gov"),
        ("eu-isoe-west-1", "sts.eu-isoe-west-1.cloud.adc-e.uk"),
        ("us-isof-south-1", "sts.us-isof-south-1.csp.hci.ic.gov"),
        ("eusc-de-east-1", "sts.eusc-de-east-1.amazonaws.eu"),
    ] {
        assert_eq!(
            sts_target(
                ChainConfig::new().with_region(region),
                "",
                &[("AWS_REGION", "us-east-1")]
            ),
            https(host),
            "{region}"
        );
    }
    // Signed for the route's region (AssumeRole from a static source profile).
    let mut fake = Fake::new()
        .config("[default]\nrole_arn = arn:aws:iam::1:role/R\nsource_profile = base\n[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = S3CR3T\n")
        .http("POST", "/", ok(&sts_success("AssumeRole", "ASIACN", T0 + 3600)));
    fake.chain_with(ChainConfig::new().with_region("cn-northwest-1"))
        .unwrap();
    assert_eq!(fake.requests[0].host, "sts.cn-northwest-1.amazonaws.com.cn");
    assert!(
        fake.requests[0]
            .header("Authorization")
            .unwrap()
            .contains("/cn-northwest-1/sts/aws4_request")
    );
}

#[test]
fn sts_fips_and_dual_stack() {
    let none = ChainConfig::new;
    let in_region = |r: &str| ChainConfig::new().with_region(r);
    let fips = [("AWS_USE_FIPS_ENDPOINT", "true")];
    let both = [
        ("AWS_USE_FIPS_ENDPOINT", "TRUE"),
        ("AWS_USE_DUALSTACK_ENDPOINT", "true"),
    ];
    assert_eq!(
        sts_target(none(), "", &fips),
        https("sts-fips.us-east-1.amazonaws.com")
    );
    assert_eq!(
        sts_target(none(), "", &both),
        https("sts-fips.us-east-1.api.aws")
    );
    // Profile keys; the environment wins when set, whatever its value (botocore's config store).
    assert_eq!(
        sts_target(
            in_region("eu-west-1"),
            "use_dualstack_endpoint = true\n",
            &[]
        ),
        https("sts.eu-west-1.api.aws")
    );
    assert_eq!(
        sts_target(
            in_region("eu-west-1"),
            "use_dualstack_endpoint = true\n",
            &[("AWS_USE_DUALSTACK_ENDPOINT", "false")]
        ),
        https("sts.eu-west-1.amazonaws.com")
    );
    // GovCloud STS is FIPS already: FIPS alone keeps the host (the STS rule set).
    assert_eq!(
        sts_target(
            in_region("us-gov-east-1"),
            "use_fips_endpoint = true\n",
            &[]
        ),
        https("sts.us-gov-east-1.amazonaws.com")
    );
    assert_eq!(
        sts_target(in_region("us-gov-east-1"), "", &both),
        https("sts-fips.us-gov-east-1.api.aws")
    );
    assert_eq!(
        sts_target(in_region("cn-north-1"), "", &both),
        https("sts-fips.cn-north-1.api.amazonwebservices.com.cn")
    );
}

#[test]
fn configured_endpoints_in_botocores_order() {
    let services = "services = local\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:3003\nbedrock_runtime =\n  endpoint_url = http://127.0.0.1:9\n";
    let profile_global = "endpoint_url = http://127.0.0.1:3004\n";
    let all_env = [
        ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:3001"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:3002"),
    ];
    let local = |port| Ok((false, "127.0.0.1".to_string(), port));
    let both = format!("{profile_global}{services}");
    // 1. AWS_ENDPOINT_URL_STS
    assert_eq!(sts_target(ChainConfig::new(), &both, &all_env), local(3001));
    // 2. AWS_ENDPOINT_URL
    assert_eq!(
        sts_target(ChainConfig::new(), &both, &all_env[1..]),
        local(3002)
    );
    // 3. the profile's services section, the `sts` block
    assert_eq!(sts_target(ChainConfig::new(), &both, &[]), local(3003));
    // 4. the profile's endpoint_url (the services section has no `sts` block)
    let other_service = "services = local\n[services local]\nbedrock_runtime =\n  endpoint_url = http://127.0.0.1:9\n";
    assert_eq!(
        sts_target(
            ChainConfig::new(),
            &format!("{profile_global}{other_service}"),
            &[]
        ),
        local(3004)
    );
    // Ignored: by the environment, or by the profile.
    assert_eq!(
        sts_target(
            ChainConfig::new(),
            &both,
            &[
                all_env[0],
                all_env[1],
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
            ]
        ),
        https("sts.us-east-1.amazonaws.com")
    );
    assert_eq!(
        sts_target(
            ChainConfig::new(),
            &format!("ignore_configured_endpoint_urls = true\n{both}"),
            &all_env
        ),
        https("sts.us-east-1.amazonaws.com")
    );

    // A profile naming a services section that does not exist (botocore: InvalidConfigError).
    let e = sts_target(ChainConfig::new(), "services = nope\n", &[]).unwrap_err();
    assert!(e.contains("services section 'nope'"), "{e}");
    // A custom endpoint with FIPS is refused, as the rule sets refuse it.
    let e = sts_target(
        ChainConfig::new(),
        profile_global,
        &[("AWS_USE_FIPS_ENDPOINT", "true")],
    )
    .unwrap_err();
    assert!(e.contains("cannot be combined with FIPS"), "{e}");
    // A remote plain-http endpoint from the profile is refused too.
    let e = sts_target(
        ChainConfig::new(),
        "endpoint_url = http://sts.example.com\n",
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("profile 'default' endpoint_url must be https"),
        "{e}"
    );
}

#[test]
fn sso_portal_in_the_sso_regions_partition() {
    let start_url = "https://corp.awsapps.cn/start";
    let cache = format!(
        "/home/u/.aws/sso/cache/{}.json",
        token_cache_hash(start_url)
    );
    let token = format!(
        r#"{{"startUrl":"{start_url}","region":"cn-north-1","accessToken":"S3CR3T-a","expiresAt":"{}"}}"#,
        iso(T0 + 3600)
    );
    let portal = format!(
        r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO","secretAccessKey":"S3CR3T","sessionToken":"S3CR3T-t","expiration":{}}}}}"#,
        (T0 + 3600) * 1000
    );
    for (extra, env, host) in [
        ("", None, "portal.sso.cn-north-1.amazonaws.com.cn"),
        (
            "use_fips_endpoint = true\n",
            None,
            "portal.sso-fips.cn-north-1.amazonaws.com.cn",
        ),
        (
            "services = s\n[services s]\nsso =\n  endpoint_url = https://sso.internal.example\n",
            None,
            "sso.internal.example",
        ),
        (
            "",
            Some(("AWS_ENDPOINT_URL_SSO", "https://sso.env.example")),
            "sso.env.example",
        ),
    ] {
        let mut fake = Fake::new()
            .config(&format!(
                "[default]\nsso_start_url = {start_url}\nsso_region = cn-north-1\nsso_account_id = 1\nsso_role_name = R\n{extra}"
            ))
            .file(&cache, &token)
            .http("GET", "/federation/credentials?role_name=R&account_id=1", ok(&portal));
        if let Some((name, value)) = env {
            fake = fake.env(name, value);
        }
        assert_eq!(fake.chain().unwrap().credentials.access_key_id(), "ASIASSO");
        assert_eq!(fake.requests[0].host, host);
    }
}
