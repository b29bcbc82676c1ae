//! Forward proxies from the environment, read the way curl and ureq read them.
//!
//! | target | variables, first set wins |
//! |---|---|
//! | `https://` | `HTTPS_PROXY`, `https_proxy`, `ALL_PROXY`, `all_proxy` |
//! | `http://` | `HTTP_PROXY`, `http_proxy`, `ALL_PROXY`, `all_proxy` |
//! | exceptions | `NO_PROXY`, `no_proxy`: comma-separated; `*` (everything), a host name (itself and its subdomains; a leading `.` is optional), an IP address |
//!
//! A proxy is `http://[user:password@]host[:port]` (port 80 by default; a value without a
//! scheme is taken as `http://`). Calls reach the target through an HTTP `CONNECT` tunnel
//! ([`bedrock_core::http1::connect`]), so TLS stays end to end. Link-local hosts (the EC2 and
//! ECS metadata services) never go through a proxy.

use std::fmt;
use std::net::IpAddr;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use bedrock_core::percent::decode as percent_decode;
use bedrock_core::secret::Secret;

use crate::Env;

/// The proxies and exceptions of an environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    https: Option<Proxy>,
    http: Option<Proxy>,
    no_proxy: Vec<String>,
}

/// One HTTP proxy.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    user: Option<Secret<String>>,
    password: Option<Secret<String>>,
    authorization: Option<Secret<String>>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("authorization", &self.authorization.is_some())
            .finish()
    }
}

impl Proxy {
    /// The `Proxy-Authorization` value (`Basic …`) when the URL carried credentials.
    pub fn authorization(&self) -> Option<&str> {
        self.authorization.as_ref().map(|s| s.expose().as_str())
    }

    /// The user and password from the URL (percent-decoded), for an HTTP library that builds
    /// `Proxy-Authorization` itself.
    pub fn credentials(&self) -> Option<(&str, Option<&str>)> {
        let user = self.user.as_ref()?.expose().as_str();
        Some((user, self.password.as_ref().map(|p| p.expose().as_str())))
    }

    /// `host:port`, IPv6 in brackets: where to connect.
    pub fn authority(&self) -> String {
        authority(&self.host, self.port)
    }
}

