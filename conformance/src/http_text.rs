//! Raw HTTP/1.1 request text as the AWS signing test suite writes it (`request.txt`,
//! `header-signed-request.txt`, ...), and an order-insensitive view for comparing signed
//! requests.

use std::fmt::Write as _;

pub use bedrock_core::percent::decode as percent_decode;

/// A parsed request file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestText {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path part of the request target (may hold raw bytes such as a space or `ሴ`, as the
    /// suite's files do).
    pub path: String,
    /// The query, without `?`; empty when absent.
    pub query: String,
    /// Headers in file order; obs-fold continuation lines are joined to their header with a
    /// space, as RFC 9110 §5.5 tells recipients to do.
    pub headers: Vec<(String, String)>,
    /// Everything after the blank line.
    pub body: Vec<u8>,
}

impl RequestText {
    /// Parses request text. Lines may end in LF or CRLF.
    ///
    /// # Errors
    ///
    /// A message naming what is malformed.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let (head, body) = split_head(bytes);
        let head =
            std::str::from_utf8(head).map_err(|_| "request head is not UTF-8".to_string())?;
        let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let request_line = lines.next().ok_or("empty request file")?;
        // The target can contain spaces in the suite's files (`GET /example space/ HTTP/1.1`),
        // so the method ends at the first space and the version starts at the last.
        let (method, rest) = request_line
            .split_once(' ')
            .ok_or("request line has no target")?;
        let target = match rest.rsplit_once(' ') {
            Some((target, version)) if version.starts_with("HTTP/") => target,
            _ => rest,
        };
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.is_empty() {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                let (_, value) = headers
                    .last_mut()
                    .ok_or("continuation line before any header")?;
                value.push(' ');
                value.push_str(line);
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("header line without ':': {line:?}"))?;
            headers.push((name.to_string(), value.to_string()));
        }
        Ok(Self {
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body: body.to_vec(),
        })
    }

    /// The request target, `path[?query]`.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// A form of the request in which equivalent requests are equal: the path and every query
    /// key and value percent-decoded, query pairs sorted, header names lower-cased and values
    /// trimmed, headers sorted (stable, so repeated headers keep their order).
    ///
    /// The suite's signed-request files list added headers and query parameters in the order the
    /// AWS CRT happens to add them; that order carries no meaning (the signature covers the
    /// sorted canonical form), so the runner compares this normalized form, printed as text.
    pub fn normalized(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{} {}", self.method, percent_decode(&self.path));
        let mut pairs: Vec<(String, String)> = self
            .query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        pairs.sort();
        for (k, v) in pairs {
            let _ = writeln!(out, "  ?{k}={v}");
        }
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        headers.sort_by(|a, b| a.0.cmp(&b.0));
        for (n, v) in headers {
            let _ = writeln!(out, "{n}:{v}");
        }
        let _ = writeln!(out);
        out.push_str(&String::from_utf8_lossy(&self.body));
        out
    }
}

fn split_head(bytes: &[u8]) -> (&[u8], &[u8]) {
    for (i, w) in bytes.windows(2).enumerate() {
        if w == b"\n\n" {
            return (&bytes[..i], &bytes[i + 2..]);
        }
        if w == b"\r\n" && bytes.get(i + 2..i + 4) == Some(b"\r\n") {
            return (&bytes[..i], &bytes[i + 4..]);
        }
    }
    (bytes, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suite_request_files() {
        let req = RequestText::parse(b"GET /example space/?a=b HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n  value2\n     value3\n\nbody").unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/example space/");
        assert_eq!(req.query, "a=b");
        assert_eq!(
            req.headers[1],
            ("My-Header1".into(), "value1   value2      value3".into())
        );
        assert_eq!(req.body, b"body");
        let bare = RequestText::parse(b"POST / HTTP/1.1\r\nHost:h").unwrap();
        assert!(bare.body.is_empty());
        assert_eq!(bare.headers.len(), 1);
    }

    #[test]
    fn normalized_form_ignores_order_and_encoding() {
        let a = RequestText::parse(b"GET /a%20b?y=2&x=1 HTTP/1.1\nHost:h\nX-A: 1\n").unwrap();
        let b = RequestText::parse(b"GET /a b?x=1&y=%32 HTTP/1.1\nx-a:1\nhost:h\n").unwrap();
        assert_eq!(a.normalized(), b.normalized());
        let c = RequestText::parse(b"GET /a b?x=1&y=3 HTTP/1.1\nx-a:1\nhost:h\n").unwrap();
        assert_ne!(a.normalized(), c.normalized());
    }

    #[test]
    fn decoding_keeps_stray_percent() {
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%E1%88%B4"), "\u{1234}");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
