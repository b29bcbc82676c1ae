//! The crate's one `http(s)://` URL parser and its one loopback rule.
//!
//! Two parts of the crate read URLs a person configured: the settings (`base_url`, endpoint
//! overrides) and the credential sources (configured STS / SSO endpoints, the container
//! credentials URI, the IMDS endpoint). Both parse with [`Url::parse`] and both ask
//! [`is_loopback`] whether plain `http://` may carry a credential to a host, so they cannot
//! disagree about it.
//!
//! | part | rule |
//! |---|---|
//! | scheme | `http` or `https`, any case |
//! | user info | refused (`user@`) |
//! | host | a DNS name (dot-separated non-empty labels of ASCII letters, digits, `-`, `_`), which includes dotted-quad IPv4, or an IPv6 address in brackets (RFC 4291 text form, IPv4 tail allowed); kept lowercase, without brackets |
//! | port | decimal 1..=65535; none means the scheme's (443, 80) |
//! | path | ASCII graphic characters only (no spaces, controls or non-ASCII) |
//! | query, fragment | the caller's choice ([`Query`]): kept query and dropped fragment, or both refused |
//!
//! # Loopback
//!
//! [`is_loopback`] is true for `localhost`, `127.0.0.0/8` written as a dotted quad, and `::1`
//! in every spelling (`::1`, `0:0:0:0:0:0:0:1`, `0::0:1`, `::0.0.0.1`). It is false for the
//! IPv4-mapped `::ffff:127.0.0.1`: RFC 4291 §2.5.3 names only `::1` as the IPv6 loopback
//! (Rust's `Ipv6Addr::is_loopback` agrees), and whether a mapped address reaches the IPv4
//! loopback depends on the socket's dual-stack setting, which the core cannot see. Shorthand
//! IPv4 forms that resolvers accept (`127.1`, `0x7f.0.0.1`) are host names here, not loopback:
//! every doubt falls on the side of refusing plain HTTP.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

/// What [`Url::parse`] does with a `?query` and a `#fragment`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Query {
    /// Keep the query in [`Url::target`]; drop the fragment.
    Allow,
    /// Refuse either ([`UrlError::QueryOrFragment`]), checked right after the scheme.
    Refuse,
}

/// Why a text is not a usable URL. The variants come in the order the parser checks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UrlError {
    /// No `scheme://`.
    NotAbsolute,
    /// A scheme other than `http` or `https`.
    Scheme,
    /// A `?query` or `#fragment` under [`Query::Refuse`].
    QueryOrFragment,
    /// A `user@` part.
    Userinfo,
    /// No host.
    MissingHost,
    /// A host that is neither a DNS name nor a bracketed IPv6 address.
    InvalidHost,
    /// A port that is not a number in 1..=65535.
    InvalidPort,
    /// A path with spaces, control or non-ASCII characters.
    InvalidPath,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotAbsolute => "it is not an absolute http(s) URL",
            Self::Scheme => "its scheme is not http or https",
            Self::QueryOrFragment => "it has a query or fragment",
            Self::Userinfo => "it contains user information",
            Self::MissingHost => "its host is missing",
            Self::InvalidHost => "its host is invalid",
            Self::InvalidPort => "its port is invalid",
            Self::InvalidPath => "its path has spaces or control characters",
        })
    }
}

/// A parsed `http(s)://host[:port][/path][?query]` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) https: bool,
    /// Lowercase; IPv6 without brackets.
    pub(crate) host: String,
    /// The port, the scheme's default when the URL has none.
    pub(crate) port: u16,
    /// Path and query; `/` when the URL has none.
    pub(crate) target: String,
}

impl Url {
    /// Parses an absolute `http`/`https` URL by the rules in the [module docs](self).
    ///
    /// # Errors
    ///
    /// The first rule the text breaks, in [`UrlError`]'s order.
    pub(crate) fn parse(text: &str, query: Query) -> Result<Self, UrlError> {
        let (scheme, rest) = text.split_once("://").ok_or(UrlError::NotAbsolute)?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err(UrlError::Scheme);
        };
        let rest = match query {
            Query::Refuse if rest.contains(['?', '#']) => return Err(UrlError::QueryOrFragment),
            Query::Refuse => rest,
            Query::Allow => rest.split_once('#').map_or(rest, |(before, _)| before),
        };
        let (authority, target) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
        if authority.contains('@') {
            return Err(UrlError::Userinfo);
        }
        let (host, port) = split_host_port(authority)?;
        if !target.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UrlError::InvalidPath);
        }
        let target = if target.is_empty() {
            "/".to_string()
        } else if target.starts_with('?') {
            format!("/{target}")
        } else {
            target.to_string()
        };
        Ok(Self {
            https,
            host,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            target,
        })
    }

    /// Whether the port is the scheme's default.
    pub(crate) fn has_default_port(&self) -> bool {
        self.port == if self.https { 443 } else { 80 }
    }

    /// Whether the host is a loopback host ([`is_loopback`]).
    pub(crate) fn is_loopback(&self) -> bool {
        is_loopback(&self.host)
    }

    /// The URL with `path` (relative, no leading `/`) appended to its path, as botocore's
    /// `_construct_url` does for IMDS.
    pub(crate) fn join(&self, path: &str) -> Self {
        let mut joined = self.clone();
        let base = self.target.split('?').next().unwrap_or_default();
        joined.target = if base.ends_with('/') {
            format!("{base}{path}")
        } else {
            format!("{base}/{path}")
        };
        joined
    }

    /// `host[:port]` ([`authority`]): the `Host` header of a request to this URL.
    pub(crate) fn authority(&self) -> String {
        authority(self.https, &self.host, self.port)
    }

    /// The `scheme://host[:port]` part, for messages.
    pub(crate) fn origin(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.authority())
    }
}