/// `host:port` with an IPv6 host in brackets: a `CONNECT` target or a `Host` header.
pub fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A proxy setting that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyError {
    variable: &'static str,
    reason: String,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for ProxyError {}

impl ProxyConfig {
    /// No proxy.
    pub fn none() -> Self {
        Self::default()
    }

    /// The proxies `env` names.
    ///
    /// # Errors
    ///
    /// A [`ProxyError`] naming the variable (never its value: it may hold a password) for a
    /// scheme other than `http://`, or a malformed host or port.
    pub fn from_env(env: &Env) -> Result<Self, ProxyError> {
        let pick = |names: [&'static str; 4]| -> Result<Option<Proxy>, ProxyError> {
            for name in names {
                if let Some(value) = env.non_empty(name) {
                    return parse_proxy(&value).map(Some).map_err(|reason| ProxyError {
                        variable: name,
                        reason,
                    });
                }
            }
            Ok(None)
        };
        let no_proxy = ["NO_PROXY", "no_proxy"]
            .iter()
            .find_map(|name| env.non_empty(name))
            .map(|list| {
                list.split(',')
                    .map(|entry| entry.trim().trim_start_matches('.').to_ascii_lowercase())
                    .filter(|entry| !entry.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            https: pick(["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])?,
            http: pick(["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])?,
            no_proxy,
        })
    }

    /// The proxy for `https://` targets, whatever the host.
    pub fn https_proxy(&self) -> Option<&Proxy> {
        self.https.as_ref()
    }

    /// The `NO_PROXY` entries, lowercase, without a leading `.`: each matches itself and its
    /// subdomains (`*` matches everything).
    pub fn no_proxy(&self) -> &[String] {
        &self.no_proxy
    }

    /// The proxy for a connection to `host` (`https`: TLS inside the tunnel), if any.
    pub fn for_target(&self, https: bool, host: &str) -> Option<&Proxy> {
        let proxy = if https { &self.https } else { &self.http };
        let proxy = proxy.as_ref()?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if is_link_local(&host) || self.no_proxy.iter().any(|rule| bypasses(rule, &host)) {
            return None;
        }
        Some(proxy)
    }
}

fn bypasses(rule: &str, host: &str) -> bool {
    if rule == "*" {
        return true;
    }
    if let (Ok(rule_ip), Ok(host_ip)) = (rule.parse::<IpAddr>(), host.parse::<IpAddr>()) {
        return rule_ip == host_ip;
    }
    host == rule
        || host
            .strip_suffix(rule)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// The EC2 and ECS metadata services are on the host itself: never proxied.
fn is_link_local(host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => {
            (ip.segments()[0] & 0xffc0) == 0xfe80 || ip.segments()[..3] == [0xfd00, 0x0ec2, 0]
        }
        Err(_) => false,
    }
}

fn parse_proxy(value: &str) -> Result<Proxy, String> {
    let rest = match value.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "proxy scheme {scheme}:// is not supported (use an http:// proxy; TLS to the target runs inside its tunnel)"
            ));
        }
        None => value,
    };
    let rest = rest.split('/').next().unwrap_or_default();
    let (userinfo, host_port) = match rest.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, rest),
    };
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 proxy host lacks its closing ]")?;
        (host, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err("the proxy has no valid host".into());
    }
    let port = match port {
        Some(port) => port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or("the proxy's port is not a number from 1 to 65535")?,
        None => 80,
    };
    let authorization = userinfo.map(|userinfo| {
        let credentials = percent_decode(userinfo);
        Secret::new(format!(
            "Basic {}",
            BASE64_STANDARD.encode(credentials.as_bytes())
        ))
    });
    let (user, password) = match userinfo.map(|u| u.split_once(':').unwrap_or((u, ""))) {
        Some((user, password)) => (
            Some(Secret::new(percent_decode(user))),
            Some(password)
                .filter(|p| !p.is_empty())
                .map(|p| Secret::new(percent_decode(p))),
        ),
        None => (None, None),
    };
    Ok(Proxy {
        host: host.to_string(),
        port,
        user,
        password,
        authorization,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ProxyConfig {
        ProxyConfig::from_env(&Env::from_pairs(pairs.iter().copied())).unwrap()
    }

    #[test]
    fn variables_by_scheme_and_precedence() {
        let c = config(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("ALL_PROXY", "fallback:8080"),
        ]);
        assert_eq!(
            c.for_target(true, "example.com").unwrap().authority(),
            "secure:3128"
        );
        assert_eq!(
            c.for_target(false, "example.com").unwrap().authority(),
            "fallback:8080"
        );
        let c = config(&[("https_proxy", "http://[::1]:9")]);
        assert_eq!(c.for_target(true, "a.b").unwrap().authority(), "[::1]:9");
        assert!(c.for_target(false, "a.b").is_none());
        assert!(config(&[]).for_target(true, "a.b").is_none());
        assert_eq!(config(&[("HTTPS_PROXY", "proxy")]).https.unwrap().port, 80);
    }

    #[test]
    fn no_proxy_rules() {
        let c = config(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", " .internal.example, 10.0.0.7 ,localhost,::1"),
        ]);
        for bypassed in [
            "internal.example",
            "api.internal.example",
            "10.0.0.7",
            "LOCALHOST",
            "[::1]",
            "169.254.169.254",
            "169.254.170.2",
            "fd00:ec2::254",
        ] {
            assert!(c.for_target(true, bypassed).is_none(), "{bypassed}");
        }
        for proxied in [
            "notinternal.example",
            "example.com",
            "10.0.0.8",
            "127.0.0.1",
        ] {
            assert!(c.for_target(true, proxied).is_some(), "{proxied}");
        }
        let all = config(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]);
        assert!(
            all.for_target(true, "bedrock-runtime.us-east-1.amazonaws.com")
                .is_none()
        );
    }

    #[test]
    fn credentials_become_basic_authorization_and_never_print() {
        let c = config(&[("HTTPS_PROXY", "http://us%40er:p%3Ass@proxy.corp:3128/")]);
        let proxy = c.for_target(true, "x").unwrap();
        // base64("us@er:p:ss")
        assert_eq!(proxy.authorization(), Some("Basic dXNAZXI6cDpzcw=="));
        assert_eq!(proxy.credentials(), Some(("us@er", Some("p:ss"))));
        let printed = format!("{c:?} {proxy:?}");
        assert!(
            !printed.contains("dXNA") && !printed.contains("p%3Ass"),
            "{printed}"
        );
    }

    #[test]
    fn unusable_settings_name_the_variable_not_the_value() {
        for (value, expected) in [
            ("socks5://u:secret@h:1", "not supported"),
            ("https://h:1", "not supported"),
            ("http://h:99999", "port"),
            ("http://:8080", "host"),
            ("http://[::1:80", "IPv6"),
        ] {
            let e = ProxyConfig::from_env(&Env::from_pairs([("HTTPS_PROXY", value)])).unwrap_err();
            let text = e.to_string();
            assert!(
                text.starts_with("HTTPS_PROXY: ") && text.contains(expected),
                "{text}"
            );
            assert!(!text.contains("secret"));
        }
    }
}
