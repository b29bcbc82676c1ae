//! The small amount of URL handling the credential sources need: parsing an endpoint or a
//! container URI, classifying hosts, and form-encoding a Query-protocol body.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// A parsed `http(s)://host[:port][/path][?query]` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) https: bool,
    /// Lowercase; IPv6 without brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Path and query; `/` when the URL has none.
    pub(crate) target: String,
}

impl Url {
    /// Parses an absolute `http`/`https` URL. A `#fragment` is dropped; `user@` is refused.
    pub(crate) fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        let (scheme, rest) = text
            .split_once("://")
            .ok_or("it is not an absolute http(s) URL")?;
        let https = if scheme.eq_ignore_ascii_case("https") {
            true
        } else if scheme.eq_ignore_ascii_case("http") {
            false
        } else {
            return Err("its scheme is not http or https");
        };
        let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(split);
        if authority.contains('@') {
            return Err("it contains user information");
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (address, after) = v6.split_once(']').ok_or("its IPv6 host is not closed")?;
            if address.is_empty()
                || !address
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return Err("its IPv6 host is invalid");
            }
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => return Err("its host is invalid"),
            };
            (address, port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'))
        {
            return Err("its host is missing or invalid");
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or("its port is invalid")?,
            None if https => 443,
            None => 80,
        };
        if !target.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("its path has spaces or control characters");
        }
        let target = if target.is_empty() {
            "/".to_string()
        } else if target.starts_with('?') {
            alloc::format!("/{target}")
        } else {
            target.to_string()
        };
        Ok(Self {
            https,
            host: host.to_ascii_lowercase(),
            port,
            target,
        })
    }

    /// The URL with `path` (relative, no leading `/`) appended to its path, as botocore's
    /// `_construct_url` does for IMDS.
    pub(crate) fn join(&self, path: &str) -> Self {
        let mut joined = self.clone();
        let base = self.target.split('?').next().unwrap_or_default();
        joined.target = if base.ends_with('/') {
            alloc::format!("{base}{path}")
        } else {
            alloc::format!("{base}/{path}")
        };
        joined
    }

    /// The `scheme://host[:port]` part, for messages.
    pub(crate) fn origin(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = if self.host.contains(':') {
            alloc::format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default_port = if self.https { 443 } else { 80 };
        if self.port == default_port {
            alloc::format!("{scheme}://{host}")
        } else {
            alloc::format!("{scheme}://{host}:{}", self.port)
        }
    }
}

/// `localhost`, `127.0.0.0/8` or `::1` (written any way, e.g. `0:0:0:0:0:0:0:1`).
pub(crate) fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(octets) = parse_ipv4(host) {
        return octets[0] == 127;
    }
    parse_ipv6(host).is_some_and(|words| words == [0, 0, 0, 0, 0, 0, 0, 1])
}

/// Whether `host` equals the IP address `ip` (IPv6 compared by value).
pub(crate) fn same_ip(host: &str, ip: &str) -> bool {
    if let (Some(a), Some(b)) = (parse_ipv4(host), parse_ipv4(ip)) {
        return a == b;
    }
    matches!((parse_ipv6(host), parse_ipv6(ip)), (Some(a), Some(b)) if a == b)
}

fn parse_ipv4(host: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = host.split('.');
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn parse_ipv6(host: &str) -> Option<[u16; 8]> {
    if !host.contains(':') {
        return None;
    }
    let parse_groups = |part: &str| -> Option<Vec<u16>> {
        if part.is_empty() {
            return Some(Vec::new());
        }
        part.split(':')
            .map(|g| {
                (!g.is_empty() && g.len() <= 4)
                    .then(|| u16::from_str_radix(g, 16).ok())
                    .flatten()
            })
            .collect()
    };
    let mut out = [0u16; 8];
    if let Some((head, tail)) = host.split_once("::") {
        let head = parse_groups(head)?;
        let tail = parse_groups(tail)?;
        if head.len() + tail.len() > 7 {
            return None;
        }
        out[..head.len()].copy_from_slice(&head);
        out[8 - tail.len()..].copy_from_slice(&tail);
    } else {
        let groups = parse_groups(host)?;
        if groups.len() != 8 {
            return None;
        }
        out.copy_from_slice(&groups);
    }
    Some(out)
}

/// `application/x-www-form-urlencoded` body from pairs, percent-encoding everything outside
/// `A-Z a-z 0-9 - . _ ~` (botocore's `percent_encode_sequence`).
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(256);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        crate::percent::encode(&mut out, name);
        out.push('=');
        crate::percent::encode(&mut out, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_endpoints() {
        let url = Url::parse("http://169.254.169.254").unwrap();
        assert_eq!(
            (url.https, url.host.as_str(), url.port, url.target.as_str()),
            (false, "169.254.169.254", 80, "/")
        );
        let url = Url::parse("http://[FD00:EC2::254]/").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("fd00:ec2::254", 80));
        assert_eq!(url.origin(), "http://[fd00:ec2::254]");
        let url = Url::parse("https://Example.com:8443/creds?x=1#frag").unwrap();
        assert_eq!(
            (url.https, url.host.as_str(), url.port, url.target.as_str()),
            (true, "example.com", 8443, "/creds?x=1")
        );
        assert_eq!(Url::parse("http://127.0.0.1:9?q").unwrap().target, "/?q");
        for bad in [
            "ftp://x",
            "x",
            "http://",
            "http://u@h/",
            "http://h:0/",
            "http://h:99999/",
            "http://h/a b",
            "http://[::1",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn joins_paths_like_botocore() {
        let base = Url::parse("http://127.0.0.1:1234").unwrap();
        assert_eq!(base.join("latest/api/token").target, "/latest/api/token");
        let base = Url::parse("http://127.0.0.1:1234/prefix").unwrap();
        assert_eq!(
            base.join("latest/api/token").target,
            "/prefix/latest/api/token"
        );
        let base = Url::parse("http://127.0.0.1:1234/prefix/").unwrap();
        assert_eq!(base.join("x").target, "/prefix/x");
    }

    #[test]
    fn classifies_hosts() {
        for host in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "0:0:0:0:0:0:0:1",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "169.254.170.2",
            "example.com",
            "128.0.0.1",
            "::2",
            "127.0.0",
            "1.2.3.4.5",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
        assert!(same_ip("fd00:ec2:0::23", "fd00:ec2::23"));
        assert!(same_ip("169.254.170.23", "169.254.170.23"));
        assert!(!same_ip("169.254.170.2", "169.254.170.23"));
        assert!(!same_ip("example.com", "169.254.170.2"));
    }

    #[test]
    fn form_encodes() {
        assert_eq!(
            form_encode(&[
                ("Action", "AssumeRole"),
                ("RoleArn", "arn:aws:iam::1:role/a b+c")
            ]),
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc"
        );
    }
}