/// `host[:port]` as a `Host` header or an origin writes it: an IPv6 host in brackets, the port
/// only when it is not the scheme's default.
pub(crate) fn authority(https: bool, host: &str, port: u16) -> String {
    let host = bracketed(host);
    if port == if https { 443 } else { 80 } {
        host
    } else {
        format!("{host}:{port}")
    }
}

/// The host as a URL writes it: an IPv6 address in brackets.
pub(crate) fn bracketed(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// Splits `host[:port]` / `[v6][:port]`: the lowercase host without brackets and the port, if
/// written.
fn split_host_port(authority: &str) -> Result<(String, Option<u16>), UrlError> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (address, after) = v6.split_once(']').ok_or(UrlError::InvalidHost)?;
        if parse_ipv6(address).is_none() {
            return Err(UrlError::InvalidHost);
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(UrlError::InvalidPort)?),
        };
        (address, port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err(UrlError::MissingHost);
        }
        let is_name = host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        if !is_name {
            return Err(UrlError::InvalidHost);
        }
        (host, port)
    };
    let port = match port {
        None => None,
        Some(digits) => {
            if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(UrlError::InvalidPort);
            }
            match digits.parse::<u16>() {
                Ok(p) if p != 0 => Some(p),
                _ => return Err(UrlError::InvalidPort),
            }
        }
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// The loopback rule of the [module docs](self): `localhost`, `127.0.0.0/8`, `::1` in any
/// spelling. `host` as a URL or a `Host` header writes it, IPv6 with or without brackets.
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || parse_ipv4(host).is_some_and(|octets| octets[0] == 127)
        || parse_ipv6(host) == Some([0, 0, 0, 0, 0, 0, 0, 1])
}

/// Whether `host` is the IP address `ip` (IPv6 compared by value, not by spelling).
pub(crate) fn same_ip(host: &str, ip: &str) -> bool {
    if let (Some(a), Some(b)) = (parse_ipv4(host), parse_ipv4(ip)) {
        return a == b;
    }
    matches!((parse_ipv6(host), parse_ipv6(ip)), (Some(a), Some(b)) if a == b)
}

/// A dotted-quad IPv4 address: four decimal octets of 1 to 3 digits.
fn parse_ipv4(text: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split('.');
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// An IPv6 address in RFC 4291 §2.2 text form: eight groups of 1 to 4 hex digits, one `::`
/// standing for one or more zero groups, and optionally a dotted-quad IPv4 tail.
fn parse_ipv6(text: &str) -> Option<[u16; 8]> {
    if !text.contains(':') {
        return None;
    }
    // An IPv4 tail (`::ffff:1.2.3.4`) is the last two groups.
    let rewritten;
    let text = match text.rfind(':') {
        Some(at) if text[at + 1..].contains('.') => {
            let [a, b, c, d] = parse_ipv4(&text[at + 1..])?;
            let (high, low) = (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
            rewritten = format!("{}{high:x}:{low:x}", &text[..=at]);
            rewritten.as_str()
        }
        _ => text,
    };
    let mut out = [0u16; 8];
    let mut fill = |part: &str, at_end: bool| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let groups = part.split(':').count();
        if groups > 8 {
            return None;
        }
        let start = if at_end { 8 - groups } else { 0 };
        for (slot, group) in out[start..].iter_mut().zip(part.split(':')) {
            if group.is_empty() || group.len() > 4 || !group.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return None;
            }
            *slot = u16::from_str_radix(group, 16).ok()?;
        }
        Some(groups)
    };
    match text.split_once("::") {
        Some((head, tail)) => {
            let head = fill(head, false)?;
            let tail = fill(tail, true)?;
            // `::` stands for at least one zero group.
            (head + tail <= 7).then_some(out)
        }
        None => (fill(text, false)? == 8).then_some(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_endpoints() {
        let url = Url::parse("http://169.254.169.254", Query::Allow).unwrap();
        assert_eq!(
            (url.https, url.host.as_str(), url.port, url.target.as_str()),
            (false, "169.254.169.254", 80, "/")
        );
        let url = Url::parse("http://[FD00:EC2::254]/", Query::Allow).unwrap();
        assert_eq!((url.host.as_str(), url.port), ("fd00:ec2::254", 80));
        assert_eq!(url.origin(), "http://[fd00:ec2::254]");
        let url = Url::parse("https://Example.com:8443/creds?x=1#frag", Query::Allow).unwrap();
        assert_eq!(
            (url.https, url.host.as_str(), url.port, url.target.as_str()),
            (true, "example.com", 8443, "/creds?x=1")
        );
        assert_eq!(
            Url::parse("http://127.0.0.1:9?q", Query::Allow)
                .unwrap()
                .target,
            "/?q"
        );
        for (bad, error) in [
            ("x", UrlError::NotAbsolute),
            ("ftp://x", UrlError::Scheme),
            ("http://", UrlError::MissingHost),
            ("http://u@h/", UrlError::Userinfo),
            ("http://h:0/", UrlError::InvalidPort),
            ("http://h:99999/", UrlError::InvalidPort),
            ("http://h:+80/", UrlError::InvalidPort),
            ("http://h/a b", UrlError::InvalidPath),
            ("http://[::1", UrlError::InvalidHost),
            ("http://[1:2]/", UrlError::InvalidHost),
            ("http://a..b/", UrlError::InvalidHost),
            ("http://::1/", UrlError::InvalidHost),
        ] {
            assert_eq!(Url::parse(bad, Query::Allow), Err(error), "{bad}");
        }
        assert_eq!(
            Url::parse("https://h/?q", Query::Refuse),
            Err(UrlError::QueryOrFragment)
        );
        // Refusing a query comes before every check of the authority.
        assert_eq!(
            Url::parse("https://u@h#x", Query::Refuse),
            Err(UrlError::QueryOrFragment)
        );
    }

    #[test]
    fn joins_paths_like_botocore() {
        let base = Url::parse("http://127.0.0.1:1234", Query::Allow).unwrap();
        assert_eq!(base.join("latest/api/token").target, "/latest/api/token");
        let base = Url::parse("http://127.0.0.1:1234/prefix", Query::Allow).unwrap();
        assert_eq!(
            base.join("latest/api/token").target,
            "/prefix/latest/api/token"
        );
        let base = Url::parse("http://127.0.0.1:1234/prefix/", Query::Allow).unwrap();
        assert_eq!(base.join("x").target, "/prefix/x");
    }

    #[test]
    fn one_loopback_rule() {
        for host in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.1.2.3",
            "127.255.255.255",
            "::1",
            "[::1]",
            "0:0:0:0:0:0:0:1",
            "[0:0:0:0:0:0:0:1]",
            "0000:0000:0000:0000:0000:0000:0000:0001",
            "0::0:1",
            "::0:1",
            "::0.0.0.1",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "169.254.170.2",
            "example.com",
            "128.0.0.1",
            "126.255.255.255",
            "::2",
            "::",
            "::ffff:127.0.0.1",
            "[::ffff:127.0.0.1]",
            "::ffff:7f00:1",
            "127.0.0",
            "127.1",
            "127.0.0.1.evil.com",
            "localhost.evil.com",
            "1.2.3.4.5",
            "[::1",
            "1::1",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn parses_ipv6_text_forms() {
        assert_eq!(parse_ipv6("::"), Some([0; 8]));
        assert_eq!(parse_ipv6("1::"), Some([1, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(
            parse_ipv6("::ffff:1.2.3.4"),
            Some([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304])
        );
        assert_eq!(
            parse_ipv6("1:2:3:4:5:6:7:8"),
            Some([1, 2, 3, 4, 5, 6, 7, 8])
        );
        for bad in [
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4::5:6:7:8",
            "1::2::3",
            ":::",
            "12345::",
            "g::1",
            "+1::",
            "::1.2.3",
            "::256.0.0.1",
            "1.2.3.4",
        ] {
            assert_eq!(parse_ipv6(bad), None, "{bad}");
        }
    }

    #[test]
    fn compares_ips_by_value() {
        assert!(same_ip("fd00:ec2:0::23", "fd00:ec2::23"));
        assert!(same_ip("169.254.170.23", "169.254.170.23"));
        assert!(!same_ip("169.254.170.2", "169.254.170.23"));
        assert!(!same_ip("example.com", "169.254.170.2"));
    }
}
